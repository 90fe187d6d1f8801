// Package trendeval measures trend detection (issue 14, docs/trends.md)
// on a replayed demo day with injected bursts, against the demo's own
// ground truth: the bursts it scheduled (demo.ScheduledBursts) and its
// spammer (Source.Spammer).
//
// Run generates the demo stream at the sample stream's pace on a stream
// clock that never sleeps, ingests it through the real pipeline (parser,
// detector, the embedded store with the country outlines) as `geoheat
// ingest --source demo` does, then walks the stream's clock: every tick
// (5 minutes) it asks the store for the trends as they were then
// (TrendsQuery.At) in each burst language, and in the country of each
// burst under way, all languages and the burst's language alone. It does
// this twice: with the bursts, to see whether and how fast they are
// found, and on the same day without them, to count false trends. The
// spammer posts in both.
//
// The evaluated day is preceded by a warm-up as long as window and
// baseline together, so every tick has a full baseline behind it, as a
// store that has been running for a day has; a short baseline early in a
// fresh store is a different question (TrendsResult.BaselineShort).
package trendeval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/trend"
)

// Defaults of Options.
const (
	// SampleRate is the pace of the 1 % sample stream (about 60 messages a
	// second in 2015–2016): a day is 5,184,000 messages, 4.6 M posts.
	SampleRate = 60.0
	// DefaultSpan is the day evaluated.
	DefaultSpan = 24 * time.Hour
	// DefaultSpamShare has the spammer make 0.1 % of the English posts:
	// about 1,600 posts a day at SampleRate, over the 1,000.
	DefaultSpamShare = 0.001
	// DefaultTop is how high a burst must rank: the top 5.
	DefaultTop = 5
	// DefaultTick is how often the clock is stopped to ask: a bucket.
	DefaultTick = store.TrendBucket
	// AlwaysBigN is how many of each language's most used tags must never
	// trend.
	AlwaysBigN = 20
)

// Targets of issue 14.
const (
	TargetDetectedPercent  = 95.0
	TargetMedianDelayMin   = 10.0
	TargetFalsePerLangHour = 1.0
)

// longestBurst bounds a burst's length (the demo's 120 minutes): by
// default the stream runs on that long past the evaluated span, so that a
// burst that starts in its last minutes is seen to its end.
const longestBurst = 2 * time.Hour

// ErrOptions wraps every error about Options itself (a bad rate, a window
// longer than the baseline...), so that a command can answer it as a
// usage error.
var ErrOptions = errors.New("trendeval: bad options")

// DefaultStart is the stream clock's start: a fixed instant, so that a
// seed gives the same day on every machine.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Options configure Run. Zero values take the defaults named.
type Options struct {
	// Seed selects the demo stream (and its bursts and spammer).
	Seed uint64
	// Rate is messages per second of stream time; default SampleRate.
	Rate float64
	// Span is the evaluated stretch of stream time; default DefaultSpan.
	Span time.Duration
	// WarmUp is the stream before the span; default Window + Baseline, so
	// that every tick of the span has its full baseline. Negative: none.
	WarmUp time.Duration
	// Tail is the stream after the span, for the bursts that start in it
	// to run to their end: default the longest burst (2 h) and a tick.
	// Bursts that end after it are not evaluated, so a shorter tail
	// (tests) evaluates the shorter bursts only.
	Tail time.Duration
	// Start is the stream clock's start; default DefaultStart.
	Start time.Time
	// BurstsPerHour is the demo's burst rate in the run with bursts;
	// default demo.DefaultBurstsPerHour.
	BurstsPerHour float64
	// SpamShare is the spammer's share of the English posts, in both runs;
	// default DefaultSpamShare; negative: no spammer.
	SpamShare float64
	// The trend parameters asked; zero values are the store's defaults
	// (store.DefaultTrendWindow and the rest), so trying others is a
	// matter of setting them.
	Window     time.Duration
	Baseline   time.Duration
	MinAuthors int
	MinScore   float64
	// Top is the rank a burst must reach; default DefaultTop.
	Top int
	// Tick is the stream time between two looks; a whole number of
	// buckets, default DefaultTick.
	Tick time.Duration

	// NewParser and Detector are the pipeline's (the app's parser and its
	// --detector); Locator, when set, places posts without a point as
	// ingest does. Workers is the pipeline's language workers (default
	// one per CPU).
	NewParser func() pipeline.Parser
	Detector  langid.Detector
	Locator   pipeline.Locator
	Workers   int
	// CountryOf places points in countries; default the country outlines
	// the binary embeds (place.DefaultCountries).
	CountryOf trend.CountryFunc
	// Progress, when set, is told what the evaluation is doing.
	Progress io.Writer
}

