package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// hostileText is a post text that breaks naive CSV, JSON-in-HTML and
// terminals: commas, quotes, newlines, markup, an escape sequence.
const hostileText = "a,\"b\"\nc <script>alert(1)</script> \x1b[31m,red"

var exploreT0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// explorePosts are the fixture's posts, one a minute from exploreT0:
// 30 English in London (exact), 20 Spanish in Madrid (place), 10 French in
// London (exact), 5 English without a point whose text is hostile.
func explorePosts() []post.Post {
	var ps []post.Post
	add := func(n int, lang, text string, tags []string, p *post.Point, src post.GeoSource) {
		for range n {
			i := len(ps)
			pp := post.Post{ID: strconv.Itoa(1000 + i), Time: exploreT0.Add(time.Duration(i) * time.Minute), Lang: lang,
				Text: text + " " + strconv.Itoa(i), Hashtags: tags, UserID: "u" + strconv.Itoa(i%7), ScreenName: "user" + strconv.Itoa(i%7)}
			if p != nil {
				pp.HasPoint, pp.Point, pp.GeoSource, pp.GeoConfidence = true, *p, src, 1
			}
			ps = append(ps, pp)
		}
	}
	london, madrid := &post.Point{Lat: 51.5, Lon: -0.12}, &post.Point{Lat: 40.4, Lon: -3.7}
	add(30, "en", "hello London", []string{"London", "x"}, london, post.GeoExact)
	add(20, "es", "hola Madrid", []string{"madrid"}, madrid, post.GeoPlace)
	add(10, "fr", "bonjour Londres", []string{"paris"}, london, post.GeoExact)
	add(5, "en", hostileText, []string{"x"}, nil, post.GeoNone)
	return ps
}

