package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// provenanceMix is a stream with every provenance: exact and place points
// where the platform gave them, profile and text points in cities no
// trusted point is near, so a map that leaks an inferred point shows it in
// a cell of its own.
func provenanceMix() []post.Post {
	return []post.Post{
		inferred("en", sec(1), 51.5, -0.12, post.GeoExact, 1, "london"),
		inferred("en", sec(2), 35.68, 139.69, post.GeoProfile, 0.6, "tokyo"),
		inferred("en", sec(3), 48.85, 2.35, post.GeoPlace, 1, "paris"),
		at("en", sec(4), "nopoint"),
		inferred("en", sec(5), -33.87, 151.21, post.GeoText, 0.35, "sydney"),
		geo("en", sec(6), 51.51, -0.13, "london"), // no GeoSource: exact
		inferred("es", sec(7), 40.4, -3.7, post.GeoPlace, 1),
		inferred("es", sec(8), -34.6, -58.38, post.GeoProfile, 0.9),
		inferred("en", sec(9), 35.69, 139.7, post.GeoText, 0.002, "tokyo"), // below one step: kept > 0
	}
}

func testProvenanceRoundTrip(t *testing.T, e *env) {
	e.record(provenanceMix()...)
	q := func(c float32) float32 { return store.ConfidenceOf(store.QuantizeConfidence(c)) }
	// Points carry their post's time and hashtags (for exports).
	tm := func(n int) time.Time { return T0.Add(sec(n)) }
	want := []store.Point{
		{Point: pt(51.5, -0.12), Source: post.GeoExact, Confidence: 1, Time: tm(1), Tags: []string{"london"}},
		{Point: pt(35.68, 139.69), Source: post.GeoProfile, Confidence: q(0.6), Time: tm(2), Tags: []string{"tokyo"}},
		{Point: pt(48.85, 2.35), Source: post.GeoPlace, Confidence: 1, Time: tm(3), Tags: []string{"paris"}},
		{Point: pt(-33.87, 151.21), Source: post.GeoText, Confidence: q(0.35), Time: tm(5), Tags: []string{"sydney"}},
		{Point: pt(51.51, -0.13), Source: post.GeoExact, Confidence: 1, Time: tm(6), Tags: []string{"london"}},
		{Point: pt(35.69, 139.7), Source: post.GeoText, Confidence: 1.0 / 255, Time: tm(9), Tags: []string{"tokyo"}},
	}
	if got := e.provPoints(store.PointsQuery{Lang: "en", Geo: post.GeoSetAll}); !reflect.DeepEqual(got, want) {
		t.Errorf("Points(en, all) =\n %+v\nwant\n %+v", got, want)
	}
	// The quantisation is fine enough for any use: within half a step.
	if d := want[1].Confidence - 0.6; d > 0.5/255 || d < -0.5/255 {
		t.Errorf("confidence 0.6 stored as %v", want[1].Confidence)
	}
	wantCounts := []store.LangCount{
		{Lang: "en", Posts: 7, Geo: 3, Hashtags: 7, GeoBySource: store.GeoCounts{Exact: 2, Place: 1, Profile: 1, Text: 2}},
		{Lang: "es", Posts: 2, Geo: 1, Hashtags: 0, GeoBySource: store.GeoCounts{Place: 1, Profile: 1}},
	}
	if got := e.counts(); !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("Counts =\n %+v\nwant\n %+v", got, wantCounts)
	}
	if st := e.stats(); st.Points != 8 || st.InferredPoints != 4 {
		t.Errorf("Stats.Points = %d, InferredPoints %d; want 8 (every provenance) and 4", st.Points, st.InferredPoints)
	}
	// Each single provenance, and the last N counted among matches only.
	for _, tt := range []struct {
		geo  post.GeoSet
		n    int
		want []store.Point
	}{
		{1 << post.GeoExact, 0, []store.Point{want[0], want[4]}},
		{1 << post.GeoPlace, 0, []store.Point{want[2]}},
		{1 << post.GeoProfile, 0, []store.Point{want[1]}},
		{1 << post.GeoText, 0, []store.Point{want[3], want[5]}},
		{post.GeoSetInferred, 2, []store.Point{want[3], want[5]}},
		{post.GeoSetTrusted, 2, []store.Point{want[2], want[4]}},
		{post.GeoSetAll, 2, []store.Point{want[4], want[5]}},
	} {
		if got := e.provPoints(store.PointsQuery{Lang: "en", N: tt.n, Geo: tt.geo}); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Points(en, %s, n %d) =\n %+v\nwant\n %+v", tt.geo, tt.n, got, tt.want)
		}
	}
}

