// Package store defines what geoheat records and how it is queried. The
// embedded store (memstore) and later the Redis store implement these
// interfaces; storetest holds the conformance suite both must pass.
//
// Time: every window is measured back from the store's head time, the newest
// post time recorded, clamped to the store clock's now. That keeps windows
// meaningful when an archive from 2013 is replayed today, and equals "now"
// for a live stream.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/geoheat/geoheat/internal/post"
)

// Sentinel errors. Implementations wrap them; callers use errors.Is.
var (
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("store: closed")
	// ErrBadQuery is returned for queries whose parameters are invalid.
	ErrBadQuery = errors.New("store: bad query")
)

// Recorder accepts detected posts.
type Recorder interface {
	// Record appends posts, in order, under their Lang (posts with an empty
	// Lang are ignored). It returns once the posts are visible to queries and
	// handed to the persistence layer. Safe for concurrent use; the pipeline
	// calls it from one writer so that order is the stream's order. Record
	// does not retain the slice, only copies of what it needs.
	Record(ctx context.Context, posts []post.Post) error
}

// Querier answers the seed notebook's analyses. All methods are safe for
// concurrent use with Record and never wait for ingest beyond a short lock.
// Returned slices are owned by the caller.
type Querier interface {
	// Counts counts per language; the zero query counts every post held.
	Counts(ctx context.Context, q CountsQuery) ([]LangCount, error)
	Top(ctx context.Context, q TopQuery) ([]LangTop, error)
	Points(ctx context.Context, q PointsQuery) ([]Point, error)
	Heat(ctx context.Context, q HeatQuery) (HeatResult, error)
	Stats(ctx context.Context) (Stats, error)
	// Trends scores the hashtags rising in a selection (trends.go,
	// docs/trends.md).
	Trends(ctx context.Context, q TrendsQuery) (TrendsResult, error)
	// Histogram counts a selection's posts and points per time bucket
	// (explore.go).
	Histogram(ctx context.Context, q HistogramQuery) (HistogramResult, error)
	// Posts lists the newest posts whose text is kept (explore.go).
	Posts(ctx context.Context, q PostsQuery) (PostsResult, error)
}

// Store is the whole store; only the app wiring and storetest see it.
type Store interface {
	Recorder
	Querier
	// Flush makes everything recorded so far durable.
	Flush(ctx context.Context) error
	// Close flushes and releases resources. Further calls return ErrClosed.
	Close() error
}

// LangCount is one row of the seed's llen table, for posts currently held.
type LangCount struct {
	Lang  string `json:"lang"`  // language key
	Posts int64  `json:"posts"` // posts held
	// Geo counts the posts held with a trusted point (exact or place), what
	// the default map shows (seed: llen geo_<lang>, which only had exact
	// points).
	Geo      int64 `json:"geo"`
	Hashtags int64 `json:"hashtags"` // hashtags held (seed: llen hashtag_<lang>)
	// GeoBySource counts the posts held with a point per provenance; in
	// JSON provenances with none are left out, and the whole field when
	// the language holds no point.
	GeoBySource GeoCounts `json:"geo_by_source,omitzero"`
}

// GeoCounts counts points per provenance. A struct rather than a map:
// Counts runs every second for the dashboard and should not allocate per
// language.
type GeoCounts struct {
	Exact   int64 `json:"exact,omitempty"`
	Place   int64 `json:"place,omitempty"`
	Profile int64 `json:"profile,omitempty"`
	Text    int64 `json:"text,omitempty"`
}

// Of returns the count of provenance g (0 for GeoNone).
func (c GeoCounts) Of(g post.GeoSource) int64 {
	switch g {
	case post.GeoExact:
		return c.Exact
	case post.GeoPlace:
		return c.Place
	case post.GeoProfile:
		return c.Profile
	case post.GeoText:
		return c.Text
	}
	return 0
}

// Trusted is the count of exact and place points, what Geo reports.
func (c GeoCounts) Trusted() int64 { return c.Exact + c.Place }

// Inferred is the count of points geoheat placed itself (profile, text),
// what Stats.InferredPoints reports.
func (c GeoCounts) Inferred() int64 { return c.Profile + c.Text }

// Covers reports whether every point counted has a provenance in set, so
// that a query for set can take the points without checking each.
func (c GeoCounts) Covers(set post.GeoSet) bool {
	for g := post.GeoExact; g <= post.GeoText; g++ {
		if c.Of(g) > 0 && !set.Has(g) {
			return false
		}
	}
	return true
}

// Point is a stored point with its provenance.
type Point struct {
	post.Point
	Source post.GeoSource // never GeoNone
	// Confidence is the resolver's confidence as stored: quantised to
	// 1/255 steps (see QuantizeConfidence), 1 for exact and place points.
	Confidence float32
	// Time is the post's time (UTC) and Tags its lower-cased hashtags, for
	// exports; Tags is nil for a post without hashtags.
	Time time.Time
	Tags []string
}

// TopQuery selects the most used hashtags.
type TopQuery struct {
	Lang string // language key; "" means every language with hashtags
	N    int    // how many tags per language (seed: 3)
	// Last counts over the last Last hashtags of the language (seed: 5000).
	Last int
	// Window, when > 0, counts over posts whose time is within Window of the
	// head time instead of Last.
	Window time.Duration
	// Range, when set, counts over the posts whose time is in it instead
	// of Last; not with Window.
	Range Range
	// BBox, when set (not the zero value), counts only the posts with a
	// point of a provenance in Geo inside it, over Window or Range (every
	// post held when neither is set) instead of Last.
	BBox BBox
	// Geo is the provenances a point may have to count as inside BBox; the
	// zero value means post.GeoSetTrusted.
	Geo post.GeoSet
	// Q, when set, counts only the posts whose kept text matches it
	// (ParseSearch), over Window or Range instead of Last.
	Q string
}

