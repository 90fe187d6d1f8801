package store

import "fmt"

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
// Window is given. Errors wrap ErrBadQuery.
func (q TopQuery) Normalize() (TopQuery, error) {
	switch {
	case q.N < 0:
		return q, badQuery("top n %d is negative", q.N)
	case q.Last < 0:
		return q, badQuery("top last %d is negative", q.Last)
	case q.Window < 0:
		return q, badQuery("top window %v is negative", q.Window)
	}
	if q.N == 0 {
		q.N = DefaultTopN
	}
	if q.Last == 0 && q.Window == 0 {
		q.Last = DefaultLast
	}
	return q, nil
}

// Normalize checks q (a language is required) and defaults N to 400.
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
	return q, nil
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
	}
	return nil
}
