package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/geoheat/geoheat/internal/buildinfo"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
)

// StatusData is /api/status.
type StatusData struct {
	Time    time.Time       `json:"time"`
	UptimeS float64         `json:"uptime_s"`
	Ingest  *pipeline.Stats `json:"ingest"` // null when this process does not ingest
	Store   store.Stats     `json:"store"`
	// Build says what this binary is and carries (revision, dashboard,
	// gazetteer, language models), as `geoheat version` does.
	Build *buildinfo.Info `json:"build,omitempty"`
}

// CountRow is one row of /api/counts.
type CountRow struct {
	Lang     string `json:"lang"`
	Name     string `json:"name"`
	Posts    int64  `json:"posts"`
	Geo      int64  `json:"geo"` // points of trusted provenance (exact, place)
	Hashtags int64  `json:"hashtags"`
	// GeoBySource counts points per provenance, inferred ones included.
	GeoBySource store.GeoCounts `json:"geo_by_source,omitzero"`
}

// TopRow is one language of /api/top.
type TopRow struct {
	Lang string           `json:"lang"`
	Name string           `json:"name"`
	Tags []store.TagCount `json:"tags"`
}

// TopRows is /api/top.
type TopRows []TopRow

func (TopRows) csvHeader() []string { return []string{"lang", "rank", "tag", "count"} }

func (rows TopRows) csvRows(emit func(...string) error) error {
	for _, r := range rows {
		for i, t := range r.Tags {
			if err := emit(r.Lang, strconv.Itoa(i+1), t.Tag, fmtInt(t.Count)); err != nil {
				return err
			}
		}
	}
	return nil
}

// CountRows is /api/counts.
type CountRows []CountRow

func (CountRows) csvHeader() []string {
	return []string{"lang", "name", "posts", "geo", "hashtags", "exact", "place", "profile", "text"}
}

func (rows CountRows) csvRows(emit func(...string) error) error {
	for _, r := range rows {
		g := r.GeoBySource
		if err := emit(r.Lang, r.Name, fmtInt(r.Posts), fmtInt(r.Geo), fmtInt(r.Hashtags),
			fmtInt(g.Exact), fmtInt(g.Place), fmtInt(g.Profile), fmtInt(g.Text)); err != nil {
			return err
		}
	}
	return nil
}

// PointsData is /api/points: points oldest first, each [lat, lon], and
// parallel to them each point's provenance, confidence, time and hashtags
// (kept apart so that readers of the [lat, lon] pairs, the seed's format,
// keep working).
type PointsData struct {
	Lang       string       `json:"lang"`
	Name       string       `json:"name"`
	Geo        string       `json:"geo"` // the provenances included, e.g. "exact,place"
	Points     [][2]float64 `json:"points"`
	Sources    []string     `json:"sources"`    // "exact", "place", "profile" or "text"
	Confidence []float32    `json:"confidence"` // in (0, 1], 1/255 steps
	// Times are the posts' times (RFC 3339) and Tags their lower-cased
	// hashtags; both are absent when the store does not keep them per
	// point (the seed's Redis layout, whose lists hold bare coordinates).
	Times []time.Time `json:"times,omitempty"`
	Tags  [][]string  `json:"tags,omitempty"`
}

func (PointsData) csvHeader() []string {
	return []string{"time", "lat", "lon", "lang", "source", "confidence", "tags"}
}

func (d PointsData) csvRows(emit func(...string) error) error {
	for i, p := range d.Points {
		var tm, tags string
		if d.Times != nil {
			tm, tags = fmtTime(d.Times[i]), fmtTags(d.Tags[i])
		}
		if err := emit(tm, fmtFloat(p[0]), fmtFloat(p[1]), d.Lang, d.Sources[i], fmtFloat32(d.Confidence[i]), tags); err != nil {
			return err
		}
	}
	return nil
}

func (d PointsData) geoJSON() FeatureCollection {
	fc := featureCollection(len(d.Points))
	for i, p := range d.Points {
		props := map[string]any{"lang": d.Lang, "time": nil, "source": d.Sources[i], "confidence": d.Confidence[i], "tags": []string{}}
		if d.Times != nil {
			props["time"], props["tags"] = d.Times[i], d.Tags[i]
		}
		fc.Features = append(fc.Features, pointFeature(p[0], p[1], props))
	}
	return fc
}

// HeatData is /api/heat. Cells are [lat, lon, weight] in mode density,
// [lat, lon, weight, lang_index, share] in mode lang (lang_index into
// Langs) and [lat, lon, weight, total, share] in mode share (heatmode.go).
type HeatData struct {
	Mode      string      `json:"mode"`
	Geo       string      `json:"geo"` // the provenances aggregated, e.g. "exact,place"
	Cells     [][]float64 `json:"cells"`
	Langs     []HeatLang  `json:"langs,omitempty"` // mode lang: the languages, heaviest first
	Points    int64       `json:"points"`
	CellDeg   float64     `json:"cell_deg"`
	Truncated bool        `json:"truncated"`
	MaxWeight int64       `json:"max_weight"`
	Note      string      `json:"note,omitempty"`
}

