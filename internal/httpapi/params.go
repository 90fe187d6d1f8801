package httpapi

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Limits on query parameters, so one request cannot ask for unbounded work.
const (
	maxN      = 1_000_000
	maxLast   = 10_000_000
	maxLimit  = 100_000
	maxZoom   = 22
	defLimit  = 5000
	defTopN   = 3
	defLast   = 5000
	defPoints = 400
)

// ParseLang resolves a language parameter: an ISO 639-1 code or an NLTK
// name ("english") maps to the store key; other keys are accepted when they
// look like one, so languages a later detector adds keep working.
func ParseLang(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "all") {
		return "", nil
	}
	if l, ok := langid.Lookup(s); ok {
		return l.Key(), nil
	}
	if len(s) > 32 {
		return "", fmt.Errorf("unknown language %.32q…", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return "", fmt.Errorf("unknown language %q: use an ISO 639-1 code (en) or an NLTK name (english)", s)
		}
	}
	return strings.ToLower(s), nil
}

// ParseGeo reads a provenance filter: a comma list of exact, place,
// profile, text, or the groups trusted (exact,place), inferred
// (profile,text) and all. Empty means trusted: inferred points are opt-in.
func ParseGeo(s string) (post.GeoSet, error) {
	if len(s) > 64 {
		return 0, fmt.Errorf("bad geo %.32q…: want a comma list of exact, place, profile, text, or trusted, inferred, all", s)
	}
	g, err := post.ParseGeoSet(s)
	if err != nil {
		return 0, fmt.Errorf("bad geo %q: want a comma list of exact, place, profile, text, or trusted, inferred, all", s)
	}
	if g == 0 {
		// ",," names nothing; an empty set would silently mean the default.
		return 0, fmt.Errorf("bad geo %q: names no provenance", s)
	}
	return g, nil
}

// ParseTag reads a hashtag, with or without its '#'; empty means any.
func ParseTag(s string) (string, error) {
	tag := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(tag) > 280 {
		return "", errors.New("tag is too long")
	}
	return tag, nil
}

// ParseWindow reads "15m", "1h", "24h", "7d"; "", "0" and "all" mean no window.
func ParseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "0", "all":
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n <= 0 || n > 3650 {
			return 0, fmt.Errorf("bad window %q: want a duration like 15m, 1h, 24h or 7d", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	w, err := time.ParseDuration(s)
	if err != nil || w <= 0 {
		return 0, fmt.Errorf("bad window %q: want a duration like 15m, 1h, 24h or 7d", s)
	}
	return w, nil
}

// IntParam reads the integer parameter name of v: def when absent, an error
// unless it is from lo to hi.
func IntParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("bad %s %q: want an integer from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

func parseTop(v url.Values) (store.TopQuery, *apiError) {
	var q store.TopQuery
	var err error
	if q.Lang, err = ParseLang(v.Get("lang")); err != nil {
		return q, badData(err)
	}
	if q.N, err = IntParam(v, "n", defTopN, 1, maxN); err != nil {
		return q, badData(err)
	}
	if q.Window, err = ParseWindow(v.Get("window")); err != nil {
		return q, badData(err)
	}
	if q.Range, err = ParseRange(v); err != nil {
		return q, badData(err)
	}
	if q.BBox, err = ParseArea(v.Get("bbox")); err != nil {
		return q, badData(err)
	}
	if q.Q, err = ParseQ(v.Get("q")); err != nil {
		return q, badData(err)
	}
	if q.Geo, err = ParseGeo(v.Get("geo")); err != nil {
		return q, badData(err)
	}
	if q.BBox.IsZero() {
		q.Geo = 0 // only a box looks at provenances: one cache entry whatever geo says
	}
	// A window, range, box or search selects posts; last counts the
	// newest hashtags instead: they do not mix.
	selects := q.Window > 0 || !q.Range.IsZero() || !q.BBox.IsZero() || q.Q != ""
	if selects && v.Get("last") != "" {
		return q, badData(errors.New("give last, or window, from/to, bbox or q, not both: last counts the newest hashtags, the others select posts"))
	}
	if q.Last, err = IntParam(v, "last", defLast, 1, maxLast); err != nil {
		return q, badData(err)
	}
	if selects {
		q.Last = 0
	}
	return q, nil
}

func parsePoints(v url.Values) (store.PointsQuery, *apiError) {
	var q store.PointsQuery
	var err error
	if q.Lang, err = ParseLang(v.Get("lang")); err != nil {
		return q, badData(err)
	}
	if q.Lang == "" {
		return q, badData(errors.New("lang is required (an ISO 639-1 code such as en, or an NLTK name such as english)"))
	}
	if q.N, err = IntParam(v, "n", defPoints, 1, maxN); err != nil {
		return q, badData(err)
	}
	if q.Geo, err = ParseGeo(v.Get("geo")); err != nil {
		return q, badData(err)
	}
	return q, nil
}

func parseHeat(v url.Values) (store.HeatQuery, *apiError) {
	var q store.HeatQuery
	var err error
	if q.Lang, err = ParseLang(v.Get("lang")); err != nil {
		return q, badData(err)
	}
	if q.Tag, err = ParseTag(v.Get("tag")); err != nil {
		return q, badData(err)
	}
	if q.Window, err = ParseWindow(v.Get("window")); err != nil {
		return q, badData(err)
	}
	if q.Range, err = ParseRange(v); err != nil {
		return q, badData(err)
	}
	if q.Q, err = ParseQ(v.Get("q")); err != nil {
		return q, badData(err)
	}
	if q.Last, err = IntParam(v, "n", 0, 1, maxN); err != nil {
		return q, badData(err)
	}
	if q.Zoom, err = IntParam(v, "zoom", 2, 0, maxZoom); err != nil {
		return q, badData(err)
	}
	if q.Limit, err = IntParam(v, "limit", defLimit, 1, maxLimit); err != nil {
		return q, badData(err)
	}
	if q.BBox, err = ParseBBox(v.Get("bbox")); err != nil {
		return q, badData(err)
	}
	if q.Geo, err = ParseGeo(v.Get("geo")); err != nil {
		return q, badData(err)
	}
	return q, nil
}

// ParseBBox reads "west,south,east,north" (store.ParseBBox's rules).
func ParseBBox(s string) (store.BBox, error) { return store.ParseBBox(s) }
