package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// provenanceDataDir is a data directory whose English posts have a point
// of each provenance: exact at Madrid, place at Lisbon, profile at Cairo,
// text at Ankara.
func provenanceDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := memstore.Open(memstore.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)
	var posts []post.Post
	for i, p := range []struct {
		lat, lon float64
		src      post.GeoSource
		conf     float32
	}{{40.42, -3.7, post.GeoExact, 1}, {38.72, -9.14, post.GeoPlace, 1}, {30.04, 31.24, post.GeoProfile, 0.8}, {39.93, 32.86, post.GeoText, 0.4}} {
		posts = append(posts, post.Post{Lang: "en", Time: t0.Add(time.Duration(i) * time.Second), Hashtags: []string{"x"},
			HasPoint: true, Point: post.Point{Lat: p.lat, Lon: p.lon}, GeoSource: p.src, GeoConfidence: p.conf})
	}
	if err := st.Record(context.Background(), posts); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGeoFlag: `points`, `render` and `map` take --geo as the API takes
// geo=: trusted by default, inferred points on request, bad values refused.
func TestGeoFlag(t *testing.T) {
	ctx := context.Background()
	dir := provenanceDataDir(t)
	points := func(args ...string) httpapi.PointsData {
		t.Helper()
		out, stderr, err := run(t, ctx, "", append([]string{"points", "--data-dir", dir, "--lang", "en", "--json"}, args...)...)
		if err != nil {
			t.Fatalf("points %v: %v\n%s", args, err, stderr)
		}
		var d httpapi.PointsData
		mustUnmarshal(t, out, &d)
		return d
	}
	if d := points(); !reflect.DeepEqual(d.Sources, []string{"exact", "place"}) {
		t.Errorf("points by default: sources %v, want exact and place", d.Sources)
	}
	if d := points("--geo", "all"); !reflect.DeepEqual(d.Sources, []string{"exact", "place", "profile", "text"}) || len(d.Points) != 4 {
		t.Errorf("points --geo all: %+v", d)
	}
	if d := points("--geo", "text"); len(d.Points) != 1 || d.Points[0] != [2]float64{39.93, 32.86} || d.Confidence[0] != 102.0/255 {
		t.Errorf("points --geo text: %+v", d)
	}
	out, _, err := run(t, ctx, "", "points", "--data-dir", dir, "--lang", "en", "--geo", "inferred")
	if err != nil || !strings.Contains(out, "profile") || !strings.Contains(out, "0.80") || strings.Contains(out, "exact") {
		t.Errorf("points table --geo inferred: %v\n%s", err, out)
	}
	for _, cmd := range [][]string{
		{"points", "--lang", "en", "--geo", "gps"},
		{"render", "--geo", "nowhere", "-o", filepath.Join(dir, "x.png")},
		{"map", "--lang", "en", "--geo", ",", "-o", filepath.Join(dir, "x.html")},
	} {
		if _, _, err := run(t, ctx, "", append(cmd, "--data-dir", dir)...); !errors.Is(err, ErrUsage) {
			t.Errorf("%v: err %v, want a usage error", cmd, err)
		}
	}

	// The standalone map: by default two cells (Madrid, Lisbon), with
	// --geo all four, and the page says inferred points are in it.
	page := func(args ...string) (string, int) {
		t.Helper()
		path := filepath.Join(dir, "map.html")
		if _, stderr, err := run(t, ctx, "", append([]string{"map", "--data-dir", dir, "--lang", "en", "-o", path}, args...)...); err != nil {
			t.Fatalf("map %v: %v\n%s", args, err, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		// The page states what its image shows: "N points in M cells".
		m := regexp.MustCompile(`(\d+) points in (\d+) cells`).FindStringSubmatch(html)
		if m == nil || !strings.Contains(html, `<img id="map" src="data:image/png;base64,`) {
			t.Fatalf("map page has no image or no cell count:\n%.400s", html)
		}
		cells, _ := strconv.Atoi(m[2])
		return html, cells
	}
	html, cells := page()
	if cells != 2 || strings.Contains(html, "points: ") {
		t.Errorf("default map: %d cells (want 2), provenance note present: %v", cells, strings.Contains(html, "points: "))
	}
	html, cells = page("--geo", "all")
	if cells != 4 || !strings.Contains(html, "points: exact,place,profile,text") {
		t.Errorf("map --geo all: %d cells (want 4), note present: %v", cells, strings.Contains(html, "points: exact,place,profile,text"))
	}
	png := filepath.Join(dir, "inferred.png")
	if _, stderr, err := run(t, ctx, "", "render", "--data-dir", dir, "--geo", "inferred", "--width", "200", "-o", png); err != nil {
		t.Fatalf("render --geo inferred: %v\n%s", err, stderr)
	}
}
