package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

func testEmpty(t *testing.T, e *env) {
	if c := e.counts(); len(c) != 0 {
		t.Errorf("Counts = %+v, want none", c)
	}
	if r := e.top(store.TopQuery{}); len(r) != 0 {
		t.Errorf("Top(all) = %+v, want none", r)
	}
	wantTags(t, "Top(en)", e.topOf(store.TopQuery{Lang: "en"}), nil)
	if p := e.points(store.PointsQuery{Lang: "en"}); len(p) != 0 {
		t.Errorf("Points = %v, want none", p)
	}
	h := e.heat(store.HeatQuery{})
	if len(h.Cells) != 0 || h.Points != 0 || h.MaxWeight != 0 || h.Truncated || h.CellDeg != analysis.CellDegrees(0) {
		t.Errorf("Heat = %+v, want empty with cell_deg %v", h, analysis.CellDegrees(0))
	}
	st := e.stats()
	if st.Posts != 0 || st.Points != 0 || st.Hashtags != 0 || st.Languages != 0 || !st.Head.IsZero() || !st.Oldest.IsZero() {
		t.Errorf("Stats = %+v, want zero", st)
	}
	if err := e.s.Flush(e.ctx); err != nil {
		t.Errorf("Flush: %v", err)
	}
}

func testCounts(t *testing.T, e *env) {
	e.record(
		geo("en", sec(1), 51.5, -0.1, "a", "b"),
		at("es", sec(2), "x"),
		at("en", sec(3)),
	)
	e.record(
		at("fr", sec(4)), // no hashtags, no point
		geo("es", sec(5), 40.4, -3.7),
		geo("es", sec(6), 40.5, -3.6, "x", "y", "z"),
		at("en", sec(7), "c"),
	)
	want := []store.LangCount{
		{Lang: "en", Posts: 3, Geo: 1, Hashtags: 3, GeoBySource: store.GeoCounts{Exact: 1}},
		{Lang: "es", Posts: 3, Geo: 2, Hashtags: 4, GeoBySource: store.GeoCounts{Exact: 2}},
		{Lang: "fr", Posts: 1, Geo: 0, Hashtags: 0},
	}
	if got := e.counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Counts = %+v\nwant %+v", got, want)
	}
}

func testIgnoresNoLang(t *testing.T, e *env) {
	e.record(at("", sec(1), "ignored"), at("en", sec(2), "kept"), geo("", sec(3), 1, 1))
	want := []store.LangCount{{Lang: "en", Posts: 1, Hashtags: 1}}
	if got := e.counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Counts = %+v, want %+v", got, want)
	}
	if st := e.stats(); st.Posts != 1 || st.Written != 1 {
		t.Errorf("Stats posts %d written %d, want 1 and 1", st.Posts, st.Written)
	}
	e.record() // an empty batch is fine
	e.record(at("", sec(4)))
	if st := e.stats(); st.Posts != 1 {
		t.Errorf("Stats posts %d after empty batches, want 1", st.Posts)
	}
}

func testNoRetain(t *testing.T, e *env) {
	batch := []post.Post{geo("en", sec(1), 10, 20, "keep", "me")}
	e.record(batch...)
	// The caller reuses its buffers.
	batch[0].Hashtags[0] = "changed"
	batch[0].Point = pt(-5, -5)
	batch[0].Lang = "xx"
	wantTags(t, "Top(en)", e.topOf(store.TopQuery{Lang: "en"}), tags(tc("keep", 1), tc("me", 1)))
	if got := e.points(store.PointsQuery{Lang: "en"}); !reflect.DeepEqual(got, []post.Point{pt(10, 20)}) {
		t.Errorf("Points = %v, want [{10 20}]", got)
	}
}

func testInvalidPoint(t *testing.T, e *env) {
	bad := []post.Point{{Lat: math.NaN(), Lon: 0}, {Lat: 91, Lon: 0}, {Lat: 0, Lon: -180.5}, {Lat: math.Inf(1), Lon: 0}}
	for i, p := range bad {
		e.record(geo("en", sec(i), p.Lat, p.Lon, "t"))
	}
	want := []store.LangCount{{Lang: "en", Posts: int64(len(bad)), Geo: 0, Hashtags: int64(len(bad))}}
	if got := e.counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Counts = %+v, want %+v (invalid points dropped, posts kept)", got, want)
	}
	if h := e.heat(store.HeatQuery{}); h.Points != 0 {
		t.Errorf("Heat points = %d, want 0", h.Points)
	}
}

