package httpapi

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

// Parameters of exploration (docs/explore.md): a time range, a keyword
// search, a box for the panels, and the answer's format. Every endpoint
// that takes one reads it here, so they all mean the same.

// ParseTime reads the time parameter name: RFC 3339 or Unix seconds; ""
// is the zero time (an open end). Errors name the parameter.
func ParseTime(name, s string) (time.Time, error) {
	t, err := ParseAt(s)
	if err != nil {
		return t, fmt.Errorf("bad %s %.40q: want an RFC 3339 time such as 2026-12-06T14:00:00Z, or Unix seconds", name, strings.TrimSpace(s))
	}
	return t, nil
}

// ParseRange reads from= and to=: either may be left out, from must be
// before to, and neither goes with window= (a window is measured back from
// the head, a range is absolute: both at once would be two answers).
func ParseRange(v url.Values) (store.Range, error) {
	var r store.Range
	var err error
	if r.From, err = ParseTime("from", v.Get("from")); err != nil {
		return r, err
	}
	if r.To, err = ParseTime("to", v.Get("to")); err != nil {
		return r, err
	}
	if !r.IsZero() && strings.TrimSpace(v.Get("window")) != "" {
		return r, errors.New("give window or from/to, not both")
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return r, fmt.Errorf("from %s is not before to %s: from is inclusive, to exclusive, so the range would be empty",
			r.From.Format(time.RFC3339Nano), r.To.Format(time.RFC3339Nano))
	}
	return r, nil
}

// ParseQ reads a keyword search: "" is none; otherwise it must hold a word
// and stay within store.MaxSearchBytes and store.MaxSearchWords. The text
// is returned trimmed, as the store matches it.
func ParseQ(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if _, err := store.ParseSearch(s); err != nil {
		// The store's message says what is allowed; drop its sentinel prefix.
		return "", errors.New(strings.TrimPrefix(err.Error(), store.ErrBadQuery.Error()+": "))
	}
	return s, nil
}

// ParseArea reads bbox= for the endpoints where a box narrows the answer to
// the posts with a point inside (top, counts, histogram, posts): "" is no
// box (every post, with a point or not), unlike heat's bbox where "" is the
// world.
func ParseArea(s string) (store.BBox, error) {
	if strings.TrimSpace(s) == "" {
		return store.BBox{}, nil
	}
	b, err := store.ParseBBox(s)
	if err != nil {
		return b, err
	}
	if b.IsZero() {
		// 0,0,0,0 is a point, but the store reads the zero box as "no box":
		// one that holds nothing says so instead of silently meaning all.
		return b, fmt.Errorf("bad bbox %q: the box is empty (west = east and south = north)", s)
	}
	return b, nil
}

// Formats an answer can be given in.
const (
	FormatJSON    = "json"
	FormatCSV     = "csv"
	FormatGeoJSON = "geojson"
)

// ParseFormat reads format= against the formats an endpoint offers: ""
// is json; anything else not offered is refused, naming those offered.
func ParseFormat(s string, allowed ...string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		s = FormatJSON
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", fmt.Errorf("bad format %.32q: want %s", s, orList(allowed))
}

// orList writes a, b or c.
func orList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