func testProvenanceDefault(t *testing.T, e *env) {
	e.record(provenanceMix()...)
	trusted := []post.Point{pt(51.5, -0.12), pt(48.85, 2.35), pt(51.51, -0.13)}
	if got := e.points(store.PointsQuery{Lang: "en"}); !reflect.DeepEqual(got, trusted) {
		t.Errorf("Points(en) default = %v, want exact and place only %v", got, trusted)
	}
	// Heat at zoom 22 puts every point in a cell of its own.
	heat := func(g post.GeoSet, extra store.HeatQuery) map[post.Point]int64 {
		extra.Zoom, extra.Geo = 22, g
		cells := map[post.Point]int64{}
		for _, c := range e.heat(extra).Cells {
			cells[pt(c.Lat, c.Lon)] += c.Weight
		}
		return cells
	}
	one := func(pts ...post.Point) map[post.Point]int64 {
		m := map[post.Point]int64{}
		for _, p := range pts {
			m[p]++
		}
		return m
	}
	allEN := append(append([]post.Point{}, trusted...), pt(35.68, 139.69), pt(-33.87, 151.21), pt(35.69, 139.7))
	for _, tt := range []struct {
		name string
		geo  post.GeoSet
		q    store.HeatQuery
		want map[post.Point]int64
	}{
		{"default", 0, store.HeatQuery{Lang: "en"}, one(trusted...)},
		{"trusted", post.GeoSetTrusted, store.HeatQuery{Lang: "en"}, one(trusted...)},
		{"all", post.GeoSetAll, store.HeatQuery{Lang: "en"}, one(allEN...)},
		{"inferred", post.GeoSetInferred, store.HeatQuery{Lang: "en"}, one(pt(35.68, 139.69), pt(-33.87, 151.21), pt(35.69, 139.7))},
		{"default every language", 0, store.HeatQuery{}, one(append(trusted, pt(40.4, -3.7))...)},
		{"default tag", 0, store.HeatQuery{Tag: "tokyo"}, one()},
		{"all tag", post.GeoSetAll, store.HeatQuery{Tag: "TOKYO"}, one(pt(35.68, 139.69), pt(35.69, 139.7))},
		{"default window", 0, store.HeatQuery{Window: 6 * time.Minute}, one(append(trusted, pt(40.4, -3.7))...)},
		{"all window", post.GeoSetAll, store.HeatQuery{Lang: "en", Window: time.Hour}, one(allEN...)},
		// Last counts matching points: the two newest trusted, not the two
		// newest points.
		{"default last", 0, store.HeatQuery{Last: 2}, one(pt(51.51, -0.13), pt(40.4, -3.7))},
		{"all last", post.GeoSetAll, store.HeatQuery{Last: 2}, one(pt(-34.6, -58.38), pt(35.69, 139.7))},
		{"inferred last box", post.GeoSetInferred, store.HeatQuery{Last: 1, BBox: store.BBox{West: 100, South: -50, East: 160, North: 0}}, one(pt(-33.87, 151.21))},
	} {
		if got := heat(tt.geo, tt.q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Heat %s = %v, want %v", tt.name, got, tt.want)
		}
	}
	if h := e.heat(store.HeatQuery{Lang: "en", Geo: post.GeoSetInferred}); h.Points != 3 {
		t.Errorf("Heat(inferred).Points = %d, want 3", h.Points)
	}
}