// HeatLang is a language of a lang-mode heat answer and its points over
// every cell.
type HeatLang struct {
	Lang   string `json:"lang"`
	Name   string `json:"name"`
	Weight int64  `json:"weight"`
}

// heatColumns are the columns each mode adds after lat, lon, weight.
var heatColumns = map[string][]string{
	HeatDensity: nil,
	HeatLangs:   {"lang", "share"},
	HeatShare:   {"total", "share"},
}

func (d HeatData) csvHeader() []string {
	return append([]string{"lat", "lon", "weight"}, heatColumns[d.Mode]...)
}

func (d HeatData) csvRows(emit func(...string) error) error {
	row := make([]string, 0, 5)
	for _, c := range d.Cells {
		row = append(row[:0], fmtFloat(c[0]), fmtFloat(c[1]), fmtFloat(c[2]))
		switch d.Mode {
		case HeatLangs:
			row = append(row, d.Langs[int(c[3])].Lang, fmtFloat(c[4]))
		case HeatShare:
			row = append(row, fmtFloat(c[3]), fmtFloat(c[4]))
		}
		if err := emit(row...); err != nil {
			return err
		}
	}
	return nil
}

func (d HeatData) geoJSON() FeatureCollection {
	fc := featureCollection(len(d.Cells))
	for _, c := range d.Cells {
		props := map[string]any{"weight": int64(c[2]), "cell_deg": d.CellDeg}
		switch d.Mode {
		case HeatLangs:
			props["lang"], props["share"] = d.Langs[int(c[3])].Lang, c[4]
		case HeatShare:
			props["total"], props["share"] = int64(c[3]), c[4]
		}
		fc.Features = append(fc.Features, pointFeature(c[0], c[1], props))
	}
	return fc
}

// LangRef names a language.
type LangRef struct {
	Lang string `json:"lang"`
	Name string `json:"name"`
}

// DetectData is /api/detect.
type DetectData struct {
	Text     string    `json:"text"`
	Detector string    `json:"detector"`
	Lang     string    `json:"lang"` // "" when nothing matched
	Name     string    `json:"name"`
	Matches  int       `json:"matches"`
	Total    int       `json:"total"`
	Kept     bool      `json:"kept"` // would be recorded
	Tied     []LangRef `json:"tied"` // every language at the top score
}

func ref(key string) LangRef {
	if key == "" {
		return LangRef{Lang: "", Name: "unknown"}
	}
	l := langid.Describe(key)
	return LangRef{Lang: key, Name: l.Name}
}

func (a *API) status(r *http.Request) (any, *apiError) {
	st, err := a.opts.Querier.Stats(r.Context())
	if err != nil {
		return nil, storeError(err)
	}
	now := a.opts.Now()
	d := StatusData{Time: now, UptimeS: now.Sub(a.opts.Started).Seconds(), Store: st, Build: a.opts.Build}
	if a.opts.Ingest != nil {
		d.Ingest = a.opts.Ingest()
	}
	return d, nil
}

// counts: counting everything reads per-language totals (cheap, never
// refused); a range or a box walks posts.
func (a *API) counts(w http.ResponseWriter, r *http.Request) {
	serveQuery(a, w, r, queryEndpoint[store.CountsQuery, []store.LangCount]{
		name: "counts", formats: []string{FormatJSON, FormatCSV}, parse: parseCounts,
		expensive: func(q store.CountsQuery) bool { return q != store.CountsQuery{} },
		run:       a.opts.Querier.Counts,
		data:      func(_ store.CountsQuery, rows []store.LangCount) any { return countRows(rows) },
	})
}

// countRows names the store's per-language counts (/api/counts and the
// live snapshot).
func countRows(rows []store.LangCount) CountRows {
	out := make([]CountRow, 0, len(rows))
	for _, c := range rows {
		out = append(out, CountRow{Lang: c.Lang, Name: ref(c.Lang).Name, Posts: c.Posts, Geo: c.Geo, Hashtags: c.Hashtags,
			GeoBySource: c.GeoBySource})
	}
	return out
}

// topRows names the store's top hashtags, an empty list for a language
// without any (/api/top and the live snapshot).
func topRows(res []store.LangTop) TopRows {
	out := make([]TopRow, 0, len(res))
	for _, t := range res {
		tags := t.Tags
		if tags == nil {
			tags = []store.TagCount{}
		}
		out = append(out, TopRow{Lang: t.Lang, Name: ref(t.Lang).Name, Tags: tags})
	}
	return out
}

