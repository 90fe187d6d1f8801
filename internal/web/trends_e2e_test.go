package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/geoheat/geoheat/internal/ingest/demo"
)

// The trends fixture: 2.5 hours of demo traffic with bursts, ending now
// (the trend window is the last hour, the 1.5 hours before it its
// baseline), at a pace that gives a burst several times the 5 authors a
// trend needs while the whole corpus ingests in seconds (under -race too). Seed 4 schedules a Spanish
// burst at Madrid for the last half hour.
const (
	trendSeed   = 4
	trendSpan   = 150 * time.Minute
	trendRate   = 4 // messages per second of stream time
	trendsPerHr = 4
	trendWindow = time.Hour
)

// TestDashboardTrending replays demo traffic with injected bursts and an
// attacker's hashtag carried by many accounts, and checks the Trending
// panel as a person would use it: zoomed onto Spain it lists the Spanish
// burst with its sparkline and not the attacker's tag at Reykjavik; zoomed
// out, the attacker's tag shows up, as text; it follows the language;
// "whole world" drops the area; clicking a trend maps its tag.
func TestDashboardTrending(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := findChromium(t)
	requireBuild(t)

	now := time.Now().UTC().Truncate(time.Second)
	opts := demo.Options{Seed: trendSeed, Now: func() time.Time { return now.Add(-trendSpan) }, Rate: trendRate, BurstsPerHour: trendsPerHr}
	windowFrom := now.Add(-trendWindow)
	var spain demo.Burst
	for _, b := range demo.ScheduledBursts(opts, trendSpan) {
		from, to := b.Start, b.End
		if from.Before(windowFrom) {
			from = windowFrom
		}
		if to.After(now) {
			to = now
		}
		if b.Country == "ES" && to.Sub(from) >= 20*time.Minute {
			spain = b
		}
	}
	if spain.Tag == "" {
		t.Fatalf("fixture: seed %d schedules no burst in Spain for 20 minutes of the last hour", trendSeed)
	}
	burstTag := strings.ToLower(spain.Tag)
	t.Logf("the Spanish burst: #%s at %s from %s to %s, %.1f%% of %s posts",
		spain.Tag, spain.City, spain.Start.Format(time.TimeOnly), spain.End.Format(time.TimeOnly), spain.Share*100, spain.Lang)

	ctx, base, pw := serveStdin(t, t.TempDir(), 2)
	started := time.Now()
	messages := int64(trendSpan.Seconds()*trendRate) - trendRate // the last one a second before now
	if err := demo.New(opts).WriteFile(pw, messages); err != nil {
		t.Fatal(err)
	}
	// The attacker: 20 accounts posting the tag in the last half hour, new
	// to the store, so it rises like a burst.
	const hostile, hostileAuthors = 60, 20
	if _, err := pw.Write(xssPosts(t, now.Add(-30*time.Minute), hostile, hostileAuthors, 25*time.Second)); err != nil {
		t.Fatal(err)
	}
	reykjavik := fmt.Sprintf("bbox=%g,%g,%g,%g&window=all&geo=all&tag=%s", xssLon-1, xssLat-1, xssLon+1, xssLat+1, url.QueryEscape(xssTag))
	for deadline := time.Now().Add(2 * time.Minute); heatPoints(t, base, reykjavik) < hostile; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the attacker's posts were not recorded within two minutes (%d of %d)", heatPoints(t, base, reykjavik), hostile)
		}
	}
	t.Logf("%d messages and %d hostile posts recorded in %v", messages, hostile, time.Since(started).Round(time.Millisecond))

	bctx := headlessChromium(t, ctx, chrome, 120*time.Second)
	watch := watchBrowser(t, bctx)

	// 1. Zoomed onto Spain: the Spanish burst, with its sparkline; not the
	// attacker's tag, whose posts are at Reykjavik.
	page := fmt.Sprintf("%s/?basemap=outline&window=all&at=5.00/%.3f/%.3f", base, spain.Lat, spain.Lon)
	if err := chromedp.Do(bctx, cdpCall(log.Enable, cdp.Empty{}), chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	waitAttr(t, bctx, "trendsSeq", "")
	box := trendsBBox(t, attr(t, bctx, "trendsKey"))
	if !box.contains(spain.Lat, spain.Lon) || box.contains(xssLat, xssLon) {
		t.Fatalf("zoomed onto %s the panel asked for bbox %v: want %s in and Reykjavik out", spain.City, box, spain.City)
	}
	rows := waitTrends(t, bctx, "the Spanish burst zoomed onto Spain", func(r []trendRow) bool { return hasTrend(r, burstTag) })
	if hasTrend(rows, xssTag) {
		t.Errorf("zoomed onto Spain, the panel lists the attacker's tag from Reykjavik: %v", rows)
	}
	row := rows[slices.IndexFunc(rows, func(r trendRow) bool { return r.Tag == burstTag })]
	if row.Text != "#"+burstTag || row.Authors < 5 {
		t.Errorf("the burst's row reads %q with %d authors, want #%s with at least 5", row.Text, row.Authors, burstTag)
	}
	checkSparkline(t, row)
	t.Logf("zoomed onto Spain: %v; #%s by %d authors, sparkline %s", rows, burstTag, row.Authors, row.Path)
	save(t, t.ArtifactDir(), "trending-spain.png", fullPage(t, bctx))

	// 2. Zoomed out (the map's own buttons, so the panel follows the move
	// end): the world's trends, the attacker's tag among them as text.
	for range 4 {
		evalJS(t, bctx, `document.querySelector('.maplibregl-ctrl-zoom-out').click()`)
		time.Sleep(400 * time.Millisecond)
	}
	waitFor(t, bctx, "trendsKey", func(key string) bool {
		return strings.Contains(key, "bbox=") && trendsBBox(t, key).contains(xssLat, xssLon)
	})
	rows = waitTrends(t, bctx, "the attacker's tag zoomed out", func(r []trendRow) bool { return hasTrend(r, xssTag) })
	hostileRow := rows[slices.IndexFunc(rows, func(r trendRow) bool { return r.Tag == xssTag })]
	if hostileRow.Text != "#"+xssTag {
		t.Errorf("the attacker's tag shows as %q, want the text %q", hostileRow.Text, "#"+xssTag)
	}
	if n := evalJSInto[int](t, bctx, `document.querySelectorAll('img[src="x"], img[onerror], #trends img').length`); n != 0 {
		t.Errorf("the attacker's tag became %d <img> elements", n)
	}

	// 3. The panel follows the language: in Spanish the burst stays and the
	// attacker's English tag goes.
	selectLang := func(lang string) {
		t.Helper()
		evalJS(t, bctx, `(() => { const s = document.getElementById('lang'); s.value = `+jsString(lang)+`; s.dispatchEvent(new Event('change')); })()`)
	}
	selectLang("es")
	waitFor(t, bctx, "trendsKey", func(key string) bool { return strings.HasPrefix(key, "lang=es&bbox=") })
	rows = trendRows(t, bctx)
	if !hasTrend(rows, burstTag) || hasTrend(rows, xssTag) {
		t.Errorf("in Spanish the panel lists %v: want #%s and not the English attacker's tag", rows, burstTag)
	}
	if caption := evalJSInto[string](t, bctx, `document.querySelector('#trends .trends-where')?.textContent || ''`); !strings.Contains(caption, "spanish") {
		t.Errorf("the panel's caption %q does not name the language", caption)
	}
	selectLang("")
	waitFor(t, bctx, "trendsKey", func(key string) bool { return strings.HasPrefix(key, "bbox=") })

	// 4. "Whole world": no area asked, the choice kept in the URL.
	evalJS(t, bctx, `document.getElementById('world').click()`)
	waitFor(t, bctx, "trendsKey", func(key string) bool { return key == "n=10" })
	if loc := location(t, bctx); !strings.Contains(loc, "world=1") {
		t.Errorf("the whole-world choice is not in the URL: %s", loc)
	}
	rows = waitTrends(t, bctx, "the burst and the attacker's tag worldwide", func(r []trendRow) bool {
		return hasTrend(r, burstTag) && hasTrend(r, xssTag)
	})

	// 5. Clicking a trend maps its tag, as a click on a top hashtag does.
	// A heat refresh already under way may land first with the old key:
	// wait for the map of the tag (or time out saying what is drawn).
	evalJS(t, bctx, `[...document.querySelectorAll('#trends button.trend')].find(b => b.dataset.tag === `+jsString(xssTag)+`).click()`)
	waitFor(t, bctx, "heatKey", func(k string) bool { key, _ := url.ParseQuery(k); return key.Get("tag") == xssTag })
	if key, _ := url.ParseQuery(attr(t, bctx, "heatKey")); key.Get("tag") != xssTag {
		t.Errorf("after clicking the trend the heat drawn is for %q, want the tag %q", attr(t, bctx, "heatKey"), xssTag)
	}
	if v := evalJSInto[string](t, bctx, `document.getElementById('tag').value`); v != xssTag {
		t.Errorf("the hashtag box reads %q, want %q", v, xssTag)
	}
	if loc, _ := url.Parse(location(t, bctx)); loc == nil || loc.Query().Get("tag") != xssTag {
		t.Errorf("the tag is not in the URL: %s", location(t, bctx))
	}
	selected := evalJSInto[string](t, bctx, `[...document.querySelectorAll('#trends button.trend.selected')].map(b => b.dataset.tag).join('|')`)
	if selected != xssTag {
		t.Errorf("the selected trend is %q, want the clicked one", selected)
	}
	if n := evalJSInto[int](t, bctx, `document.querySelectorAll('img[src="x"], img[onerror]').length`); n != 0 {
		t.Errorf("the attacker's tag became %d <img> elements", n)
	}
	save(t, t.ArtifactDir(), "trending-clicked.png", fullPage(t, bctx))
	watch.check(t)
}

