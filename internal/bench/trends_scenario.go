package bench

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/web"
)

// trendsSpan is how long the trends scenario's posts are spread over: the
// issue's "10 M posts held over 24 h".
const trendsSpan = 24 * time.Hour

// Places the trends scenario asks besides the world and each language's
// own country: a circle round a city (the API's near=Madrid&radius=50km)
// and a box (Western Europe), which read every point of the selected
// languages and test each.
const (
	trendsNear   = "Madrid"
	trendsRadius = "50km"
	trendsBBox   = "-10,35,20,60"
)

// trends fills an in-memory memstore, placing points in countries as the
// app does, with --posts posts of a demo day with bursts, and times the
// trends queries of every language with posts (and of all languages) in
// the world, in the country where the language has most points, within
// 50 km of Madrid and in a box, each with a 1 h window and a 24 h
// baseline, as the dashboard's Trending panel asks them.
func (b *runner) trends(ctx context.Context) error {
	countries, err := place.DefaultCountries()
	if errors.Is(err, web.ErrNotBuilt) {
		return skipError{"country outlines not built (make build)"}
	}
	if err != nil {
		return err
	}
	areas, err := place.DefaultParser()
	if errors.Is(err, geo.ErrNotBuilt) || errors.Is(err, web.ErrNotBuilt) {
		return skipError{"gazetteer not built (make build)"}
	}
	if err != nil {
		return err
	}
	near, err := areas.Parse(place.Query{Near: trendsNear, Radius: trendsRadius})
	if err != nil {
		return err
	}
	box, err := areas.Parse(place.Query{BBox: trendsBBox})
	if err != nil {
		return err
	}

	n := b.cfg.Posts
	end := CorpusEpoch.Add(trendsSpan)
	st, err := memstore.Open(memstore.Options{MaxPosts: n, CountryOf: countries.CountryOf,
		Now: func() time.Time { return end }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer st.Close()
	before := HeapInUse()
	ResetPeak()
	load := LoadAvg()
	b.logf("  generating and recording %s posts of a demo day with bursts", human(n))
	fill, err := FillDemoDay(ctx, st, DemoDay{Posts: n, Seed: b.cfg.Seed, Start: CorpusEpoch, Span: trendsSpan,
		NewParser: b.product.NewParser, CountryOf: countries.CountryOf})
	if err != nil {
		return err
	}
	perPost, stats, err := heldPerPost(ctx, st, before, n)
	if err != nil {
		return err
	}
	afterMem, _ := ReadMem("self")

	cases := TrendCases(fill, near, box)
	b.logf("  %d trend queries × %d runs", len(cases), b.cfg.QueryIters)
	byPlace, byCase, err := TimeTrends(ctx, st, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	mem, _ := ReadMem("self")
	slices.SortFunc(byCase, func(x, y Latency) int { return cmp.Compare(y.P99, x.P99) })
	var worst []string
	for _, l := range byCase[:min(5, len(byCase))] {
		worst = append(worst, fmt.Sprintf("%s %s/%s/%s", l.Name, fmtDur(l.P50), fmtDur(l.P99), fmtDur(l.Max)))
	}
	var maxes []string
	for _, l := range byPlace {
		maxes = append(maxes, l.Name+" "+fmtDur(l.Max))
	}
	note := fmt.Sprintf("%d posts over %s (%d with a point, %d languages, %d bursts); recorded at %.0f k posts/s (%.0f s with generating and parsing); "+
		"store's own estimate %.1f B/post, RSS after the fill %.0f MB; %d queries (%d languages + all × world, country, near=%s %s, bbox=%s), %d runs each; max %s; slowest p99 (p50/p99/max): %s",
		n, stats.Head.Sub(stats.Oldest).Round(time.Minute), stats.Points, stats.Languages, fill.Bursts, float64(n)/fill.Recording.Seconds()/1e3, fill.Took.Seconds(),
		float64(stats.MemoryBytes)/float64(n), float64(afterMem.RSS)/(1<<20), len(cases), len(fill.Langs), trendsNear, trendsRadius, trendsBBox,
		b.cfg.QueryIters, strings.Join(maxes, ", "), strings.Join(worst, "; "))
	b.rows = append(b.rows, Row{Scenario: fmt.Sprintf("trends direct (%s posts)", human(n)), Latencies: byPlace,
		BytesPerPost: perPost, RSSBytes: mem.Peak, Load: load, Note: note})
	return nil
}

// DemoDay is a day of demo traffic to record.
type DemoDay struct {
	Posts int    // posts to record
	Seed  uint64 // the demo's seed
	// Start and Span: the posts' times run from Start over about Span.
	Start time.Time
	Span  time.Duration
	// NewParser is the pipeline's parser; CountryOf, when set, counts
	// each language's points by country for the queries to ask.
	NewParser func() pipeline.Parser
	CountryOf func(lat, lon float64) (string, bool)
}

// DayFill is what FillDemoDay recorded.
type DayFill struct {
	// Took is the whole fill (generating, parsing, recording); Recording
	// the time spent in Record.
	Took, Recording time.Duration
	Bursts          int
	// Langs counts the posts per language key; Countries each language's
	// points per country (every countrySample-th point: the lookups would
	// cost as much as the fill).
	Langs     map[string]int64
	Countries map[string]map[string]int64
}

// postsPerMessage is the demo's share of messages that are posts in a
// language (not notices, not malformed, not "und"), to pace the stream so
// that the posts asked for span the day: 0.896 × 0.97.
const postsPerMessage = 0.869

const countrySample = 8

// FillDemoDay records day.Posts posts of the demo stream, with bursts at
// the demo's default rate, into rec in batches of 256 (the pipeline's),
// their messages 1/rate apart in stream time so that they span about
// day.Span. Each post's language is the one the generator wrote it in
// (its platform tag), as PostPool has it: detection is measured by the
// ingest scenarios, this fills a store to query.
func FillDemoDay(ctx context.Context, rec store.Recorder, day DemoDay) (DayFill, error) {
	rate := float64(day.Posts) / postsPerMessage / day.Span.Seconds()
	opts := demo.Options{Seed: day.Seed, Rate: rate, BurstsPerHour: demo.DefaultBurstsPerHour, Now: func() time.Time { return day.Start }}
	t0 := time.Now()
	src := demo.New(opts)
	w := &dayWriter{ctx: ctx, rec: rec, parser: day.NewParser(), countryOf: day.CountryOf, want: day.Posts,
		batch: make([]post.Post, 0, 256),
		fill:  DayFill{Langs: map[string]int64{}, Countries: map[string]map[string]int64{}}}
	// WriteFile stamps messages 1/rate apart without pacing; the writer
	// parses and records them as they come and stops it once it has all
	// the posts (the margin covers the share of posts varying).
	err := src.WriteFile(w, int64(float64(day.Posts)/postsPerMessage*1.1)+1000)
	if err == nil || errors.Is(err, errEnough) {
		err = w.flush()
	}
	w.fill.Took = time.Since(t0)
	if err != nil {
		return w.fill, err
	}
	if w.n < day.Posts {
		return w.fill, fmt.Errorf("bench: the demo stream gave %d posts of %d", w.n, day.Posts)
	}
	w.fill.Bursts = len(demo.ScheduledBursts(opts, day.Span))
	return w.fill, nil
}

var errEnough = errors.New("bench: enough posts")

// dayWriter takes the demo's JSON lines and records their posts.
type dayWriter struct {
	ctx       context.Context
	rec       store.Recorder
	parser    pipeline.Parser
	countryOf func(lat, lon float64) (string, bool)
	want, n   int
	points    int
	batch     []post.Post
	partial   []byte
	fill      DayFill
}

func (w *dayWriter) Write(b []byte) (int, error) {
	total := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			w.partial = append(w.partial, b...)
			break
		}
		line := b[:i]
		if len(w.partial) > 0 {
			w.partial = append(w.partial, line...)
			line = w.partial
		}
		if err := w.line(line); err != nil {
			return 0, err
		}
		w.partial = w.partial[:0]
		b = b[i+1:]
	}
	return total, nil
}

func (w *dayWriter) line(l []byte) error {
	if w.n >= w.want {
		return errEnough
	}
	w.batch = append(w.batch, post.Post{})
	p := &w.batch[len(w.batch)-1]
	if w.parser.Parse(l, p).Kind != pipeline.KindPost {
		w.batch = w.batch[:len(w.batch)-1]
		return nil
	}
	key, ok := platform.Key(p.PlatformLang)
	if !ok {
		w.batch = w.batch[:len(w.batch)-1]
		return nil
	}
	p.Lang = key
	w.n++
	w.fill.Langs[key]++
	if p.HasPoint && w.countryOf != nil {
		if w.points++; w.points%countrySample == 0 {
			if cc, ok := w.countryOf(p.Point.Lat, p.Point.Lon); ok {
				m := w.fill.Countries[key]
				if m == nil {
					m = map[string]int64{}
					w.fill.Countries[key] = m
				}
				m[cc]++
			}
		}
	}
	if len(w.batch) == cap(w.batch) || w.n == w.want {
		return w.flush()
	}
	return nil
}

func (w *dayWriter) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	t0 := time.Now()
	err := w.rec.Record(w.ctx, w.batch)
	w.fill.Recording += time.Since(t0)
	w.batch = w.batch[:0]
	return err
}