// testProvenanceTrustedMap: the acceptance test. A store fed the
// mixed stream answers every default map query exactly as a store fed the
// same stream without its inferred points.
func testProvenanceTrustedMap(t *testing.T, e *env) {
	var mixed, plain []post.Post
	for i := range 400 {
		p := inferred([]string{"en", "es"}[i%2], sec(i), float64(i%37)-18, float64(i*7%300)-150, post.GeoExact, 1, []string{"a", "b", "c"}[i%3])
		switch i % 5 {
		case 1:
			p.GeoSource = post.GeoPlace
		case 2:
			p.GeoSource, p.GeoConfidence = post.GeoProfile, 0.5
		case 3:
			p.GeoSource, p.GeoConfidence = post.GeoText, 0.25
		}
		mixed = append(mixed, p)
		if p.GeoSource.Inferred() {
			p.HasPoint, p.Point, p.GeoSource, p.GeoConfidence = false, post.Point{}, post.GeoNone, 0
		}
		plain = append(plain, p)
	}
	other := e.open()
	for i := 0; i < len(mixed); i += 64 {
		e.record(mixed[i:min(i+64, len(mixed))]...)
		if err := other.Record(e.ctx, plain[i:min(i+64, len(plain))]); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []store.HeatQuery{
		{Zoom: 3}, {Zoom: 9, Lang: "en"}, {Zoom: 5, Tag: "b"}, {Zoom: 4, Window: 3 * time.Minute},
		{Zoom: 6, Last: 50}, {Zoom: 2, Limit: 5}, {Zoom: 7, BBox: store.BBox{West: -60, South: -10, East: 60, North: 15}},
		{Zoom: 3, Geo: post.GeoSetTrusted},
	} {
		got := e.heat(q)
		want, err := other.Heat(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Heat(%+v) differs from the store without inferred points:\n got %+v\nwant %+v", q, got, want)
		}
	}
	for _, lang := range []string{"en", "es"} {
		got := e.provPoints(store.PointsQuery{Lang: lang, N: 50})
		want, err := other.Points(e.ctx, store.PointsQuery{Lang: lang, N: 50})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Points(%s) differs from the store without inferred points", lang)
		}
	}
	gotC, wantC := e.counts(), must(other.Counts(e.ctx, store.CountsQuery{}))
	for i := range wantC {
		if i >= len(gotC) || gotC[i].Geo != wantC[i].Geo {
			t.Errorf("Counts geo = %+v, want %+v", gotC, wantC)
			break
		}
	}
	// And with inferred points on, the map has visibly more.
	if all, def := e.heat(store.HeatQuery{Zoom: 3, Geo: post.GeoSetAll}), e.heat(store.HeatQuery{Zoom: 3}); all.Points <= def.Points {
		t.Errorf("Heat(all).Points %d, want more than the default %d", all.Points, def.Points)
	}
}

// testProvenanceCounts: Counts' per-provenance breakdown agrees with what
// Points returns per provenance. (Drops are the stores' own tests: the
// suite's stores have no retention.)
func testProvenanceCounts(t *testing.T, e *env) {
	e.record(provenanceMix()...)
	e.record(inferred("en", sec(10), 1, 1, post.GeoText, 0.5), inferred("en", sec(11), 2, 2, post.GeoPlace, 1))
	c := e.counts()
	var by store.GeoCounts
	for _, lc := range c {
		if lc.Lang == "en" {
			by = lc.GeoBySource
		}
	}
	for g := post.GeoExact; g <= post.GeoText; g++ {
		n := int64(len(e.provPoints(store.PointsQuery{Lang: "en", N: 1000, Geo: 1 << g})))
		if by.Of(g) != n {
			t.Errorf("GeoBySource %s = %d, Points returns %d", g, by.Of(g), n)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