// trendRow is a row of the Trending panel as the page shows it.
type trendRow struct {
	Tag     string `json:"tag"`     // data-tag
	Text    string `json:"text"`    // the tag's text
	Authors int    `json:"authors"` // the count shown
	Path    string `json:"path"`    // the sparkline's SVG path
}

func (r trendRow) String() string { return "#" + r.Tag }

func trendRows(t *testing.T, ctx context.Context) []trendRow {
	t.Helper()
	js := `JSON.stringify([...document.querySelectorAll('#trends button.trend')].map((b) => ({
		tag: b.dataset.tag,
		text: b.querySelector('.trend-tag')?.textContent ?? '',
		authors: Number((b.querySelector('.count')?.textContent ?? '').replaceAll(',', '')),
		path: b.querySelector('svg.trend-spark path')?.getAttribute('d') ?? '',
	})))`
	var rows []trendRow
	if err := json.Unmarshal([]byte(evalJSInto[string](t, ctx, js)), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// waitTrends waits until the panel's rows satisfy ok: the panel refreshes
// on the live tick every 15 s, so a trend still being recorded shows soon.
func waitTrends(t *testing.T, ctx context.Context, what string, ok func([]trendRow) bool) []trendRow {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		rows := trendRows(t, ctx)
		if ok(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			panel := evalJSInto[string](t, ctx, `document.getElementById('trends').textContent`)
			t.Fatalf("waiting on %s: the panel shows %v (%q; asked %q)", what, rows, panel, attr(t, ctx, "trendsKey"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasTrend(rows []trendRow, tag string) bool {
	return slices.ContainsFunc(rows, func(r trendRow) bool { return r.Tag == tag })
}

// checkSparkline checks a row's sparkline: one point per 5-minute bucket
// of the hour, and not flat (the burst rose within it).
func checkSparkline(t *testing.T, r trendRow) {
	t.Helper()
	points := strings.Fields(strings.NewReplacer("M", " ", "L", " ").Replace(r.Path))
	if len(points) != 12 {
		t.Errorf("#%s's sparkline %q has %d points, want 12 (5-minute buckets of the hour)", r.Tag, r.Path, len(points))
		return
	}
	ys := map[string]bool{}
	for _, p := range points {
		_, y, ok := strings.Cut(p, ",")
		if !ok {
			t.Errorf("#%s's sparkline %q: bad point %q", r.Tag, r.Path, p)
			return
		}
		ys[y] = true
	}
	if len(ys) < 2 {
		t.Errorf("#%s's sparkline %q is flat", r.Tag, r.Path)
	}
}

// bbox is a west,south,east,north box, west > east across the antimeridian.
type bbox [4]float64

func (b bbox) contains(lat, lon float64) bool {
	if lat < b[1] || lat > b[3] {
		return false
	}
	if b[0] <= b[2] {
		return lon >= b[0] && lon <= b[2]
	}
	return lon >= b[0] || lon <= b[2]
}

// trendsBBox reads the bbox of the panel's query key.
func trendsBBox(t *testing.T, key string) bbox {
	t.Helper()
	q, err := url.ParseQuery(key)
	if err != nil {
		t.Fatalf("trends key %q: %v", key, err)
	}
	parts := strings.Split(q.Get("bbox"), ",")
	if len(parts) != 4 {
		t.Fatalf("trends key %q has no bbox", key)
	}
	var b bbox
	for i, p := range parts {
		if b[i], err = strconv.ParseFloat(p, 64); err != nil || math.IsNaN(b[i]) {
			t.Fatalf("trends key %q: bad bbox", key)
		}
	}
	return b
}