// normalize fills in the defaults and checks o.
func (o Options) normalize() (Options, error) {
	if o.NewParser == nil || o.Detector == nil {
		return o, fmt.Errorf("%w: a parser and a detector are required", ErrOptions)
	}
	if o.Rate == 0 {
		o.Rate = SampleRate
	}
	if o.Span == 0 {
		o.Span = DefaultSpan
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	if o.BurstsPerHour == 0 {
		o.BurstsPerHour = demo.DefaultBurstsPerHour
	}
	if o.SpamShare == 0 {
		o.SpamShare = DefaultSpamShare
	}
	if o.Top == 0 {
		o.Top = DefaultTop
	}
	if o.Tick == 0 {
		o.Tick = DefaultTick
	}
	q, err := o.query(Selection{}, time.Time{}).Normalize()
	if err != nil {
		return o, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	o.Window, o.Baseline, o.MinAuthors, o.MinScore = q.Window, q.Baseline, q.MinAuthors, q.MinScore
	if o.Tail <= 0 {
		o.Tail = longestBurst + o.Tick
	}
	if o.WarmUp == 0 {
		o.WarmUp = o.Window + o.Baseline
	}
	o.WarmUp = max(o.WarmUp, 0)
	switch {
	case !(o.Rate > 0) || o.Rate > 1e6:
		return o, fmt.Errorf("%w: rate %g is not in (0, 1e6] messages per second", ErrOptions, o.Rate)
	case o.Span < o.Tick:
		return o, fmt.Errorf("%w: span %v is shorter than a tick (%v)", ErrOptions, o.Span, o.Tick)
	case o.Tick%store.TrendBucket != 0 || o.Tick <= 0:
		return o, fmt.Errorf("%w: tick %v is not a whole number of %v buckets", ErrOptions, o.Tick, store.TrendBucket)
	case !(o.BurstsPerHour > 0):
		return o, fmt.Errorf("%w: bursts per hour %g is not positive", ErrOptions, o.BurstsPerHour)
	case o.SpamShare > 1:
		return o, fmt.Errorf("%w: spam share %g is over 1", ErrOptions, o.SpamShare)
	case o.Top < 1 || o.Top > store.MaxTrendN:
		return o, fmt.Errorf("%w: top %d is outside 1..%d", ErrOptions, o.Top, store.MaxTrendN)
	}
	if o.CountryOf == nil {
		c, err := place.DefaultCountries()
		if err != nil {
			return o, fmt.Errorf("trendeval: trends by country need the country outlines: %w", err)
		}
		o.CountryOf = c.CountryOf
	}
	return o, nil
}

// query is the trends query of sel at tick t: the window ending with the
// bucket that ends at t (At is just before t, so the bucket starting at t
// is not in it), every listed tag (N at its maximum) so that false trends
// are counted beyond the top.
func (o Options) query(sel Selection, t time.Time) store.TrendsQuery {
	q := store.TrendsQuery{
		Lang: sel.Lang, Country: sel.Country,
		Window: o.Window, Baseline: o.Baseline, MinAuthors: o.MinAuthors, MinScore: o.MinScore,
		N: store.MaxTrendN,
	}
	if !t.IsZero() {
		q.At = t.Add(-time.Nanosecond)
	}
	return q
}

func (o Options) logf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "trendeval: "+format+"\n", args...)
	}
}

// plan is what both runs share: the stream's bounds, the ground truth and
// the questions asked at each tick.
type plan struct {
	start, spanStart, spanEnd, end time.Time
	messages                       int64
	schedule                       []demo.Burst // every burst of the stream
	burstTags                      map[string]bool
	evaluated                      []Truth // the bursts starting in the span
	evaluatedBursts                []demo.Burst
	spam                           demo.Spam
	hasSpam                        bool
	langs                          []string // language keys asked at every tick
	ticks                          []time.Time
	asked                          [][]Selection // per tick
}