func testTopTies(t *testing.T, e *env) {
	// Counter(['b','a','c','a','b','d']).most_common(3) == [('b',2),('a',2),('c',1)]
	e.record(at("en", sec(1), "b", "a"), at("en", sec(2), "c", "A"), at("en", sec(3), "B", "d"))
	wantTags(t, "top 3", e.topOf(store.TopQuery{Lang: "en"}), tags(tc("b", 2), tc("a", 2), tc("c", 1)))
	wantTags(t, "top 1", e.topOf(store.TopQuery{Lang: "en", N: 1}), tags(tc("b", 2)))
	wantTags(t, "top 10", e.topOf(store.TopQuery{Lang: "en", N: 10}),
		tags(tc("b", 2), tc("a", 2), tc("c", 1), tc("d", 1)))
	// A later occurrence does not move a tag's first-seen position, but
	// a higher count beats it.
	e.record(at("en", sec(4), "d", "d"))
	wantTags(t, "after more d", e.topOf(store.TopQuery{Lang: "en", N: 4}),
		tags(tc("d", 3), tc("b", 2), tc("a", 2), tc("c", 1)))
	// The counted range decides first-seen: the last 4 tags are B d d d,
	// the last 5 A B d d d.
	wantTags(t, "last 4", e.topOf(store.TopQuery{Lang: "en", Last: 4}), tags(tc("d", 3), tc("b", 1)))
	wantTags(t, "last 5", e.topOf(store.TopQuery{Lang: "en", Last: 5}),
		tags(tc("d", 3), tc("a", 1), tc("b", 1)))
}

func testTopAllLanguages(t *testing.T, e *env) {
	e.record(
		at("fr", sec(1), "paris"),
		at("en", sec(2), "london", "uk"),
		at("de", sec(3)), // no hashtags: not listed
		at("en", sec(4), "uk"),
		geo("ar", sec(5), 30, 31, "cairo"),
	)
	got := e.top(store.TopQuery{N: 1})
	want := []store.LangTop{
		{Lang: "ar", Tags: tags(tc("cairo", 1))},
		{Lang: "en", Tags: tags(tc("uk", 2))},
		{Lang: "fr", Tags: tags(tc("paris", 1))},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Top(all, N=1) = %+v\nwant %+v", got, want)
	}
	wantTags(t, "Top(de)", e.topOf(store.TopQuery{Lang: "de"}), nil)
	wantTags(t, "Top(unknown)", e.topOf(store.TopQuery{Lang: "zz"}), nil)
}

func testTopLast(t *testing.T, e *env) {
	// Tag sequence x x x y z y: Last cuts through the middle of a post,
	// as the seed's lrange over the hashtag list did.
	e.record(at("en", sec(1), "x", "x", "x"), at("en", sec(2), "y", "z"), at("en", sec(3), "y"))
	for _, tt := range []struct {
		last int
		want []store.TagCount
	}{
		{1, tags(tc("y", 1))},
		{2, tags(tc("z", 1), tc("y", 1))},
		{3, tags(tc("y", 2), tc("z", 1))},
		{4, tags(tc("y", 2), tc("x", 1), tc("z", 1))},
		{6, tags(tc("x", 3), tc("y", 2), tc("z", 1))},
		{100, tags(tc("x", 3), tc("y", 2), tc("z", 1))},
	} {
		wantTags(t, fmt.Sprintf("last %d", tt.last), e.topOf(store.TopQuery{Lang: "en", Last: tt.last}), tt.want)
	}
}

func testTopDefaultLast(t *testing.T, e *env) {
	e.record(at("en", sec(0), "old", "old", "old"))
	var batch []post.Post
	for i := range 50 {
		tagsOf := make([]string, 100)
		for j := range tagsOf {
			tagsOf[j] = "new"
		}
		tagsOf[99] = fmt.Sprintf("rare%d", i)
		batch = append(batch, at("en", sec(i+1), tagsOf...))
	}
	e.record(batch...)
	// 5000 newer tags: 4950 "new" and 50 rare ones, "old" out of range.
	wantTags(t, "default last", e.topOf(store.TopQuery{Lang: "en", N: 2}), tags(tc("new", 4950), tc("rare0", 1)))
	wantTags(t, "last 5001", e.topOf(store.TopQuery{Lang: "en", N: 2, Last: 5001}), tags(tc("new", 4950), tc("old", 1)))
	wantTags(t, "last 5003", e.topOf(store.TopQuery{Lang: "en", N: 2, Last: 5003}), tags(tc("new", 4950), tc("old", 3)))
}

func testTopUnicode(t *testing.T, e *env) {
	// Python 3 str.lower: İ -> i + U+0307, word-final Σ -> ς (other Σ -> σ),
	// ß stays ß (it has no single-letter lower/upper pair), so "STRASSE"
	// and "Straße" stay apart.
	e.record(
		at("tr", sec(1), "İstanbul", "i\u0307stanbul", "ISTANBUL"),
		at("el", sec(2), "ΟΔΟΣ", "οδος", "ΣΟΦΙΑ"),
		at("de", sec(3), "Straße", "STRASSE", "straße"),
	)
	wantTags(t, "tr", e.topOf(store.TopQuery{Lang: "tr", N: 5}), tags(tc("i\u0307stanbul", 2), tc("istanbul", 1)))
	wantTags(t, "el", e.topOf(store.TopQuery{Lang: "el", N: 5}), tags(tc("οδος", 2), tc("σοφια", 1)))
	wantTags(t, "de", e.topOf(store.TopQuery{Lang: "de", N: 5}), tags(tc("straße", 2), tc("strasse", 1)))
}

