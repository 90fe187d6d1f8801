package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	stdhtml "html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// island is a quantized TopoJSON topology: one square country spanning
// lon 0..40, lat 0..40, with its arc split in two (one walked backwards)
// to exercise arc joining.
const island = `{"type":"Topology",
 "transform":{"scale":[0.1,0.1],"translate":[0,0]},
 "objects":{"countries":{"type":"GeometryCollection","geometries":[
   {"type":"Polygon","arcs":[[0,-2]],"properties":{"name":"Squareland"}},
   {"type":null}]}},
 "arcs":[[[0,0],[400,0],[0,400]], [[0,0],[0,400],[400,0]]]}`

func islandOutlines(t *testing.T) *Outlines {
	t.Helper()
	o, err := DecodeTopoJSON([]byte(island))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestDecodeTopoJSON(t *testing.T) {
	o := islandOutlines(t)
	if len(o.Land) != 1 || len(o.Land[0]) != 1 {
		t.Fatalf("land = %v", o.Land)
	}
	want := Ring{{0, 0}, {40, 0}, {40, 40}, {0, 40}, {0, 0}}
	got := o.Land[0][0]
	if len(got) != len(want) {
		t.Fatalf("ring = %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i][0] - want[i][0] + got[i][1] - want[i][1]; d > 1e-9 || d < -1e-9 {
			t.Fatalf("ring = %v, want %v", got, want)
		}
	}
	if len(o.Borders) != 1 {
		t.Fatalf("borders = %d rings", len(o.Borders))
	}
	for _, bad := range []string{`{`, `{"type":"FeatureCollection"}`, `{"type":"Topology","objects":{},"arcs":[]}`,
		`{"type":"Topology","objects":{"countries":{"type":"Polygon","arcs":[[5]]}},"arcs":[]}`} {
		if _, err := DecodeTopoJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeTopoJSON(%s) accepted", bad)
		}
	}
}

func TestUnwrapAcrossAntimeridian(t *testing.T) {
	r := unwrap(Ring{{170, 60}, {179, 60}, {-179, 62}, {-170, 65}, {170, 60}})
	for i := 1; i < len(r); i++ {
		if d := r[i][0] - r[i-1][0]; d > 180 || d < -180 {
			t.Fatalf("edge %d still jumps: %v", i, r)
		}
	}
}

func rgba(img *image.RGBA, x, y int) color.RGBA { return img.RGBAAt(x, y) }

func isHeat(c color.RGBA) bool {
	return c != SeaColor && c != LandColor && c != BorderColor && c != GraticuleColor
}

func TestRenderDrawsHeatWhereTheDataIs(t *testing.T) {
	o := islandOutlines(t)
	view := store.BBox{West: -60, South: -30, East: 60, North: 60}
	cells := []store.HeatCell{{Lat: 20, Lon: 20, Weight: 500}, {Lat: -10, Lon: -40, Weight: 1}}
	img := Render(cells, Options{Width: 480, Height: 360, View: view, Outlines: o, CellDeg: 1})
	v := newView(view, 480, 360, Equirectangular)
	at := func(lon, lat float64) color.RGBA { return rgba(img, int(v.x(lon)), int(v.y(lat))) }
	if c := at(20, 20); !isHeat(c) {
		t.Errorf("heavy cell not drawn: %v", c)
	}
	if c := at(-40, -10); !isHeat(c) {
		t.Errorf("a single post is not visible: %v", c)
	}
	if c := at(-20, 45); c != SeaColor {
		t.Errorf("empty ocean is %v, want the sea colour", c)
	}
	if c := at(35, 5); c != LandColor {
		t.Errorf("empty land is %v, want the land colour", c)
	}
	// The heavy cell is hotter (redder) than the single post.
	if hot, cold := at(20, 20), at(-40, -10); int(hot.R) <= int(cold.R) {
		t.Errorf("heavy cell %v is not hotter than a single post %v", hot, cold)
	}
}