func newPlan(o Options) plan {
	p := plan{start: o.Start}
	p.spanStart = o.Start.Add(o.WarmUp)
	p.spanEnd = p.spanStart.Add(o.Span)
	p.end = p.spanEnd.Add(o.Tail)
	p.messages = int64(p.end.Sub(p.start).Seconds() * o.Rate)
	p.schedule = demo.ScheduledBursts(demo.Options{Seed: o.Seed, BurstsPerHour: o.BurstsPerHour, Now: func() time.Time { return o.Start }}, p.end.Sub(p.start))
	p.burstTags = make(map[string]bool, len(p.schedule))
	langs := map[string]bool{}
	for _, b := range p.schedule {
		t := truthOf(b)
		p.burstTags[t.Tag] = true
		langs[t.Lang] = true
		if !b.Start.Before(p.spanStart) && b.Start.Before(p.spanEnd) && !b.End.After(p.end) {
			p.evaluated = append(p.evaluated, t)
			p.evaluatedBursts = append(p.evaluatedBursts, b)
		}
	}
	if o.SpamShare > 0 {
		probe := demo.New(demo.Options{Seed: o.Seed, SpamShare: o.SpamShare, Now: func() time.Time { return o.Start }})
		p.spam, p.hasSpam = probe.Spammer()
		if p.hasSpam {
			langs[langKey(p.spam.Lang)] = true
		}
	}
	p.langs = slices.Sorted(maps.Keys(langs))
	for t := p.spanStart.Add(o.Tick); !t.After(p.end); t = t.Add(o.Tick) {
		var sels []Selection
		for _, l := range p.langs {
			sels = append(sels, Selection{Lang: l})
		}
		for _, b := range p.schedule {
			if t.After(b.Start) && t.Add(-store.TrendBucket).Before(b.End) {
				tr := truthOf(b)
				for _, s := range []Selection{{Country: tr.Country}, {Lang: tr.Lang, Country: tr.Country}} {
					if !slices.Contains(sels, s) {
						sels = append(sels, s)
					}
				}
			}
		}
		p.ticks = append(p.ticks, t)
		p.asked = append(p.asked, sels)
	}
	return p
}

// langKey is the store's key for a demo language code (Twitter's: "in"
// is Indonesian, "id").
func langKey(code string) string {
	if k, ok := platform.Key(code); ok {
		return k
	}
	return code
}

func truthOf(b demo.Burst) Truth {
	return Truth{Tag: pytext.Lower(b.Tag), Lang: langKey(b.Lang), Country: b.Country, Start: b.Start, End: b.End}
}

// RunStats describes one replay.
type RunStats struct {
	Bursts      bool    `json:"bursts"`
	Messages    int64   `json:"messages"`
	Posts       int64   `json:"posts"`
	Written     int64   `json:"written"`
	Undetected  int64   `json:"undetected"`
	IngestSecs  float64 `json:"ingest_seconds"`
	Queries     int     `json:"queries"`
	QuerySecs   float64 `json:"query_seconds"`
	StoreBytes  int64   `json:"store_memory_bytes"`
	SpamPosts   int64   `json:"spam_posts"`    // the spammer's posts recorded over the whole stream
	SpamPostsIn int64   `json:"spam_posts_in"` // of them, in the evaluated span
}

// runResult is what one replay hands back.
type runResult struct {
	stats     RunStats
	obs       Observations
	alwaysBig map[string][]string // by language key
	misses    []Miss
}