// queryEndpoint is one query endpoint: its short name (an export's file
// name), the formats it answers, how it parses its parameters, whether a
// query takes a limiter slot, the store call, and the answer's layout.
type queryEndpoint[Q comparable, R any] struct {
	name      string
	formats   []string
	parse     func(url.Values) (Q, *apiError)
	expensive func(Q) bool // nil: always
	run       func(context.Context, Q) (R, error)
	data      func(Q, R) any
}

// queryKey is the cache key of a parsed (normalised) query, so equivalent
// URLs share an entry; its type parameter keeps endpoints apart.
type queryKey[Q comparable] struct{ q Q }

// serveQuery answers a query endpoint: a 400 for bad parameters or
// format, else the guard's answer.
func serveQuery[Q comparable, R any](a *API, w http.ResponseWriter, r *http.Request, e queryEndpoint[Q, R]) {
	v := r.URL.Query()
	q, aerr := e.parse(v)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	format, err := ParseFormat(v.Get("format"), e.formats...)
	if err != nil {
		writeError(w, badData(err))
		return
	}
	a.serveFormat(w, r, queryKey[Q]{q}, e.expensive == nil || e.expensive(q), format, e.name, func(ctx context.Context) (any, *apiError) {
		res, err := e.run(ctx, q)
		if err != nil {
			return nil, storeError(err)
		}
		return e.data(q, res), nil
	})
}

// heatKey is the heat map's cache key (heatmode.go adds the mode).
type heatKey store.HeatQuery

// expensiveLast is the hashtag count beyond which a top query by count
// takes a limiter slot like a windowed one: the seed's last=5000 is cheap,
// last=10000000 is a scan.
const expensiveLast = 50_000

func (a *API) top(w http.ResponseWriter, r *http.Request) {
	serveQuery(a, w, r, queryEndpoint[store.TopQuery, []store.LangTop]{
		name: "top", formats: []string{FormatJSON, FormatCSV}, parse: parseTop,
		// Every selection but the newest hashtags walks posts: a range, a
		// box or a search as much as a window.
		expensive: func(q store.TopQuery) bool { return q.Last == 0 || q.Last > expensiveLast },
		run:       a.opts.Querier.Top,
		data:      func(_ store.TopQuery, res []store.LangTop) any { return topRows(res) },
	})
}

func (a *API) points(w http.ResponseWriter, r *http.Request) {
	serveQuery(a, w, r, queryEndpoint[store.PointsQuery, []store.Point]{
		name: "points", formats: []string{FormatJSON, FormatCSV, FormatGeoJSON}, parse: parsePoints,
		run:  a.opts.Querier.Points,
		data: func(q store.PointsQuery, pts []store.Point) any { return newPointsData(q, pts) },
	})
}

// newPointsData lays the store's points out as /api/points sends them.
func newPointsData(q store.PointsQuery, pts []store.Point) PointsData {
	d := PointsData{Lang: q.Lang, Name: ref(q.Lang).Name, Geo: q.Geo.String(), Points: make([][2]float64, len(pts)),
		Sources: make([]string, len(pts)), Confidence: make([]float32, len(pts)), Times: make([]time.Time, len(pts)),
		Tags: make([][]string, len(pts))}
	timed := false
	for i, p := range pts {
		d.Points[i] = [2]float64{p.Lat, p.Lon}
		d.Sources[i], d.Confidence[i] = p.Source.String(), p.Confidence
		d.Times[i], d.Tags[i] = p.Time.UTC(), orEmpty(p.Tags)
		timed = timed || !p.Time.IsZero()
	}
	if !timed {
		// No point has a time: the store keeps none (not year 1).
		d.Times, d.Tags = nil, nil
	}
	return d
}

func (a *API) detect(r *http.Request) (any, *apiError) {
	if a.opts.Explainer == nil {
		return nil, &apiError{typ: errUnavailable, err: errors.New("no language detector is configured")}
	}
	texts, ok := r.URL.Query()["text"]
	if !ok || len(texts) != 1 {
		return nil, badData(errors.New("give exactly one text parameter"))
	}
	if len(texts[0]) > maxTextBytes {
		return nil, badData(errors.New("text is longer than 64 KiB"))
	}
	return Detect(a.opts.Explainer, a.opts.Detector, texts[0]), nil
}

const maxTextBytes = 64 << 10

// Detect builds a DetectData; the CLI uses it for local detection so both
// print the same thing.
func Detect(e langid.Explainer, detector, text string) DetectData {
	res, tied := e.Explain(text)
	l := ref(res.Lang)
	d := DetectData{Text: text, Detector: detector, Lang: l.Lang, Name: l.Name,
		Matches: res.Matches, Total: res.Total, Kept: res.Kept, Tied: make([]LangRef, 0, len(tied))}
	for _, k := range tied {
		d.Tied = append(d.Tied, ref(k))
	}
	return d
}
