package web_test

import (
	"context"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// The provenance fixture: the platform's points at Madrid (exact) and
// Lisbon (place), inferred points only at Cairo (profile) and Ankara
// (text), far enough apart at zoom 2.5 that each city's heat stands alone.
const (
	madridLat, madridLon = 40.42, -3.70
	lisbonLat, lisbonLon = 38.72, -9.14
	cairoLat, cairoLon   = 30.04, 31.24
	ankaraLat, ankaraLon = 39.93, 32.86
)

func provenancePosts(now time.Time) []post.Post {
	var posts []post.Post
	add := func(n int, lat, lon float64, src post.GeoSource, conf float32) {
		for i := range n {
			posts = append(posts, post.Post{ID: "", Lang: "en", Time: now.Add(-time.Duration(len(posts)+i) * time.Second),
				Hashtags: []string{"provenance"}, HasPoint: true, Point: post.Point{Lat: lat, Lon: lon},
				GeoSource: src, GeoConfidence: conf})
		}
	}
	add(300, madridLat, madridLon, post.GeoExact, 1)
	add(200, lisbonLat, lisbonLon, post.GeoPlace, 1)
	add(300, cairoLat, cairoLon, post.GeoProfile, 0.7)
	add(200, ankaraLat, ankaraLon, post.GeoText, 0.4)
	return posts
}

// TestDashboardInferredPoints: with inferred points in the store, the
// default view draws only the platform's; the "inferred places" toggle
// draws the inferred ones in their own colours with a legend, and the URL
// keeps the toggle across a reload.
func TestDashboardInferredPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := findChromium(t)
	requireBuild(t)

	// The resolver that infers points is not what is tested here: the
	// store is filled directly, then served by a real geoheat.
	dataDir := t.TempDir()
	now := time.Now().UTC().Truncate(time.Second)
	st, err := memstore.Open(memstore.Options{Dir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Record(context.Background(), provenancePosts(now)); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, base, _ := serveStdin(t, dataDir, 1)
	waitWritten(t, base, 1000)
	if n := heatPoints(t, base, "window=all"); n != 500 {
		t.Fatalf("the API's default heat holds %d points, want the 500 exact and place ones", n)
	}
	if n := heatPoints(t, base, "window=all&geo=all"); n != 1000 {
		t.Fatalf("the API's geo=all heat holds %d points, want 1000", n)
	}

	artifacts := t.ArtifactDir() // kept with go test -artifacts
	bctx := headlessChromium(t, ctx, chrome, 90*time.Second)

	const zoom, cLat, cLon = 2.5, 36.0, 12.0
	url := base + "/?basemap=outline&window=all&at=2.50/36.000/12.000"
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	if v := attr(t, bctx, "heatInferred"); v != "off" {
		t.Errorf("default view fetched inferred heat: data-heat-inferred=%q", v)
	}
	first := screenshot(t, bctx, "#map")
	w, h := first.Bounds().Dx(), first.Bounds().Dy()
	proj := mercator{zoom: zoom, lat: cLat, lon: cLon, w: float64(w), h: float64(h)}
	at := func(lat, lon float64) (int, int) { return proj.px(lon, lat) }

	mx, my := at(madridLat, madridLon)
	lx, ly := at(lisbonLat, lisbonLon)
	cx, cy := at(cairoLat, cairoLon)
	ax, ay := at(ankaraLat, ankaraLon)
	platformDrawn := func(img image.Image) bool {
		return isHeat(patch(img, mx, my, 3)) && isHeat(patch(img, lx, ly, 3))
	}
	shotOff := settledShot(t, bctx, "#map", platformDrawn)
	if !platformDrawn(shotOff) && mapBlank(shotOff) {
		// The browser's map did not start at all (see mapBlank): not the
		// heat this test is about; say so and load the page once more.
		save(t, artifacts, "provenance-first-load-blank.png", shotOff)
		t.Logf("the first load drew no basemap at all (Madrid %v); reloading once", patch(shotOff, mx, my, 3))
		if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		waitAttr(t, bctx, "heatSeq", "")
		shotOff = settledShot(t, bctx, "#map", platformDrawn)
	}
	save(t, artifacts, "provenance-default.png", shotOff)
	madridOff, lisbonOff := patch(shotOff, mx, my, 3), patch(shotOff, lx, ly, 3)
	cairoOff, ankaraOff := patch(shotOff, cx, cy, 3), patch(shotOff, ax, ay, 3)
	t.Logf("default: madrid %v lisbon %v cairo %v ankara %v", madridOff, lisbonOff, cairoOff, ankaraOff)
	if !isHeat(madridOff) || !isHeat(lisbonOff) {
		t.Errorf("default view: exact (Madrid %v) and place (Lisbon %v) points not drawn", madridOff, lisbonOff)
	}
	if isHeat(cairoOff) || isHeat(ankaraOff) {
		t.Errorf("default view draws inferred points: Cairo %v, Ankara %v", cairoOff, ankaraOff)
	}
	if evalJSInto[bool](t, bctx, `!document.getElementById('legend').hidden`) {
		t.Error("the legend shows while inferred points are off")
	}

	// Turn inferred places on.
	seq := attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const c = document.getElementById('inferred'); c.checked = true; c.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", seq)
	if v := attr(t, bctx, "heatInferred"); v != "500" {
		t.Errorf("data-heat-inferred = %q, want 500", v)
	}
	if loc := location(t, bctx); !strings.Contains(loc, "inferred=1") {
		t.Errorf("the toggle is not in the URL: %s", loc)
	}
	checkOn := func(what string) {
		t.Helper()
		shot := settledShot(t, bctx, "#map", func(img image.Image) bool {
			return isHeat(patch(img, cx, cy, 3)) && isHeat(patch(img, ax, ay, 3)) && dist(patch(img, mx, my, 3), madridOff) <= 40
		})
		cairo, ankara, madrid := patch(shot, cx, cy, 3), patch(shot, ax, ay, 3), patch(shot, mx, my, 3)
		save(t, artifacts, "provenance-"+what+".png", shot)
		t.Logf("%s: madrid %v cairo %v ankara %v", what, madrid, cairo, ankara)
		if !isHeat(cairo) || !isHeat(ankara) {
			t.Errorf("%s: inferred points not drawn: Cairo %v, Ankara %v", what, cairo, ankara)
		}
		// Distinguishable: the inferred ramp is violet to pink (blue and
		// red over green), which the platform's ramp never is.
		for name, c := range map[string]rgb{"Cairo": cairo, "Ankara": ankara} {
			if !(c[2] > c[1]+40 && c[0] > c[1]) {
				t.Errorf("%s: %s heat %v is not in the inferred colours", what, name, c)
			}
		}
		if dist(madrid, madridOff) > 40 {
			t.Errorf("%s: Madrid's (exact) heat changed from %v to %v", what, madridOff, madrid)
		}
		legend := evalJSInto[string](t, bctx, `(() => { const l = document.getElementById('legend'); return l.hidden ? '' : l.textContent; })()`)
		if !strings.Contains(legend, "inferred") || !strings.Contains(legend, "exact") {
			t.Errorf("%s: legend %q does not say what each colour is", what, legend)
		}
	}
	checkOn("inferred-on")
	info := evalJSInto[string](t, bctx, `document.getElementById('heat-info').textContent`)
	if !strings.Contains(info, "500 inferred points") {
		t.Errorf("heat info %q does not count the inferred points", info)
	}

	// A reload of the URL keeps the toggle and the drawing.
	if err := chromedp.Do(bctx, chromedp.Navigate(location(t, bctx))); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	if !evalJSInto[bool](t, bctx, `document.getElementById('inferred').checked`) {
		t.Error("after a reload the toggle is off")
	}
	checkOn("inferred-reloaded")

	// And off again: exactly the platform's map.
	seq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const c = document.getElementById('inferred'); c.checked = false; c.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", seq)
	shotBack := settledShot(t, bctx, "#map", func(img image.Image) bool { return diffFraction(shotOff, img) <= 0.002 })
	d := diffFraction(shotOff, shotBack)
	if isHeat(patch(shotBack, cx, cy, 3)) || isHeat(patch(shotBack, ax, ay, 3)) {
		t.Error("turning inferred places off left them drawn")
	}
	if d > 0.002 {
		save(t, artifacts, "provenance-back-off.png", shotBack)
		t.Errorf("off again differs from the default view in %.3f%% of pixels", d*100)
	}
}
