package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/trend"
)

// TrendsRequest is a trends selection as text, as the API's parameters and
// the command line's flags give it. It is the one place where either
// becomes a store.TrendsQuery: `geoheat trends` fills it from its flags and
// sends Values, the API reads it back with TrendsRequestFrom and Query.
type TrendsRequest struct {
	Lang       string      // ISO 639-1 code or NLTK name; "" or "all": every language
	Area       place.Query // country, near (+ radius) or bbox; none: the world
	Window     string      // "1h"; "": store.DefaultTrendWindow
	Baseline   string      // "24h"; "": store.DefaultTrendBaseline
	N          string      // trends listed; "": store.DefaultTrendN
	Geo        string      // point provenances for an area; "": trusted
	MinAuthors string      // "": store.DefaultTrendMinAuthors
	MinScore   string      // "": store.DefaultTrendMinScore; negative lists every rising tag
	At         string      // RFC 3339 or Unix seconds; "": now
	// From and To (RFC 3339 or Unix seconds) give the window as a range
	// instead of Window and At: [From, To) rounded out to whole buckets.
	// An open To is the head (the handler resolves it); an open From is
	// Window back from To.
	From, To string
}

// TrendsRequestFrom reads a TrendsRequest from /api/trends' parameters.
func TrendsRequestFrom(v url.Values) TrendsRequest {
	return TrendsRequest{Lang: v.Get("lang"), Area: place.QueryFrom(v), Window: v.Get("window"), Baseline: v.Get("baseline"),
		N: v.Get("n"), Geo: v.Get("geo"), MinAuthors: v.Get("min_authors"), MinScore: v.Get("min_score"), At: v.Get("at"),
		From: v.Get("from"), To: v.Get("to")}
}

// Values is r as /api/trends' parameters; empty fields are left out.
func (r TrendsRequest) Values() url.Values {
	v := url.Values{}
	for _, p := range [...]struct{ name, value string }{
		{"lang", r.Lang}, {"country", r.Area.Country}, {"near", r.Area.Near}, {"radius", r.Area.Radius}, {"bbox", r.Area.BBox},
		{"window", r.Window}, {"baseline", r.Baseline}, {"n", r.N}, {"geo", r.Geo}, {"min_authors", r.MinAuthors}, {"min_score", r.MinScore}, {"at", r.At},
		{"from", r.From}, {"to", r.To},
	} {
		if p.value != "" {
			v.Set(p.name, p.value)
		}
	}
	return v
}

// PlaceParser returns the parser that reads country= and near=, or why
// there is none (the binary lacks the gazetteer or the country outlines).
type PlaceParser func() (*place.Parser, error)

// maxMinAuthors bounds min_authors: more distinct authors than any
// selection has in a window only hides every trend.
const maxMinAuthors = 1_000_000

// Query validates r into a normalised store.TrendsQuery (defaults filled
// in) and the area it selects. Errors are the caller's mistake (BadData:
// an unknown country or place, with close matches; conflicting areas;
// durations, n or min_authors out of range, each saying what is allowed),
// or an area the server cannot read without its gazetteer (unavailable).
func (r TrendsRequest) Query(places PlaceParser) (store.TrendsQuery, place.Area, error) {
	var q store.TrendsQuery
	var err error
	if q.Lang, err = ParseLang(r.Lang); err != nil {
		return q, place.Area{}, badData(err)
	}
	area, err := parseArea(r.Area, places)
	if err != nil {
		return q, place.Area{}, err
	}
	switch area.Kind {
	case place.Country:
		q.Country = area.Country
	case place.Near, place.Box:
		q.Within, q.Bounds = area.Contains, area.Bounds()
	}
	if q.Window, err = parseSpan("window", r.Window); err != nil {
		return q, area, badData(err)
	}
	if q.Baseline, err = parseSpan("baseline", r.Baseline); err != nil {
		return q, area, badData(err)
	}
	v := url.Values{"n": {r.N}, "min_authors": {r.MinAuthors}}
	if q.N, err = IntParam(v, "n", store.DefaultTrendN, 1, store.MaxTrendN); err != nil {
		return q, area, badData(err)
	}
	if q.MinAuthors, err = IntParam(v, "min_authors", store.DefaultTrendMinAuthors, 1, maxMinAuthors); err != nil {
		return q, area, badData(err)
	}
	if ms := strings.TrimSpace(r.MinScore); ms != "" {
		f, err := strconv.ParseFloat(ms, 64)
		if err != nil || f != f || f > 1e12 || f < -1e12 {
			return q, area, badData(fmt.Errorf("bad min_score %q: want a number (default %g; negative lists every tag above its expected level)", r.MinScore, store.DefaultTrendMinScore))
		}
		if f == 0 {
			f = -1 // 0 would read as the default; every score above 0 is wanted
		}
		q.MinScore = f
	}
	if strings.TrimSpace(r.Geo) != "" {
		if q.Geo, err = ParseGeo(r.Geo); err != nil {
			return q, area, badData(err)
		}
	}
	if q.At, err = ParseAt(r.At); err != nil {
		return q, area, badData(err)
	}
	if err := r.rangeWindow(&q); err != nil {
		return q, area, badData(err)
	}
	if q, err = q.Normalize(); err != nil {
		return q, area, badData(fmt.Errorf("%w (allowed: a window of at least %v, a baseline at least as long as the window, window + baseline at most %v)",
			err, shortDuration(store.TrendBucket), shortDuration(store.MaxTrendSpan)))
	}
	return q, area, nil
}