// TrendCase is one trends query the scenario times.
type TrendCase struct {
	Place string // world, country, near, bbox
	Name  string // language and place, for the slowest list
	Query store.TrendsQuery
}

// TrendCases asks every language of fill, and all languages together, in
// the world, in the language's main country, near and in box: 1 h window,
// 24 h baseline, the default top 10.
func TrendCases(fill DayFill, near, box place.Area) []TrendCase {
	langs := slices.Sorted(maps.Keys(fill.Langs))
	all := map[string]int64{}
	for _, byCC := range fill.Countries {
		for cc, k := range byCC {
			all[cc] += k
		}
	}
	var cases []TrendCase
	for _, l := range append([]string{""}, langs...) {
		name := l
		byCC := fill.Countries[l]
		if l == "" {
			name, byCC = "all", all
		}
		q := store.TrendsQuery{Lang: l, Window: time.Hour, Baseline: 24 * time.Hour}
		cases = append(cases, TrendCase{"world", name + " world", q})
		if cc := mostOf(byCC); cc != "" {
			qc := q
			qc.Country = cc
			cases = append(cases, TrendCase{"country", name + " country=" + cc, qc})
		}
		qn := q
		qn.Within, qn.Bounds = near.Contains, near.Bounds()
		cases = append(cases, TrendCase{"near", name + " near", qn})
		qb := q
		qb.Within, qb.Bounds = box.Contains, box.Bounds()
		cases = append(cases, TrendCase{"bbox", name + " bbox", qb})
	}
	return cases
}

// mostOf is the key with the largest count (the first alphabetically on
// a tie), "" for none.
func mostOf(m map[string]int64) string {
	best := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if best == "" || m[k] > m[best] {
			best = k
		}
	}
	return best
}

// TimeTrends runs the cases round-robin, iters times each (so that no
// place kind is timed only while the machine is busy with something
// else), and returns the latencies by place kind (world, country, near,
// bbox, then "all" of them) and by case.
func TimeTrends(ctx context.Context, q store.Querier, cases []TrendCase, iters int) ([]Latency, []Latency, error) {
	byPlace, byCase, all := NewRecorder(), NewRecorder(), NewRecorder()
	for range iters {
		for _, c := range cases {
			t0 := time.Now()
			if _, err := q.Trends(ctx, c.Query); err != nil {
				return nil, nil, fmt.Errorf("trends %s: %w", c.Name, err)
			}
			d := time.Since(t0)
			byPlace.Add(c.Place, d)
			byCase.Add(c.Name, d)
			all.Add("all", d)
		}
	}
	return append(byPlace.Summary(), all.Summary()...), byCase.Summary(), nil
}
