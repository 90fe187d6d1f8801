package store

import (
	"time"

	"github.com/geoheat/geoheat/internal/post"
)

// Trend defaults; docs/trends.md says why each is what it is.
const (
	// TrendBucket is the width of the time buckets trends are counted in:
	// an author counts once per tag and bucket, windows and baselines are
	// whole buckets, and a burst shows within one bucket of its start.
	TrendBucket = 5 * time.Minute
	// DefaultTrendWindow is the recent window a trend is observed over.
	DefaultTrendWindow = time.Hour
	// DefaultTrendBaseline is the span before the window that sets the
	// level expected of each tag: a whole day, so that every hour of the
	// daily cycle is in it.
	DefaultTrendBaseline = 24 * time.Hour
	// DefaultTrendMinAuthors is Mastodon's threshold: fewer distinct
	// authors in the window never trend, so one account cannot.
	DefaultTrendMinAuthors = 5
	// DefaultTrendN is how many trends a query returns.
	DefaultTrendN = 10
	// MaxTrendN bounds N.
	MaxTrendN = 100
	// MaxTrendSpan bounds window + baseline: a week of 5-minute buckets.
	MaxTrendSpan = 7 * 24 * time.Hour
	// DefaultTrendMinScore is the score a tag needs to be listed: below it
	// a tag's rise is within what chance and the ebb and flow of a day
	// give a steady tag (chosen on replayed demo days: BENCHMARKS.md).
	DefaultTrendMinScore = 30.0
)

// TrendsQuery selects the hashtags rising within a language and a place.
type TrendsQuery struct {
	Lang string // language key; "" means every language
	// Country, when set, keeps the posts whose point lies in that country
	// (ISO 3166-1 alpha-2), by the store's country index.
	Country string
	// Within, when set, keeps the posts whose point it accepts (a circle
	// round a place, a box). Country and Within are not both set.
	Within func(lat, lon float64) bool
	// Bounds, with Within, is a box holding every point Within accepts, so
	// that a store reads only the places that overlap it; the zero box
	// says nothing.
	Bounds BBox
	// Geo is the provenances a point may have to count for Country or
	// Within; the zero value means post.GeoSetTrusted. Without an area every
	// post counts, with a point or not.
	Geo        post.GeoSet
	Window     time.Duration // default DefaultTrendWindow
	Baseline   time.Duration // default DefaultTrendBaseline; at least Window
	N          int           // default DefaultTrendN
	MinAuthors int           // default DefaultTrendMinAuthors
	MinScore   float64       // default DefaultTrendMinScore; < 0 lists every rising tag
	// At, when set, asks for the trends as they were at At: the window
	// ends with At's bucket instead of the head's (a time after the head
	// means the head). Replays and evaluations look back with it.
	At time.Time
}

// HasArea reports whether q selects by place.
func (q TrendsQuery) HasArea() bool { return q.Country != "" || q.Within != nil }

// Normalize checks q and fills in its defaults. Errors wrap ErrBadQuery.
func (q TrendsQuery) Normalize() (TrendsQuery, error) {
	if q.Window == 0 {
		q.Window = DefaultTrendWindow
	}
	if q.Baseline == 0 {
		q.Baseline = DefaultTrendBaseline
	}
	if q.N == 0 {
		q.N = DefaultTrendN
	}
	if q.MinAuthors == 0 {
		q.MinAuthors = DefaultTrendMinAuthors
	}
	if q.MinScore == 0 {
		q.MinScore = DefaultTrendMinScore
	}
	switch {
	case q.Country != "" && q.Within != nil:
		return q, badQuery("trends take one area: a country or a circle or a box")
	case q.Window < TrendBucket:
		return q, badQuery("trend window %v is shorter than a bucket (%v)", q.Window, TrendBucket)
	case q.Baseline < q.Window:
		return q, badQuery("trend baseline %v is shorter than the window %v: the baseline sets the level the window is compared with, so it must hold at least a window", q.Baseline, q.Window)
	case q.Window+q.Baseline > MaxTrendSpan:
		return q, badQuery("trend window + baseline %v is longer than %v", q.Window+q.Baseline, MaxTrendSpan)
	case q.N < 0 || q.N > MaxTrendN:
		return q, badQuery("trend n %d is outside 1..%d", q.N, MaxTrendN)
	case q.MinAuthors < 1:
		return q, badQuery("trend min authors %d is below 1", q.MinAuthors)
	}
	var err error
	q.Geo, err = normalizeGeo(q.Geo)
	return q, err
}

// Trend is one rising hashtag.
type Trend struct {
	Tag string `json:"tag"` // lower-cased
	// Score is (observed − expected)² / expected.
	Score float64 `json:"score"`
	// Authors is how many distinct authors used the tag in the window.
	Authors int64 `json:"authors"`
	// Posts is how many posts carried the tag in the window.
	Posts int64 `json:"posts"`
	// Observed is the tag's activity in the window: distinct authors per
	// bucket, summed over the window's buckets.
	Observed int64 `json:"observed"`
	// Expected is the activity the baseline predicts for the window: the
	// tag's share of the baseline's activity times the window's activity
	// (at least 1).
	Expected float64 `json:"expected"`
	// Series is the tag's activity per bucket of the window, oldest first.
	Series []int64 `json:"series"`
	// FirstSeen is the start of the first bucket, in the baseline or the
	// window, in which the selection used the tag.
	FirstSeen time.Time `json:"first_seen"`
}

// TrendsResult is the answer to a TrendsQuery.
type TrendsResult struct {
	Trends []Trend `json:"trends"`
	// From and To bound the window: whole buckets, the last holding the
	// head time (so it is still filling on a live stream).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// BaselineFrom is where the baseline counted starts; BaselineHeld how
	// much of the asked baseline the store holds (shorter when the store
	// does not reach back that far: BaselineShort).
	BaselineFrom  time.Time     `json:"baseline_from"`
	BaselineHeld  time.Duration `json:"baseline_held"`
	BaselineShort bool          `json:"baseline_short"`
	Bucket        time.Duration `json:"bucket"`
	// WindowActivity and BaselineActivity are the selection's activity
	// (distinct authors per tag and bucket, summed) in the window and in
	// the baseline; Candidates how many tags had at least MinAuthors
	// activity in the window.
	WindowActivity   int64 `json:"window_activity"`
	BaselineActivity int64 `json:"baseline_activity"`
	Candidates       int   `json:"candidates"`
	// WarmingUp says the store holds less baseline than a window: a tag's
	// level cannot be told from one stretch shorter than the one it is
	// compared with, so nothing is listed yet.
	WarmingUp bool `json:"warming_up"`
}