func testTopWindow(t *testing.T, e *env) {
	// Head is the newest post (T0+20m); the clock is a day later and does
	// not clamp it.
	e.record(
		at("en", 0, "t0"),
		at("en", 10*time.Minute, "at-cutoff"),
		at("en", 10*time.Minute+time.Nanosecond, "after-cutoff"),
		at("en", 15*time.Minute, "mid", "t0"),
		at("en", 20*time.Minute, "head"),
	)
	for _, tt := range []struct {
		window time.Duration
		want   []store.TagCount
	}{
		// time > head − window: a post exactly at the cutoff is out.
		{10 * time.Minute, tags(tc("after-cutoff", 1), tc("mid", 1), tc("t0", 1), tc("head", 1))},
		{10*time.Minute - time.Nanosecond, tags(tc("mid", 1), tc("t0", 1), tc("head", 1))},
		{10*time.Minute + time.Nanosecond, tags(tc("at-cutoff", 1), tc("after-cutoff", 1), tc("mid", 1), tc("t0", 1), tc("head", 1))},
		{20 * time.Minute, tags(tc("at-cutoff", 1), tc("after-cutoff", 1), tc("mid", 1), tc("t0", 1), tc("head", 1))},
		{20*time.Minute + 1, tags(tc("t0", 2), tc("at-cutoff", 1), tc("after-cutoff", 1), tc("mid", 1), tc("head", 1))},
		{time.Nanosecond, tags(tc("head", 1))},
	} {
		wantTags(t, fmt.Sprintf("window %v", tt.window),
			e.topOf(store.TopQuery{Lang: "en", N: 10, Window: tt.window}), tt.want)
	}
	// Last counts the newest hashtags: not with a window (store.TopQuery.Normalize).
	if _, err := e.s.Top(e.ctx, store.TopQuery{Lang: "en", N: 10, Window: time.Hour, Last: 1}); !errors.Is(err, store.ErrBadQuery) {
		t.Errorf("Top with a window and last: err %v, want ErrBadQuery", err)
	}
	// Out-of-order arrival: a late post with an old time is outside a
	// window its arrival position would put it in.
	e.record(at("en", time.Minute, "late"), at("en", 19*time.Minute, "head"))
	wantTags(t, "late post", e.topOf(store.TopQuery{Lang: "en", N: 10, Window: 5 * time.Minute}),
		tags(tc("head", 2)))
	// All languages: only those with hashtags held are listed, possibly
	// with nothing in the window.
	e.record(at("fr", 0, "vieux"))
	got := e.top(store.TopQuery{Window: time.Minute})
	if len(got) != 2 || got[0].Lang != "en" || got[1].Lang != "fr" || len(got[1].Tags) != 0 {
		t.Errorf("Top(all, 1m) = %+v, want en with tags and fr without", got)
	}
}

func testHeadClamped(t *testing.T, e *env) {
	now := T0.Add(30 * time.Minute)
	e.clock.Set(now)
	e.record(
		at("en", 25*time.Minute, "a"),
		at("en", 2*time.Hour, "future"), // a bad clock upstream
		at("en", 15*time.Minute, "b"),
	)
	if st := e.stats(); !st.Head.Equal(now) {
		t.Errorf("Head = %v, want now %v", st.Head, now)
	}
	// head = now: the window reaches back from now, not from the future post.
	wantTags(t, "window from now", e.topOf(store.TopQuery{Lang: "en", N: 5, Window: 10 * time.Minute}),
		tags(tc("a", 1), tc("future", 1)))
	wantTags(t, "wider", e.topOf(store.TopQuery{Lang: "en", N: 5, Window: 20 * time.Minute}),
		tags(tc("a", 1), tc("future", 1), tc("b", 1)))
	// Once the clock passes the future post, it is the head.
	e.clock.Set(T0.Add(3 * time.Hour))
	if st := e.stats(); !st.Head.Equal(T0.Add(2 * time.Hour)) {
		t.Errorf("Head = %v, want %v", st.Head, T0.Add(2*time.Hour))
	}
	wantTags(t, "window from the newest post", e.topOf(store.TopQuery{Lang: "en", N: 5, Window: 10 * time.Minute}),
		tags(tc("future", 1)))
}

