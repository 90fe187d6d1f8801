package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// genPosts makes n posts starting at start: a skewed language mix, mixed
// case tags from a small vocabulary (many ties), a third with a point, and
// times that mostly advance but sometimes jump back (late posts) or ahead;
// authors from a small set, so trends count repeats.
func genPosts(rng *rand.Rand, n int, start time.Time, step time.Duration) []post.Post {
	langs := []string{"en", "en", "en", "es", "es", "fr", "de", "hinglish"}
	tags := []string{"Go", "go", "redis", "Redis", "heat", "map", "İstanbul", "ΟΔΟΣ", "x", "y"}
	out := make([]post.Post, n)
	t := start
	for i := range out {
		t = t.Add(step)
		pt := t
		switch rng.IntN(20) {
		case 0:
			pt = t.Add(-time.Duration(rng.IntN(600)) * time.Second) // late
		case 1:
			pt = t.Add(time.Duration(rng.IntN(60)) * time.Second) // ahead
		}
		p := post.Post{ID: fmt.Sprint(i), Lang: langs[rng.IntN(len(langs))], Time: pt}
		if i%7 != 0 {
			// 257 authors taking turns; every seventh post has none (its
			// id stands in). From the index, so the random stream stays
			// what it was.
			p.UserID = fmt.Sprint("u", i*7919%257)
		}
		for range rng.IntN(4) {
			p.Hashtags = append(p.Hashtags, tags[rng.IntN(len(tags))])
		}
		if rng.IntN(3) == 0 {
			p.HasPoint, p.Point = true, post.Point{Lat: rng.Float64()*170 - 85, Lon: rng.Float64()*358 - 179}
			// Every provenance and many confidences, from the index so the
			// random stream stays what it was.
			p.GeoSource, p.GeoConfidence = post.GeoSource(1+i%4), float32(i%97+1)/97
		}
		out[i] = p
	}
	return out
}

// TestMatchesMemstore feeds the same posts to the embedded store and to
// Redis, with retention and a post limit dropping along the way, and
// compares every query; windows span many 256-post chunks and out-of-order
// recordBoth records all into both stores in batches of 1 to maxBatch
// posts and calls compare after each, stopping at the first failure.
func recordBoth(t *testing.T, ctx context.Context, rng *rand.Rand, all []post.Post, maxBatch int, mem, rs store.Store, compare func()) {
	t.Helper()
	for len(all) > 0 {
		n := min(len(all), 1+rng.IntN(maxBatch))
		for _, s := range []store.Store{mem, rs} {
			if err := s.Record(ctx, all[:n]); err != nil {
				t.Fatal(err)
			}
		}
		all = all[n:]
		if compare(); t.Failed() {
			return
		}
	}
}

// posts.
func TestMatchesMemstore(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		name      string
		retention time.Duration
		maxPosts  int
	}{
		{"keep all", 0, 0},
		{"retention", 20 * time.Minute, 0},
		{"max posts", 0, 1500},
		{"both", 30 * time.Minute, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
			mem, err := memstore.Open(memstore.Options{Retention: tc.retention, MaxPosts: tc.maxPosts, Now: clock.Now, CountryOf: storetest.CountryOf})
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close()
			rs := open(t, srv.URL(""), redisstore.Options{Retention: tc.retention, MaxPosts: tc.maxPosts, Now: clock.Now, CountryOf: storetest.CountryOf})
			rng := rand.New(rand.NewPCG(1, 2))
			all := genPosts(rng, 6000, storetest.T0, time.Second)
			trends := 0
			recordBoth(t, ctx, rng, all, 700, mem, rs, func() {
				compareStores(t, ctx, mem, rs)
				trends += compareTrends(t, ctx, mem, rs)
			})
			if t.Failed() {
				return
			}
			if trends < 100 {
				t.Errorf("the stores agreed on %d trends in all, too few for the comparison to mean much", trends)
			}
			st, err := rs.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The comparison means something only if limits dropped posts
			// and what is held spans many 256-post chunks.
			if dropping := tc.retention > 0 || tc.maxPosts > 0; dropping != (st.Dropped > 0) || st.Posts < 1000 {
				t.Errorf("after the run: %d held, %d dropped", st.Posts, st.Dropped)
			}
			t.Logf("held %d, dropped %d, oldest %v, head %v", st.Posts, st.Dropped, st.Oldest, st.Head)
		})
	}
}