// replay generates, ingests and observes the stream, with or without the
// bursts.
func replay(ctx context.Context, o Options, p *plan, bursts bool) (runResult, error) {
	var res runResult
	res.stats.Bursts = bursts
	clock := &streamClock{}
	clock.ns.Store(p.start.UnixNano())
	dopts := demo.Options{Seed: o.Seed, Rate: o.Rate, Limit: p.messages, Now: clock.Now, Sleep: clock.Sleep, SpamShare: max(o.SpamShare, 0)}
	if bursts {
		dopts.BurstsPerHour = o.BurstsPerHour
	}
	src := demo.New(dopts)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := memstore.Open(memstore.Options{CountryOf: o.CountryOf, Logger: quiet, Now: func() time.Time { return p.end }})
	if err != nil {
		return res, err
	}
	defer st.Close()
	rec := &spamCounter{Recorder: st, from: p.spanStart, to: p.spanEnd}
	if p.hasSpam {
		rec.userID = strconv.FormatUint(p.spam.UserID, 10)
	}
	pl, err := pipeline.New(pipeline.Config{Source: src, NewParser: o.NewParser, Detector: o.Detector, Locator: o.Locator,
		Recorder: rec, Workers: o.Workers, Logger: quiet})
	if err != nil {
		return res, err
	}
	o.logf("run %s: ingesting %d messages (%.1f h of stream at %g/s)", runName(bursts), p.messages, p.end.Sub(p.start).Hours(), o.Rate)
	t0 := time.Now()
	if err := pl.Run(ctx); err != nil {
		return res, fmt.Errorf("trendeval: ingest: %w", err)
	}
	ps := pl.Stats()
	res.stats.Messages, res.stats.Posts, res.stats.Written, res.stats.Undetected = ps.Messages, ps.Posts, ps.Written, ps.Undetected
	res.stats.IngestSecs = time.Since(t0).Seconds()
	res.stats.SpamPosts, res.stats.SpamPostsIn = rec.all.Load(), rec.in.Load()
	if stats, err := st.Stats(ctx); err == nil {
		res.stats.StoreBytes = stats.MemoryBytes
	}
	o.logf("run %s: %d posts recorded in %.0f s; asking %d ticks", runName(bursts), res.stats.Written, res.stats.IngestSecs, len(p.ticks))

	t0 = time.Now()
	res.obs = Observations{Ticks: p.ticks, Lists: map[Selection][][]store.Trend{}}
	for i, t := range p.ticks {
		for _, sel := range p.asked[i] {
			r, err := st.Trends(ctx, o.query(sel, t))
			if err != nil {
				return res, fmt.Errorf("trendeval: trends %+v at %v: %w", sel, t, err)
			}
			res.stats.Queries++
			for j := range r.Trends {
				r.Trends[j].Series = nil // not scored; a day of them adds up
			}
			lists := res.obs.Lists[sel]
			if lists == nil {
				lists = make([][]store.Trend, len(p.ticks))
				res.obs.Lists[sel] = lists
			}
			lists[i] = r.Trends
		}
	}
	res.stats.QuerySecs = time.Since(t0).Seconds()

	if bursts {
		res.misses, err = diagnose(ctx, st, o, p, &res.obs)
		if err != nil {
			return res, err
		}
	} else {
		res.alwaysBig = map[string][]string{}
		for _, l := range p.langs {
			top, err := st.Top(ctx, store.TopQuery{Lang: l, N: AlwaysBigN + 1, Window: p.end.Sub(p.start) + time.Hour})
			if err != nil {
				return res, fmt.Errorf("trendeval: top of %s: %w", l, err)
			}
			for _, lt := range top {
				for _, tc := range lt.Tags {
					if (!p.hasSpam || tc.Tag != pytext.Lower(p.spam.Tag)) && len(res.alwaysBig[l]) < AlwaysBigN {
						res.alwaysBig[l] = append(res.alwaysBig[l], tc.Tag)
					}
				}
			}
		}
	}
	return res, nil
}

func runName(bursts bool) string {
	if bursts {
		return "with bursts"
	}
	return "without bursts"
}

// streamClock is the demo source's clock: Sleep moves it on instead of
// waiting, so a paced Run stamps messages 1/Rate apart in stream time as
// fast as the pipeline takes them.
type streamClock struct{ ns atomic.Int64 }

func (c *streamClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *streamClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.ns.Add(int64(d))
	return nil
}

// spamCounter passes posts on to the store, counting the spammer's: the
// ground truth says how often the account posted its tag.
type spamCounter struct {
	store.Recorder
	userID   string
	from, to time.Time
	all, in  atomic.Int64
}

func (s *spamCounter) Record(ctx context.Context, posts []post.Post) error {
	if s.userID != "" {
		for i := range posts {
			if p := &posts[i]; p.UserID == s.userID && p.Lang != "" {
				s.all.Add(1)
				if !p.Time.Before(s.from) && p.Time.Before(s.to) {
					s.in.Add(1)
				}
			}
		}
	}
	return s.Recorder.Record(ctx, posts)
}

// Run replays the stream twice, with bursts and without, and scores what
// the store's trends showed. It takes a few minutes for a day at the
// sample rate on two cores.
func Run(ctx context.Context, opts Options) (Report, error) {
	o, err := opts.normalize()
	if err != nil {
		return Report{}, err
	}
	p := newPlan(o)
	o.logf("%d bursts scheduled, %d start in the evaluated %v; languages %v", len(p.schedule), len(p.evaluated), o.Span, p.langs)
	bursty, err := replay(ctx, o, &p, true)
	if err != nil {
		return Report{}, err
	}
	quiet, err := replay(ctx, o, &p, false)
	if err != nil {
		return Report{}, err
	}
	return buildReport(o, &p, &bursty, &quiet), nil
}