func testZeroTime(t *testing.T, e *env) {
	now := T0.Add(time.Hour)
	e.clock.Set(now)
	e.record(post.Post{Lang: "en", Hashtags: []string{"undated"}})
	e.clock.Advance(time.Hour) // recorded at the old now, not read later
	st := e.stats()
	if !st.Head.Equal(now) || !st.Oldest.Equal(now) {
		t.Errorf("Head %v Oldest %v, want both %v", st.Head, st.Oldest, now)
	}
	wantTags(t, "window", e.topOf(store.TopQuery{Lang: "en", Window: time.Second}), tags(tc("undated", 1)))
}

func testPoints(t *testing.T, e *env) {
	var want []post.Point
	for i := range 5 {
		p := pt(float64(i), float64(-i))
		want = append(want, p)
		e.record(geo("en", sec(i), p.Lat, p.Lon), at("en", sec(i)), geo("es", sec(i), 50, 50))
	}
	for _, tt := range []struct {
		n    int
		want []post.Point
	}{
		{1, want[4:]},
		{3, want[2:]},
		{5, want},
		{50, want},
		{0, want}, // default 400
	} {
		if got := e.points(store.PointsQuery{Lang: "en", N: tt.n}); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Points(en, %d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	if got := e.points(store.PointsQuery{Lang: "zz", N: 3}); len(got) != 0 {
		t.Errorf("Points(zz) = %v, want none", got)
	}
	// Default N is the seed's 400.
	var batch []post.Post
	for i := range 450 {
		batch = append(batch, geo("de", sec(i), 1, float64(i)/10))
	}
	e.record(batch...)
	got := e.points(store.PointsQuery{Lang: "de"})
	if len(got) != 400 || got[0].Lon != 5 || got[399].Lon != 44.9 {
		t.Errorf("Points(de) default: %d points from %v to %v, want 400 from lon 5 to 44.9", len(got), got[0], got[len(got)-1])
	}
}

func testPointsBitExact(t *testing.T, e *env) {
	awkward := []post.Point{
		{Lat: 0.1 + 0.2, Lon: -(0.1 + 0.2)},
		{Lat: math.Copysign(0, -1), Lon: math.Copysign(0, -1)},
		{Lat: 5e-324, Lon: -5e-324},
		{Lat: 90, Lon: -180},
		{Lat: -90, Lon: 180},
		{Lat: math.Nextafter(90, 0), Lon: math.Nextafter(180, 0)},
		{Lat: 51.50735092, Lon: -0.12775829},
		{Lat: 1.0 / 3, Lon: 2.0 / 3},
	}
	for i, p := range awkward {
		e.record(geo("en", sec(i), p.Lat, p.Lon))
	}
	got := e.points(store.PointsQuery{Lang: "en", N: len(awkward)})
	if len(got) != len(awkward) {
		t.Fatalf("Points = %d, want %d", len(got), len(awkward))
	}
	for i := range awkward {
		if math.Float64bits(got[i].Lat) != math.Float64bits(awkward[i].Lat) ||
			math.Float64bits(got[i].Lon) != math.Float64bits(awkward[i].Lon) {
			t.Errorf("point %d = %v, want bit-exact %v", i, got[i], awkward[i])
		}
	}
}

// heatFixture records points in five zoom-0 cells:
//
//	London (3 en, 2 tagged #London), Paris (2 en), Madrid (2 es),
//	Fiji (1 fj, west of 180), Samoa (1 fj, east of -180).
//
// At zoom 0 (22.5° cells) the order is London 3; Madrid 2 (row 5) before
// Paris 2 (row 6); Samoa 1 (column 0) before Fiji 1 (column 15).
func heatFixture(e *env) (london, paris, madrid, fiji, samoa []post.Point) {
	london = []post.Point{pt(51.5, -0.12), pt(51.51, -0.13), pt(51.49, -0.11)}
	paris = []post.Point{pt(48.85, 2.35), pt(48.86, 2.34)}
	madrid = []post.Point{pt(40.4, -3.7), pt(40.41, -3.71)}
	fiji = []post.Point{pt(-17.8, 178.0)}
	samoa = []post.Point{pt(-13.8, -171.8)}
	e.record(
		geo("en", sec(1), london[0].Lat, london[0].Lon, "London", "uk"),
		geo("es", sec(2), madrid[0].Lat, madrid[0].Lon, "madrid"),
		geo("en", sec(3), paris[0].Lat, paris[0].Lon, "paris"),
		at("en", sec(4), "london"), // no point: never in heat
		geo("en", sec(5), london[1].Lat, london[1].Lon, "LONDON"),
		geo("fj", sec(6), fiji[0].Lat, fiji[0].Lon, "pacific"),
		geo("en", sec(7), paris[1].Lat, paris[1].Lon),
		geo("fj", sec(8), samoa[0].Lat, samoa[0].Lon, "pacific"),
		geo("es", sec(9), madrid[1].Lat, madrid[1].Lon),
		geo("en", sec(10), london[2].Lat, london[2].Lon, "uk"),
	)
	return
}

func testHeatWorld(t *testing.T, e *env) {
	london, paris, madrid, fiji, samoa := heatFixture(e)
	h := e.heat(store.HeatQuery{})
	if h.Points != 9 || h.MaxWeight != 3 || h.Truncated || h.CellDeg != 22.5 {
		t.Errorf("Heat summary = points %d max %d truncated %v deg %v, want 9 3 false 22.5", h.Points, h.MaxWeight, h.Truncated, h.CellDeg)
	}
	wantCells(t, "world", h.Cells, []cell{{3, london}, {2, madrid}, {2, paris}, {1, samoa}, {1, fiji}})
	// The explicit world box is the same as the zero value.
	h2 := e.heat(store.HeatQuery{BBox: store.World})
	if !reflect.DeepEqual(h, h2) {
		t.Errorf("Heat(World) = %+v, want %+v", h2, h)
	}
}

func testHeatFilters(t *testing.T, e *env) {
	london, paris, madrid, _, _ := heatFixture(e)
	wantCells(t, "lang en", e.heat(store.HeatQuery{Lang: "en"}).Cells, []cell{{3, london}, {2, paris}})
	wantCells(t, "lang es", e.heat(store.HeatQuery{Lang: "es"}).Cells, []cell{{2, madrid}})
	if h := e.heat(store.HeatQuery{Lang: "zz"}); h.Points != 0 || len(h.Cells) != 0 {
		t.Errorf("lang zz = %+v, want empty", h)
	}
	// Tags match lower-cased, whatever the query's case.
	h := e.heat(store.HeatQuery{Tag: "london"})
	wantCells(t, "tag london", h.Cells, []cell{{2, london[:2]}})
	if h.Points != 2 {
		t.Errorf("tag london points = %d, want 2", h.Points)
	}
	wantCells(t, "tag LoNdOn", e.heat(store.HeatQuery{Tag: "LoNdOn"}).Cells, []cell{{2, london[:2]}})
	wantCells(t, "tag uk", e.heat(store.HeatQuery{Tag: "UK"}).Cells, []cell{{2, []post.Point{london[0], london[2]}}})
	wantCells(t, "tag madrid lang en", e.heat(store.HeatQuery{Tag: "madrid", Lang: "en"}).Cells, nil)
	wantCells(t, "tag madrid lang es", e.heat(store.HeatQuery{Tag: "madrid", Lang: "es"}).Cells, []cell{{1, madrid[:1]}})
	if h := e.heat(store.HeatQuery{Tag: "never-seen"}); h.Points != 0 || len(h.Cells) != 0 || h.CellDeg != 22.5 {
		t.Errorf("unknown tag = %+v, want empty with cell_deg", h)
	}
	// A Europe box keeps the three European cells.
	europe := store.BBox{West: -10, South: 35, East: 10, North: 60}
	wantCells(t, "europe", e.heat(store.HeatQuery{BBox: europe}).Cells, []cell{{3, london}, {2, madrid}, {2, paris}})
	// Box edges are inclusive: a box whose corner is a point keeps it.
	corner := store.BBox{West: paris[0].Lon, South: paris[0].Lat, East: 10, North: 60}
	wantCells(t, "corner", e.heat(store.HeatQuery{BBox: corner}).Cells, []cell{{1, paris[:1]}})
	// All filters at once.
	wantCells(t, "lang+tag+box", e.heat(store.HeatQuery{Lang: "en", Tag: "uk", BBox: store.BBox{West: -0.115, South: 51, East: 0, North: 52}}).Cells,
		[]cell{{1, london[2:3]}})
}

func testHeatAntimeridian(t *testing.T, e *env) {
	_, _, _, fiji, samoa := heatFixture(e)
	pacific := store.BBox{West: 170, South: -30, East: -170, North: 0}
	h := e.heat(store.HeatQuery{BBox: pacific})
	wantCells(t, "pacific", h.Cells, []cell{{1, samoa}, {1, fiji}})
	if h.Points != 2 {
		t.Errorf("pacific points = %d, want 2", h.Points)
	}
	// The complement box (not crossing) holds neither.
	if h := e.heat(store.HeatQuery{BBox: store.BBox{West: -170, South: -30, East: 170, North: 0}}); h.Points != 0 {
		t.Errorf("non-crossing box holds %d points, want 0", h.Points)
	}
	// Points on ±180 and the poles: each stays on its own side.
	e.record(
		geo("edge", sec(20), 0, 180),
		geo("edge", sec(21), 0, -180),
		geo("edge", sec(22), 90, 0),
		geo("edge", sec(23), -90, 0),
	)
	h = e.heat(store.HeatQuery{Lang: "edge", Zoom: 2})
	wantCells(t, "edges", h.Cells, []cell{{1, []post.Point{pt(-90, 0)}}, {1, []post.Point{pt(0, -180)}}, {1, []post.Point{pt(0, 180)}}, {1, []post.Point{pt(90, 0)}}})
	wantCells(t, "meridian box", e.heat(store.HeatQuery{Lang: "edge", BBox: store.BBox{West: 180, South: -1, East: -180, North: 1}}).Cells,
		[]cell{{1, []post.Point{pt(0, -180)}}, {1, []post.Point{pt(0, 180)}}})
	wantCells(t, "north cap", e.heat(store.HeatQuery{Lang: "edge", BBox: store.BBox{West: -180, South: 89, East: 180, North: 90}}).Cells,
		[]cell{{1, []post.Point{pt(90, 0)}}})
}

func testHeatZoom(t *testing.T, e *env) {
	london, _, _, _, _ := heatFixture(e)
	for _, zoom := range []int{0, 1, 5, 10, 22} {
		h := e.heat(store.HeatQuery{Lang: "en", Zoom: zoom})
		if h.CellDeg != analysis.CellDegrees(zoom) {
			t.Errorf("zoom %d: cell_deg %v, want %v", zoom, h.CellDeg, analysis.CellDegrees(zoom))
		}
		var w int64
		for _, c := range h.Cells {
			w += c.Weight
		}
		if w != 5 || h.Points != 5 {
			t.Errorf("zoom %d: weights sum %d, points %d, want 5", zoom, w, h.Points)
		}
	}
	// At zoom 22 each point is its own cell; equal weights are ordered
	// south to north.
	h := e.heat(store.HeatQuery{Lang: "en", Tag: "london", Zoom: 22})
	wantCells(t, "zoom 22", h.Cells, []cell{{1, london[0:1]}, {1, london[1:2]}})
}

func testHeatLimit(t *testing.T, e *env) {
	london, paris, madrid, fiji, samoa := heatFixture(e)
	for _, tt := range []struct {
		limit     int
		want      []cell
		truncated bool
	}{
		{1, []cell{{3, london}}, true},
		{2, []cell{{3, london}, {2, madrid}}, true},
		{4, []cell{{3, london}, {2, madrid}, {2, paris}, {1, samoa}}, true},
		{5, []cell{{3, london}, {2, madrid}, {2, paris}, {1, samoa}, {1, fiji}}, false},
		{0, []cell{{3, london}, {2, madrid}, {2, paris}, {1, samoa}, {1, fiji}}, false},
	} {
		h := e.heat(store.HeatQuery{Limit: tt.limit})
		wantCells(t, fmt.Sprintf("limit %d", tt.limit), h.Cells, tt.want)
		if h.Truncated != tt.truncated || h.Points != 9 || h.MaxWeight != 3 {
			t.Errorf("limit %d: truncated %v points %d max %d, want %v 9 3", tt.limit, h.Truncated, h.Points, h.MaxWeight, tt.truncated)
		}
	}
}

func testHeatWindow(t *testing.T, e *env) {
	// Head T0+10m.
	e.record(
		geo("en", 0, 10, 10, "a"),
		geo("en", 5*time.Minute, 11, 11, "a"),
		geo("es", 5*time.Minute+1, 12, 12, "a"),
		geo("en", 10*time.Minute, 13, 13, "b"),
	)
	for _, tt := range []struct {
		q    store.HeatQuery
		want []post.Point
	}{
		{store.HeatQuery{Window: 5 * time.Minute, Zoom: 22}, []post.Point{pt(12, 12), pt(13, 13)}},
		{store.HeatQuery{Window: 5*time.Minute + 1, Zoom: 22}, []post.Point{pt(11, 11), pt(12, 12), pt(13, 13)}},
		{store.HeatQuery{Window: time.Hour, Zoom: 22, Tag: "a"}, []post.Point{pt(10, 10), pt(11, 11), pt(12, 12)}},
		{store.HeatQuery{Window: 5*time.Minute + 1, Zoom: 22, Lang: "en"}, []post.Point{pt(11, 11), pt(13, 13)}},
		{store.HeatQuery{Window: 6 * time.Minute, Zoom: 22, Last: 1}, []post.Point{pt(13, 13)}},
		{store.HeatQuery{Window: 6 * time.Minute, Zoom: 22, Last: 2, Tag: "a"}, []post.Point{pt(11, 11), pt(12, 12)}},
	} {
		h := e.heat(tt.q)
		if h.Points != int64(len(tt.want)) {
			t.Errorf("%s: points %d, want %d", describe(tt.q), h.Points, len(tt.want))
			continue
		}
		got := map[post.Point]bool{}
		for _, c := range h.Cells {
			got[pt(c.Lat, c.Lon)] = true
		}
		for _, p := range tt.want {
			if !got[p] {
				t.Errorf("%s: cells %+v lack %v", describe(tt.q), h.Cells, p)
			}
		}
	}
	// The window reaches back from the clamped head (T0+7m, cutoff T0+5m);
	// posts newer than the head are inside it.
	e.clock.Set(T0.Add(7 * time.Minute))
	if h := e.heat(store.HeatQuery{Window: 2 * time.Minute}); h.Points != 2 {
		t.Errorf("window from a clamped head: %d points, want 2 (T0+5m+1ns and T0+10m)", h.Points)
	}
}

func testHeatLast(t *testing.T, e *env) {
	london, paris, madrid, fiji, samoa := heatFixture(e)
	// Recording order of the points: L0 M0 P0 L1 F0 P1 S0 M1 L2.
	for _, tt := range []struct {
		q    store.HeatQuery
		want []cell
	}{
		{store.HeatQuery{Last: 1}, []cell{{1, london[2:]}}},
		{store.HeatQuery{Last: 2}, []cell{{1, madrid[1:]}, {1, london[2:]}}},
		{store.HeatQuery{Last: 4}, []cell{{1, samoa}, {1, madrid[1:]}, {1, london[2:]}, {1, paris[1:]}}},
		{store.HeatQuery{Last: 5}, []cell{{1, samoa}, {1, fiji}, {1, madrid[1:]}, {1, london[2:]}, {1, paris[1:]}}},
		{store.HeatQuery{Last: 100}, []cell{{3, london}, {2, madrid}, {2, paris}, {1, samoa}, {1, fiji}}},
		{store.HeatQuery{Last: 3, Lang: "en"}, []cell{{2, london[1:]}, {1, paris[1:]}}},
		{store.HeatQuery{Last: 1, Tag: "london"}, []cell{{1, london[1:2]}}},
		{store.HeatQuery{Last: 2, BBox: store.BBox{West: 170, South: -30, East: -170, North: 0}}, []cell{{1, samoa}, {1, fiji}}},
		{store.HeatQuery{Last: 5, Limit: 1}, []cell{{1, samoa}}},
	} {
		h := e.heat(tt.q)
		wantCells(t, describe(tt.q), h.Cells, tt.want)
	}
}

func testStats(t *testing.T, e *env) {
	e.record(
		geo("en", sec(30), 1, 1, "a", "b"),
		at("es", sec(10), "c"),
		geo("en", sec(20), 2, 2),
		at("", sec(99), "ignored"),
	)
	st := e.stats()
	if st.Posts != 3 || st.Points != 2 || st.Hashtags != 3 || st.Languages != 2 || st.Written != 3 || st.Dropped != 0 {
		t.Errorf("Stats = %+v, want 3 posts, 2 points, 3 hashtags, 2 languages, 3 written, 0 dropped", st)
	}
	if !st.Head.Equal(T0.Add(sec(30))) || !st.Oldest.Equal(T0.Add(sec(10))) {
		t.Errorf("Head %v Oldest %v, want %v and %v", st.Head, st.Oldest, T0.Add(sec(30)), T0.Add(sec(10)))
	}
	if st.MemoryBytes <= 0 {
		t.Errorf("MemoryBytes = %d, want > 0", st.MemoryBytes)
	}
}

func testBadQueries(t *testing.T, e *env) {
	e.record(geo("en", sec(1), 1, 1, "a"))
	nan := math.NaN()
	checks := []struct {
		what string
		err  func() error
	}{
		{"top n<0", func() error { _, err := e.s.Top(e.ctx, store.TopQuery{N: -1}); return err }},
		{"top last<0", func() error { _, err := e.s.Top(e.ctx, store.TopQuery{Last: -1}); return err }},
		{"top window<0", func() error { _, err := e.s.Top(e.ctx, store.TopQuery{Window: -time.Second}); return err }},
		{"points no lang", func() error { _, err := e.s.Points(e.ctx, store.PointsQuery{N: 3}); return err }},
		{"points n<0", func() error { _, err := e.s.Points(e.ctx, store.PointsQuery{Lang: "en", N: -1}); return err }},
		{"heat zoom -1", func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{Zoom: -1}); return err }},
		{"heat zoom 23", func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{Zoom: 23}); return err }},
		{"heat last<0", func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{Last: -1}); return err }},
		{"heat limit<0", func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{Limit: -1}); return err }},
		{"heat window<0", func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{Window: -1}); return err }},
		{"heat south>north", func() error {
			_, err := e.s.Heat(e.ctx, store.HeatQuery{BBox: store.BBox{West: 0, South: 10, East: 1, North: 5}})
			return err
		}},
		{"heat lon 200", func() error {
			_, err := e.s.Heat(e.ctx, store.HeatQuery{BBox: store.BBox{West: 0, South: 0, East: 200, North: 5}})
			return err
		}},
		{"heat lat -91", func() error {
			_, err := e.s.Heat(e.ctx, store.HeatQuery{BBox: store.BBox{West: 0, South: -91, East: 1, North: 5}})
			return err
		}},
		{"heat NaN", func() error {
			_, err := e.s.Heat(e.ctx, store.HeatQuery{BBox: store.BBox{West: nan, South: 0, East: 1, North: 5}})
			return err
		}},
	}
	for _, c := range checks {
		if err := c.err(); !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("%s: err = %v, want ErrBadQuery", c.what, err)
		}
	}
}

