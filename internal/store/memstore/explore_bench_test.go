package memstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// explorePosts is how many posts BenchmarkExplore holds;
// GEOHEAT_TEST_EXPLORE_POSTS overrides it (10000000 for the 10 M target).
func explorePosts() int {
	if v, err := strconv.Atoi(os.Getenv("GEOHEAT_TEST_EXPLORE_POSTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// withTexts gives the generator's posts varied texts: 10 to 20 words of a
// Zipf vocabulary of 50 000 and a link, as tweets have.
func withTexts() func([]post.Post) []post.Post {
	r := rand.New(rand.NewPCG(5, 6))
	z := rand.NewZipf(r, 1.1, 2, 50_000)
	var sb strings.Builder
	return func(ps []post.Post) []post.Post {
		for i := range ps {
			sb.Reset()
			for range 10 + r.IntN(11) {
				fmt.Fprintf(&sb, "w%d ", z.Uint64())
			}
			fmt.Fprintf(&sb, "https://t.co/%x", r.Uint64())
			ps[i].Text, ps[i].ScreenName = sb.String(), fmt.Sprintf("user%d", r.IntN(100_000))
		}
		return ps
	}
}

var (
	exploreOnce  sync.Once
	exploreStore *Store
)

// BenchmarkExplore runs the exploration queries on explorePosts() posts
// held, the newest million's text kept (the --keep-text default).
func BenchmarkExplore(b *testing.B) {
	exploreOnce.Do(func() {
		exploreStore = fillWith(b, Options{KeepText: 1_000_000}, explorePosts(), withTexts())
	})
	s := exploreStore
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	head := st.Head
	europe := store.BBox{West: -10, South: 35, East: 30, North: 60}
	lastHour := store.Range{From: head.Add(-time.Hour)}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	hist := func(q store.HistogramQuery) func() error {
		return func() error { _, err := s.Histogram(ctx, q); return err }
	}
	posts := func(q store.PostsQuery) func() error {
		return func() error { _, err := s.Posts(ctx, q); return err }
	}
	top := func(q store.TopQuery) func() error {
		return func() error { _, err := s.Top(ctx, q); return err }
	}
	run("histogram/all", hist(store.HistogramQuery{}))
	run("histogram/en", hist(store.HistogramQuery{Lang: "en"}))
	run("histogram/lastHour", hist(store.HistogramQuery{Range: lastHour}))
	run("histogram/tag", hist(store.HistogramQuery{Tag: "tag1"}))
	run("histogram/bbox", hist(store.HistogramQuery{BBox: europe}))
	run("histogram/q", hist(store.HistogramQuery{Q: "w3"}))
	for _, vs := range []struct {
		name    string
		buckets int
	}{{"views", store.MaxHistogramBuckets}, {"views60", store.DefaultHistogramBuckets}} {
		views := randomHistogramViews(64, vs.buckets)
		k := 0
		run("histogram/"+vs.name, func() error {
			k++
			_, err := s.Histogram(ctx, views[k%len(views)])
			return err
		})
	}
	run("posts/newest", posts(store.PostsQuery{}))
	run("posts/q", posts(store.PostsQuery{Q: "w3 w7"}))
	run("posts/q-rare", posts(store.PostsQuery{Q: "w40000"}))
	run("posts/bbox", posts(store.PostsQuery{BBox: europe}))
	run("posts/lang-ja", posts(store.PostsQuery{Lang: "ja"}))
	run("top/bbox", top(store.TopQuery{BBox: europe}))
	run("top/bbox-lastHour", top(store.TopQuery{BBox: europe, Range: lastHour}))
	run("top/range-lastHour", top(store.TopQuery{Range: lastHour}))
	run("top/q", top(store.TopQuery{Q: "w3"}))
	run("counts/bbox", func() error { _, err := s.Counts(ctx, store.CountsQuery{BBox: europe}); return err })
	run("counts/lastHour", func() error { _, err := s.Counts(ctx, store.CountsQuery{Range: lastHour}); return err })
	run("heat/q", func() error { _, err := s.Heat(ctx, store.HeatQuery{Zoom: 3, Q: "w3"}); return err })
	// What the answer cache asks on every miss (httpapi.Guard).
	run("status", func() error { _, err := s.Stats(ctx); return err })
	b.Run("stats", func(b *testing.B) {
		st, _ := s.Stats(ctx)
		b.ReportMetric(float64(st.MemoryBytes)/float64(st.Posts), "B/post")
		b.ReportMetric(float64(st.MemoryBytes)/1e6, "MB")
	})
}

// randomHistogramViews returns n histograms of the load scenario's
// random views (bench.RandomView): a box from the world to a city in a
// random language, over everything held, in at most buckets buckets: the
// API's default (what the load scenario asks for: most chunks of points
// fall in one bucket), or its most (a chunk spans several).
func randomHistogramViews(n, buckets int) []store.HistogramQuery {
	rng := rand.New(rand.NewPCG(3, 4))
	langs := []string{"", "", "en", "es", "pt", "ja", "ar", "fr", "tr", "id"}
	out := make([]store.HistogramQuery, n)
	for i := range out {
		w := 360 / float64(int(1)<<rng.IntN(11))
		h := min(170, w/2)
		lat := min(85-h/2, max(-60+h/2, rng.Float64()*120-50))
		lon := rng.Float64()*360 - 180
		out[i] = store.HistogramQuery{
			BBox:    store.BBox{West: max(-180, lon-w/2), South: lat - h/2, East: min(180, lon+w/2), North: lat + h/2},
			Lang:    langs[rng.IntN(len(langs))],
			Buckets: buckets,
		}
	}
	return out
}

// BenchmarkRecordKeepText is BenchmarkRecord's in-memory case with the
// text of the newest million kept: the cost of cutting texts into words.
func BenchmarkRecordKeepText(b *testing.B) {
	gen := newGenerator(7)
	mix := withTexts()
	const per = 256
	batches := make([][]post.Post, 256)
	for i := range batches {
		batches[i] = mix(gen.batch(per, time.Unix(1370088000, 0).Add(time.Duration(i)*5*time.Second), 5*time.Second))
	}
	for _, keep := range []int{0, 1_000_000} {
		b.Run(fmt.Sprintf("keep%d", keep), func(b *testing.B) {
			s := open(b, Options{MaxPosts: 1_000_000, KeepText: keep, Logger: quiet})
			defer s.Close()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if err := s.Record(ctx, batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i*per)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

var (
	yearOnce  sync.Once
	yearStore *Store
	yearCity  store.BBox // around the busiest city of the year's posts
)

// BenchmarkYearBox asks for Western Europe over a year of posts held
// (GEOHEAT_TEST_YEAR_POSTS, default 10 M), where summarised blocks carry
// most of the answer: the histogram in one bucket (every block counted
// from its summary) and in the API's default buckets, the heat map at
// zoom 3 and the top 10; and the top 10 of the busiest city's box. Its cost per block is what grows with the posts
// held in the scale scenario.
func BenchmarkYearBox(b *testing.B) {
	n := 10_000_000
	if v, err := strconv.Atoi(os.Getenv("GEOHEAT_TEST_YEAR_POSTS")); err == nil && v > 0 {
		n = v
	}
	const span = 365 * 24 * time.Hour
	yearOnce.Do(func() {
		s := open(b, Options{Now: storetest.NewClock(storetest.T0.Add(span)).Now, Logger: quiet})
		gen := newGenerator(42)
		step := span / time.Duration(n)
		for i := 0; i < n; i += 256 {
			if err := s.Record(context.Background(), gen.batch(256, storetest.T0.Add(time.Duration(i)*step), 256*step)); err != nil {
				b.Fatal(err)
			}
		}
		yearStore = s
		c := gen.cities[0] // the busiest: cities are drawn with weight falling from the first
		yearCity = store.BBox{West: c.Lon - 0.45, South: c.Lat - 0.45, East: c.Lon + 0.45, North: c.Lat + 0.45}
	})
	s, ctx := yearStore, context.Background()
	europe := store.BBox{West: -10, South: 35, East: 20, North: 60}
	for _, c := range []struct {
		name string
		fn   func() error
	}{
		{"histogram/one-bucket", func() error {
			_, err := s.Histogram(ctx, store.HistogramQuery{BBox: europe, Buckets: 1})
			return err
		}},
		{"histogram/default", func() error { _, err := s.Histogram(ctx, store.HistogramQuery{BBox: europe}); return err }},
		{"heat", func() error { _, err := s.Heat(ctx, store.HeatQuery{BBox: europe, Zoom: 3}); return err }},
		{"top", func() error { _, err := s.Top(ctx, store.TopQuery{BBox: europe, N: 10}); return err }},
		// The busiest city's box: no whole hashtag cell (1.4°), so its
		// top list comes from fine hashtag cells and the points around.
		{"top/city", func() error { _, err := s.Top(ctx, store.TopQuery{BBox: yearCity, N: 10}); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
