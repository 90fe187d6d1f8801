package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/geoheat/geoheat/internal/app"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/web"
)

// xssTag is a hashtag that would run script if the page put it in HTML.
const xssTag = "<img src=x onerror=alert(1)>"

// Reykjavik: the XSS tag's posts sit where the demo stream has none.
const xssLat, xssLon = 64.15, -21.94

// findChromium returns $GEOHEAT_TEST_CHROMIUM or Debian's chromium; when
// there is none the test skips (fails under CI, which installs it with
// `apt-get install -y chromium`).
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GEOHEAT_TEST_CHROMIUM"); p != "" {
		return testenv.RequireTool(t, p)
	}
	return testenv.RequireTool(t, "chromium", "chromium-browser", "google-chrome")
}

// headlessChromium starts chrome headless under ctx, with WebGL in
// software, a 1280x800 window and no background traffic, and returns a
// browser tab that ends after timeout or when the test ends.
func headlessChromium(t *testing.T, ctx context.Context, chrome string, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("enable-unsafe-swiftshader", true), // WebGL in software
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	bctx, tcancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(func() {
		tcancel()
		bcancel()
		acancel()
	})
	return bctx
}

func requireBuild(t *testing.T) {
	t.Helper()
	if _, err := fs.Stat(web.Files("", nil), "index.html"); err != nil {
		testenv.Missing(t, "browser test: dashboard not built (run `make build`, or npm ci && npm run build in web/, before go test): %v", err)
	}
}

