package app

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/store"
)

// runWithClock runs one command line in-process at a fixed clock and
// returns stdout and stderr.
func runWithClock(ctx context.Context, now time.Time, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil },
		Now: func() time.Time { return now }}
	err := Run(ctx, env, args)
	return out.String(), errb.String(), err
}

// taggedPost is a stream post's time, author and lower-cased tags.
type taggedPost struct {
	at     time.Time
	author string
	tags   []string
}

// readTaggedPosts reads the posts of a demo stream that carry hashtags.
func readTaggedPosts(t *testing.T, stream string) []taggedPost {
	t.Helper()
	f, err := os.Open(stream)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []taggedPost
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !bytes.Contains(sc.Bytes(), []byte(`"hashtags":[{`)) {
			continue // most posts carry none: decoding them all takes long under -race
		}
		var p struct {
			CreatedAt string `json:"created_at"`
			User      struct {
				ID string `json:"id_str"`
			} `json:"user"`
			Entities struct {
				Hashtags []struct{ Text string } `json:"hashtags"`
			} `json:"entities"`
		}
		if json.Unmarshal(sc.Bytes(), &p) != nil || len(p.Entities.Hashtags) == 0 {
			continue // notices, the odd malformed line, posts without tags
		}
		at, err := time.Parse(time.RubyDate, p.CreatedAt)
		if err != nil {
			t.Fatalf("created_at %q: %v", p.CreatedAt, err)
		}
		tp := taggedPost{at: at, author: p.User.ID}
		for _, h := range p.Entities.Hashtags {
			tp.tags = append(tp.tags, strings.ToLower(h.Text))
		}
		out = append(out, tp)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// distinctAuthors counts the authors of the posts carrying tag within
// [from, to): the most a trend's authors can be.
func distinctAuthors(posts []taggedPost, tag string, from, to time.Time) int {
	authors := map[string]bool{}
	for _, p := range posts {
		if !p.at.Before(from) && p.at.Before(to) && slices.Contains(p.tags, tag) {
			authors[p.author] = true
		}
	}
	return len(authors)
}

// A demo replay with injected bursts, served by `geoheat serve`: the
// bursts the demo scheduled (demo.ScheduledBursts, the ground truth) are
// among the top five trends of their language and of their country half
// an hour into them, over HTTP and through `geoheat trends` (a table and
// --json, asking the server, then reading the data directory itself once
// the server has stopped).
func TestTrendsFindTheDemoBursts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	start := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	const (
		seed   = 2
		rate   = 5 // messages per second of stream time
		hours  = 6
		bursts = 3 // per hour, the default
	)
	limit := int64(rate * hours * 3600)
	end := start.Add(hours * time.Hour)
	stream, truthFile := filepath.Join(dir, "demo.jsonl"), filepath.Join(dir, "bursts.jsonl")
	if _, errs, err := runWithClock(ctx, start, "demo", "--seed", fmt.Sprint(seed), "--rate", fmt.Sprint(rate),
		"--bursts", fmt.Sprint(bursts), "--limit", fmt.Sprint(limit), "-o", stream, "--bursts-out", truthFile); err != nil {
		t.Fatalf("demo: %v\n%s", err, errs)
	}
	truth := readBursts(t, truthFile)
	scheduled := demo.ScheduledBursts(demo.Options{Seed: seed, BurstsPerHour: bursts, Now: func() time.Time { return start }}, hours*time.Hour)
	if !slices.EqualFunc(truth, scheduled, func(a, b demo.Burst) bool { return a.Tag == b.Tag && a.Start.Equal(b.Start) }) {
		t.Fatalf("--bursts-out and demo.ScheduledBursts disagree:\n%v\n%v", truth, scheduled)
	}

	dataDir := filepath.Join(dir, "data")
	var stderr bytes.Buffer
	env := Env{Stdout: &bytes.Buffer{}, Stderr: &syncWriter{w: &stderr}, Getenv: func(string) string { return "" },
		Environ: func() []string { return nil }, Now: func() time.Time { return end }}
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	base, done := startServeInProcess(t, serveCtx, env, &stderr, "--source", "file:"+stream, "--listen", "127.0.0.1:0",
		"--data-dir", dataDir, "--detector", "platform", "--workers", "2")
	waitStatus(t, base, 60*time.Second, func(st httpapi.StatusData) bool {
		return st.Ingest != nil && st.Ingest.Source.State == "done" && st.Ingest.Written+st.Ingest.Undetected == st.Ingest.Posts
	})

	// A burst is checked half an hour in, when it has at least an hour of
	// stream before it (a baseline) and enough authors by then that a
	// detector can tell it from chance (twice the minimum).
	const after = 30 * time.Minute
	posts := readTaggedPosts(t, stream)
	alwaysBig := mostUsedTags(posts, 10)
	checked, found := 0, 0
	var lastQuery url.Values
	for _, b := range scheduled {
		at := b.Start.Add(after)
		if b.Start.Before(start.Add(time.Hour)) || at.After(end) || b.End.Before(at) {
			continue
		}
		tag := strings.ToLower(b.Tag)
		window := at.Add(-time.Hour).Truncate(store.TrendBucket)
		if n := distinctAuthors(posts, tag, window, at); n < 2*store.DefaultTrendMinAuthors {
			t.Logf("#%s (%s, %s): %d authors by %v, too few to check", b.Tag, b.Lang, b.Country, n, at)
			continue
		}
		checked++
		ok := true
		for _, area := range []string{"", b.Country} {
			q := url.Values{"lang": {b.Lang}, "n": {"5"}, "at": {at.Format(time.RFC3339)}}
			if area != "" {
				q.Set("country", area)
			}
			var d httpapi.TrendsData
			if err := getJSON(t, base+"/api/trends?"+q.Encode(), &d); err != nil {
				t.Fatal(err)
			}
			for _, big := range alwaysBig {
				if slices.Contains(trendTags(d), big) {
					t.Errorf("#%s, among the stream's ten most used tags, trends at %v in %s: %v", big, at.Format("15:04"), q.Encode(), trendTags(d))
				}
			}
			if got := trendTags(d); !slices.Contains(got, tag) {
				t.Errorf("#%s (%s, %s, %v to %v, %.1f %%): not in the top 5 at %v of %s: %v (%s)", b.Tag, b.Lang, b.Country,
					b.Start.Format("15:04"), b.End.Format("15:04"), 100*b.Share, at.Format("15:04"), q.Encode(), got, d.Note)
				ok = false
			}
			lastQuery = q
		}
		if ok {
			found++
		}
	}
	if checked < 5 {
		t.Fatalf("only %d bursts could be checked; the stream is too short or too sparse for this test", checked)
	}
	t.Logf("%d of %d bursts in the top 5 of their language and country half an hour in", found, checked)

	// geoheat trends asks the server (the data directory is held by it)
	// and prints the API's data with --json, a table without.
	args := []string{"trends", "--data-dir", dataDir, "--lang", lastQuery.Get("lang"), "--country", lastQuery.Get("country"),
		"--n", "5", "--at", lastQuery.Get("at")}
	served, errs, err := runWithClock(ctx, end, append(args, "--json")...)
	if err != nil || !strings.Contains(errs, "asking it at "+base) {
		t.Fatalf("trends --json while serving: %v\n%s", err, errs)
	}
	var d httpapi.TrendsData
	mustUnmarshal(t, served, &d)
	if len(d.Trends) == 0 || d.Area != "country="+lastQuery.Get("country") {
		t.Fatalf("trends --json: %s", served)
	}
	table, errs, err := runWithClock(ctx, end, append(args, "--server", base)...)
	if err != nil {
		t.Fatalf("trends --server: %v\n%s", err, errs)
	}
	rows := strings.Split(strings.TrimSpace(table), "\n")
	if len(rows) < len(d.Trends)+2 {
		t.Fatalf("trends --server printed:\n%s", table)
	}
	for i, tr := range d.Trends {
		if f := strings.Fields(rows[2+i]); len(f) < 7 || f[0] != fmt.Sprint(i+1) || f[1] != "#"+tr.Tag || f[6] != sparkline(tr.Series) {
			t.Errorf("row %d is %q, want rank, #%s, ..., sparkline %s", i+1, rows[2+i], tr.Tag, sparkline(tr.Series))
		}
	}

	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	// With the server gone the command opens the data directory itself:
	// the same answer, so the log's points are placed in countries again.
	direct, errs, err := runWithClock(ctx, end, append(args, "--json")...)
	if err != nil {
		t.Fatalf("trends --json from the data directory: %v\n%s", err, errs)
	}
	if direct != served {
		t.Errorf("from the data directory:\n%s\nfrom the server:\n%s", direct, served)
	}
}

