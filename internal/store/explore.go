package store

import (
	"math"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/words"
)

// Exploration (docs/explore.md): any time range, panels that follow the
// map, the posts behind a spot and keyword search. The types here are the
// contract both stores answer alike; storetest holds them to it.

// Range selects posts by time: From <= t < To. A zero From reaches back to
// the oldest post held, a zero To up to the newest (no upper bound). The
// zero Range selects everything held. A query takes a Range or a Window,
// not both.
type Range struct {
	From, To time.Time
}

// IsZero reports whether r selects everything held.
func (r Range) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

// Nanos returns r as unix nanoseconds, lo inclusive and hi exclusive; an
// open end is math.MinInt64 / math.MaxInt64.
func (r Range) Nanos() (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if !r.From.IsZero() {
		lo = UnixNanos(r.From)
	}
	if !r.To.IsZero() {
		hi = UnixNanos(r.To)
	}
	return lo, hi
}

// Contains reports whether unix nanoseconds t are in r.
func (r Range) Contains(t int64) bool {
	lo, hi := r.Nanos()
	return t >= lo && t < hi
}

// Check rejects a range whose From is not before its To.
func (r Range) Check() error {
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return badQuery("range from %s is not before to %s", r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339))
	}
	return nil
}

// TimeSpan resolves a query's Window or Range to unix nanoseconds, lo
// inclusive and hi exclusive, given the head (store.WindowCutoff's rule:
// a Window holds posts with time > head − Window). hasHead false (an empty
// store) with a Window selects nothing: lo > hi.
func TimeSpan(window time.Duration, r Range, head int64, hasHead bool) (lo, hi int64) {
	if window > 0 {
		if !hasHead {
			return math.MaxInt64, math.MinInt64
		}
		c := WindowCutoff(head, window)
		if c == math.MaxInt64 {
			return c, c
		}
		return c + 1, math.MaxInt64
	}
	return r.Nanos()
}

// CountsQuery selects what Counts counts. The zero value counts every post
// held, per language (the seed's llen table).
type CountsQuery struct {
	// Range, when set, counts the posts whose time is in it.
	Range Range
	// BBox, when set (not the zero value), counts only the posts with a
	// point of a provenance in Geo inside it; Posts then equals the sum of
	// GeoBySource over Geo's provenances.
	BBox BBox
	// Geo is the provenances a point may have to count as inside BBox; the
	// zero value means post.GeoSetTrusted. Unused without BBox.
	Geo post.GeoSet
}

// Normalize checks q and defaults Geo. Errors wrap ErrBadQuery.
func (q CountsQuery) Normalize() (CountsQuery, error) {
	if err := q.Range.Check(); err != nil {
		return q, err
	}
	var err error
	q.Geo, err = normalizeGeo(q.Geo)
	return q, err
}

// HistogramQuery counts a selection's posts and points per time bucket.
type HistogramQuery struct {
	Lang string // "" means every language
	Tag  string // hashtag, matched lower-cased; "" means any post
	// Q, when set, keeps the posts whose kept text matches it (Match).
	Q string
	// BBox, when set, keeps the posts with a point of a provenance in Geo
	// inside it.
	BBox BBox
	// Geo is the provenances counted as points (and as inside BBox); the
	// zero value means post.GeoSetTrusted.
	Geo post.GeoSet
	// Range is the span bucketed; an open end is the oldest post held or
	// the head (a store holding nothing answers no buckets).
	Range Range
	// Buckets is the most buckets wanted (default DefaultHistogramBuckets,
	// at most MaxHistogramBuckets); the step is the smallest of
	// HistogramSteps that covers the span in that many.
	Buckets int
}

// Histogram bounds.
const (
	DefaultHistogramBuckets = 60
	MaxHistogramBuckets     = 1000
)

// HistogramSteps are the bucket widths a histogram uses, so that buckets
// start on round times (a step divides the next ones, and buckets are
// aligned on multiples of the step since the Unix epoch).
var HistogramSteps = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour, 28 * 24 * time.Hour, 364 * 24 * time.Hour,
}

// Normalize checks q and fills in its defaults. Errors wrap ErrBadQuery.
func (q HistogramQuery) Normalize() (HistogramQuery, error) {
	if err := q.Range.Check(); err != nil {
		return q, err
	}
	switch {
	case q.Buckets < 0 || q.Buckets > MaxHistogramBuckets:
		return q, badQuery("histogram buckets %d: want 1 to %d", q.Buckets, MaxHistogramBuckets)
	case q.Buckets == 0:
		q.Buckets = DefaultHistogramBuckets
	}
	var err error
	if q.Geo, err = normalizeGeo(q.Geo); err != nil {
		return q, err
	}
	if q.Q != "" {
		if _, err := ParseSearch(q.Q); err != nil {
			return q, err
		}
	}
	return q, nil
}

