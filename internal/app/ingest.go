package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/pipeline"
)

// Summary is what `geoheat ingest` prints when the source ends.
type Summary struct {
	Messages    int64            `json:"messages"`
	Posts       int64            `json:"posts"`
	Notices     int64            `json:"notices_skipped"`
	NoticeKinds map[string]int64 `json:"notice_kinds"`
	Malformed   int64            `json:"malformed"`
	GeoRejected int64            `json:"geo_rejected"`
	// ProfileSkipped: posts whose author profile was too long to read.
	ProfileSkipped int64            `json:"profile_skipped,omitempty"`
	Located        map[string]int64 `json:"located,omitempty"`
	HashtagsCut    int64            `json:"hashtags_cut"`
	Undetected     int64            `json:"undetected"`
	// MembersDamaged: archive members (or files of several) skipped
	// from the damage on; the log names them.
	MembersDamaged int64   `json:"members_damaged,omitempty"`
	Written        int64   `json:"written"`
	Seconds        float64 `json:"seconds"`
	PostsPerSec    float64 `json:"posts_per_s"`
	Source         string  `json:"source"`
	State          string  `json:"source_state"`
	Error          string  `json:"error,omitempty"`
}

func summarize(s pipeline.Stats) Summary {
	sum := Summary{
		Messages: s.Messages, Posts: s.Posts, Notices: s.NoticeCount(), NoticeKinds: s.Notices,
		Malformed: s.Malformed, GeoRejected: s.GeoRejected, ProfileSkipped: s.ProfileSkipped, Located: s.Located, HashtagsCut: s.HashtagsCut, Undetected: s.Undetected, Written: s.Written,
		Seconds: s.Seconds, Source: s.Source.Name, State: s.Source.State, Error: s.Source.Error,
		MembersDamaged: s.SourceCounters["members_damaged"],
	}
	if s.Seconds > 0 {
		sum.PostsPerSec = float64(s.Posts) / s.Seconds
	}
	return sum
}

const ingestSynopsis = "--source demo|file:PATH [--store redis://... --to redis-stream] [flags]"

// runIngest is `geoheat ingest`: the pipeline into the store until the
// source ends, then a summary. With --to redis-stream the same pipeline
// publishes the parsed posts for `geoheat work` instead (openIngestion).
func runIngest(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("ingest", groupIngest|groupStore|groupSummary, env, args, ingestSynopsis)
	if err != nil {
		return helpOK(err)
	}
	in, err := openIngestion(cfg, env, false)
	if err != nil {
		return err
	}
	p := in.p
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var runErr error
	if env.IsTerminal {
		tick := time.NewTicker(250 * time.Millisecond)
	loop:
		for {
			select {
			case runErr = <-done:
				break loop
			case <-tick.C:
				printProgress(env.Stderr, p.Stats())
			}
		}
		tick.Stop()
		fmt.Fprint(env.Stderr, "\r\033[K")
	} else {
		runErr = <-done
	}
	closeErr := in.Close()
	sum := summarize(p.Stats())
	if in.publishing {
		// Written counts posts published; detection happens in the
		// workers, so Undetected stays 0 here.
		sum.Source += " -> redis-stream"
	}
	return finishIngest(env, cfg.JSON, sum, runErr, closeErr)
}

// finishIngest prints an ingest's summary (a table, or JSON) and returns its
// error: the run's first, else the store's on close.
func finishIngest(env Env, asJSON bool, sum Summary, runErr, closeErr error) error {
	if asJSON {
		b, _ := json.MarshalIndent(sum, "", "  ")
		fmt.Fprintln(env.Stdout, string(b))
	} else {
		printSummary(env.Stdout, sum)
	}
	if runErr != nil {
		return runErr
	}
	if closeErr != nil {
		return fmt.Errorf("ingest: closing the store: %w", closeErr)
	}
	return nil
}

func printProgress(w io.Writer, s pipeline.Stats) {
	fmt.Fprintf(w, "\r\033[K%s", progressLine(s))
}

// progressLine is the terminal progress line: rate, and for files the share
// done and the time left at the average byte rate so far.
func progressLine(s pipeline.Stats) string {
	rate := 0.0
	if s.Seconds > 0 {
		rate = float64(s.Messages) / s.Seconds
	}
	line := fmt.Sprintf("%s  %d messages  %.0f msg/s  %d written", s.Source.Name, s.Messages, rate, s.Written)
	if total, done := s.Source.Total, s.Source.Bytes; total > 0 {
		line += fmt.Sprintf("  %.1f%%", 100*float64(done)/float64(total))
		if done > 0 && done < total && s.Seconds > 0 {
			left := time.Duration(float64(total-done) / (float64(done) / s.Seconds) * float64(time.Second))
			line += "  ETA " + left.Round(time.Second).String()
		}
	}
	return line
}

func printSummary(w io.Writer, s Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name string, v any, note string) { fmt.Fprintf(tw, "%s\t%12v\t%s\n", name, v, note) }
	row("messages read", s.Messages, "")
	row("posts", s.Posts, "")
	kinds := make([]string, 0, len(s.NoticeKinds))
	for k, n := range s.NoticeKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	row("notices skipped", s.Notices, strings.Join(kinds, ", "))
	row("malformed lines", s.Malformed, "")
	row("geo rejected", s.GeoRejected, "points out of range, post kept")
	if s.ProfileSkipped > 0 {
		row("profiles skipped", s.ProfileSkipped, "too long to read, post kept")
	}
	if s.Located != nil {
		row("places inferred", s.Located["profile"]+s.Located["text"],
			fmt.Sprintf("profile %d, text %d (shown with geo=all)", s.Located["profile"], s.Located["text"]))
	}
	if s.HashtagsCut > 0 {
		row("hashtags cut", s.HashtagsCut, "over the per-post cap")
	}
	if s.MembersDamaged > 0 {
		row("members damaged", s.MembersDamaged, "archive members or files cut off at the damage (see the log)")
	}
	row("undetected", s.Undetected, "no language with more than one match")
	row("written", s.Written, "")
	row("seconds", fmt.Sprintf("%.3f", s.Seconds), "")
	row("posts/s", fmt.Sprintf("%.0f", s.PostsPerSec), "")
	if s.Error != "" {
		row("source error", s.Error, "")
	}
	tw.Flush()
}