func testCancelled(t *testing.T, e *env) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"Record": func() error { return e.s.Record(ctx, []post.Post{at("en", 0, "a")}) },
		"Counts": func() error { _, err := e.s.Counts(ctx, store.CountsQuery{}); return err },
		"Top":    func() error { _, err := e.s.Top(ctx, store.TopQuery{}); return err },
		"Points": func() error { _, err := e.s.Points(ctx, store.PointsQuery{Lang: "en"}); return err },
		"Heat":   func() error { _, err := e.s.Heat(ctx, store.HeatQuery{}); return err },
		"Stats":  func() error { _, err := e.s.Stats(ctx); return err },
		"Trends": func() error { _, err := e.s.Trends(ctx, store.TrendsQuery{}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	if st := e.stats(); st.Posts != 0 {
		t.Errorf("a cancelled Record recorded %d posts", st.Posts)
	}
}

func testClosed(t *testing.T, e *env) {
	e.record(at("en", 0, "a"))
	if err := e.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	calls := map[string]func() error{
		"Record": func() error { return e.s.Record(e.ctx, []post.Post{at("en", 0, "a")}) },
		"Counts": func() error { _, err := e.s.Counts(e.ctx, store.CountsQuery{}); return err },
		"Top":    func() error { _, err := e.s.Top(e.ctx, store.TopQuery{}); return err },
		"Points": func() error { _, err := e.s.Points(e.ctx, store.PointsQuery{Lang: "en"}); return err },
		"Heat":   func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{}); return err },
		"Stats":  func() error { _, err := e.s.Stats(e.ctx); return err },
		"Trends": func() error { _, err := e.s.Trends(e.ctx, store.TrendsQuery{}); return err },
		"Flush":  func() error { return e.s.Flush(e.ctx) },
		"Close":  func() error { return e.s.Close() },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", name, err)
		}
	}
}

