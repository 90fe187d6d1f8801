package store

import (
	"fmt"
	"math"

	"github.com/geoheat/geoheat/internal/post"
)

// Defaults of the seed notebook's cells, shared by every store so that they
// answer the same query the same way.
const (
	DefaultTopN   = 3    // TOP_N_HASHTAGS
	DefaultLast   = 5000 // lrange(key, -5000, -1)
	DefaultPoints = 400  // gen_javascript(key, N=400)
)

func badQuery(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadQuery}, args...)...)
}

// Normalize checks q and fills in its defaults: N 3, and Last 5000 when no
// Window, Range, BBox or Q is given (Last counts the seed's last hashtags,
// the others select posts). Errors wrap ErrBadQuery.
func (q TopQuery) Normalize() (TopQuery, error) {
	switch {
	case q.N < 0:
		return q, badQuery("top n %d is negative", q.N)
	case q.Last < 0:
		return q, badQuery("top last %d is negative", q.Last)
	case q.Window < 0:
		return q, badQuery("top window %v is negative", q.Window)
	case q.Window > 0 && !q.Range.IsZero():
		return q, badQuery("top takes a window or a range, not both")
	}
	if err := q.Range.Check(); err != nil {
		return q, err
	}
	selects := q.Window > 0 || !q.Range.IsZero() || !q.BBox.IsZero() || q.Q != ""
	if selects && q.Last > 0 {
		return q, badQuery("top last counts the newest hashtags: not with a window, range, bbox or q")
	}
	if q.N == 0 {
		q.N = DefaultTopN
	}
	if !selects && q.Last == 0 {
		q.Last = DefaultLast
	}
	if q.Q != "" {
		if _, err := ParseSearch(q.Q); err != nil {
			return q, err
		}
	}
	var err error
	q.Geo, err = normalizeGeo(q.Geo)
	return q, err
}

// Normalize checks q (a language is required) and defaults N to 400 and
// Geo to post.GeoSetTrusted.
func (q PointsQuery) Normalize() (PointsQuery, error) {
	switch {
	case q.Lang == "":
		return q, badQuery("points need a language")
	case q.N < 0:
		return q, badQuery("points n %d is negative", q.N)
	}
	if q.N == 0 {
		q.N = DefaultPoints
	}
	var err error
	q.Geo, err = normalizeGeo(q.Geo)
	return q, err
}

// Normalize checks q (see Check) and defaults Geo to post.GeoSetTrusted.
func (q HeatQuery) Normalize() (HeatQuery, error) {
	if err := q.Check(); err != nil {
		return q, err
	}
	var err error
	q.Geo, err = normalizeGeo(q.Geo)
	return q, err
}

// normalizeGeo defaults an empty set to the trusted provenances and
// rejects bits that name no provenance (bit 0 is GeoNone).
func normalizeGeo(g post.GeoSet) (post.GeoSet, error) {
	if g == 0 {
		return post.GeoSetTrusted, nil
	}
	if g&^post.GeoSetAll != 0 {
		return g, badQuery("geo provenance set %#x names unknown provenances", uint8(g))
	}
	return g, nil
}

// Confidence is stored in one byte: 1/255 steps are far finer than any
// resolver's calibration, and a byte keeps the embedded store's columns
// small. Both stores quantise the same way so that they answer alike.

// QuantizeConfidence maps a confidence to its stored byte, 1..255. Values
// above 1 count as 1; 0, negative and NaN mean "not given" and count as 1
// too (sources that predate provenance set none, and their points are the
// platform's own); tiny positive values round up to the smallest step so
// that they stay distinguishable from "not given".
func QuantizeConfidence(c float32) uint8 {
	if !(c > 0) || c >= 1 {
		return 255
	}
	q := math.Round(float64(c) * 255)
	if q < 1 {
		return 1
	}
	return uint8(q)
}

// ConfidenceOf is the confidence a stored byte stands for.
func ConfidenceOf(q uint8) float32 { return float32(q) / 255 }

// PointSource is the provenance a store records for a post's point: the
// post's GeoSource, or GeoExact for a post that has a point but no
// provenance (sources written before provenance existed only had exact
// coordinates). GeoNone when the post has no valid point. Unknown values
// (from a newer build) count as the least trusted, GeoText, so they are
// never shown by default.
func PointSource(p *post.Post) post.GeoSource {
	if !p.HasPoint || !p.Point.Valid() {
		return post.GeoNone
	}
	switch g := p.GeoSource; {
	case g == post.GeoNone:
		return post.GeoExact
	case g > post.GeoText:
		return post.GeoText
	default:
		return g
	}
}

// Check rejects negative counts and windows; the zoom and the box are
// checked where the grid is built (internal/analysis).
func (q HeatQuery) Check() error {
	switch {
	case q.Last < 0:
		return badQuery("heat last %d is negative", q.Last)
	case q.Limit < 0:
		return badQuery("heat limit %d is negative", q.Limit)
	case q.Window < 0:
		return badQuery("heat window %v is negative", q.Window)
	case q.Window > 0 && !q.Range.IsZero():
		return badQuery("heat takes a window or a range, not both")
	}
	if err := q.Range.Check(); err != nil {
		return err
	}
	if q.Q != "" {
		if _, err := ParseSearch(q.Q); err != nil {
			return err
		}
	}
	return nil
}
