package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// provenanceAPI serves a real embedded store holding a point of every
// provenance in English: exact London, place Paris, profile Tokyo, text
// Sydney.
func provenanceAPI(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)
	mk := func(i int, lat, lon float64, src post.GeoSource, conf float32) post.Post {
		return post.Post{Lang: "en", Time: t0.Add(time.Duration(i) * time.Second), HasPoint: true,
			Point: post.Point{Lat: lat, Lon: lon}, GeoSource: src, GeoConfidence: conf, Hashtags: []string{"x"}}
	}
	if err := st.Record(context.Background(), []post.Post{
		mk(1, 51.5, -0.12, post.GeoExact, 1),
		mk(2, 48.85, 2.35, post.GeoPlace, 1),
		mk(3, 35.68, 139.69, post.GeoProfile, 0.6),
		mk(4, -33.87, 151.21, post.GeoText, 0.2),
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Options{Querier: st}))
	t.Cleanup(srv.Close)
	return srv
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	if env.Status == "success" {
		if err := json.Unmarshal(env.Data, into); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestPointsProvenance(t *testing.T) {
	srv := provenanceAPI(t)
	for _, tt := range []struct {
		geo     string
		sources []string
		conf    []float32
	}{
		{"", []string{"exact", "place"}, []float32{1, 1}},
		{"trusted", []string{"exact", "place"}, []float32{1, 1}},
		{"inferred", []string{"profile", "text"}, []float32{153.0 / 255, 51.0 / 255}},
		{"all", []string{"exact", "place", "profile", "text"}, []float32{1, 1, 153.0 / 255, 51.0 / 255}},
		{"exact, text", []string{"exact", "text"}, []float32{1, 51.0 / 255}},
		{"PLACE", []string{"place"}, []float32{1}},
	} {
		var d PointsData
		if code := getJSON(t, srv.URL+"/api/points?lang=en&geo="+url.QueryEscape(tt.geo), &d); code != 200 {
			t.Fatalf("geo=%q: status %d", tt.geo, code)
		}
		if !reflect.DeepEqual(d.Sources, tt.sources) || !reflect.DeepEqual(d.Confidence, tt.conf) || len(d.Points) != len(tt.sources) {
			t.Errorf("geo=%q: points %v sources %v confidence %v, want sources %v confidence %v", tt.geo, d.Points, d.Sources, d.Confidence, tt.sources, tt.conf)
		}
	}
}

func TestHeatProvenance(t *testing.T) {
	srv := provenanceAPI(t)
	for geo, want := range map[string]int64{"": 2, "all": 4, "inferred": 2, "profile": 1, "exact,place,profile": 3} {
		var d HeatData
		if code := getJSON(t, srv.URL+"/api/heat?zoom=5&geo="+url.QueryEscape(geo), &d); code != 200 {
			t.Fatalf("geo=%q: status %d", geo, code)
		}
		if d.Points != want || len(d.Cells) != int(want) {
			t.Errorf("geo=%q: %d points in %d cells, want %d", geo, d.Points, len(d.Cells), want)
		}
	}
	var d HeatData
	getJSON(t, srv.URL+"/api/heat?geo=inferred", &d)
	if d.Geo != "profile,text" {
		t.Errorf("heat geo = %q, want profile,text", d.Geo)
	}
	var rows []CountRow
	getJSON(t, srv.URL+"/api/counts", &rows)
	if len(rows) != 1 || rows[0].Geo != 2 || rows[0].GeoBySource != (store.GeoCounts{Exact: 1, Place: 1, Profile: 1, Text: 1}) {
		t.Errorf("counts = %+v", rows)
	}
}

func TestBadGeo(t *testing.T) {
	srv := provenanceAPI(t)
	for _, geo := range []string{"gps", ",", "exact,,nope", "none", "<script>"} {
		for _, path := range []string{"/api/points?lang=en&geo=", "/api/heat?geo="} {
			var e map[string]any
			if code := getJSON(t, srv.URL+path+url.QueryEscape(geo), &e); code != http.StatusBadRequest {
				t.Errorf("%s%q: status %d, want 400", path, geo, code)
			}
		}
	}
}

func TestParseGeo(t *testing.T) {
	for in, want := range map[string]post.GeoSet{
		"":              post.GeoSetTrusted,
		" ":             post.GeoSetTrusted,
		"trusted":       post.GeoSetTrusted,
		"all":           post.GeoSetAll,
		"inferred":      post.GeoSetInferred,
		"exact":         1 << post.GeoExact,
		"place,profile": 1<<post.GeoPlace | 1<<post.GeoProfile,
		"Text , exact ": 1<<post.GeoText | 1<<post.GeoExact,
	} {
		if got, err := ParseGeo(in); err != nil || got != want {
			t.Errorf("ParseGeo(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"none", ",", "exact,", "x", string(make([]byte, 100))} {
		if _, err := ParseGeo(in); err == nil {
			t.Errorf("ParseGeo(%q) accepted", in)
		}
	}
}

// TestCountsJSONShape: geo_by_source lists the provenances a language has
// points of and is left out for a language without points.
func TestCountsJSONShape(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)
	if err := st.Record(context.Background(), []post.Post{
		{Lang: "en", Time: t0, HasPoint: true, Point: post.Point{Lat: 1, Lon: 2}, GeoSource: post.GeoProfile, GeoConfidence: 0.5},
		{Lang: "es", Time: t0},
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Options{Querier: st}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/counts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	if _, err := io.Copy(&body, resp.Body); err != nil {
		t.Fatal(err)
	}
	want := `{"lang":"en","name":"english","posts":1,"geo":0,"hashtags":0,"geo_by_source":{"profile":1}},{"lang":"es","name":"spanish","posts":1,"geo":0,"hashtags":0}]`
	if !strings.Contains(body.String(), want) {
		t.Errorf("/api/counts = %s\nwant it to hold %s", body.String(), want)
	}
}
