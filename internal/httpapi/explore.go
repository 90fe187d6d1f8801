package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

// /api/histogram and /api/posts (docs/explore.md), and the counts
// selection.

func parseCounts(v url.Values) (store.CountsQuery, *apiError) {
	var q store.CountsQuery
	var err error
	if q.Range, err = ParseRange(v); err != nil {
		return q, badData(err)
	}
	if q.BBox, err = ParseArea(v.Get("bbox")); err != nil {
		return q, badData(err)
	}
	if !q.BBox.IsZero() {
		if q.Geo, err = ParseGeo(v.Get("geo")); err != nil {
			return q, badData(err)
		}
	} else if _, err := ParseGeo(v.Get("geo")); err != nil {
		return q, badData(err) // unused without a box, but still not garbage
	}
	return q, nil
}

// parseSelection reads what histogram and posts share: language, tag,
// search, box and range.
func parseSelection(v url.Values) (lang, tag, q string, box store.BBox, r store.Range, err error) {
	if lang, err = ParseLang(v.Get("lang")); err != nil {
		return
	}
	if tag, err = ParseTag(v.Get("tag")); err != nil {
		return
	}
	if q, err = ParseQ(v.Get("q")); err != nil {
		return
	}
	if box, err = ParseArea(v.Get("bbox")); err != nil {
		return
	}
	if v.Get("window") != "" {
		// These endpoints take absolute ranges only; the dashboard sends
		// what its histogram brushed.
		err = fmt.Errorf("window is not accepted here: give from and to")
		return
	}
	r, err = ParseRange(v)
	return
}

func parseHistogram(v url.Values) (store.HistogramQuery, *apiError) {
	var q store.HistogramQuery
	var err error
	if q.Lang, q.Tag, q.Q, q.BBox, q.Range, err = parseSelection(v); err != nil {
		return q, badData(err)
	}
	if q.Geo, err = ParseGeo(v.Get("geo")); err != nil {
		return q, badData(err)
	}
	if q.Buckets, err = IntParam(v, "buckets", store.DefaultHistogramBuckets, 1, store.MaxHistogramBuckets); err != nil {
		return q, badData(err)
	}
	return q, nil
}

func parsePosts(v url.Values) (store.PostsQuery, *apiError) {
	var q store.PostsQuery
	var err error
	if q.Lang, q.Tag, q.Q, q.BBox, q.Range, err = parseSelection(v); err != nil {
		return q, badData(err)
	}
	if q.Geo, err = ParseGeo(v.Get("geo")); err != nil {
		return q, badData(err)
	}
	if q.N, err = IntParam(v, "n", store.DefaultPosts, 1, store.MaxPosts); err != nil {
		return q, badData(err)
	}
	return q, nil
}

// HistogramData is /api/histogram: Buckets are [start_unix_s, posts,
// points], oldest first, every bucket of the span listed.
type HistogramData struct {
	From    time.Time  `json:"from,omitzero"` // the span bucketed, open ends resolved; absent when the store is empty
	To      time.Time  `json:"to,omitzero"`
	StepS   float64    `json:"step_s"`
	Buckets [][3]int64 `json:"buckets"`
	Posts   int64      `json:"posts"`
	Points  int64      `json:"points"`
	Note    string     `json:"note,omitempty"`
}

func (HistogramData) csvHeader() []string { return []string{"start", "end", "posts", "points"} }

func (d HistogramData) csvRows(emit func(...string) error) error {
	step := time.Duration(d.StepS * float64(time.Second))
	for _, b := range d.Buckets {
		start := time.Unix(b[0], 0).UTC()
		if err := emit(fmtTime(start), fmtTime(start.Add(step)), fmtInt(b[1]), fmtInt(b[2])); err != nil {
			return err
		}
	}
	return nil
}

// NewHistogramData lays out the store's answer to q.
func NewHistogramData(q store.HistogramQuery, res store.HistogramResult) HistogramData {
	d := HistogramData{From: res.From.UTC(), To: res.To.UTC(), StepS: res.Step.Seconds(), Buckets: make([][3]int64, len(res.Buckets)),
		Posts: res.Posts, Points: res.Points}
	if res.From.IsZero() {
		d.From, d.To = time.Time{}, time.Time{}
	}
	for i, b := range res.Buckets {
		d.Buckets[i] = [3]int64{b.Start.Unix(), b.Posts, b.Points}
	}
	if d.Posts == 0 {
		switch {
		case res.From.IsZero():
			d.Note = "the store holds no posts yet"
		default:
			d.Note = "no post" + selectionWords(q.Lang, q.Tag, q.Q, q.BBox, store.Range{From: res.From, To: res.To}, 0)
			if !q.BBox.IsZero() {
				d.Note += " (with a box, only posts with a point inside count)"
			}
		}
	}
	return d
}