// rangeWindow sets q's window and At from r.From and r.To: the window is
// [From, To) rounded out to whole trend buckets, ending with the bucket
// before To's end (At is that end less a nanosecond: the store's window
// ends with At's bucket). An open From keeps the window's length.
func (r TrendsRequest) rangeWindow(q *store.TrendsQuery) error {
	if strings.TrimSpace(r.From) == "" && strings.TrimSpace(r.To) == "" {
		return nil
	}
	rg, err := ParseRange(url.Values{"from": {r.From}, "to": {r.To}, "window": {r.Window}})
	if err != nil {
		return err
	}
	if strings.TrimSpace(r.At) != "" {
		return errors.New("give at or from/to, not both")
	}
	if rg.To.IsZero() {
		return errors.New("to is needed with from (the server fills it in with the newest post's time)")
	}
	b := int64(store.TrendBucket)
	end := ceilDiv(store.UnixNanos(rg.To), b) * b
	q.At = time.Unix(0, end-1).UTC()
	if !rg.From.IsZero() {
		start := floorDivInt(store.UnixNanos(rg.From), b) * b
		q.Window = time.Duration(end - start)
	}
	return nil
}

func floorDivInt(a, b int64) int64 {
	d := a / b
	if a%b != 0 && a < 0 {
		d--
	}
	return d
}

func ceilDiv(a, b int64) int64 { return -floorDivInt(-a, b) }

// errNoGazetteer answers a country or a place asked of a binary built
// without the gazetteer or the outlines: the server's lack, not the
// client's mistake.
func errNoGazetteer(err error) *apiError {
	return &apiError{typ: errUnavailable, err: fmt.Errorf("country= and near= need the gazetteer and the country outlines, which this geoheat was built without (run make build); bbox= works: %w", err)}
}

// parseArea reads the area with the parser; without one (a binary built
// without the gazetteer) only the world and a bbox, which need no names,
// can be read.
func parseArea(q place.Query, places PlaceParser) (place.Area, error) {
	parserErr := errors.New("no place parser is configured")
	if places != nil {
		p, err := places()
		if err == nil {
			area, err := p.Parse(q)
			if err != nil {
				return area, badData(err) // place.ErrNotFound (with close matches) or place.ErrBadArea
			}
			return area, nil
		}
		parserErr = err
	}
	switch {
	case strings.TrimSpace(q.Country) != "" || strings.TrimSpace(q.Near) != "":
		return place.Area{}, errNoGazetteer(parserErr)
	case strings.TrimSpace(q.Radius) != "":
		return place.Area{}, badData(fmt.Errorf("%w: radius without near", place.ErrBadArea))
	case strings.TrimSpace(q.BBox) != "":
		b, err := store.ParseBBox(q.BBox)
		if err != nil {
			return place.Area{}, badData(fmt.Errorf("%w: %v", place.ErrBadArea, err))
		}
		return place.Area{Kind: place.Box, Box: b}, nil
	}
	return place.Area{}, nil
}

// parseSpan reads a trend window or baseline: "" is the default (0 here,
// filled in by Normalize); "all" and "0" name no span and are refused.
func parseSpan(name, s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	d, err := ParseWindow(s)
	if err != nil || d == 0 {
		return 0, fmt.Errorf("bad %s %.32q: want a duration such as 15m, 1h, 24h or 2d", name, s)
	}
	return d, nil
}