// HistogramPlan lays out the buckets of a span [lo, hi) in unix
// nanoseconds: the step is the first of HistogramSteps that covers it in at
// most buckets, the first bucket starts at lo rounded down to a multiple of
// the step. n is 0 when lo >= hi. Both stores plan with it.
func HistogramPlan(lo, hi int64, buckets int) (start int64, step time.Duration, n int) {
	if lo >= hi || buckets <= 0 {
		return lo, HistogramSteps[0], 0
	}
	for _, s := range HistogramSteps {
		step = s
		start = floorDiv(lo, int64(s)) * int64(s)
		n = int((hi - start + int64(s) - 1) / int64(s))
		if n <= buckets {
			return start, step, n
		}
	}
	// Wider than buckets × the widest step: stretch the widest.
	step = time.Duration((hi-lo)/int64(buckets) + 1)
	return lo, step, int((hi - lo + int64(step) - 1) / int64(step))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// HistogramBucket is one bucket: [Start, Start+Step).
type HistogramBucket struct {
	Start  time.Time
	Posts  int64 // posts of the selection in the bucket
	Points int64 // of those, posts with a point of a provenance in Geo
}

// HistogramResult is the answer to a HistogramQuery. With BBox set Posts
// equals Points.
type HistogramResult struct {
	From, To time.Time // the span bucketed (resolved open ends); zero when the store is empty
	Step     time.Duration
	Buckets  []HistogramBucket // consecutive, oldest first; every bucket listed, empty or not
	Posts    int64
	Points   int64
}

// PostsQuery selects the newest posts whose text is kept (the posts behind
// a spot).
type PostsQuery struct {
	Lang  string
	Tag   string
	Q     string
	BBox  BBox        // set: only posts with a point of a provenance in Geo inside it
	Geo   post.GeoSet // zero: post.GeoSetTrusted
	Range Range
	N     int // default DefaultPosts, at most MaxPosts
}

// Posts bounds.
const (
	DefaultPosts = 20
	MaxPosts     = 1000
)

// Normalize checks q and fills in its defaults. Errors wrap ErrBadQuery.
func (q PostsQuery) Normalize() (PostsQuery, error) {
	if err := q.Range.Check(); err != nil {
		return q, err
	}
	switch {
	case q.N < 0 || q.N > MaxPosts:
		return q, badQuery("posts n %d: want 1 to %d", q.N, MaxPosts)
	case q.N == 0:
		q.N = DefaultPosts
	}
	var err error
	if q.Geo, err = normalizeGeo(q.Geo); err != nil {
		return q, err
	}
	if q.Q != "" {
		if _, err := ParseSearch(q.Q); err != nil {
			return q, err
		}
	}
	return q, nil
}

// KeptPost is a post whose text the store keeps.
type KeptPost struct {
	ID     string
	Lang   string
	Time   time.Time
	Handle string   // the author's handle (X screen name, Mastodon acct, Bluesky DID)
	Text   string   // at most SnippetBytes of the text, cut at a rune boundary
	URL    string   // the original post
	Tags   []string // lower-cased hashtags
	Point  *Point   // nil without a point
}

// PostsResult is the answer to a PostsQuery: the newest matching posts
// first, and how far back kept text reaches.
type PostsResult struct {
	Posts []KeptPost
	// Kept is how many posts' texts the store keeps, KeptFrom the time of
	// the oldest of them (zero when none): posts older than that are not
	// searched.
	Kept     int64
	KeptFrom time.Time
}

// SnippetBytes bounds the text kept per post.
const SnippetBytes = 512

// Keyword search bounds.
const (
	MaxSearchBytes = 256
	MaxSearchWords = 16
)

// ParseSearch reads a keyword query: its words (words.Append), of which a
// post's kept text must hold every one. Errors wrap ErrBadQuery and say
// what is allowed.
func ParseSearch(q string) ([]string, error) {
	if len(q) > MaxSearchBytes {
		return nil, badQuery("q is %d bytes: at most %d", len(q), MaxSearchBytes)
	}
	ws := words.Append(nil, q)
	switch {
	case len(ws) == 0:
		return nil, badQuery("q %q has no words (letters or digits)", q)
	case len(ws) > MaxSearchWords:
		return nil, badQuery("q has %d words: at most %d", len(ws), MaxSearchWords)
	}
	return ws, nil
}
