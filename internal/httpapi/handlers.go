package httpapi

import (
	"context"
	"errors"
	"net/http"
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

// PointsData is /api/points: points oldest first, each [lat, lon], and
// parallel to them each point's provenance and confidence (kept apart so
// that readers of the [lat, lon] pairs, the seed's format, keep working).
type PointsData struct {
	Lang       string       `json:"lang"`
	Name       string       `json:"name"`
	Geo        string       `json:"geo"` // the provenances included, e.g. "exact,place"
	Points     [][2]float64 `json:"points"`
	Sources    []string     `json:"sources"`    // "exact", "place", "profile" or "text"
	Confidence []float32    `json:"confidence"` // in (0, 1], 1/255 steps
}

// HeatData is /api/heat: cells as [lat, lon, weight].
type HeatData struct {
	Geo       string       `json:"geo"` // the provenances aggregated, e.g. "exact,place"
	Cells     [][3]float64 `json:"cells"`
	Points    int64        `json:"points"`
	CellDeg   float64      `json:"cell_deg"`
	Truncated bool         `json:"truncated"`
	MaxWeight int64        `json:"max_weight"`
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

func (a *API) counts(r *http.Request) (any, *apiError) {
	rows, err := a.opts.Querier.Counts(r.Context(), store.CountsQuery{})
	if err != nil {
		return nil, storeError(err)
	}
	return countRows(rows), nil
}

// countRows names the store's per-language counts (/api/counts and the
// live snapshot).
func countRows(rows []store.LangCount) []CountRow {
	out := make([]CountRow, 0, len(rows))
	for _, c := range rows {
		out = append(out, CountRow{Lang: c.Lang, Name: ref(c.Lang).Name, Posts: c.Posts, Geo: c.Geo, Hashtags: c.Hashtags,
			GeoBySource: c.GeoBySource})
	}
	return out
}

// topRows names the store's top hashtags, an empty list for a language
// without any (/api/top and the live snapshot).
func topRows(res []store.LangTop) []TopRow {
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

// Cache keys: one type per endpoint, holding the parsed (normalised) query,
// so equivalent URLs share an entry and endpoints never collide.
type (
	topKey    store.TopQuery
	pointsKey store.PointsQuery
	heatKey   store.HeatQuery
)

// expensiveLast is the hashtag count beyond which a top query by count
// takes a limiter slot like a windowed one: the seed's last=5000 is cheap,
// last=10000000 is a scan.
const expensiveLast = 50_000

func (a *API) top(w http.ResponseWriter, r *http.Request) {
	q, aerr := parseTop(r.URL.Query())
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	a.serveGuarded(w, r, topKey(q), q.Window > 0 || q.Last > expensiveLast, func(ctx context.Context) (any, *apiError) {
		res, err := a.opts.Querier.Top(ctx, q)
		if err != nil {
			return nil, storeError(err)
		}
		return topRows(res), nil
	})
}

func (a *API) points(w http.ResponseWriter, r *http.Request) {
	q, aerr := parsePoints(r.URL.Query())
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	a.serveGuarded(w, r, pointsKey(q), true, func(ctx context.Context) (any, *apiError) {
		pts, err := a.opts.Querier.Points(ctx, q)
		if err != nil {
			return nil, storeError(err)
		}
		d := PointsData{Lang: q.Lang, Name: ref(q.Lang).Name, Geo: q.Geo.String(), Points: make([][2]float64, len(pts)),
			Sources: make([]string, len(pts)), Confidence: make([]float32, len(pts))}
		for i, p := range pts {
			d.Points[i] = [2]float64{p.Lat, p.Lon}
			d.Sources[i], d.Confidence[i] = p.Source.String(), p.Confidence
		}
		return d, nil
	})
}

func (a *API) heat(w http.ResponseWriter, r *http.Request) {
	q, aerr := parseHeat(r.URL.Query())
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	a.serveGuarded(w, r, heatKey(q), true, func(ctx context.Context) (any, *apiError) {
		res, err := a.opts.Querier.Heat(ctx, q)
		if err != nil {
			return nil, storeError(err)
		}
		d := HeatData{Geo: q.Geo.String(), Cells: make([][3]float64, len(res.Cells)), Points: res.Points, CellDeg: res.CellDeg,
			Truncated: res.Truncated, MaxWeight: res.MaxWeight}
		for i, c := range res.Cells {
			d.Cells[i] = [3]float64{c.Lat, c.Lon, float64(c.Weight)}
		}
		return d, nil
	})
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