// PostRow is one post of /api/posts. Text and Handle are the author's
// words: clients show them as text, never as markup.
type PostRow struct {
	ID     string    `json:"id"`
	Lang   string    `json:"lang"`
	Name   string    `json:"name"`
	Time   time.Time `json:"time"`
	Handle string    `json:"handle"`
	Text   string    `json:"text"`
	URL    string    `json:"url"`
	Tags   []string  `json:"tags"`
	// Lat, Lon and Source are present when the post has a point.
	Lat    *float64 `json:"lat,omitempty"`
	Lon    *float64 `json:"lon,omitempty"`
	Source string   `json:"source,omitempty"`
}

// PostsData is /api/posts: the newest matching posts first.
type PostsData struct {
	Posts    []PostRow `json:"posts"`
	Kept     int64     `json:"kept"`               // posts whose text is kept
	KeptFrom time.Time `json:"kept_from,omitzero"` // the oldest kept post's time
	Note     string    `json:"note,omitempty"`
}

func (PostsData) csvHeader() []string {
	return []string{"time", "id", "lang", "handle", "url", "lat", "lon", "source", "tags", "text"}
}

func (d PostsData) csvRows(emit func(...string) error) error {
	for _, p := range d.Posts {
		var lat, lon string
		if p.Lat != nil {
			lat, lon = fmtFloat(*p.Lat), fmtFloat(*p.Lon)
		}
		if err := emit(fmtTime(p.Time), p.ID, p.Lang, p.Handle, p.URL, lat, lon, p.Source, fmtTags(p.Tags), p.Text); err != nil {
			return err
		}
	}
	return nil
}

func (d PostsData) geoJSON() FeatureCollection {
	fc := featureCollection(len(d.Posts))
	for _, p := range d.Posts {
		props := map[string]any{"id": p.ID, "lang": p.Lang, "time": p.Time, "handle": p.Handle, "text": p.Text, "url": p.URL, "tags": p.Tags}
		if p.Lat == nil {
			fc.Features = append(fc.Features, Feature{Type: "Feature", Properties: props})
			continue
		}
		props["source"] = p.Source
		fc.Features = append(fc.Features, pointFeature(*p.Lat, *p.Lon, props))
	}
	return fc
}

// NewPostsData lays out the store's answer to q.
func NewPostsData(q store.PostsQuery, res store.PostsResult) PostsData {
	d := PostsData{Posts: make([]PostRow, len(res.Posts)), Kept: res.Kept, KeptFrom: res.KeptFrom.UTC()}
	if res.KeptFrom.IsZero() {
		d.KeptFrom = time.Time{}
	}
	for i, p := range res.Posts {
		row := PostRow{ID: p.ID, Lang: p.Lang, Name: ref(p.Lang).Name, Time: p.Time.UTC(), Handle: p.Handle, Text: p.Text, URL: p.URL,
			Tags: orEmpty(p.Tags)}
		if p.Point != nil {
			lat, lon := p.Point.Lat, p.Point.Lon
			row.Lat, row.Lon, row.Source = &lat, &lon, p.Point.Source.String()
		}
		d.Posts[i] = row
	}
	if len(d.Posts) == 0 {
		switch {
		case res.Kept == 0:
			d.Note = "no post's text is kept (serve, ingest and work keep it with --keep-text; off keeps none), so there are no posts to list"
		case !q.Range.To.IsZero() && !q.Range.To.After(res.KeptFrom):
			d.Note = fmt.Sprintf("kept text reaches back to %s only (the newest %d posts): the range ends before it", fmtTime(res.KeptFrom), res.Kept)
		default:
			d.Note = fmt.Sprintf("no kept post%s (text is kept for the newest %d posts, since %s)",
				selectionWords(q.Lang, q.Tag, q.Q, q.BBox, q.Range, 0), res.Kept, fmtTime(res.KeptFrom))
		}
	}
	return d
}

func (a *API) histogram(w http.ResponseWriter, r *http.Request) {
	serveQuery(a, w, r, queryEndpoint[store.HistogramQuery, store.HistogramResult]{
		name: "histogram", formats: []string{FormatJSON, FormatCSV}, parse: parseHistogram,
		run:  a.opts.Querier.Histogram,
		data: func(q store.HistogramQuery, res store.HistogramResult) any { return NewHistogramData(q, res) },
	})
}

func (a *API) posts(w http.ResponseWriter, r *http.Request) {
	serveQuery(a, w, r, queryEndpoint[store.PostsQuery, store.PostsResult]{
		name: "posts", formats: []string{FormatJSON, FormatCSV, FormatGeoJSON}, parse: parsePosts,
		run:  a.opts.Querier.Posts,
		data: func(q store.PostsQuery, res store.PostsResult) any { return NewPostsData(q, res) },
	})
}
