package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runStatus(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("status", 0, env, args, "[--server URL | --store redis://... | --data-dir DIR] [--json]")
	if err != nil {
		return helpOK(err)
	}
	data, err := apiGet(ctx, env, cfg, "/api/status", nil)
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(env.Stdout, data)
	}
	var s httpapi.StatusData
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "current time\t%s\n", s.Time.Local().Format("15:04:05"))
	fmt.Fprintf(tw, "uptime\t%s\n", (time.Duration(s.UptimeS) * time.Second).String())
	if in := s.Ingest; in != nil {
		src := in.Source.State
		if in.Source.Error != "" {
			src += ": " + in.Source.Error
		}
		fmt.Fprintf(tw, "source\t%s (%s)\n", in.Source.Name, src)
		fmt.Fprintf(tw, "messages\t%d (posts %d, notices %d, malformed %d)\n", in.Messages, in.Posts, in.NoticeCount(), in.Malformed)
		if len(in.SourceDropped) > 0 {
			fmt.Fprintf(tw, "skipped by source\t%s\n", namedCounts(in.SourceDropped))
		}
		if len(in.SourceCounters) > 0 {
			fmt.Fprintf(tw, "source counters\t%s\n", namedCounts(in.SourceCounters))
		}
		if len(in.SourceGauges) > 0 {
			fmt.Fprintf(tw, "source levels\t%s\n", namedCounts(in.SourceGauges))
		}
		if len(in.Located) > 0 {
			fmt.Fprintf(tw, "places inferred\tprofile %d, text %d\n", in.Located["profile"], in.Located["text"])
		}
		fmt.Fprintf(tw, "detected\t%d (undetected %d)\n", in.Detected, in.Undetected)
		fmt.Fprintf(tw, "written\t%d\n", in.Written)
		fmt.Fprintf(tw, "posts/s\t%.1f (last minute)\n", in.PostsPerSec)
		var qs []string
		for _, q := range in.Queues {
			qs = append(qs, fmt.Sprintf("%s %d/%d", q.Name, q.Len, q.Cap))
		}
		fmt.Fprintf(tw, "queue lengths\t%s\n", strings.Join(qs, ", "))
		fmt.Fprintf(tw, "workers alive\t%d of %d\n", in.Workers.Alive, in.Workers.Total)
	} else {
		fmt.Fprintf(tw, "source\tnone (this process does not ingest)\n")
	}
	fmt.Fprintf(tw, "store memory\t%s\n", humanBytes(s.Store.MemoryBytes))
	if s.Store.Checkpoint != "" {
		fmt.Fprintf(tw, "checkpoints\t%s\n", s.Store.Checkpoint)
	}
	if s.Store.Snapshot != "" {
		fmt.Fprintf(tw, "store start\t%s\n", s.Store.Snapshot)
	}
	if s.Store.ColdDamaged != "" {
		fmt.Fprintf(tw, "store cold files DAMAGED\t%s\n", s.Store.ColdDamaged)
	}
	if s.Store.ColdBytes > 0 || s.Store.ColdErrors > 0 {
		fmt.Fprintf(tw, "store cold files\t%s (%d failed writes)\n", humanBytes(s.Store.ColdBytes), s.Store.ColdErrors)
	}
	// points as the default map draws them (exact, place), inferred apart.
	pts := fmt.Sprint(s.Store.Points - s.Store.InferredPoints)
	if s.Store.InferredPoints > 0 {
		pts += fmt.Sprintf(" + %d inferred", s.Store.InferredPoints)
	}
	fmt.Fprintf(tw, "posts held\t%d (points %s, hashtags %d, languages %d)\n", s.Store.Posts, pts, s.Store.Hashtags, s.Store.Languages)
	if !s.Store.Head.IsZero() {
		fmt.Fprintf(tw, "newest post\t%s\n", s.Store.Head.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// namedCounts lists a map of counts as "name n, name n", sorted by name.
func namedCounts[N int64 | int](m map[string]N) string {
	var out []string
	for name, n := range m {
		out = append(out, fmt.Sprintf("%s %d", name, n))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