// ParseAt reads a time: RFC 3339 (2026-05-01T12:00:00Z) or Unix seconds
// (1777636800, fractions allowed); "" is the zero time (now).
func ParseAt(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil && secs > 0 && secs < maxUnixSeconds {
		return time.Unix(secs, 0).UTC(), nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 && secs < maxUnixSeconds {
		return time.Unix(0, int64(secs*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad at %.40q: want an RFC 3339 time such as 2026-05-01T12:00:00Z, or Unix seconds", s)
}

// maxUnixSeconds is the year 5138: beyond it the nanoseconds overflow.
const maxUnixSeconds = 1e11

// shortDuration prints d without trailing zero units: 1h, 24h, 1h30m, 5m,
// and whole days from two on as ParseWindow reads them: 7d.
func shortDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= 2*day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// TrendsData is /api/trends: the selection as understood, the window and
// baseline counted, the trends best first, and a note when the answer needs
// one (a short baseline, or no trend at all and why).
type TrendsData struct {
	Lang       string    `json:"lang"` // "" for every language
	Name       string    `json:"name"` // the language's name, or "all languages"
	Area       string    `json:"area"` // as place.Area.String gives it: world, country=ES, near=Madrid%2C+ES&radius=50km, bbox=W,S,E,N
	Window     string    `json:"window"`
	WindowS    float64   `json:"window_s"`
	Baseline   string    `json:"baseline"` // as asked
	BaselineS  float64   `json:"baseline_s"`
	Geo        string    `json:"geo"` // provenances a point may have to count for an area
	MinAuthors int       `json:"min_authors"`
	MinScore   float64   `json:"min_score"`
	At         time.Time `json:"at,omitzero"` // as asked; absent: the store's head

	From         time.Time `json:"from"` // the window, in whole buckets
	To           time.Time `json:"to"`
	BaselineFrom time.Time `json:"baseline_from"`
	BaselineHeld string    `json:"baseline_held"` // how much of the baseline the store holds
	// BaselineHeldS is BaselineHeld in seconds.
	BaselineHeldS    float64 `json:"baseline_held_s"`
	BaselineShort    bool    `json:"baseline_short"`
	Bucket           string  `json:"bucket"`
	BucketS          float64 `json:"bucket_s"`
	WindowActivity   int64   `json:"window_activity"`
	BaselineActivity int64   `json:"baseline_activity"`
	Candidates       int     `json:"candidates"`
	WarmingUp        bool    `json:"warming_up"`

	Trends []store.Trend `json:"trends"`
	Note   string        `json:"note,omitempty"`
}

// NewTrendsData describes the answer res to q over area.
func NewTrendsData(q store.TrendsQuery, area place.Area, res store.TrendsResult) TrendsData {
	d := TrendsData{Lang: q.Lang, Name: "all languages", Area: area.String(),
		Window: shortDuration(q.Window), WindowS: q.Window.Seconds(), Baseline: shortDuration(q.Baseline), BaselineS: q.Baseline.Seconds(),
		Geo: q.Geo.String(), MinAuthors: q.MinAuthors, MinScore: q.MinScore, At: q.At,
		From: res.From, To: res.To, BaselineFrom: res.BaselineFrom,
		BaselineHeld: shortDuration(res.BaselineHeld), BaselineHeldS: res.BaselineHeld.Seconds(), BaselineShort: res.BaselineShort,
		Bucket: shortDuration(res.Bucket), BucketS: res.Bucket.Seconds(),
		WindowActivity: res.WindowActivity, BaselineActivity: res.BaselineActivity, Candidates: res.Candidates, WarmingUp: res.WarmingUp,
		Trends: res.Trends}
	if q.Lang != "" {
		d.Name = ref(q.Lang).Name
	}
	if d.Trends == nil {
		d.Trends = []store.Trend{}
	}
	d.Note = trendsNote(q, res)
	return d
}

// trendsNote says in plain words why an answer may not be what was asked:
// a baseline the store does not hold in full, or an empty list.
func trendsNote(q store.TrendsQuery, res store.TrendsResult) string {
	var notes []string
	switch {
	case res.WarmingUp:
		return fmt.Sprintf("warming up: the store holds %s of baseline before the %s window; a tag's usual level cannot be told from less than a window, so trends are listed once it holds %s",
			shortDuration(res.BaselineHeld), shortDuration(q.Window), shortDuration(q.Window))
	case res.BaselineShort:
		notes = append(notes, fmt.Sprintf("the store holds %s of the %s baseline asked for; expected levels are from what it holds",
			shortDuration(res.BaselineHeld), shortDuration(q.Baseline)))
	}
	if len(res.Trends) == 0 {
		switch {
		case res.WindowActivity == 0:
			notes = append(notes, fmt.Sprintf("no post with a hashtag in this selection from %s to %s",
				res.From.Format(time.RFC3339), res.To.Format(time.RFC3339)))
		case res.Candidates == 0:
			notes = append(notes, fmt.Sprintf("no hashtag had the %d distinct authors in the window a trend needs", q.MinAuthors))
		default:
			notes = append(notes, fmt.Sprintf("no hashtag rose above its baseline in this selection (%d had %d or more authors in the window, none clearly above what the baseline expects)",
				res.Candidates, q.MinAuthors))
		}
	}
	return strings.Join(notes, "; ")
}

// trendsKey identifies a normalised trends query for the answer cache:
// TrendsQuery itself holds a function (the area's Contains), so the area
// goes in by value.
type trendsKey struct {
	lang               string
	kind               place.Kind
	country            string
	lat, lon, radiusKm float64
	box                store.BBox
	window, baseline   time.Duration
	n, minAuthors      int
	minScore           float64
	geo                post.GeoSet
	at                 int64
}

func trendsKeyOf(q store.TrendsQuery, area place.Area) trendsKey {
	k := trendsKey{lang: q.Lang, kind: area.Kind, country: area.Country, lat: area.Lat, lon: area.Lon, radiusKm: area.RadiusKm,
		box: area.Box, window: q.Window, baseline: q.Baseline, n: q.N, minAuthors: q.MinAuthors, minScore: q.MinScore, geo: q.Geo}
	if !q.At.IsZero() {
		k.at = q.At.UnixNano()
	}
	return k
}

// trends serves /api/trends. Every query is expensive: one over a place
// walks the geo events of each bucket of the baseline.
func (a *API) trends(w http.ResponseWriter, r *http.Request) {
	req := TrendsRequestFrom(r.URL.Query())
	format, err := ParseFormat(r.URL.Query().Get("format"), FormatJSON, FormatCSV)
	if err != nil {
		writeError(w, badData(err))
		return
	}
	if strings.TrimSpace(req.From) != "" && strings.TrimSpace(req.To) == "" {
		// An open end is the head: the window runs from from to the newest post.
		st, err := a.opts.Querier.Stats(r.Context())
		if err != nil {
			writeError(w, storeError(err))
			return
		}
		if !st.Head.IsZero() {
			req.To = st.Head.Add(time.Nanosecond).UTC().Format(time.RFC3339Nano)
		} else {
			req.To = a.opts.Now().UTC().Format(time.RFC3339Nano)
		}
	}
	q, area, err := req.Query(a.opts.Places)
	if err != nil {
		writeError(w, guardError(r, err))
		return
	}
	a.serveFormat(w, r, trendsKeyOf(q, area), true, format, "trends", func(ctx context.Context) (any, *apiError) {
		res, err := a.opts.Querier.Trends(ctx, q)
		if errors.Is(err, trend.ErrNoCountries) {
			return nil, &apiError{typ: errUnavailable, err: err}
		}
		if err != nil {
			return nil, storeError(err)
		}
		d := NewTrendsData(q, area, res)
		if req.To != "" {
			d.At = q.At.Add(time.Nanosecond) // the range's end, as asked (rounded out)
		}
		return d, nil
	})
}

func (TrendsData) csvHeader() []string {
	return []string{"rank", "tag", "score", "authors", "posts", "observed", "expected", "first_seen"}
}

func (d TrendsData) csvRows(emit func(...string) error) error {
	for i, t := range d.Trends {
		if err := emit(strconv.Itoa(i+1), t.Tag, fmtFloat(t.Score), fmtInt(t.Authors), fmtInt(t.Posts), fmtInt(t.Observed),
			fmtFloat(t.Expected), fmtTime(t.FirstSeen)); err != nil {
			return err
		}
	}
	return nil
}