func stopwordDir(t *testing.T) string {
	if dir, err := testenv.LookupShared("nltk_stopwords", "notebook_era_2012", "corpora", "stopwords", "english"); err == nil {
		return filepath.Dir(filepath.Dir(filepath.Dir(dir)))
	}
	dir, err := filepath.Abs("../app/testdata/stopwords")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// corpus is demo traffic starting at start, as JSON lines.
func corpus(t *testing.T, seed uint64, start time.Time, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := demo.New(demo.Options{Seed: seed, Now: func() time.Time { return start }}).WriteFile(&buf, n); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xssPosts are n English tweets carrying xssTag, at Reykjavik, from
// authors accounts in turn, every apart from at on.
func xssPosts(t *testing.T, at time.Time, n, authors int, every time.Duration) []byte {
	var buf bytes.Buffer
	for i := range n {
		text := "this is the end of the world and we are all here with you " + xssTag
		user := 42 + i%authors
		tw := map[string]any{
			"created_at": at.Add(time.Duration(i) * every).UTC().Format(time.RubyDate),
			"id":         9_000_000_000 + i, "id_str": fmt.Sprint(9_000_000_000 + i),
			"text":     text,
			"user":     map[string]any{"id": user, "id_str": fmt.Sprint(user), "screen_name": fmt.Sprint("mallory", user)},
			"geo":      map[string]any{"type": "Point", "coordinates": []float64{xssLat, xssLon}},
			"entities": map[string]any{"hashtags": []any{map[string]any{"text": xssTag, "indices": []int{59, 59 + len(xssTag)}}}},
			"lang":     "en",
		}
		b, err := json.Marshal(tw)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDashboardEndToEnd serves a replayed stream, loads the dashboard in
// headless Chromium over the offline outline basemap, and checks what a
// person would: heat is drawn where the posts are and not on empty ocean;
// language, hashtag and window change the drawing; live updates arrive
// without a reload; an HTML hashtag shows as text and runs nothing.
func TestDashboardEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := findChromium(t)
	requireBuild(t)

	now := time.Now().UTC().Truncate(time.Second)
	old := corpus(t, 7, now.Add(-3*time.Hour), 20_000) // 20 s of stream, 3 h ago
	recent := corpus(t, 8, now.Add(-2*time.Minute), 6_000)
	later := corpus(t, 9, now.Add(-time.Minute), 6_000)

	ctx, base, pw := serveStdin(t, t.TempDir(), 2)
	feed := func(b []byte) {
		t.Helper()
		if _, err := pw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	feed(old)
	feed(recent)
	feed(xssPosts(t, now.Add(-90*time.Second), 1500, 1, time.Millisecond))
	waitWritten(t, base, 1)

	artifacts := t.ArtifactDir() // kept with go test -artifacts

	bctx := headlessChromium(t, ctx, chrome, 100*time.Second)
	watch := watchBrowser(t, bctx)

	start := time.Now()
	url := base + "/?basemap=outline&window=all&at=1.5/35/0"
	if err := chromedp.Do(bctx, cdpCall(log.Enable, cdp.Empty{}), chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	waitAttr(t, bctx, "liveSeq", "")
	t.Logf("page load to first heat and live snapshot: %v", time.Since(start).Round(time.Millisecond))

	// 0. The build's assets arrive compressed (its .br/.gz copies).
	first := wire(t, bctx)
	for _, r := range first.entries {
		if r.Decoded > 4096 && r.Encoded >= r.Decoded {
			t.Errorf("%s came uncompressed: %d bytes on the wire for %d", r.Name, r.Encoded, r.Decoded)
		}
	}
	t.Logf("first load: %d bytes transferred for %d bytes of page and assets", first.transfer, first.decoded)

	// 1. Heat where the data is, none on empty ocean.
	hot := heaviestCell(t, base, "window=all", xssLat, xssLon)
	var proj mercator
	var hx, hy int
	shotAll := settledShot(t, bctx, "#map", func(img image.Image) bool {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		proj = mercator{zoom: 1.5, lat: 35, lon: 0, w: float64(w), h: float64(h)}
		hx, hy = proj.px(hot[1], hot[0])
		return isHeat(patch(img, hx, hy, 3))
	})
	if !isHeat(patch(shotAll, hx, hy, 3)) && mapBlank(shotAll) {
		// The browser's map did not start at all (see mapBlank): not what
		// this test is about; load the page once more.
		save(t, artifacts, "map-first-load-blank.png", shotAll)
		t.Logf("the first load drew no basemap at all; reloading once")
		if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		waitAttr(t, bctx, "heatSeq", "")
		shotAll = settledShot(t, bctx, "#map", func(img image.Image) bool { return isHeat(patch(img, hx, hy, 3)) })
	}
	save(t, artifacts, "map-all.png", shotAll)
	ox, oy := proj.px(-40, 30) // mid-Atlantic: no posts
	if n := heatPoints(t, base, "bbox=-45,25,-35,35"); n != 0 {
		t.Fatalf("fixture: the ocean patch holds %d points", n)
	}
	hotC, oceanC := patch(shotAll, hx, hy, 3), patch(shotAll, ox, oy, 3)
	t.Logf("heaviest cell %v at px (%d,%d) colour %v; ocean at (%d,%d) colour %v", hot, hx, hy, hotC, ox, oy, oceanC)
	if !isHeat(hotC) || isHeat(oceanC) || dist(hotC, oceanC) < 60 {
		save(t, artifacts, "dashboard-fail.png", shotAll)
		t.Fatalf("heat is not drawn where the data is: hot %v, ocean %v", hotC, oceanC)
	}

	// 2. Switching language changes the drawing.
	seq := attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const s = document.getElementById('lang'); s.value = 'es'; s.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", seq)
	shotEs := screenshot(t, bctx, "#map")
	if d := diffFraction(shotAll, shotEs); d < 0.001 {
		t.Errorf("switching to spanish changed %.4f%% of the map's pixels", d*100)
	}
	if !strings.Contains(location(t, bctx), "lang=es") {
		t.Errorf("the selection is not in the URL: %s", location(t, bctx))
	}

	// 3. Switching the window changes the drawing: the old part of the
	// stream (3 h ago) drops out of the last 5 minutes.
	evalJS(t, bctx, `(() => { const s = document.getElementById('lang'); s.value = ''; s.dispatchEvent(new Event('change')); })()`)
	waitAttrValue(t, bctx, "heatKey", "")
	seq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const s = document.getElementById('window'); s.value = '5m'; s.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", seq)
	shot5m := screenshot(t, bctx, "#map")
	if d := diffFraction(shotAll, shot5m); d < 0.001 {
		t.Errorf("switching to the last 5 minutes changed %.4f%% of the map's pixels", d*100)
	}

	// 4. The attacker's hashtag is listed as text; clicking it maps it.
	var tagText string
	var imgs int
	tagText = evalJSInto[string](t, bctx, `[...document.querySelectorAll('#top button.tag')].filter(b => b.dataset.tag === `+jsString(xssTag)+`).map(b => b.firstChild.textContent).join('|')`)
	if tagText != "#"+xssTag {
		t.Fatalf("top hashtags panel shows %q, want the tag as text %q", tagText, "#"+xssTag)
	}
	seq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `[...document.querySelectorAll('#top button.tag')].find(b => b.dataset.tag === `+jsString(xssTag)+`).click()`)
	waitAttrChange(t, bctx, "heatSeq", seq)
	imgs = evalJSInto[int](t, bctx, `document.querySelectorAll('img[src="x"], img[onerror]').length`)
	if imgs != 0 {
		t.Errorf("the hashtag became %d <img> elements", imgs)
	}
	tx, ty := proj.px(xssLon, xssLat)
	shotTag := settledShot(t, bctx, "#map", func(img image.Image) bool { return isHeat(patch(img, tx, ty, 3)) })
	if c := patch(shotTag, tx, ty, 3); !isHeat(c) {
		save(t, artifacts, "dashboard-fail.png", shotTag)
		t.Errorf("the hashtag's heat is not drawn at Reykjavik: %v", c)
	}
	if c := patch(shotTag, hx, hy, 3); isHeat(c) && dist(c, hotC) < 1 {
		t.Errorf("with the hashtag selected, the busiest city still shows the same heat %v", c)
	}
	save(t, artifacts, "dashboard-hashtag.png", fullPage(t, bctx))

	// 5. Live: more posts arrive; the panels and the heat update without a
	// reload.
	evalJS(t, bctx, `(() => { window.__noReload = 1; const s = document.getElementById('window'); s.value = 'all'; s.dispatchEvent(new Event('change')); document.getElementById('tag').value=''; document.getElementById('tag').dispatchEvent(new Event('change')); const l = document.getElementById('lang'); l.value = ''; l.dispatchEvent(new Event('change')); })()`)
	waitAttrValue(t, bctx, "heatKey", "")
	before := writtenShown(t, bctx)
	seq = attr(t, bctx, "heatSeq")
	sent := time.Now()
	feed(later)
	deadline := time.Now().Add(20 * time.Second)
	for writtenShown(t, bctx) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("no live update within 20 s (written shown: %d)", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("live update shown %v after the posts were written to the source", time.Since(sent).Round(time.Millisecond))
	waitAttrChange(t, bctx, "heatSeq", seq)
	if marker := evalJSInto[int](t, bctx, `window.__noReload || 0`); marker != 1 {
		t.Error("the page reloaded")
	}
	save(t, artifacts, "dashboard.png", fullPage(t, bctx))

	// 6. The embeddable view draws the same heat.
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/embed?window=all&basemap=outline")); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	save(t, artifacts, "embed.png", screenshot(t, bctx, "#map"))

	// 7. A reload takes the content-hashed assets from the cache without
	// asking (immutable) and revalidates the rest (304s): next to nothing
	// crosses the wire.
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	again := wire(t, bctx)
	for _, r := range again.entries {
		if web.Immutable(strings.TrimPrefix(r.Name, base+"/")) && r.Transfer != 0 {
			t.Errorf("%s: %d bytes transferred on the second load, want 0 (from the cache)", r.Name, r.Transfer)
		}
	}
	if again.transfer > first.transfer/20 {
		t.Errorf("second load transferred %d bytes, first %d", again.transfer, first.transfer)
	}
	t.Logf("second load: %d bytes transferred", again.transfer)

	watch.check(t)
	t.Logf("screenshots in %s", artifacts)
}

// browserWatch collects what must not happen on a page: a dialog (script
// an attacker's text ran), an error logged, an exception thrown.
type browserWatch struct {
	mu                sync.Mutex
	dialogs, problems []string
}

// watchBrowser starts collecting on the tab; dialogs are dismissed, so a
// page that opens one goes on. Call log.Enable on the tab for its log.
func watchBrowser(t *testing.T, bctx context.Context) *browserWatch {
	t.Helper()
	w := &browserWatch{}
	err := chromedp.Listen(bctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			w.dialogs = append(w.dialogs, e.Message)
			go func() {
				_ = chromedp.Do(bctx, cdpCall(page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{}))
			}()
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError && !strings.Contains(e.Entry.Text, "tile.openstreetmap.org") {
				w.problems = append(w.problems, "log: "+e.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			w.problems = append(w.problems, fmt.Sprintf("exception: %s %s", e.ExceptionDetails.Text, exceptionText(e.ExceptionDetails)))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// check fails the test for every dialog and problem seen so far.
func (w *browserWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.dialogs) > 0 {
		t.Errorf("a dialog opened: %q", w.dialogs)
	}
	for _, p := range w.problems {
		t.Errorf("browser: %s", p)
	}
}

// mercator maps lon/lat to pixels of a MapLibre map (512 px tiles)
// centred at lat/lon at zoom, w×h pixels.
type mercator struct{ zoom, lat, lon, w, h float64 }

func (m mercator) world(lon, lat float64) (float64, float64) {
	size := 512 * math.Pow(2, m.zoom)
	x := (lon + 180) / 360 * size
	s := math.Sin(lat * math.Pi / 180)
	y := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * size
	return x, y
}

func (m mercator) px(lon, lat float64) (int, int) {
	x, y := m.world(lon, lat)
	cx, cy := m.world(m.lon, m.lat)
	return int(math.Round(x - cx + m.w/2)), int(math.Round(y - cy + m.h/2))
}

// serveStdin runs `geoheat serve` reading posts from the returned pipe,
// until the test ends; ctx ends then too.
func serveStdin(t *testing.T, dataDir string, workers int) (ctx context.Context, base string, pw *io.PipeWriter) {
	t.Helper()
	return serveStdinWith(t, dataDir, workers)
}

// serveStdinWith is serveStdin with more flags for serve (a store, say).
func serveStdinWith(t *testing.T, dataDir string, workers int, extra ...string) (ctx context.Context, base string, pw *io.PipeWriter) {
	t.Helper()
	pr, pw := io.Pipe()
	listening := make(chan string, 1)
	stderr := &syncBuf{}
	env := app.Env{Stdin: pr, Stdout: io.Discard, Stderr: stderr,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil },
		OnListen: func(u string) { listening <- u }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, env, append([]string{"serve", "--source", "-", "--listen", "127.0.0.1:0", "--data-dir", dataDir,
			"--stopwords-dir", stopwordDir(t), "--workers", strconv.Itoa(workers), "--log-level", "warn"}, extra...))
	}()
	select {
	case base = <-listening:
	case err := <-done:
		cancel()
		pw.Close()
		t.Fatalf("serve exited: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() {
		cancel()
		pw.Close()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ctx, base, pw
}

func waitWritten(t *testing.T, base string, min int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var st struct {
			Data struct {
				Store struct{ Posts int64 } `json:"store"`
			} `json:"data"`
		}
		if getJSON(base+"/api/status", &st) == nil && st.Data.Store.Posts >= min {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("nothing was recorded")
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

type heatAnswer struct {
	Data struct {
		Cells  [][3]float64 `json:"cells"`
		Points int64        `json:"points"`
	} `json:"data"`
}

// heaviestCell is the busiest place of the demo stream, away from the
// attacker's posts at notLat, notLon.
func heaviestCell(t *testing.T, base, q string, notLat, notLon float64) [3]float64 {
	t.Helper()
	var h heatAnswer
	if err := getJSON(base+"/api/heat?zoom=3&limit=10&bbox=-100,-40,100,70&"+q, &h); err != nil { // the map's view
		t.Fatalf("no heat: %v", err)
	}
	for _, c := range h.Data.Cells {
		if math.Abs(c[0]-notLat) > 5 || math.Abs(c[1]-notLon) > 5 {
			return c
		}
	}
	t.Fatal("no heat away from the attacker's posts")
	return [3]float64{}
}

func heatPoints(t *testing.T, base, q string) int64 {
	t.Helper()
	var h heatAnswer
	if err := getJSON(base+"/api/heat?zoom=3&"+q, &h); err != nil {
		t.Fatal(err)
	}
	return h.Data.Points
}

func evalJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	evalJSInto[chromedp.Void](t, ctx, js)
}

func evalJSInto[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// cdpCall runs one DevTools command on the tab.
func cdpCall[P, R any](c cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, c, params)
		return err
	})
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d != nil && d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func attr(t *testing.T, ctx context.Context, name string) string {
	return evalJSInto[string](t, ctx, `document.body.dataset[`+jsString(name)+`] ?? ""`)
}

func location(t *testing.T, ctx context.Context) string {
	return evalJSInto[string](t, ctx, `location.href`)
}

// waitAttr waits until body[data-name] is set and differs from not.
func waitAttr(t *testing.T, ctx context.Context, name, not string) {
	t.Helper()
	waitFor(t, ctx, name, func(v string) bool { return v != "" && v != not })
}

func waitAttrChange(t *testing.T, ctx context.Context, name, from string) {
	t.Helper()
	waitAttr(t, ctx, name, from)
}

func waitAttrValue(t *testing.T, ctx context.Context, name, want string) {
	t.Helper()
	waitFor(t, ctx, name, func(v string) bool { return v == want })
}

func waitFor(t *testing.T, ctx context.Context, name string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v := attr(t, ctx, name)
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			notice := evalJSInto[string](t, ctx, `document.getElementById('notice')?.textContent || ''`)
			trends := evalJSInto[string](t, ctx, `document.getElementById('trends')?.textContent || ''`)
			t.Fatalf("timed out waiting on data-%s (now %q; notice %q; trends panel %q)", name, v, notice, trends)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writtenShown reads the status panel's "written" count.
func writtenShown(t *testing.T, ctx context.Context) int64 {
	s := evalJSInto[string](t, ctx, `(() => { const dt = [...document.querySelectorAll('#status dt')].find(d => d.textContent === 'written'); return dt ? dt.nextElementSibling.textContent : ''; })()`)
	var n int64
	fmt.Sscan(strings.ReplaceAll(s, ",", ""), &n)
	return n
}

// settledShot screenshots sel until ok accepts it or settleTime passes,
// and returns the last one: the page marks new heat as set before the map
// has painted it, and under load a screenshot can catch a frame in between
// (blank, or the old heat).
// settleTime is generous: on a loaded 2-core machine a reload's first
// paint has taken over 10 s.
const settleTime = 25 * time.Second

func settledShot(t *testing.T, ctx context.Context, sel string, ok func(image.Image) bool) image.Image {
	t.Helper()
	var shot image.Image
	for deadline := time.Now().Add(settleTime); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if shot = screenshot(t, ctx, sel); ok(shot) {
			break
		}
	}
	return shot
}

func screenshot(t *testing.T, ctx context.Context, sel string) image.Image {
	t.Helper()
	return capturePNG(t, ctx, chromedp.Screenshot(chromedp.CSS(sel)))
}

func fullPage(t *testing.T, ctx context.Context) image.Image {
	t.Helper()
	return capturePNG(t, ctx, chromedp.CaptureScreenshot())
}

// capturePNG runs a screenshot action and decodes the PNG it returns.
func capturePNG(t *testing.T, ctx context.Context, shot chromedp.Action[[]byte]) image.Image {
	t.Helper()
	b, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func save(t *testing.T, dir, name string, img image.Image) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Error(err)
	}
}

type rgb [3]float64

// landColour is the outline basemap's land (web/src/maplibre-map.js).
var landColour = rgb{0x2a, 0x38, 0x47}

// mapBlank reports whether a screenshot of the outline map shows no land
// at all: the map drew nothing (its countries layer missing with the
// heat). Seen once in CI under full load, for over 25 s, on a first page
// load that a reload then drew in full.
func mapBlank(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if dist(rgb{float64(r >> 8), float64(g >> 8), float64(bl >> 8)}, landColour) <= 3 {
				return false
			}
		}
	}
	return true
}

// patch is the mean colour of the (2r+1)² pixels around x, y.
func patch(img image.Image, x, y, r int) rgb {
	var c rgb
	var n float64
	for j := y - r; j <= y+r; j++ {
		for i := x - r; i <= x+r; i++ {
			if !(image.Point{i, j}.In(img.Bounds())) {
				continue
			}
			cr, cg, cb, _ := img.At(i, j).RGBA()
			c[0] += float64(cr >> 8)
			c[1] += float64(cg >> 8)
			c[2] += float64(cb >> 8)
			n++
		}
	}
	for k := range c {
		c[k] /= max(n, 1)
	}
	return c
}

func dist(a, b rgb) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

// isHeat tells heat colours from the basemap's blue-greys: the ramp is
// saturated (red, yellow, green or bright cyan/blue), the basemap is not.
func isHeat(c rgb) bool {
	hi := max(c[0], c[1], c[2])
	lo := min(c[0], c[1], c[2])
	return hi-lo > 80 || c[0] > 120 || c[1] > 140
}

// diffFraction is the share of pixels that differ noticeably.
func diffFraction(a, b image.Image) float64 {
	r := a.Bounds().Intersect(b.Bounds())
	var diff, all float64
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			d := math.Abs(float64(ar>>8)-float64(br>>8)) + math.Abs(float64(ag>>8)-float64(bg>>8)) + math.Abs(float64(ab>>8)-float64(bb>>8))
			if d > 30 {
				diff++
			}
			all++
		}
	}
	return diff / all
}

// resource is a Resource Timing entry of the page: bytes on the wire
// (headers included), of the body as sent, and of the body decoded.
type resource struct {
	Name     string `json:"name"`
	Transfer int64  `json:"transfer"`
	Encoded  int64  `json:"encoded"`
	Decoded  int64  `json:"decoded"`
}

type wireStats struct {
	entries                    []resource
	transfer, encoded, decoded int64
}

// wire sums the page's own loads (the document and its assets, not the
// API's answers) from Resource Timing.
func wire(t *testing.T, ctx context.Context) wireStats {
	t.Helper()
	js := `JSON.stringify([...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
		.filter((e) => e.name.startsWith(location.origin) && !new URL(e.name).pathname.startsWith("/api/"))
		.map((e) => ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize })))`
	var w wireStats
	if err := json.Unmarshal([]byte(evalJSInto[string](t, ctx, js)), &w.entries); err != nil {
		t.Fatal(err)
	}
	for _, r := range w.entries {
		w.transfer += r.Transfer
		w.encoded += r.Encoded
		w.decoded += r.Decoded
	}
	return w
}

func TestMapBlank(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0x0f, 0x1c, 0x2b, 0xff}}, image.Point{}, draw.Src)
	if !mapBlank(img) {
		t.Error("an all-sea map is not blank")
	}
	draw.Draw(img, image.Rect(8, 8, 20, 20), &image.Uniform{color.RGBA{0x2a, 0x38, 0x47, 0xff}}, image.Point{}, draw.Src)
	if mapBlank(img) {
		t.Error("a map with land is blank")
	}
}