// exploreAPI serves a real embedded store holding explorePosts.
func exploreAPI(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	st, err := memstore.Open(memstore.Options{KeepText: 1000, Now: func() time.Time { return exploreT0.Add(2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Record(context.Background(), explorePosts()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Options{Querier: st, Guard: NewGuard(GuardOptions{Stats: st.Stats, Limiter: NewLimiter(4, time.Second)})}))
	t.Cleanup(srv.Close)
	return srv, st
}

// fetchRaw GETs base+path and returns the status, Content-Type and body.
func fetchRaw(t *testing.T, base, path string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// askData asks path and decodes the success envelope's data into v.
func askData(t *testing.T, base, path string, v any) {
	t.Helper()
	a := ask(t, base, path)
	if a.code != http.StatusOK {
		t.Fatalf("%s: %d %s: %s", path, a.code, a.env.ErrorType, a.env.Error)
	}
	if err := json.Unmarshal(a.env.Data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readCSV asks path (format=csv added), checks the export's headers and
// reads the records back with encoding/csv: header first.
func readCSV(t *testing.T, base, path string) [][]string {
	t.Helper()
	code, h, body := fetchRaw(t, base, path+"&format=csv")
	if code != http.StatusOK {
		t.Fatalf("%s csv: %d %s", path, code, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("%s csv: Content-Type %q", path, ct)
	}
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, ".csv\"") {
		t.Errorf("%s csv: Content-Disposition %q names no .csv file", path, cd)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s csv does not parse: %v\n%s", path, err, body)
	}
	if len(recs) == 0 {
		t.Fatalf("%s csv: no header", path)
	}
	return recs
}

// readGeoJSON asks path (format=geojson added) and decodes it.
func readGeoJSON(t *testing.T, base, path string) FeatureCollection {
	t.Helper()
	code, h, body := fetchRaw(t, base, path+"&format=geojson")
	if code != http.StatusOK {
		t.Fatalf("%s geojson: %d %s", path, code, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("%s geojson: Content-Type %q", path, ct)
	}
	var fc FeatureCollection
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		t.Fatalf("%s geojson does not parse: %v", path, err)
	}
	if fc.Type != "FeatureCollection" {
		t.Fatalf("%s geojson: type %q", path, fc.Type)
	}
	for i, f := range fc.Features {
		if f.Type != "Feature" || (f.Geometry != nil && f.Geometry.Type != "Point") {
			t.Fatalf("%s geojson feature %d: %+v", path, i, f)
		}
		if g := f.Geometry; g != nil && (math.Abs(g.Coordinates[0]) > 180 || math.Abs(g.Coordinates[1]) > 90) {
			t.Fatalf("%s geojson feature %d: coordinates %v out of range", path, i, g.Coordinates)
		}
	}
	return fc
}

// TestExploreBadInput: every documented mistake is a 400 whose message
// says what is allowed.
func TestExploreBadInput(t *testing.T) {
	srv, _ := exploreAPI(t)
	for _, tc := range []struct{ path, want string }{
		{"/api/top?from=2026-05-01T13:00:00Z&to=2026-05-01T12:00:00Z", "not before to"},
		{"/api/heat?from=1777640400&to=1777640400", "not before to"},
		{"/api/counts?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "not before to"},
		{"/api/top?window=1h&from=2026-05-01T12:00:00Z", "window or from/to"},
		{"/api/heat?window=1h&to=2026-05-01T12:00:00Z", "window or from/to"},
		{"/api/trends?window=1h&from=2026-05-01T12:00:00Z", "window or from/to"},
		{"/api/histogram?window=1h", "from and to"},
		{"/api/top?from=yesterday", "RFC 3339"},
		{"/api/top?format=xml", "json or csv"},
		{"/api/counts?format=geojson", "json or csv"},
		{"/api/points?lang=en&format=kml", "json, csv or geojson"},
		{"/api/heat?format=png", "json, csv or geojson"},
		{"/api/trends?format=geojson", "json or csv"},
		{"/api/histogram?format=geojson", "json or csv"},
		{"/api/posts?format=html", "json, csv or geojson"},
		{"/api/posts?q=" + strings.Repeat("a", 257), "at most 256"},
		{"/api/top?q=" + url.QueryEscape("!!! ..."), "no words"},
		{"/api/heat?q=" + url.QueryEscape(strings.Repeat("w ", 17)), "at most 16"},
		{"/api/top?bbox=1,2,3", "west,south,east,north"},
		{"/api/counts?bbox=0,0,0,0", "empty"},
		{"/api/top?bbox=-10,35,5,45&last=100", "not both"},
		{"/api/heat?mode=lang&n=400", "n is not accepted"},
		{"/api/heat?mode=pie", "density, lang or share"},
		{"/api/histogram?buckets=1001", "1 to 1000"},
		{"/api/posts?n=0", "1 to 1000"},
		{"/api/trends?from=2026-05-01T12:00:00Z&to=2026-05-01T13:00:00Z&at=1777636800", "at or from/to"},
	} {
		a := ask(t, srv.URL, tc.path)
		if a.code != http.StatusBadRequest || a.env.ErrorType != "bad_data" || !strings.Contains(a.env.Error, tc.want) {
			t.Errorf("%s: %d %s %q, want 400 bad_data saying %q", tc.path, a.code, a.env.ErrorType, a.env.Error, tc.want)
		}
	}
}

// TestPointsExports: the GeoJSON of /api/points parses, holds a Point per
// point at [lon, lat] with the JSON answer's provenance, time and tags;
// the CSV reads back the same values.
func TestPointsExports(t *testing.T) {
	srv, _ := exploreAPI(t)
	const path = "/api/points?lang=en&n=100&geo=all"
	var d PointsData
	askData(t, srv.URL, path, &d)
	if len(d.Points) != 30 || len(d.Times) != 30 || len(d.Tags) != 30 {
		t.Fatalf("points: %d points, %d times, %d tags; want 30 each", len(d.Points), len(d.Times), len(d.Tags))
	}
	fc := readGeoJSON(t, srv.URL, path)
	if len(fc.Features) != len(d.Points) {
		t.Fatalf("geojson has %d features, json %d points", len(fc.Features), len(d.Points))
	}
	for i, f := range fc.Features {
		p := d.Points[i]
		if f.Geometry == nil || f.Geometry.Coordinates != [2]float64{p[1], p[0]} {
			t.Fatalf("feature %d at %+v, /api/points has [lat, lon] %v: want [lon, lat]", i, f.Geometry, p)
		}
		if f.Properties["lang"] != "en" || f.Properties["source"] != d.Sources[i] || f.Properties["time"] != d.Times[i].Format(time.RFC3339Nano) {
			t.Fatalf("feature %d properties %v, json has %s %v", i, f.Properties, d.Sources[i], d.Times[i])
		}
		if tags, _ := f.Properties["tags"].([]any); len(tags) != 2 || tags[0] != "london" {
			t.Fatalf("feature %d tags %v, want [london x]", i, f.Properties["tags"])
		}
	}
	recs := readCSV(t, srv.URL, path)
	if got := strings.Join(recs[0], ","); got != "time,lat,lon,lang,source,confidence,tags" {
		t.Fatalf("csv header %q", got)
	}
	if len(recs) != 1+len(d.Points) {
		t.Fatalf("csv has %d rows, want %d", len(recs)-1, len(d.Points))
	}
	for i, r := range recs[1:] {
		lat, _ := strconv.ParseFloat(r[1], 64)
		lon, _ := strconv.ParseFloat(r[2], 64)
		tm, err := time.Parse(time.RFC3339Nano, r[0])
		if err != nil || !tm.Equal(d.Times[i]) || lat != d.Points[i][0] || lon != d.Points[i][1] || r[3] != "en" || r[4] != d.Sources[i] || r[6] != "london x" {
			t.Fatalf("csv row %d %q, json point %v at %v", i, r, d.Points[i], d.Times[i])
		}
	}
}

// TestExportCached: the JSON and the CSV of one query are cached apart,
// and a cached export keeps its headers.
func TestExportCached(t *testing.T) {
	srv, _ := exploreAPI(t)
	for range 2 {
		for _, f := range []struct{ format, ct string }{{"json", "application/json"}, {"csv", "text/csv"}, {"geojson", "application/geo+json"}} {
			code, h, body := fetchRaw(t, srv.URL, "/api/points?lang=es&format="+f.format)
			if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), f.ct) {
				t.Fatalf("%s: %d %q: %.80s", f.format, code, h.Get("Content-Type"), body)
			}
		}
	}
}

// TestTopCountsCSV: top and counts in CSV carry the rows of their JSON.
func TestTopCountsCSV(t *testing.T) {
	srv, _ := exploreAPI(t)
	var top TopRows
	askData(t, srv.URL, "/api/top?n=2", &top)
	recs := readCSV(t, srv.URL, "/api/top?n=2")
	if strings.Join(recs[0], ",") != "lang,rank,tag,count" {
		t.Fatalf("top csv header %q", recs[0])
	}
	var want [][]string
	for _, r := range top {
		for i, tg := range r.Tags {
			want = append(want, []string{r.Lang, strconv.Itoa(i + 1), tg.Tag, strconv.FormatInt(tg.Count, 10)})
		}
	}
	if len(want) == 0 || !equalRecords(recs[1:], want) {
		t.Fatalf("top csv %q, want %q", recs[1:], want)
	}
	var counts CountRows
	askData(t, srv.URL, "/api/counts?", &counts)
	recs = readCSV(t, srv.URL, "/api/counts?")
	if strings.Join(recs[0], ",") != "lang,name,posts,geo,hashtags,exact,place,profile,text" || len(recs) != 1+len(counts) {
		t.Fatalf("counts csv %q", recs)
	}
	for i, c := range counts {
		r := recs[i+1]
		if r[0] != c.Lang || r[1] != c.Name || r[2] != strconv.FormatInt(c.Posts, 10) || r[5] != strconv.FormatInt(c.GeoBySource.Exact, 10) ||
			r[6] != strconv.FormatInt(c.GeoBySource.Place, 10) {
			t.Fatalf("counts csv row %q, json %+v", r, c)
		}
	}
}

func equalRecords(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

// TestHeatModes: lang names the language that dominates each cell (English
// in London, Spanish in Madrid) with the share it holds there; share is
// the selection over every post in the cell, and differs from density.
func TestHeatModes(t *testing.T) {
	srv, _ := exploreAPI(t)
	var d HeatData
	askData(t, srv.URL, "/api/heat?mode=lang&zoom=4", &d)
	if d.Mode != "lang" || len(d.Langs) != 3 || len(d.Cells) != 2 {
		t.Fatalf("lang mode: %+v", d)
	}
	if d.Langs[0].Lang != "en" || d.Langs[0].Weight != 30 || d.Langs[1].Lang != "es" || d.Langs[2].Lang != "fr" {
		t.Fatalf("langs %+v, want en 30, es 20, fr 10", d.Langs)
	}
	for _, c := range d.Cells {
		if len(c) != 5 {
			t.Fatalf("lang cell %v: want [lat, lon, weight, lang_index, share]", c)
		}
		lang, share := d.Langs[int(c[3])].Lang, c[4]
		switch {
		case math.Abs(c[0]-51.5) < 0.01:
			if lang != "en" || c[2] != 40 || math.Abs(share-0.75) > 1e-9 {
				t.Errorf("London cell %v: want en holding 30 of 40", c)
			}
		case math.Abs(c[0]-40.4) < 0.01:
			if lang != "es" || c[2] != 20 || share != 1 {
				t.Errorf("Madrid cell %v: want es holding all 20", c)
			}
		default:
			t.Errorf("unexpected cell %v", c)
		}
	}
	if d.Points != 60 || d.MaxWeight != 40 {
		t.Errorf("lang mode points %d max %d, want 60 and 40", d.Points, d.MaxWeight)
	}

	var share, density HeatData
	askData(t, srv.URL, "/api/heat?mode=share&lang=fr&zoom=4", &share)
	askData(t, srv.URL, "/api/heat?lang=fr&zoom=4", &density)
	if len(share.Cells) != 1 || len(share.Cells[0]) != 5 {
		t.Fatalf("share cells %v: want the London cell as [lat, lon, weight, total, share]", share.Cells)
	}
	if c := share.Cells[0]; c[2] != 10 || c[3] != 40 || math.Abs(c[4]-0.25) > 1e-9 {
		t.Fatalf("share cell %v: want French 10 of 40 posts, 0.25", c)
	}
	if len(density.Cells[0]) != 3 || density.Cells[0][2] != 10 || density.Mode != "density" {
		t.Fatalf("density %+v", density)
	}

	// The exports carry the mode's columns and properties.
	recs := readCSV(t, srv.URL, "/api/heat?mode=lang&zoom=4")
	if strings.Join(recs[0], ",") != "lat,lon,weight,lang,share" || len(recs) != 3 || recs[1][3] != "en" {
		t.Fatalf("lang csv %q", recs)
	}
	fc := readGeoJSON(t, srv.URL, "/api/heat?mode=share&lang=fr&zoom=4")
	if len(fc.Features) != 1 || fc.Features[0].Properties["total"] != 40.0 || fc.Features[0].Properties["share"] != 0.25 ||
		fc.Features[0].Properties["cell_deg"] != share.CellDeg {
		t.Fatalf("share geojson %+v", fc.Features)
	}
	if g := fc.Features[0].Geometry; g.Coordinates[0] != share.Cells[0][1] || g.Coordinates[1] != share.Cells[0][0] {
		t.Fatalf("share geojson at %v, cell at [lat, lon] %v", g.Coordinates, share.Cells[0][:2])
	}
}

// TestTrendsRange: from/to become the window, rounded out to 5-minute
// buckets and ending at to.
func TestTrendsRange(t *testing.T) {
	srv, _ := exploreAPI(t)
	d := askTrends(t, srv.URL, "from=2026-05-01T12:03:00Z&to=2026-05-01T12:58:20Z&min_score=-1&min_authors=1")
	from, to := exploreT0, exploreT0.Add(time.Hour)
	if !d.From.Equal(from) || !d.To.Equal(to) || d.WindowS != 3600 || !d.At.Equal(to) {
		t.Fatalf("window %v..%v (%gs) at %v, want %v..%v (3600s) at %v", d.From, d.To, d.WindowS, d.At, from, to, to)
	}
	d = askTrends(t, srv.URL, "from=2026-05-01T12:30:00Z&min_score=-1&min_authors=1")
	if !d.From.Equal(exploreT0.Add(30*time.Minute)) || !d.To.Equal(exploreT0.Add(65*time.Minute)) {
		t.Fatalf("open to: window %v..%v, want 12:30 to the bucket after the newest post (13:04): 13:05", d.From, d.To)
	}
	recs := readCSV(t, srv.URL, "/api/trends?from=2026-05-01T12:00:00Z&to=2026-05-01T13:00:00Z&min_score=-1&min_authors=1")
	if strings.Join(recs[0], ",") != "rank,tag,score,authors,posts,observed,expected,first_seen" {
		t.Fatalf("trends csv header %q", recs[0])
	}
}

// TestHistogram: buckets cover the range, sum to the totals and count
// the fixture's posts; the CSV carries them; an empty selection says why.
func TestHistogram(t *testing.T) {
	srv, _ := exploreAPI(t)
	var d HistogramData
	askData(t, srv.URL, "/api/histogram?from=2026-05-01T12:00:00Z&to=2026-05-01T13:00:00Z&buckets=12", &d)
	if d.StepS != 300 || len(d.Buckets) != 12 || d.Posts != 60 || d.Points != 60 {
		t.Fatalf("histogram step %gs, %d buckets, %d posts, %d points; want 300s, 12, 60, 60", d.StepS, len(d.Buckets), d.Posts, d.Points)
	}
	var posts, points int64
	for i, b := range d.Buckets {
		if b[0] != exploreT0.Unix()+int64(i)*300 {
			t.Fatalf("bucket %d starts at %d", i, b[0])
		}
		posts, points = posts+b[1], points+b[2]
	}
	if posts != d.Posts || points != d.Points {
		t.Fatalf("buckets sum to %d posts %d points, totals say %d %d", posts, points, d.Posts, d.Points)
	}
	recs := readCSV(t, srv.URL, "/api/histogram?from=2026-05-01T12:00:00Z&to=2026-05-01T13:00:00Z&buckets=12")
	if strings.Join(recs[0], ",") != "start,end,posts,points" || len(recs) != 13 || recs[1][0] != "2026-05-01T12:00:00Z" ||
		recs[1][1] != "2026-05-01T12:05:00Z" || recs[1][2] != strconv.FormatInt(d.Buckets[0][1], 10) {
		t.Fatalf("histogram csv %q", recs)
	}
	// Spanish posts inside a box round Madrid: posts = points = 20.
	askData(t, srv.URL, "/api/histogram?lang=es&bbox=-5,39,-2,41&geo=all", &d)
	if d.Posts != 20 || d.Points != 20 {
		t.Fatalf("Madrid box: %d posts %d points, want 20 and 20", d.Posts, d.Points)
	}
	askData(t, srv.URL, "/api/histogram?bbox=100,0,110,10", &d)
	if d.Posts != 0 || !strings.Contains(d.Note, "bbox") {
		t.Fatalf("empty box: %d posts, note %q", d.Posts, d.Note)
	}
}

// TestPostsExports: the posts behind a spot, newest first; hostile text
// comes back unchanged through JSON and CSV; GeoJSON has null geometry
// for posts without a point and [lon, lat] for the others.
func TestPostsExports(t *testing.T) {
	srv, _ := exploreAPI(t)
	var d PostsData
	askData(t, srv.URL, "/api/posts?lang=en&n=40", &d)
	if len(d.Posts) != 35 || d.Kept < 35 {
		t.Fatalf("%d posts (kept %d), want the 35 English", len(d.Posts), d.Kept)
	}
	for i := 1; i < len(d.Posts); i++ {
		if d.Posts[i].Time.After(d.Posts[i-1].Time) {
			t.Fatalf("posts not newest first at %d", i)
		}
	}
	p0 := d.Posts[0]
	if !strings.HasPrefix(p0.Text, hostileText) || p0.Lat != nil || p0.URL == "" || p0.Handle == "" {
		t.Fatalf("newest post %+v: want the hostile text, no point, a link and a handle", p0)
	}
	recs := readCSV(t, srv.URL, "/api/posts?lang=en&n=40")
	if strings.Join(recs[0], ",") != "time,id,lang,handle,url,lat,lon,source,tags,text" || len(recs) != 36 {
		t.Fatalf("posts csv header %q, %d rows", recs[0], len(recs)-1)
	}
	for i, r := range recs[1:] {
		p := d.Posts[i]
		if r[1] != p.ID || r[3] != p.Handle || r[4] != p.URL || r[9] != p.Text || r[8] != strings.Join(p.Tags, " ") {
			t.Fatalf("csv row %d %q does not read back as %+v", i, r, p)
		}
		if (p.Lat == nil) != (r[5] == "") {
			t.Fatalf("csv row %d lat %q, json %v", i, r[5], p.Lat)
		}
	}
	fc := readGeoJSON(t, srv.URL, "/api/posts?lang=en&n=40")
	var null, placed int
	for i, f := range fc.Features {
		p := d.Posts[i]
		switch {
		case f.Geometry == nil && p.Lat == nil:
			null++
		case f.Geometry != nil && p.Lat != nil && f.Geometry.Coordinates == [2]float64{*p.Lon, *p.Lat}:
			placed++
		default:
			t.Fatalf("feature %d %+v, post %+v", i, f.Geometry, p)
		}
		if f.Properties["text"] != p.Text {
			t.Fatalf("feature %d text %q, want %q", i, f.Properties["text"], p.Text)
		}
	}
	if null != 5 || placed != 30 {
		t.Fatalf("%d features without a point, %d with; want 5 and 30", null, placed)
	}
	askData(t, srv.URL, "/api/posts?q=nothingmatchesthis", &d)
	if len(d.Posts) != 0 || d.Note == "" {
		t.Fatalf("no match: %d posts, note %q", len(d.Posts), d.Note)
	}
}

// TestPanelsFollowBox: top and counts with a box count only the posts
// with a point inside; with q only the matching posts.
func TestPanelsFollowBox(t *testing.T) {
	srv, _ := exploreAPI(t)
	var counts CountRows
	askData(t, srv.URL, "/api/counts?bbox=-5,39,-2,41", &counts)
	if len(counts) != 1 || counts[0].Lang != "es" || counts[0].Posts != 20 {
		t.Fatalf("counts in the Madrid box: %+v, want es 20 only", counts)
	}
	var top TopRows
	askData(t, srv.URL, "/api/top?bbox=-1,51,1,52", &top)
	got := map[string]string{}
	for _, r := range top {
		if len(r.Tags) > 0 {
			got[r.Lang] = r.Tags[0].Tag
		}
	}
	if len(got) != 2 || got["en"] != "london" || got["fr"] != "paris" {
		t.Fatalf("top in the London box: %+v", top)
	}
	askData(t, srv.URL, "/api/top?q=hola", &top)
	var es int64
	for _, r := range top {
		if r.Lang != "es" && len(r.Tags) > 0 {
			t.Fatalf("top for q=hola lists %s: %+v", r.Lang, r.Tags)
		}
		if r.Lang == "es" && len(r.Tags) > 0 {
			es = r.Tags[0].Count
		}
	}
	if es != 20 {
		t.Fatalf("top for q=hola: %+v, want #madrid 20", top)
	}
}

// FuzzExploreParams: whatever the exploration endpoints are sent, the
// parsers never panic, and an accepted selection is one the store accepts
// (Normalize), with from before to and limits kept.
func FuzzExploreParams(f *testing.F) {
	for _, s := range []string{"from=2026-05-01T12:00:00Z&to=2026-05-01T13:00:00Z", "from=1777636800&to=1777636801",
		"from=1777636800.5", "to=0", "from=9999999999999", "q=hello%20world&bbox=170,-20,-170,10", "q=%E6%9D%B1%E4%BA%AC",
		"bbox=0,0,0,0", "buckets=1000&n=1000&geo=all", "format=CSV", "format=geojson&mode=share", "mode=lang&n=3",
		"window=1h&from=1", "lang=es&tag=%23X&q=a+b+c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		checkRange := func(name string, r store.Range) {
			if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
				t.Fatalf("%s accepted range %v..%v", name, r.From, r.To)
			}
		}
		if q, err := parseHistogram(v); err == nil {
			checkRange("histogram", q.Range)
			if n, err := q.Normalize(); err != nil || n.Buckets < 1 || n.Buckets > store.MaxHistogramBuckets {
				t.Fatalf("histogram accepted %+v: %v", q, err)
			}
		}
		if q, err := parsePosts(v); err == nil {
			checkRange("posts", q.Range)
			if n, err := q.Normalize(); err != nil || n.N < 1 || n.N > store.MaxPosts {
				t.Fatalf("posts accepted %+v: %v", q, err)
			}
		}
		if q, err := parseCounts(v); err == nil {
			checkRange("counts", q.Range)
			if _, err := q.Normalize(); err != nil {
				t.Fatalf("counts accepted %+v: %v", q, err)
			}
		}
		if m, err := ParseHeatMode(v.Get("mode")); err == nil && m != HeatDensity && m != HeatLangs && m != HeatShare {
			t.Fatalf("mode %q accepted as %q", v.Get("mode"), m)
		}
		if fm, err := ParseFormat(v.Get("format"), FormatJSON, FormatCSV); err == nil && fm != FormatJSON && fm != FormatCSV {
			t.Fatalf("format %q accepted as %q", v.Get("format"), fm)
		}
		if q, err := ParseQ(v.Get("q")); err == nil && q != "" {
			if _, err := store.ParseSearch(q); err != nil {
				t.Fatalf("q %q accepted, the store refuses it: %v", q, err)
			}
		}
		if b, err := ParseArea(v.Get("bbox")); err == nil && b.IsZero() && strings.TrimSpace(v.Get("bbox")) != "" {
			t.Fatalf("bbox %q accepted as no box", v.Get("bbox"))
		}
	})
}
