package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// The exploration fixture (docs/explore.md, Dashboard): two languages in
// two places at two times, so that a time range, a language and a search
// each pick something a screenshot can tell apart. Spanish posts at Madrid
// in the older part (half with #verano, half with #playa), French ones at
// Paris in the newer part (#marche), and an attacker's posts at Reykjavik
// whose text, hashtag and handle would run script if the page put them in
// HTML.
const (
	exZoom, exLat, exLon = 2.6, 52.5, -9.0
	parisLat, parisLon   = 48.86, 2.35
	exPerLang            = 240
	exHostile            = 20
)

// hostileText would inject elements and run script as HTML.
const hostileText = `this is the end of the world and we are all here with you <script>alert("t")</script><img src=x onerror=alert(2)> "quoted' &amp;`

var (
	spanishTexts = []string{
		"hoy hace mucho calor en la ciudad y todos vamos a la playa con los amigos",
		"el verano en madrid es largo y las noches son muy agradables para pasear por la calle",
		"mañana vamos a comer con mi familia en el restaurante de siempre cerca de la plaza",
	}
	frenchTexts = []string{
		"nous allons au marché ce matin avec les enfants pour acheter du pain frais",
		"il fait beau aujourd'hui et les gens se promènent dans les rues de la ville",
		"le marché du samedi est toujours plein de monde et de bonnes choses à manger",
	}
)