func compareStores(t *testing.T, ctx context.Context, want, got store.Store) {
	t.Helper()
	check := func(what string, w, g any, werr, gerr error) {
		t.Helper()
		if werr != nil || gerr != nil {
			t.Fatalf("%s: memstore err %v, redis err %v", what, werr, gerr)
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s:\nmemstore %+v\nredis    %+v", what, w, g)
		}
	}
	wc, werr := want.Counts(ctx, store.CountsQuery{})
	gc, gerr := got.Counts(ctx, store.CountsQuery{})
	check("Counts", wc, gc, werr, gerr)
	for _, q := range []store.TopQuery{
		{}, {N: 5}, {N: 3, Last: 100}, {N: 10, Last: 1},
		{N: 5, Window: time.Minute}, {N: 5, Window: 7 * time.Minute}, {N: 4, Window: 25 * time.Minute}, {N: 4, Window: 48 * time.Hour},
		{Lang: "es", N: 4, Window: 3 * time.Minute}, {Lang: "zz"},
	} {
		w, werr := want.Top(ctx, q)
		g, gerr := got.Top(ctx, q)
		check(fmt.Sprintf("Top(%+v)", q), normTop(w), normTop(g), werr, gerr)
	}
	for _, q := range []store.PointsQuery{{Lang: "en"}, {Lang: "fr", N: 7}, {Lang: "hinglish", N: 10000},
		{Lang: "en", Geo: post.GeoSetAll}, {Lang: "es", N: 9, Geo: post.GeoSetInferred}, {Lang: "de", N: 5000, Geo: 1 << post.GeoText}} {
		w, werr := want.Points(ctx, q)
		g, gerr := got.Points(ctx, q)
		check(fmt.Sprintf("Points(%+v)", q), w, g, werr, gerr)
	}
	for _, q := range []store.HeatQuery{
		{}, {Zoom: 3, Limit: 20}, {Lang: "en", Zoom: 2}, {Tag: "GO", Zoom: 1}, {Window: 10 * time.Minute, Zoom: 4},
		{Last: 50, Zoom: 2}, {Last: 30, Tag: "redis", Zoom: 2}, {Last: 40, Window: 15 * time.Minute, Zoom: 3},
		{BBox: store.BBox{West: 150, South: -60, East: -150, North: 60}, Zoom: 2, Last: 25},
		{Zoom: 3, Geo: post.GeoSetAll}, {Last: 50, Zoom: 2, Geo: post.GeoSetInferred},
		{Window: 10 * time.Minute, Zoom: 4, Geo: 1 << post.GeoProfile}, {Tag: "go", Zoom: 2, Geo: post.GeoSetAll, Last: 20},
	} {
		w, werr := want.Heat(ctx, q)
		g, gerr := got.Heat(ctx, q)
		check(fmt.Sprintf("Heat(%+v)", q), w, g, werr, gerr)
	}
	ws, werr := want.Stats(ctx)
	gs, gerr := got.Stats(ctx)
	ws.MemoryBytes, gs.MemoryBytes = 0, 0
	check("Stats", ws, gs, werr, gerr)
}

// normTop treats nil and empty tag lists alike.
func normTop(r []store.LangTop) []store.LangTop {
	for i := range r {
		if len(r[i].Tags) == 0 {
			r[i].Tags = nil
		}
	}
	return r
}

// trendQueries are the trends compareTrends asks both stores: every
// selection, listing every rising tag so that the random posts give many.
func trendQueries() []store.TrendsQuery {
	every := func(q store.TrendsQuery) store.TrendsQuery {
		q.MinScore, q.MinAuthors, q.N = -1, 1, store.MaxTrendN
		return q
	}
	box := func(lat, lon float64) bool { return lat > 0 && lat < 60 && lon > -100 && lon < 30 }
	return []store.TrendsQuery{
		{}, // defaults: a 24 h baseline, longer than what is held
		every(store.TrendsQuery{Window: 10 * time.Minute, Baseline: 30 * time.Minute}),
		every(store.TrendsQuery{Lang: "en", Window: 5 * time.Minute, Baseline: 20 * time.Minute}),
		{Lang: "es", Window: 15 * time.Minute, Baseline: 15 * time.Minute, MinScore: -1, MinAuthors: 2},
		every(store.TrendsQuery{Country: "ES", Window: 15 * time.Minute, Baseline: 45 * time.Minute}),
		every(store.TrendsQuery{Country: "FR", Geo: post.GeoSetAll, Window: 10 * time.Minute, Baseline: time.Hour}),
		every(store.TrendsQuery{Lang: "de", Country: "ES", Geo: 1 << post.GeoProfile, Window: 20 * time.Minute, Baseline: 20 * time.Minute}),
		every(store.TrendsQuery{Within: box, Geo: post.GeoSetInferred, Window: 10 * time.Minute, Baseline: 30 * time.Minute}),
		every(store.TrendsQuery{At: storetest.T0.Add(40 * time.Minute), Window: 10 * time.Minute, Baseline: 20 * time.Minute}),
		{Lang: "zz"},
	}
}