func TestRenderAcrossTheAntimeridian(t *testing.T) {
	view := store.BBox{West: 170, South: -30, East: -170, North: -10}
	img := Render([]store.HeatCell{{Lat: -18, Lon: 179.5, Weight: 10}, {Lat: -18, Lon: -175, Weight: 10}},
		Options{Width: 400, Height: 400, View: view, Radius: 5})
	v := newView(view, 400, 400, Equirectangular)
	for _, lon := range []float64{179.5, -175 + 360} {
		if c := rgba(img, int(v.x(lon)), int(v.y(-18))); !isHeat(c) {
			t.Errorf("cell at lon %v not drawn across the antimeridian: %v", lon, c)
		}
	}
}

func TestRenderMercatorAndEmpty(t *testing.T) {
	img := Render(nil, Options{Width: 300, Projection: WebMercator})
	if img.Bounds().Dx() != 300 || img.Bounds().Dy() < 100 {
		t.Fatalf("size %v", img.Bounds())
	}
	for _, p := range []image.Point{{5, 5}, {150, 50}} {
		if c := rgba(img, p.X, p.Y); isHeat(c) {
			t.Errorf("heat at %v with no cells: %v", p, c)
		}
	}
}

type fakeHeat struct {
	got store.HeatQuery
	res store.HeatResult
	err error
}

func (f *fakeHeat) Heat(_ context.Context, q store.HeatQuery) (store.HeatResult, error) {
	f.got = q
	return f.res, f.err
}

func TestHandler(t *testing.T) {
	src := &fakeHeat{res: store.HeatResult{Cells: []store.HeatCell{{Lat: 40, Lon: -3, Weight: 7}}, Points: 7, CellDeg: 1.4}}
	h := Handler(src, func() *Outlines { return nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/heat.png?lang=spanish&tag=%23Futbol&window=1h&width=320&bbox=-20,30,10,50", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("status %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	img, err := png.Decode(rec.Body)
	if err != nil || img.Bounds().Dx() != 320 {
		t.Fatalf("decode: %v %v", err, img)
	}
	q := src.got
	if q.Lang != "es" || q.Tag != "Futbol" || q.Window != time.Hour || q.BBox.West != -20 || q.Limit != maxCells || q.Zoom < 3 {
		t.Errorf("query = %+v", q)
	}
	if src.got.Geo != post.GeoSetTrusted {
		t.Errorf("default geo = %v, want exact,place", src.got.Geo)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/heat.png?geo=inferred", nil))
	if rec.Code != 200 || src.got.Geo != post.GeoSetInferred {
		t.Errorf("geo=inferred: status %d, query geo %v", rec.Code, src.got.Geo)
	}
	for _, bad := range []string{"width=99999", "bbox=1,2,3", "proj=globe", "lang=%3Cx%3E", "n=-1", "geo=gps", "geo=,"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/heat.png?"+bad, nil))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"errorType":"bad_data"`) {
			t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
		}
	}
	src.err = store.ErrClosed
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/heat.png", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("closed store: %d", rec.Code)
	}
	if !errors.Is(src.err, store.ErrClosed) {
		t.Fatal("unreachable")
	}
}

func TestWritePageIsInjectionSafe(t *testing.T) {
	evil := `</script><script>alert(1)</script><img src=x onerror=alert(2)>`
	png := []byte("\x89PNG fake image bytes")
	var buf bytes.Buffer
	err := WritePage(&buf, Page{Title: "geoheat: #" + evil, Lang: "english", Tag: evil, Generated: time.Unix(0, 0),
		Points: 3, Cells: 1, PNG: png, Top: []store.TagCount{{Tag: evil, Count: 9}}})
	if err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if strings.Contains(html, "<script") || strings.Contains(html, "<img src=x") {
		t.Fatalf("attacker markup reached the page:\n%s", html)
	}
	// The one image is ours, whole, as a data: URL.
	m := regexp.MustCompile(`<img id="map" src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no map image:\n%s", html)
	}
	if got, err := base64.StdEncoding.DecodeString(stdhtml.UnescapeString(m[1])); err != nil || !bytes.Equal(got, png) {
		t.Errorf("image = %q, %v; want the PNG given", got, err)
	}
	if !strings.Contains(html, `content="`+pageCSP+`"`) || strings.Contains(pageCSP, "script-src") {
		t.Errorf("page CSP missing or allowing scripts")
	}
	// The page, to look at: kept with go test -artifacts.
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), "page.html"), buf.Bytes(), 0o644); err != nil {
		t.Error(err)
	}
}