// exTweet is one X message as the stream sends it.
func exTweet(t *testing.T, id int, at time.Time, text, lang, handle string, lat, lon float64, tag string) []byte {
	t.Helper()
	full := text + " #" + tag
	start := len([]rune(text)) + 1
	tw := map[string]any{
		"created_at": at.UTC().Format(time.RubyDate),
		"id":         id, "id_str": strconv.Itoa(id),
		"text":     full,
		"user":     map[string]any{"id": 1000 + id%50, "id_str": strconv.Itoa(1000 + id%50), "screen_name": handle},
		"geo":      map[string]any{"type": "Point", "coordinates": []float64{lat, lon}},
		"entities": map[string]any{"hashtags": []any{map[string]any{"text": tag, "indices": []int{start, start + 1 + len([]rune(tag))}}}},
		"lang":     lang,
	}
	b, err := json.Marshal(tw)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// exploreCorpus is the fixture's messages: Spanish from 125 to 75 minutes
// before now, French from 50 to 1 minutes before, the attacker's 30 to 20.
func exploreCorpus(t *testing.T, now time.Time) []byte {
	var buf bytes.Buffer
	id := 7_000_000_000
	spread := func(n int, from, to time.Duration, each func(i int, at time.Time)) {
		for i := range n {
			at := now.Add(-from + time.Duration(float64(from-to)*float64(i)/float64(n-1)))
			each(i, at)
		}
	}
	spread(exPerLang, 125*time.Minute, 75*time.Minute, func(i int, at time.Time) {
		tag := "verano"
		if i%2 == 1 {
			tag = "playa"
		}
		id++
		buf.Write(exTweet(t, id, at, spanishTexts[i%len(spanishTexts)], "es", fmt.Sprint("madrileno", i%30), madridLat, madridLon, tag))
	})
	spread(exPerLang, 50*time.Minute, time.Minute, func(i int, at time.Time) {
		id++
		buf.Write(exTweet(t, id, at, frenchTexts[i%len(frenchTexts)], "fr", fmt.Sprint("parisien", i%30), parisLat, parisLon, "marche"))
	})
	spread(exHostile, 30*time.Minute, 20*time.Minute, func(i int, at time.Time) {
		id++
		buf.Write(exTweet(t, id, at, hostileText, "en", fmt.Sprint("mallory", i%5), xssLat, xssLon, xssTag))
	})
	return buf.Bytes()
}

// exploreStores are the stores the exploration test runs against: the
// embedded one always, Redis when a redis-server can be started (its own,
// on a free port, so no other test's keys are in the way).
func exploreStores(t *testing.T) map[string][]string {
	stores := map[string][]string{"memory": nil}
	if bin, err := exec.LookPath("redis-server"); err == nil {
		stores["redis"] = []string{"--store", "redis://" + startRedis(t, bin) + "/0"}
	} else {
		t.Logf("no redis-server: the Redis store is not tried")
	}
	return stores
}

// startRedis runs a throwaway redis-server (no persistence) on a free
// port until the test ends and returns its address.
func startRedis(t *testing.T, bin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("redis-server on %s did not start", addr)
	return ""
}

// TestDashboardExplore drives the exploration features as a person would:
// brushing the histogram narrows the map and the panels and the URL keeps
// the range; double-click clears it; ▶ steps the map through time; a click
// on the map lists the posts near it with the attacker's text as text;
// the search box narrows the map; the language mode colours Madrid and
// Paris by their languages; the share mode draws differently from density.
func TestDashboardExplore(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := findChromium(t)
	requireBuild(t)
	for name, args := range exploreStores(t) {
		t.Run(name, func(t *testing.T) { testExplore(t, chrome, args) })
	}
}

func testExplore(t *testing.T, chrome string, storeArgs []string) {
	now := time.Now().UTC().Truncate(time.Second)
	ctx, base, pw := serveStdinWith(t, t.TempDir(), 1, storeArgs...)
	if _, err := pw.Write(exploreCorpus(t, now)); err != nil {
		t.Fatal(err)
	}
	const all = 2*exPerLang + exHostile
	for deadline := time.Now().Add(time.Minute); heatPoints(t, base, "window=all&bbox=-180,-90,180,90") < all; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the fixture was not recorded within a minute (%d of %d points)", heatPoints(t, base, "window=all"), all)
		}
	}
	// The fixture as the API sees it: the languages detected where the test put them.
	for _, c := range []struct {
		lang     string
		lat, lon float64
	}{{"es", madridLat, madridLon}, {"fr", parisLat, parisLon}} {
		box := fmt.Sprintf("bbox=%g,%g,%g,%g", c.lon-1, c.lat-1, c.lon+1, c.lat+1)
		if n := heatPoints(t, base, "window=all&lang="+c.lang+"&"+box); n != exPerLang {
			t.Fatalf("fixture: %d %s points near %g,%g, want %d", n, c.lang, c.lat, c.lon, exPerLang)
		}
	}

	artifacts := t.ArtifactDir()
	bctx := headlessChromium(t, ctx, chrome, 150*time.Second)
	watch := watchBrowser(t, bctx)
	page := fmt.Sprintf("%s/?basemap=outline&window=all&at=%.2f/%.3f/%.3f", base, exZoom, exLat, exLon)
	if err := chromedp.Do(bctx, cdpCall(log.Enable, cdp.Empty{}), chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	waitAttr(t, bctx, "histSeq", "")
	waitAttr(t, bctx, "panelsSeq", "")

	mapBox := elementBox(t, bctx, "#map")
	proj := mercator{zoom: exZoom, lat: exLat, lon: exLon, w: mapBox.W, h: mapBox.H}
	mx, my := proj.px(madridLon, madridLat)
	px, py := proj.px(parisLon, parisLat)
	hotAt := func(x, y int) func(image.Image) bool {
		return func(img image.Image) bool { return isHeat(patch(img, x, y, 2)) }
	}
	shotAll := settledShot(t, bctx, "#map", func(img image.Image) bool { return hotAt(mx, my)(img) && hotAt(px, py)(img) })
	save(t, artifacts, "explore-all.png", shotAll)
	if !isHeat(patch(shotAll, mx, my, 2)) || !isHeat(patch(shotAll, px, py, 2)) {
		t.Fatalf("with everything selected the map shows no heat at Madrid %v or Paris %v", patch(shotAll, mx, my, 2), patch(shotAll, px, py, 2))
	}
	if bars := evalJSInto[int](t, bctx, `document.querySelectorAll('#hist svg rect.bar-posts').length`); bars < 10 {
		t.Errorf("the histogram draws %d bars", bars)
	}

	// 1. Brushing the older part: the range goes to the URL, the map and
	// the panels follow it.
	hist := elementBox(t, bctx, "#hist")
	heatSeq, panelsSeq := attr(t, bctx, "heatSeq"), attr(t, bctx, "panelsSeq")
	y := hist.Y + hist.H/2
	if err := chromedp.Do(bctx,
		chromedp.MouseEvent(chromedp.MousePressed, hist.X+hist.W*0.02, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MouseMoved, hist.X+hist.W*0.2, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseMoved, hist.X+hist.W*0.35, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(chromedp.MouseReleased, hist.X+hist.W*0.35, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	); err != nil {
		t.Fatal(err)
	}
	waitAttrChange(t, bctx, "heatSeq", heatSeq)
	waitAttrChange(t, bctx, "panelsSeq", panelsSeq)
	loc := pageQuery(t, bctx)
	from, to := apiTime(t, loc.Get("from")), apiTime(t, loc.Get("to"))
	if from.IsZero() || to.IsZero() || !from.Before(to) || to.After(now.Add(-70*time.Minute)) || from.Before(now.Add(-3*time.Hour)) {
		t.Fatalf("after brushing the older part the URL holds from %q to %q (now %s)", loc.Get("from"), loc.Get("to"), now.Format(time.RFC3339))
	}
	rangeQ := fmt.Sprintf("from=%d&to=%d", from.Unix(), to.Unix())
	heatQ, _ := url.ParseQuery(attr(t, bctx, "heatKey"))
	if heatQ.Get("from") != strconv.FormatInt(from.Unix(), 10) || heatQ.Get("to") != strconv.FormatInt(to.Unix(), 10) || heatQ.Has("window") {
		t.Errorf("the map's heat is for %q, want the brushed range %s", attr(t, bctx, "heatKey"), rangeQ)
	}
	if want, got := heatPoints(t, base, rangeQ+"&bbox=-180,-90,180,90"), attrInt(t, bctx, "heatPoints"); got <= 0 || got > want {
		t.Errorf("the map draws %d points in the range; the API holds %d there", got, want)
	}
	if !strings.Contains(attr(t, bctx, "panelsKey"), "from="+strconv.FormatInt(from.Unix(), 10)) {
		t.Errorf("the panels asked %q, not for the range", attr(t, bctx, "panelsKey"))
	}
	shotOld := settledShot(t, bctx, "#map", func(img image.Image) bool { return hotAt(mx, my)(img) && !hotAt(px, py)(img) })
	save(t, artifacts, "explore-brushed.png", shotOld)
	if !isHeat(patch(shotOld, mx, my, 2)) || isHeat(patch(shotOld, px, py, 2)) {
		t.Errorf("brushed onto the Spanish hour: Madrid %v (want heat), Paris %v (want none)", patch(shotOld, mx, my, 2), patch(shotOld, px, py, 2))
	}
	tags := topTags(t, bctx)
	if !strings.Contains(tags, "|verano|") || strings.Contains(tags, "|marche|") {
		t.Errorf("brushed onto the Spanish hour the top hashtags are %s: want #verano and not #marche", tags)
	}
	counts := evalJSInto[string](t, bctx, `[...document.querySelectorAll('#counts tbody td:first-child')].map(td => td.textContent).join('|')`)
	if !strings.Contains(counts, "spanish") || strings.Contains(counts, "french") {
		t.Errorf("brushed onto the Spanish hour the counts list %q", counts)
	}
	if n := evalJSInto[int](t, bctx, `document.querySelectorAll('#hist rect.brush').length`); n != 1 {
		t.Errorf("the histogram shows %d brushes", n)
	}
	// A reload keeps the range.
	if err := chromedp.Do(bctx, chromedp.Navigate(location(t, bctx))); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "heatSeq", "")
	if q, _ := url.ParseQuery(attr(t, bctx, "heatKey")); q.Get("from") != strconv.FormatInt(from.Unix(), 10) {
		t.Errorf("after a reload the heat is for %q, not the range in the URL", attr(t, bctx, "heatKey"))
	}

	// 2. A double-click clears the range.
	waitAttr(t, bctx, "histSeq", "")
	heatSeq = attr(t, bctx, "heatSeq")
	if err := chromedp.Do(bctx, chromedp.MouseClickXY(hist.X+hist.W/2, y), chromedp.MouseClickXY(hist.X+hist.W/2, y, chromedp.ClickCount(2))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, bctx, "heatKey", func(key string) bool { return !strings.Contains(key, "from=") })
	if q := pageQuery(t, bctx); q.Has("from") || q.Has("to") {
		t.Errorf("after a double-click the URL still holds a range: %s", location(t, bctx))
	}
	if q, _ := url.ParseQuery(attr(t, bctx, "heatKey")); q.Has("from") || q.Has("to") {
		t.Errorf("after a double-click the heat is for %q", attr(t, bctx, "heatKey"))
	}

	// 3. ▶ steps hour-wide frames: the first shows Madrid, the next Paris.
	evalJS(t, bctx, `(() => { const s = document.getElementById('play-step'); s.value = '3600'; s.dispatchEvent(new Event('change'));
		const v = document.getElementById('play-speed'); v.value = '2'; v.dispatchEvent(new Event('change')); })()`)
	evalJS(t, bctx, `document.getElementById('play').click()`)
	waitAttrValue(t, bctx, "playing", "1")
	if b := evalJSInto[string](t, bctx, `document.getElementById('play').textContent`); b != "❚❚" {
		t.Errorf("the playing button reads %q", b)
	}
	frame1 := waitHeatFrom(t, bctx, "")
	shot1 := settledShot(t, bctx, "#map", func(img image.Image) bool { return hotAt(mx, my)(img) && !hotAt(px, py)(img) })
	frame2 := waitHeatFrom(t, bctx, frame1.Get("from"))
	evalJS(t, bctx, `document.getElementById('play').click()`) // pause on the second frame
	waitAttrValue(t, bctx, "playing", "0")
	f1, _ := strconv.ParseInt(frame1.Get("from"), 10, 64)
	f2, _ := strconv.ParseInt(frame2.Get("from"), 10, 64)
	t1, _ := strconv.ParseInt(frame1.Get("to"), 10, 64)
	if t1-f1 != 3600 || f2 != t1 {
		t.Errorf("the player's frames are %s and %s: want abutting hours", frame1.Encode(), frame2.Encode())
	}
	if q := pageQuery(t, bctx); apiTime(t, q.Get("from")).Unix() != f2 {
		t.Errorf("paused on the frame from %d, the URL holds %s", f2, location(t, bctx))
	}
	shot2 := settledShot(t, bctx, "#map", func(img image.Image) bool { return hotAt(px, py)(img) && !hotAt(mx, my)(img) })
	save(t, artifacts, "explore-play-1.png", shot1)
	save(t, artifacts, "explore-play-2.png", shot2)
	if !isHeat(patch(shot1, mx, my, 2)) || isHeat(patch(shot1, px, py, 2)) {
		t.Errorf("the first frame shows Madrid %v and Paris %v: want Madrid only", patch(shot1, mx, my, 2), patch(shot1, px, py, 2))
	}
	if !isHeat(patch(shot2, px, py, 2)) || isHeat(patch(shot2, mx, my, 2)) {
		t.Errorf("the second frame shows Madrid %v and Paris %v: want Paris only", patch(shot2, mx, my, 2), patch(shot2, px, py, 2))
	}
	heatSeq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `document.getElementById('range-clear').click()`)
	waitAttrChange(t, bctx, "heatSeq", heatSeq)

	// 4. A click at Reykjavik lists the attacker's posts, as text.
	rx, ry := proj.px(xssLon, xssLat)
	if err := chromedp.Do(bctx, chromedp.MouseClickXY(mapBox.X+float64(rx), mapBox.Y+float64(ry))); err != nil {
		t.Fatal(err)
	}
	waitPosts(t, bctx)
	pq, _ := url.ParseQuery(attr(t, bctx, "postsKey"))
	if b := bboxOf(t, pq.Get("bbox")); !b.contains(xssLat, xssLon) || b.contains(madridLat, madridLon) || b[2]-b[0] > 5 {
		t.Errorf("the click asked for the posts in %v: want a small box around Reykjavik", b)
	}
	var posts []struct {
		Handle, Text, Tags, Href, Rel string
	}
	if err := json.Unmarshal([]byte(evalJSInto[string](t, bctx, `JSON.stringify([...document.querySelectorAll('#posts li.post')].map(li => ({
		handle: li.querySelector('.post-handle')?.textContent ?? '',
		text: li.querySelector('.post-text')?.textContent ?? '',
		tags: li.querySelector('.post-tags')?.textContent ?? '',
		href: li.querySelector('a')?.getAttribute('href') ?? '',
		rel: li.querySelector('a')?.getAttribute('rel') ?? '' })))`)), &posts); err != nil {
		t.Fatal(err)
	}
	if len(posts) != exHostile {
		t.Fatalf("the posts panel lists %d posts near Reykjavik, want the %d there (%q)", len(posts), exHostile,
			evalJSInto[string](t, bctx, `document.getElementById('posts-panel').textContent`))
	}
	for _, p := range posts {
		if !strings.HasPrefix(p.Handle, "@mallory") || !strings.Contains(p.Text, `<script>alert("t")</script><img src=x onerror=alert(2)>`) ||
			!strings.Contains(p.Tags, "#"+xssTag) {
			t.Errorf("a post shows as handle %q, text %q, tags %q: want the author's strings as text", p.Handle, p.Text, p.Tags)
		}
		if !strings.HasPrefix(p.Href, "https://x.com/mallory") || p.Rel != "noopener noreferrer" {
			t.Errorf("a post links to %q (rel %q)", p.Href, p.Rel)
		}
	}
	if n := evalJSInto[int](t, bctx, `document.querySelectorAll('img[src="x"], img[onerror], #posts script, #posts img, #posts b').length`); n != 0 {
		t.Errorf("the attacker's text became %d elements", n)
	}
	save(t, artifacts, "explore-posts.png", fullPage(t, bctx))

	// 5. The search box narrows the map to the posts whose text matches.
	heatSeq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const q = document.getElementById('q'); q.value = 'playa'; q.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", heatSeq)
	if pageQuery(t, bctx).Get("q") != "playa" || !strings.Contains(attr(t, bctx, "heatKey"), "q=playa") {
		t.Errorf("the search is not in the URL %s or the heat %q", location(t, bctx), attr(t, bctx, "heatKey"))
	}
	if want, got := heatPoints(t, base, "window=all&q=playa&bbox=-180,-90,180,90"), attrInt(t, bctx, "heatPoints"); want == 0 || want >= exPerLang || got != want {
		t.Errorf("searching playa the map draws %d points; the API holds %d (of %d Spanish posts)", got, want, exPerLang)
	}
	heatSeq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", heatSeq)

	// 6. The language mode colours Madrid and Paris by their languages,
	// as the legend says.
	selectMode := func(mode string) {
		t.Helper()
		seq := attr(t, bctx, "heatSeq")
		evalJS(t, bctx, `(() => { const s = document.getElementById('mode'); s.value = `+jsString(mode)+`; s.dispatchEvent(new Event('change')); })()`)
		waitAttrChange(t, bctx, "heatSeq", seq)
	}
	selectMode("lang")
	legend := map[string]rgb{}
	var rows []struct{ Lang, Colour string }
	if err := json.Unmarshal([]byte(evalJSInto[string](t, bctx, `JSON.stringify([...document.querySelectorAll('#legend .legend-row')].map(r => ({lang: r.dataset.lang, colour: r.dataset.colour})))`)), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		legend[r.Lang] = hexColour(t, r.Colour)
	}
	es, okEs := legend["es"]
	fr, okFr := legend["fr"]
	if !okEs || !okFr || dist(es, fr) < 60 {
		t.Fatalf("the legend %v does not give Spanish and French colours of their own", rows)
	}
	// Circles are drawn at 85 % opacity over the land.
	blend := func(c rgb) rgb {
		return rgb{0.85*c[0] + 0.15*landColour[0], 0.85*c[1] + 0.15*landColour[1], 0.85*c[2] + 0.15*landColour[2]}
	}
	near := func(x, y int, c rgb) func(image.Image) bool {
		return func(img image.Image) bool { return dist(patch(img, x, y, 1), blend(c)) < 40 }
	}
	shotLang := settledShot(t, bctx, "#map", func(img image.Image) bool { return near(mx, my, es)(img) && near(px, py, fr)(img) })
	save(t, artifacts, "explore-lang.png", shotLang)
	if c := patch(shotLang, mx, my, 1); dist(c, blend(es)) >= 40 {
		t.Errorf("in language mode Madrid shows %v, want Spanish's %v", c, es)
	}
	if c := patch(shotLang, px, py, 1); dist(c, blend(fr)) >= 40 {
		t.Errorf("in language mode Paris shows %v, want French's %v", c, fr)
	}
	if pageQuery(t, bctx).Get("mode") != "lang" {
		t.Errorf("the mode is not in the URL: %s", location(t, bctx))
	}

	// 7. Share: #verano as a share of Madrid's posts (about half) draws
	// otherwise than its density, in the share ramp's colour.
	selectMode("density")
	heatSeq = attr(t, bctx, "heatSeq")
	evalJS(t, bctx, `(() => { const s = document.getElementById('tag'); s.value = 'verano'; s.dispatchEvent(new Event('change')); })()`)
	waitAttrChange(t, bctx, "heatSeq", heatSeq)
	shotDensity := settledShot(t, bctx, "#map", hotAt(mx, my))
	selectMode("share")
	share := shareAt(t, base, "tag=verano&window=all", madridLat, madridLon)
	if share < 0.3 || share > 0.7 {
		t.Fatalf("fixture: #verano is %.2f of Madrid's posts, want about half", share)
	}
	want := shareRGB(share)
	shotShare := settledShot(t, bctx, "#map", near(mx, my, want))
	save(t, artifacts, "explore-share.png", shotShare)
	save(t, artifacts, "explore-density-verano.png", shotDensity)
	if d := diffFraction(shotDensity, shotShare); d < 0.0005 {
		t.Errorf("the share mode changed %.4f%% of the density map's pixels", d*100)
	}
	if c := patch(shotShare, mx, my, 1); dist(c, blend(want)) >= 40 {
		t.Errorf("in share mode Madrid shows %v, want the colour of share %.2f %v", c, share, want)
	}

	// 8. The downloads are links to the API's exports of this view.
	hrefs := evalJSInto[string](t, bctx, `[...document.querySelectorAll('#downloads a')].map(a => a.getAttribute('href')).join(' ')`)
	for _, w := range []string{"/api/heat?", "mode=share", "format=geojson", "format=csv", "/api/posts?", "/api/histogram?", "/api/top?"} {
		if !strings.Contains(hrefs, w) {
			t.Errorf("the download links %q lack %q", hrefs, w)
		}
	}
	for _, h := range strings.Fields(hrefs) {
		if !strings.Contains(h, "/api/heat") {
			continue
		}
		if status := httpStatus(t, base+h); status != 200 {
			t.Errorf("download %s: HTTP %d", h, status)
		}
	}
	watch.check(t)
}