// mostUsedTags returns the n tags the most posts carry: the demo's
// steady big tags, which must never trend.
func mostUsedTags(posts []taggedPost, n int) []string {
	count := map[string]int{}
	for _, p := range posts {
		for _, tag := range p.tags {
			count[tag]++
		}
	}
	tags := slices.Collect(maps.Keys(count))
	slices.SortFunc(tags, func(a, b string) int { return cmp.Or(cmp.Compare(count[b], count[a]), strings.Compare(a, b)) })
	return tags[:min(n, len(tags))]
}

func trendTags(d httpapi.TrendsData) []string {
	out := make([]string, len(d.Trends))
	for i, tr := range d.Trends {
		out[i] = tr.Tag
	}
	return out
}

// The table shows every trend with its rank, #tag, score, authors, posts,
// expected level, sparkline and first bucket, and the note; bad flags are
// usage errors that say what is wrong.
func TestTrendsCommandTableAndErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	start := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	stream := filepath.Join(dir, "demo.jsonl")
	// Ten minutes of stream: less baseline than the default window.
	if _, errs, err := runWithClock(ctx, start, "demo", "--seed", "9", "--rate", "100", "--limit", "60000", "-o", stream); err != nil {
		t.Fatalf("demo: %v\n%s", err, errs)
	}
	end := start.Add(10 * time.Minute)
	dataDir := filepath.Join(dir, "data")
	if _, errs, err := runWithClock(ctx, end, "ingest", "--source", "file:"+stream, "--detector", "platform", "--data-dir", dataDir); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	out, errs, err := runWithClock(ctx, end, "trends", "--data-dir", dataDir, "--json")
	if err != nil {
		t.Fatalf("trends --json: %v\n%s", err, errs)
	}
	var d httpapi.TrendsData
	mustUnmarshal(t, out, &d)
	if !d.BaselineShort || !d.WarmingUp || d.Area != "world" || d.Name != "all languages" || !strings.Contains(d.Note, "warming up") || len(d.Trends) != 0 {
		t.Fatalf("trends --json over ten minutes: %s", out)
	}
	// A 5-minute window has its 5 minutes of baseline: every rising tag.
	args := []string{"trends", "--data-dir", dataDir, "--window", "5m", "--baseline", "5m", "--min-score", "-1"}
	out, errs, err = runWithClock(ctx, end, append(args, "--json")...)
	if err != nil {
		t.Fatalf("trends --json: %v\n%s", err, errs)
	}
	d = httpapi.TrendsData{}
	mustUnmarshal(t, out, &d)
	if d.WarmingUp || len(d.Trends) == 0 {
		t.Fatalf("trends --window 5m over ten minutes: %s", out)
	}
	table, errs, err := runWithClock(ctx, end, args...)
	if err != nil {
		t.Fatalf("trends: %v\n%s", err, errs)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	noteLines := 0
	if d.Note != "" {
		noteLines = 1
	}
	if len(lines) != len(d.Trends)+2+noteLines || !strings.HasPrefix(lines[0], "trends in all languages, world: window 5m") ||
		strings.Join(strings.Fields(lines[1]), " ") != "rank tag score authors posts expected per 5m first seen" ||
		(d.Note != "" && lines[len(lines)-1] != "note: "+d.Note) {
		t.Fatalf("table:\n%s", table)
	}
	for i, tr := range d.Trends {
		want := []string{fmt.Sprint(i + 1), "#" + tr.Tag, fmt.Sprintf("%.1f", tr.Score), fmt.Sprint(tr.Authors), fmt.Sprint(tr.Posts),
			fmt.Sprintf("%.1f", tr.Expected), sparkline(tr.Series), tr.FirstSeen.Format("2006-01-02"), tr.FirstSeen.Format("15:04Z")}
		if got := strings.Fields(lines[2+i]); !slices.Equal(got, want) {
			t.Errorf("row %d: %q, want %q", i+1, got, want)
		}
	}

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--country", "Spian"}, "Spain"},
		{[]string{"--near", "Qzxwvbn"}, `no place "Qzxwvbn"`},
		{[]string{"--window", "2h", "--baseline", "1h"}, "shorter than the window"},
		{[]string{"--n", "0"}, "from 1 to 100"},
		{[]string{"--at", "soon"}, "RFC 3339"},
		{[]string{"--country", "ES", "--bbox", "-10,35,5,44"}, "one of country, near and bbox"},
		{[]string{"extra"}, "takes no arguments"},
	} {
		_, _, err := runWithClock(ctx, end, append([]string{"trends", "--data-dir", dataDir}, tc.args...)...)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("trends %v: %v, want a usage error saying %q", tc.args, err, tc.says)
		}
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		series []int64
		want   string
	}{
		{[]int64{0, 0, 0}, "▁▁▁"},
		{[]int64{0, 7, 14}, "▁▅█"},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8}, "▂▃▄▅▅▆▇█"},
		{nil, ""},
	} {
		if got := sparkline(tc.series); got != tc.want {
			t.Errorf("sparkline(%v) = %q, want %q", tc.series, got, tc.want)
		}
	}
}

// TestTrendsEval runs `geoheat trends eval` on a short replay: the report
// names the bursts found and the targets; a window longer than the
// baseline is a usage error.
func TestTrendsEval(t *testing.T) {
	ctx := context.Background()
	out, _, err := run(t, ctx, "", "trends", "eval", "--rate", "4", "--span", "1h", "--window", "30m", "--baseline", "1h", "--bursts", "6", "--misses")
	if err != nil {
		t.Fatalf("trends eval: %v\n%s", err, out)
	}
	for _, want := range []string{"bursts found", "bursts in the top 5 of their language", "false trends", "spam"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, ctx, "", "trends", "eval", "--window", "2h", "--baseline", "1h"); !errors.Is(err, ErrUsage) {
		t.Errorf("window longer than the baseline: err = %v, want a usage error", err)
	}
}
