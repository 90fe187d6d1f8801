package memstore

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// BenchmarkRecord measures ingest in batches of 256 realistic posts, the
// pipeline's batch size, in memory and with the log. MaxPosts keeps memory
// bounded however long it runs, so drops are part of the cost.
func BenchmarkRecord(b *testing.B) {
	gen := newGenerator(7)
	const per = 256
	batches := make([][]post.Post, 256)
	for i := range batches {
		batches[i] = gen.batch(per, storetest.T0.Add(time.Duration(i)*5*time.Second), 5*time.Second)
	}
	for _, persisted := range []bool{false, true} {
		name := "memory"
		if persisted {
			name = "wal"
		}
		b.Run(name, func(b *testing.B) {
			opts := Options{MaxPosts: 1_000_000, Logger: quiet}
			if persisted {
				opts.Dir = b.TempDir()
			}
			s := open(b, opts)
			defer s.Close()
			ctx := context.Background()
			b.ReportAllocs()
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

// replayPosts is how many posts BenchmarkReplay writes;
// GEOHEAT_TEST_REPLAY_POSTS overrides it (e.g. 10000000 for the 10 M target).
func replayPosts() int {
	if v, err := strconv.Atoi(os.Getenv("GEOHEAT_TEST_REPLAY_POSTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// BenchmarkReplay measures Open on a log of replayPosts() posts: reading,
// decoding and rebuilding every column.
func BenchmarkReplay(b *testing.B) {
	n := replayPosts()
	dir := b.TempDir()
	s := fill(b, Options{Dir: dir}, n)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var held int64
	for b.Loop() {
		s := open(b, Options{Dir: dir})
		st, _ := s.Stats(context.Background())
		held = st.Posts
		s.Close()
	}
	if held != int64(n) {
		b.Fatalf("replayed %d posts, want %d", held, n)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(dirSize(b, dir+"/wal"))/float64(n), "logB/post")
}

var (
	millionOnce  sync.Once
	millionStore *Store
)

// million returns a store holding 1 M generated posts (about 5.5 h of post
// time at 50 posts/s), built once and shared by the query benchmarks. It is
// in memory only, so leaving it open holds no goroutine or file.
func million(b *testing.B) *Store {
	millionOnce.Do(func() { millionStore = fill(b, Options{}, 1_000_000) })
	return millionStore
}

func BenchmarkTop1M(b *testing.B) {
	s := million(b)
	ctx := context.Background()
	for _, q := range []struct {
		name string
		q    store.TopQuery
	}{
		{"all/last5000", store.TopQuery{}},
		{"en/last5000", store.TopQuery{Lang: "en"}},
		{"en/last1M", store.TopQuery{Lang: "en", Last: 1_000_000}},
		{"en/window1h", store.TopQuery{Lang: "en", Window: time.Hour}},
		{"all/window1h", store.TopQuery{Window: time.Hour}},
		{"all/windowAll", store.TopQuery{Window: 24 * time.Hour}},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Top(ctx, q.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// heatCase is one named heat query of a benchmark.
type heatCase struct {
	name string
	q    store.HeatQuery
}

// benchHeat runs each query as a sub-benchmark on s, reporting the points
// it aggregates.
func benchHeat(b *testing.B, s *Store, cases []heatCase) {
	ctx := context.Background()
	for _, q := range cases {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			var res store.HeatResult
			for b.Loop() {
				var err error
				if res, err = s.Heat(ctx, q.q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Points), "points")
		})
	}
}

func BenchmarkHeat1M(b *testing.B) {
	benchHeat(b, million(b), []heatCase{
		{"world/zoom2", store.HeatQuery{Zoom: 2}},
		// What the dashboard asks at world zoom (geoheat bench's query).
		{"dashboard/24h/zoom3/limit5000", store.HeatQuery{Window: 24 * time.Hour, BBox: store.BBox{West: -180, South: -85, East: 180, North: 85}, Zoom: 3, Limit: 5000}},
		{"world/zoom8/limit1000", store.HeatQuery{Zoom: 8, Limit: 1000}},
		{"world/zoom14/limit1000", store.HeatQuery{Zoom: 14, Limit: 1000}},
		{"en/zoom4", store.HeatQuery{Lang: "en", Zoom: 4}},
		{"tag/zoom4", store.HeatQuery{Tag: "tag1", Zoom: 4}},
		{"europe/zoom6", store.HeatQuery{Zoom: 6, BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}}},
		{"window1h/zoom4", store.HeatQuery{Window: time.Hour, Zoom: 4}},
		{"last400/zoom4", store.HeatQuery{Last: 400, Zoom: 4}},
	})
}

func BenchmarkPointsAndCounts1M(b *testing.B) {
	s := million(b)
	ctx := context.Background()
	b.Run("points400", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Points(ctx, store.PointsQuery{Lang: "en"})
		}
	})
	b.Run("counts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Counts(ctx, store.CountsQuery{})
		}
	})
	b.Run("stats", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Stats(ctx)
		}
	})
}

var (
	mixedOnce  sync.Once
	mixedStore *Store
)

// millionMixed is million's stream with a quarter of the points of each
// provenance (withProvenance), so half of them are inferred: the per-point
// provenance check runs for every default query.
func millionMixed(b *testing.B) *Store {
	mixedOnce.Do(func() { mixedStore = fillWith(b, Options{}, 1_000_000, withProvenance) })
	return mixedStore
}

// BenchmarkProvenance1M: queries over a store where half the points are
// inferred, by default (trusted only) and with every provenance.
func BenchmarkProvenance1M(b *testing.B) {
	s := millionMixed(b)
	ctx := context.Background()
	benchHeat(b, s, []heatCase{
		{"heat/world/zoom2/trusted", store.HeatQuery{Zoom: 2}},
		{"heat/world/zoom2/all", store.HeatQuery{Zoom: 2, Geo: post.GeoSetAll}},
		{"heat/window1h/zoom4/trusted", store.HeatQuery{Window: time.Hour, Zoom: 4}},
		{"heat/last400/zoom4/trusted", store.HeatQuery{Last: 400, Zoom: 4}},
		{"heat/last400/zoom4/inferred", store.HeatQuery{Last: 400, Zoom: 4, Geo: post.GeoSetInferred}},
	})
	for _, g := range []post.GeoSet{post.GeoSetTrusted, post.GeoSetAll} {
		b.Run("points400/"+strings.ReplaceAll(g.String(), ",", "+"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Points(ctx, store.PointsQuery{Lang: "en", Geo: g}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecordUnderHeat measures ingest (batches of 256, as the pipeline
// writes) while heat queries over 1 M posts (250k points) run back to back
// in other goroutines: what 50 dashboards do to the writer. MaxPosts keeps
// the store at 1 M, so drops run too. heats/s is the queries completed
// meanwhile.
func BenchmarkRecordUnderHeat(b *testing.B) {
	for _, readers := range []int{0, 1, 2} {
		b.Run(strconv.Itoa(readers)+"readers", func(b *testing.B) {
			s := fill(b, Options{MaxPosts: 1_000_000}, 1_000_000)
			defer s.Close()
			gen := newGenerator(5)
			batches := make([][]post.Post, 64)
			for i := range batches {
				batches[i] = gen.batch(256, storetest.T0.Add(24*time.Hour+time.Duration(i)*5*time.Second), 5*time.Second)
			}
			ctx := context.Background()
			q := store.HeatQuery{Window: 24 * time.Hour, BBox: store.BBox{West: -180, South: -85, East: 180, North: 85}, Zoom: 3, Limit: 5000}
			stop := make(chan struct{})
			var heats atomic.Int64
			var wg sync.WaitGroup
			for range readers {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := s.Heat(ctx, q); err != nil {
							b.Error(err)
							return
						}
						heats.Add(1)
					}
				})
			}
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if err := s.Record(ctx, batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i*256)/b.Elapsed().Seconds(), "posts/s")
			b.ReportMetric(float64(heats.Load())/b.Elapsed().Seconds(), "heats/s")
			close(stop)
			wg.Wait()
		})
	}
}