// box is an element's place on the page (CSS pixels).
type box struct{ X, Y, W, H float64 }

func elementBox(t *testing.T, ctx context.Context, sel string) box {
	t.Helper()
	var b box
	js := `JSON.stringify((() => { const r = document.querySelector(` + jsString(sel) + `).getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })())`
	if err := json.Unmarshal([]byte(evalJSInto[string](t, ctx, js)), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func pageQuery(t *testing.T, ctx context.Context) url.Values {
	t.Helper()
	u, err := url.Parse(location(t, ctx))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func attrInt(t *testing.T, ctx context.Context, name string) int64 {
	n, _ := strconv.ParseInt(attr(t, ctx, name), 10, 64)
	return n
}

// apiTime reads a time as the URL keeps it (RFC 3339 or Unix seconds);
// the zero time when absent or malformed.
func apiTime(t *testing.T, s string) time.Time {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	tm, _ := time.Parse(time.RFC3339, s)
	return tm
}

// waitHeatFrom waits until the drawn heat is for a range starting
// elsewhere than notFrom, and returns its query.
func waitHeatFrom(t *testing.T, ctx context.Context, notFrom string) url.Values {
	t.Helper()
	var q url.Values
	waitFor(t, ctx, "heatKey", func(key string) bool {
		q, _ = url.ParseQuery(key)
		return q.Get("from") != "" && q.Get("from") != notFrom
	})
	return q
}

// topTags are the tags of the top hashtags panel, as |a|b|.
func topTags(t *testing.T, ctx context.Context) string {
	return "|" + evalJSInto[string](t, ctx, `[...document.querySelectorAll('#top button.tag')].map(b => b.dataset.tag).join('|')`) + "|"
}

func bboxOf(t *testing.T, s string) bbox {
	t.Helper()
	var b bbox
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		t.Fatalf("bbox %q", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) {
			t.Fatalf("bbox %q", s)
		}
		b[i] = v
	}
	return b
}

func hexColour(t *testing.T, s string) rgb {
	t.Helper()
	var r, g, b uint8
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		t.Fatalf("colour %q: %v", s, err)
	}
	return rgb{float64(r), float64(g), float64(b)}
}

// shareRGB is web/src/modes.js's shareColour: blue at 0, yellow at half,
// red at 1.
func shareRGB(s float64) rgb {
	stops := []struct {
		t float64
		c rgb
	}{{0, rgb{59, 111, 216}}, {0.5, rgb{255, 210, 63}}, {1, rgb{255, 59, 59}}}
	s = min(1, max(0, s))
	i := 1
	for i < len(stops)-1 && s > stops[i].t {
		i++
	}
	a, b := stops[i-1], stops[i]
	f := (s - a.t) / (b.t - a.t)
	var c rgb
	for k := range c {
		c[k] = math.Round(a.c[k] + (b.c[k]-a.c[k])*f)
	}
	return c
}

// shareAt is the share mode's share of the cell nearest lat, lon.
func shareAt(t *testing.T, base, q string, lat, lon float64) float64 {
	t.Helper()
	var h struct {
		Data struct {
			Cells [][]float64 `json:"cells"`
		} `json:"data"`
	}
	if err := getJSON(base+"/api/heat?mode=share&zoom=5&bbox=-60,20,60,75&"+q, &h); err != nil {
		t.Fatal(err)
	}
	best, share := math.Inf(1), math.NaN()
	for _, c := range h.Data.Cells {
		if len(c) < 5 {
			t.Fatalf("share cell %v: want [lat, lon, weight, total, share]", c)
		}
		if d := math.Hypot(c[0]-lat, c[1]-lon); d < best {
			best, share = d, c[4]
		}
	}
	if best > 1 {
		t.Fatalf("no share cell near %g,%g: %v", lat, lon, h.Data.Cells)
	}
	return share
}

func httpStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitPosts waits until the posts panel shows an answer.
func waitPosts(t *testing.T, ctx context.Context) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); attr(t, ctx, "postsSeq") == ""; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			save(t, t.ArtifactDir(), "explore-posts-fail.png", fullPage(t, ctx))
			t.Fatalf("no posts listed after a click on the map; the panel shows %q",
				evalJSInto[string](t, ctx, `document.getElementById('posts-panel').hidden + ': ' + document.getElementById('posts-panel').textContent`))
		}
	}
}