// TagCount is a lower-cased hashtag and how often it occurred.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int64  `json:"count"`
}

// LangTop is the top list of one language. Tags are ordered by count
// descending; ties keep the tag first seen in the counted range first, as
// Python's Counter.most_common does.
type LangTop struct {
	Lang string     `json:"lang"`
	Tags []TagCount `json:"tags"`
}

// PointsQuery selects the most recent points of a language.
type PointsQuery struct {
	Lang string // required
	N    int    // seed: 400
	// Geo is the provenances included; the zero value means
	// post.GeoSetTrusted (exact and place), so inferred points are opt-in.
	// N counts matching points.
	Geo post.GeoSet
}

// BBox is a lon/lat box. West > East means the box crosses the antimeridian.
// The zero value (all zero) is treated as the whole world.
type BBox struct {
	West, South, East, North float64
}

// World is the whole globe.
var World = BBox{West: -180, South: -90, East: 180, North: 90}

// IsZero reports whether b is the zero value.
func (b BBox) IsZero() bool { return b == BBox{} }

// HeatQuery selects points and aggregates them into grid cells.
type HeatQuery struct {
	Lang   string        // "" means every language
	Tag    string        // hashtag, matched lower-cased; "" means any post
	Window time.Duration // > 0: posts within Window of the head time
	Range  Range         // set: posts whose time is in it; not with Window
	// Q, when set, keeps the posts whose kept text matches it (ParseSearch).
	Q     string
	Last  int  // > 0: only the Last most recent matching points
	BBox  BBox // zero value: the world
	Zoom  int  // 0..22; sets the cell size (see analysis.CellDegrees)
	Limit int  // at most Limit cells, the heaviest kept; 0 means no limit
	// Geo is the provenances included; the zero value means
	// post.GeoSetTrusted. Last counts matching points only.
	Geo post.GeoSet
}

// HeatCell is one aggregated grid cell: the mean position of its points and
// how many points it holds.
type HeatCell struct {
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	Weight int64   `json:"weight"`
}

// HeatResult is the answer to a HeatQuery.
type HeatResult struct {
	Cells     []HeatCell `json:"cells"`
	Points    int64      `json:"points"`     // points aggregated (before Limit)
	CellDeg   float64    `json:"cell_deg"`   // cell edge in degrees
	Truncated bool       `json:"truncated"`  // Limit dropped cells
	MaxWeight int64      `json:"max_weight"` // heaviest cell
}

// Stats describes what the store holds.
type Stats struct {
	Posts  int64 `json:"posts"`  // posts held
	Points int64 `json:"points"` // posts held with a point, any provenance
	// InferredPoints is how many of Points geoheat placed itself (profile,
	// text): Points − InferredPoints is what the default map draws.
	InferredPoints int64 `json:"inferred_points"`
	Hashtags       int64 `json:"hashtags"`     // hashtags held
	Languages      int   `json:"languages"`    // languages with posts
	MemoryBytes    int64 `json:"memory_bytes"` // estimated bytes held for the data
	// ColdBytes is the data kept in memory-mapped files instead of on the
	// heap (the embedded store's cold chunks): it costs disk and page
	// cache, and MemoryBytes does not count it. ColdErrors counts the
	// writes to those files that failed; the data stayed on the heap.
	ColdBytes  int64     `json:"cold_bytes,omitempty"`
	ColdErrors int64     `json:"cold_errors,omitempty"`
	Head       time.Time `json:"head"`    // head time (see package doc)
	Oldest     time.Time `json:"oldest"`  // oldest post time held
	Dropped    int64     `json:"dropped"` // posts dropped by retention or max-posts
	Written    int64     `json:"written"` // posts recorded since start
	// LogRepair reports what opening the store had to cut or skip from a
	// damaged write-ahead log (a torn tail after a crash, corrupt entries);
	// nil when the log was intact or the store keeps no log.
	LogRepair *LogRepair `json:"log_repair,omitempty"`
	// Snapshot says how a store that keeps a log started: from the
	// snapshot its last Close wrote, or why that snapshot was not used
	// (the log was replayed instead; nothing is lost). Empty when there
	// was no snapshot.
	Snapshot string `json:"snapshot,omitempty"`
	// ColdDamaged says where the check of the cold files a start from a
	// snapshot adopted found a block whose checksum fails: answers that
	// read it may be wrong until a restart, which then replays the log
	// (no snapshot is written while it is set). Empty when all is well.
	ColdDamaged string `json:"cold_damaged,omitempty"`
	// Checkpoint says how many checkpoints (the snapshot written while
	// running, after which the log is cut; --checkpoint) were taken since
	// start and when the last was, or why the last failed. Empty when
	// none was tried.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// LogRepair is the loss found in a store's log when it was opened. The
// posts in the cut or skipped entries are gone; the store started anyway.
type LogRepair struct {
	TornBytes      int64 `json:"torn_bytes"`      // partial entry cut off the last segment
	CutEntries     int64 `json:"cut_entries"`     // undecodable entries cut off the end
	SkippedEntries int64 `json:"skipped_entries"` // undecodable entries skipped mid-log
}