// compareTrends asks both stores trendQueries and returns how many trends
// they agreed on.
func compareTrends(t *testing.T, ctx context.Context, want, got store.Store) int {
	t.Helper()
	n := 0
	for i, q := range trendQueries() {
		w, werr := want.Trends(ctx, q)
		g, gerr := got.Trends(ctx, q)
		if werr != nil || gerr != nil {
			t.Fatalf("Trends #%d (%+v): memstore err %v, redis err %v", i, q, werr, gerr)
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("Trends #%d (%+v):\nmemstore %+v\nredis    %+v", i, q, w, g)
			continue
		}
		n += len(g.Trends)
	}
	return n
}

// TestExploreMatchesMemstore feeds the same posts, with texts, to both
// stores keeping text under the same bounds, with retention and a post
// limit dropping along the way, and compares the exploration queries.
func TestExploreMatchesMemstore(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		name      string
		retention time.Duration
		maxPosts  int
		keep      int
		keepAge   time.Duration
	}{
		{"keep all", 0, 0, 100_000, 0},
		{"count bound and drops", 25 * time.Minute, 1800, 1200, 0},
		{"age bound", 0, 2500, 0, 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
			mem, err := memstore.Open(memstore.Options{Retention: tc.retention, MaxPosts: tc.maxPosts, Now: clock.Now,
				KeepText: tc.keep, KeepTextAge: tc.keepAge})
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close()
			rs := open(t, srv.URL(""), redisstore.Options{Retention: tc.retention, MaxPosts: tc.maxPosts, Now: clock.Now,
				KeepText: tc.keep, KeepTextAge: tc.keepAge})
			rng := rand.New(rand.NewPCG(5, 6))
			all := genPosts(rng, 4000, storetest.T0, time.Second)
			exploreText(rand.New(rand.NewPCG(7, 8)), all)
			recordBoth(t, ctx, rng, all, 900, mem, rs, func() { compareExplore(t, ctx, mem, rs) })
			if t.Failed() {
				return
			}
		})
	}
}

func compareExplore(t *testing.T, ctx context.Context, want, got store.Store) {
	t.Helper()
	check := func(what string, w, g any, werr, gerr error) {
		t.Helper()
		if werr != nil || gerr != nil {
			t.Fatalf("%s: memstore err %v, redis err %v", what, werr, gerr)
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s:\nmemstore %+v\nredis    %+v", what, w, g)
		}
	}
	at := func(sec int) time.Time { return storetest.T0.Add(time.Duration(sec) * time.Second) }
	ranges := []store.Range{{}, {From: at(600)}, {To: at(900)}, {From: at(1500), To: at(2600)}}
	box := store.BBox{West: -100, South: -40, East: 60, North: 50}
	for _, r := range ranges {
		for _, b := range []store.BBox{{}, box} {
			if !r.IsZero() || !b.IsZero() {
				q := store.CountsQuery{Range: r, BBox: b}
				w, werr := want.Counts(ctx, q)
				g, gerr := got.Counts(ctx, q)
				check(fmt.Sprintf("Counts(%+v)", q), w, g, werr, gerr)
			}
			for _, q := range []string{"", "cafe", "東京 x"} {
				if r.IsZero() && b.IsZero() && q == "" {
					continue
				}
				tq := store.TopQuery{N: 5, Range: r, BBox: b, Q: q}
				w, werr := want.Top(ctx, tq)
				g, gerr := got.Top(ctx, tq)
				check(fmt.Sprintf("Top(%+v)", tq), normTop(w), normTop(g), werr, gerr)
				hq := store.HistogramQuery{Range: r, BBox: b, Q: q, Buckets: 13}
				wh, werr := want.Histogram(ctx, hq)
				gh, gerr := got.Histogram(ctx, hq)
				check(fmt.Sprintf("Histogram(%+v)", hq), wh, gh, werr, gerr)
				pq := store.PostsQuery{Range: r, BBox: b, Q: q, N: 50, Geo: post.GeoSetAll}
				wp, werr := want.Posts(ctx, pq)
				gp, gerr := got.Posts(ctx, pq)
				check(fmt.Sprintf("Posts(%+v)", pq), wp, gp, werr, gerr)
				heat := store.HeatQuery{Range: r, BBox: b, Q: q, Zoom: 3}
				wt, werr := want.Heat(ctx, heat)
				gt, gerr := got.Heat(ctx, heat)
				check(fmt.Sprintf("Heat(%+v)", heat), wt, gt, werr, gerr)
			}
		}
	}
	for _, q := range []store.PostsQuery{{Lang: "es", Tag: "Redis"}, {Q: "naive", N: 1000}, {Lang: "zz"}} {
		w, werr := want.Posts(ctx, q)
		g, gerr := got.Posts(ctx, q)
		check(fmt.Sprintf("Posts(%+v)", q), w, g, werr, gerr)
	}
}