func testConcurrent(t *testing.T, e *env) {
	const batches, perBatch = 100, 50
	langs := []string{"en", "es", "fr", "de"}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for b := range batches {
			batch := make([]post.Post, perBatch)
			for i := range batch {
				n := b*perBatch + i
				batch[i] = geo(langs[n%len(langs)], time.Duration(n)*time.Second,
					float64(n%180)-89.5, float64(n%360)-179.5, "all", fmt.Sprintf("t%d", n%7))
			}
			if err := e.s.Record(e.ctx, batch); err != nil {
				errc <- fmt.Errorf("Record: %w", err)
				return
			}
		}
	}()
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				var err error
				switch r {
				case 0:
					var c []store.LangCount
					c, err = e.s.Counts(e.ctx, store.CountsQuery{})
					for _, lc := range c {
						if lc.Geo != lc.Posts || lc.Hashtags != 2*lc.Posts {
							err = fmt.Errorf("inconsistent counts %+v", lc)
						}
					}
				case 1:
					var top []store.LangTop
					top, err = e.s.Top(e.ctx, store.TopQuery{N: 2, Window: time.Hour})
					for _, lt := range top {
						if len(lt.Tags) > 0 && lt.Tags[0].Tag != "all" {
							err = fmt.Errorf("top of %s is %+v, want all first", lt.Lang, lt.Tags)
						}
					}
				case 2:
					var h store.HeatResult
					h, err = e.s.Heat(e.ctx, store.HeatQuery{Zoom: 3, Limit: 10, Tag: "t3"})
					if len(h.Cells) > 10 {
						err = fmt.Errorf("heat returned %d cells over the limit", len(h.Cells))
					}
				case 3:
					_, err = e.s.Points(e.ctx, store.PointsQuery{Lang: "es", N: 100})
					if err == nil {
						_, err = e.s.Stats(e.ctx)
					}
					if err == nil {
						var tr store.TrendsResult
						tr, err = e.s.Trends(e.ctx, store.TrendsQuery{Window: 10 * time.Minute, Baseline: 10 * time.Minute, MinAuthors: 1, MinScore: -1})
						if err == nil && tr.Trends == nil {
							err = fmt.Errorf("trends answered a nil list")
						}
					}
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if st := e.stats(); st.Posts != batches*perBatch || st.Points != batches*perBatch {
		t.Errorf("after concurrent run: %d posts %d points, want %d", st.Posts, st.Points, batches*perBatch)
	}
}
