package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// Query commands build the same API request whether they ask a running
// server (--server) or open the data directory themselves; in the second
// case the request is served in-process by the same handler, so the CLI and
// the API cannot disagree.

type envelope struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func apiGet(ctx context.Context, env Env, cfg *Config, path string, q url.Values) (json.RawMessage, error) {
	target := path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	server := strings.TrimRight(cfg.Server, "/")
	var body []byte
	if server == "" {
		b, redirect, err := localGet(ctx, env, cfg, target)
		if err != nil {
			return nil, err
		}
		if redirect == "" {
			body = b
		} else {
			fmt.Fprintf(env.Stderr, "geoheat: %s is in use by a running server; asking it at %s\n", cfg.DataDir, redirect)
			server = redirect
		}
	}
	if body == nil {
		b, err := httpGet(ctx, server+target)
		if err != nil {
			return nil, err
		}
		body = b
	}
	var env2 envelope
	if err := json.Unmarshal(body, &env2); err != nil {
		return nil, fmt.Errorf("unexpected answer from %s: %w", target, err)
	}
	if env2.Status != "success" {
		return nil, fmt.Errorf("%s: %s", env2.ErrorType, env2.Error)
	}
	return env2.Data, nil
}

func httpGet(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: bad --server: %v", ErrUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach geoheat: %w", err)
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
}

// localGet serves target from the data directory. When a server holds the
// directory it returns that server's URL instead.
func localGet(ctx context.Context, env Env, cfg *Config, target string) (body []byte, redirect string, err error) {
	if fi, err := os.Stat(cfg.DataDir); err != nil || !fi.IsDir() {
		return nil, "", fmt.Errorf("no geoheat data in %s: run `geoheat ingest` or `geoheat serve` first, or give --server URL", cfg.DataDir)
	}
	st, err := memstore.Open(memstore.Options{Dir: cfg.DataDir, Now: env.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if errors.Is(err, memstore.ErrLocked) {
		b, rerr := os.ReadFile(filepath.Join(cfg.DataDir, serverFile))
		var info serverInfo
		if rerr == nil && json.Unmarshal(b, &info) == nil && info.URL != "" {
			return nil, info.URL, nil
		}
		return nil, "", fmt.Errorf("%s is in use by another geoheat process; query it with --server URL", cfg.DataDir)
	}
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	api := httpapi.New(httpapi.Options{Querier: st, Now: env.Now})
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	return rec.Body.Bytes(), "", nil
}

func printJSON(w io.Writer, data json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func queryFlags(name string, groups flagGroup, env Env, args []string, synopsis string) (*Config, error) {
	cfg, fs, err := parseFlags(name, groupQuery|groups, env, args, synopsis)
	if err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: geoheat %s takes no arguments, got %q", ErrUsage, name, fs.Args())
	}
	return cfg, nil
}

func runStatus(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("status", 0, env, args, "[--server URL | --data-dir DIR] [--json]")
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
			var ds []string
			for reason, n := range in.SourceDropped {
				ds = append(ds, fmt.Sprintf("%s %d", reason, n))
			}
			sort.Strings(ds)
			fmt.Fprintf(tw, "skipped by source\t%s\n", strings.Join(ds, ", "))
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

func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func runCounts(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("counts", 0, env, args, "[--server URL | --data-dir DIR] [--json]")
	if err != nil {
		return helpOK(err)
	}
	data, err := apiGet(ctx, env, cfg, "/api/counts", nil)
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(env.Stdout, data)
	}
	var rows []httpapi.CountRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lang\tname\tposts\tgeo\thashtags\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", r.Lang, r.Name, r.Posts, r.Geo, r.Hashtags)
	}
	return tw.Flush()
}

func runTop(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("top", groupTop, env, args, "[--lang L] [--n 3] [--last 5000 | --window 15m] [--server URL | --data-dir DIR] [--json]")
	if err != nil {
		return helpOK(err)
	}
	q := url.Values{}
	if cfg.Lang != "" {
		q.Set("lang", cfg.Lang)
	}
	q.Set("n", fmt.Sprint(cfg.N))
	if cfg.Window != "" {
		q.Set("window", cfg.Window)
	} else {
		q.Set("last", fmt.Sprint(cfg.Last))
	}
	data, err := apiGet(ctx, env, cfg, "/api/top", q)
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(env.Stdout, data)
	}
	var rows []httpapi.TopRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "lang\tname\ttop hashtags")
	for _, r := range rows {
		tags := make([]string, len(r.Tags))
		for i, t := range r.Tags {
			tags[i] = fmt.Sprintf("%s %d", terminalSafe(t.Tag), t.Count)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Lang, r.Name, strings.Join(tags, ", "))
	}
	return tw.Flush()
}

// terminalSafe keeps attacker-controlled text from driving the terminal:
// control characters (escape sequences included) are shown as \uXXXX.
func terminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func runPoints(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("points", groupPoints, env, args, "--lang L [--n 400] [--geo exact,place] [--server URL | --data-dir DIR] [--json]")
	if err != nil {
		return helpOK(err)
	}
	if cfg.Lang == "" {
		return fmt.Errorf("%w: geoheat points needs --lang (en or english)", ErrUsage)
	}
	if err := checkGeo("points", cfg); err != nil {
		return err
	}
	q := url.Values{"lang": {cfg.Lang}, "n": {fmt.Sprint(cfg.N)}}
	if cfg.Geo != "" {
		q.Set("geo", cfg.Geo)
	}
	data, err := apiGet(ctx, env, cfg, "/api/points", q)
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(env.Stdout, data)
	}
	var d httpapi.PointsData
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lat\tlon\tsource\tconfidence\t")
	for i, p := range d.Points {
		src, conf := "exact", float32(1) // a server from before provenance sends neither
		if i < len(d.Sources) && i < len(d.Confidence) {
			src, conf = d.Sources[i], d.Confidence[i]
		}
		fmt.Fprintf(tw, "%v\t%v\t%s\t%.2f\t\n", p[0], p[1], terminalSafe(src), conf)
	}
	return tw.Flush()
}
