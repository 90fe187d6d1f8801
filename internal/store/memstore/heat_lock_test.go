package memstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// setScanHook installs heatScanHook for the test. Tests that use it do not
// run in parallel: the hook is package state.
func setScanHook(t *testing.T, fn func()) {
	t.Helper()
	heatScanHook = fn
	t.Cleanup(func() { heatScanHook = nil })
}

// naiveHeat is the documented Heat semantics written as plainly as possible
// over the posts recorded (in Record order, none dropped): filter, order
// (languages by key then arrival, or the Last newest across languages,
// oldest first), then one Grid. The store's scan must give the same bytes.
func naiveHeat(t *testing.T, posts []post.Post, q store.HeatQuery) store.HeatResult {
	t.Helper()
	q, err := q.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	box, err := analysis.NewBox(q.BBox)
	if err != nil {
		t.Fatal(err)
	}
	var head int64
	for _, p := range posts {
		head = max(head, p.Time.UnixNano())
	}
	type match struct {
		seq  int
		lang string
		p    post.Point
	}
	var ms []match
	for i, p := range posts {
		src := store.PointSource(&p)
		switch {
		case src == post.GeoNone, !q.Geo.Has(src),
			q.Lang != "" && p.Lang != q.Lang,
			q.Window > 0 && p.Time.UnixNano() <= head-int64(q.Window),
			!box.Contains(p.Point):
			continue
		}
		if q.Tag != "" && !slices.ContainsFunc(p.Hashtags, func(h string) bool { return pytext.Lower(h) == pytext.Lower(q.Tag) }) {
			continue
		}
		ms = append(ms, match{i, p.Lang, p.Point})
	}
	if q.Last > 0 {
		ms = ms[max(len(ms)-q.Last, 0):] // already in arrival order
	} else {
		slices.SortStableFunc(ms, func(a, b match) int {
			if a.lang != b.lang {
				if a.lang < b.lang {
					return -1
				}
				return 1
			}
			return a.seq - b.seq
		})
	}
	g := analysis.NewGrid(q.Zoom)
	for _, m := range ms {
		g.Add(m.p)
	}
	return g.Result(q.Limit)
}

// TestHeatMatchesNaive: the chunked scan without the lock, with its fast
// paths (world, whole provenance set), gives bit-identical answers to the
// plain definition, over a mixed store (several languages, a quarter of
// the points of each provenance, several chunks per language).
func TestHeatMatchesNaive(t *testing.T) {
	s := open(t, Options{Now: storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour)).Now})
	defer s.Close()
	gen := newGenerator(3)
	ctx := context.Background()
	var all []post.Post
	const n, per = 60_000, 256
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		b := gen.batch(k, storetest.T0.Add(time.Duration(i)*time.Second), time.Duration(k)*time.Second)
		if i >= n/2 {
			b = withProvenance(b) // the second half mixes provenances
		}
		if err := s.Record(ctx, b); err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	popular := genTagText[1]
	europe := store.BBox{West: -10, South: 35, East: 30, North: 60}
	pacific := store.BBox{West: 150, South: -60, East: -150, North: 60}
	var queries []store.HeatQuery
	for _, base := range []store.HeatQuery{
		{}, {Lang: "en"}, {Lang: "ja"}, {Tag: popular}, {Tag: strings.ToUpper(popular)},
		{BBox: europe}, {BBox: pacific},
		{BBox: store.BBox{West: -180, South: -85, East: 180, North: 85}}, // the dashboard's world
		{BBox: store.BBox{West: -180, South: 10, East: 180, North: 40}},  // a band of latitudes {Geo: post.GeoSetAll}, {Geo: post.GeoSetInferred},
		{Lang: "es", Tag: popular, BBox: europe, Geo: post.GeoSetAll},
	} {
		for _, mod := range []func(q *store.HeatQuery){
			func(q *store.HeatQuery) {},
			func(q *store.HeatQuery) { q.Window = 3 * time.Hour },
			func(q *store.HeatQuery) { q.Last = 777 },
			func(q *store.HeatQuery) { q.Last = 50_000; q.Window = 10 * time.Hour },
			func(q *store.HeatQuery) { q.Zoom = 7; q.Limit = 300 },
			func(q *store.HeatQuery) { q.Zoom = 16 },
		} {
			q := base
			mod(&q)
			queries = append(queries, q)
			if q.Geo == 0 {
				// Every language holds inferred points, so the default set
				// takes the per-point provenance path; the whole set takes
				// the fast paths (world, latitude band, box, tag).
				q.Geo = post.GeoSetAll
				queries = append(queries, q)
			}
		}
	}
	for _, q := range queries {
		got, err := s.Heat(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		want := naiveHeat(t, all, q)
		if want.Points == 0 && q.Tag == "" && q.Geo != post.GeoSetInferred {
			t.Fatalf("%+v matches nothing: the test would prove little", q)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: got points %d, %d cells; want points %d, %d cells (or different bytes)",
				q, got.Points, len(got.Cells), want.Points, len(want.Cells))
		}
	}
}

// TestScansDoNotBlockRecord: while a heat scan or a box's histogram is in
// progress (held in its hook, after the snapshot), Record completes. Before
// they ran without the lock this Record waited for the scan, which waited
// for it: the test would fail at its timeout. The timeout only turns that
// deadlock into a failure; a passing run never comes near it.
func TestScansDoNotBlockRecord(t *testing.T) {
	ctx := context.Background()
	world := store.BBox{West: -180, South: -90, East: 180, North: 90}
	for _, tc := range []struct {
		name  string
		hook  *func() // runs before every run of up to a chunk the scan reads
		query func(s *Store) (res any, points int64, err error)
	}{
		{"heat", &heatScanHook, func(s *Store) (any, int64, error) {
			r, err := s.Heat(ctx, store.HeatQuery{})
			return r, r.Points, err
		}},
		{"histogram", &histogramScanHook, func(s *Store) (any, int64, error) {
			r, err := s.Histogram(ctx, store.HistogramQuery{BBox: world})
			return r, r.Points, err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fill(t, Options{}, 50_000)
			defer s.Close()
			before, nBefore, err := tc.query(s)
			if err != nil {
				t.Fatal(err)
			}
			gen := newGenerator(9)
			recorded := 0
			var hookCalls int
			*tc.hook = func() {
				hookCalls++
				if hookCalls != 2 { // mid-scan, not at its start
					return
				}
				done := make(chan error, 1)
				go func() {
					// Every post with a point, so the answer must change.
					b := gen.batch(300, storetest.T0.Add(48*time.Hour), time.Minute)
					for i := range b {
						b[i].HasPoint = true
						b[i].Point = post.Point{Lat: 1, Lon: 1}
					}
					done <- s.Record(ctx, b)
				}()
				select {
				case err := <-done:
					if err != nil {
						t.Error(err)
					}
					recorded++
				case <-time.After(time.Minute):
					t.Fatal("Record did not complete during a scan: the scan holds the lock")
				}
			}
			t.Cleanup(func() { *tc.hook = nil })
			during, _, err := tc.query(s)
			if err != nil {
				t.Fatal(err)
			}
			if recorded != 1 || hookCalls < 3 {
				t.Fatalf("recorded %d batches during a scan of %d chunks, want 1 during a scan of several", recorded, hookCalls)
			}
			// The scan answers for its snapshot; the next one sees the new batch.
			if !reflect.DeepEqual(during, before) {
				t.Errorf("answer during the Record differs from the snapshot's (%d points)", nBefore)
			}
			*tc.hook = nil
			_, nAfter, err := tc.query(s)
			if err != nil {
				t.Fatal(err)
			}
			if nAfter != nBefore+300 {
				t.Errorf("after the Record: %d points, want %d", nAfter, nBefore+300)
			}
		})
	}
}

// TestHeatRecordProgress: a heat loop over many points runs in one
// goroutine while another records; both make progress, and the writer
// finishes all its batches while the heat loop keeps going (it stops only
// once the writer is done), so every Record ran alongside heat scans.
func TestHeatRecordProgress(t *testing.T) {
	s := fill(t, Options{MaxPosts: 200_000}, 200_000)
	defer s.Close()
	ctx := context.Background()
	var heats atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Heat(ctx, store.HeatQuery{Zoom: 3}); err != nil {
				t.Error(err)
				return
			}
			heats.Add(1)
		}
	})
	// Wait for the loop to be scanning before recording.
	for deadline := time.Now().Add(20 * time.Second); heats.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no heat query finished in 20 s")
		}
	}
	gen := newGenerator(11)
	const batches = 200
	for i := range batches {
		if err := s.Record(ctx, gen.batch(256, storetest.T0.Add(100*time.Hour+time.Duration(i)*time.Second), time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if heats.Load() < 2 {
		t.Errorf("%d heat queries ran alongside %d Records", heats.Load(), batches)
	}
	t.Logf("%d Records of 256 posts alongside %d heat scans of 200k posts", batches, heats.Load())
}

// cellCentre returns the centre of cell k of the zoom 2 grid (64×32 cells),
// so that a cell's mean is exactly its centre whatever points it holds and
// a point read from a reused or torn record shows as a wrong position.
func cellCentre(k int) post.Point {
	deg := analysis.CellDegrees(2)
	col, row := k%64, (k/64)%32
	return post.Point{Lat: -90 + (float64(row)+0.5)*deg, Lon: -180 + (float64(col)+0.5)*deg}
}

// TestHeatConcurrentRecordRace runs heat queries of every kind (world,
// window, tag, box, Last, mixed provenance) and histograms of boxes
// against Records that drop from
// the front through MaxPosts and retention, so chunks are released while
// scans read them. Under -race a scan reading memory a writer touches is a
// failure; the answers are checked for consistency as well: with MaxPosts
// and every post located, a world query sees exactly MaxPosts points once
// the store is full, and every cell is exactly at its centre.
func TestHeatConcurrentRecordRace(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		// Enough held that a scan spans many chunks, and batches large
		// enough that chunks are released while scans run.
		{"maxposts", Options{MaxPosts: 40_000}},
		{"retention", Options{Retention: 4 * time.Minute}}, // 24,000 posts at 10 ms each
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
			tc.opts.Now = clock.Now
			s := open(t, tc.opts)
			defer s.Close()
			ctx := context.Background()
			langs := []string{"en", "es", "ja"}
			const batches, per = 400, 256
			var full atomic.Bool // MaxPosts posts held
			var queries atomic.Int64
			done := make(chan struct{})
			var wg sync.WaitGroup
			check := func(q store.HeatQuery) {
				// Read before the query: a query that snapshots a full
				// store must see MaxPosts points.
				wasFull := full.Load()
				res, err := s.Heat(ctx, q)
				if err != nil {
					t.Error(err)
					return
				}
				queries.Add(1)
				var sum int64
				for _, c := range res.Cells {
					sum += c.Weight
					col, row := analysis.CellIndex(post.Point{Lat: c.Lat, Lon: c.Lon}, 2)
					if want := cellCentre(int(row)*64 + int(col)); q.Zoom == 2 && (c.Lat != want.Lat || c.Lon != want.Lon) {
						t.Errorf("%+v: cell at %v,%v, want its centre %v", q, c.Lat, c.Lon, want)
					}
				}
				if sum != res.Points {
					t.Errorf("%+v: weights add up to %d, points %d", q, sum, res.Points)
				}
				if q == (store.HeatQuery{Zoom: 2, Geo: post.GeoSetAll}) && tc.opts.MaxPosts > 0 && wasFull && res.Points != int64(tc.opts.MaxPosts) {
					t.Errorf("world heat of a full store = %d points, want %d", res.Points, tc.opts.MaxPosts)
				}
			}
			qs := []store.HeatQuery{
				{Zoom: 2, Geo: post.GeoSetAll},
				{Zoom: 2},
				{Zoom: 2, Window: time.Minute},
				{Zoom: 2, Lang: "es", Tag: "even"},
				{Zoom: 2, BBox: store.BBox{West: -100, South: -40, East: 100, North: 40}},
				{Zoom: 2, Last: 700},
				{Zoom: 5, Last: 3000, Geo: post.GeoSetInferred},
			}
			// Histograms of a box count a snapshot without the lock too.
			hists := []store.HistogramQuery{
				{BBox: store.BBox{West: -180, South: -90, East: 180, North: 90}, Geo: post.GeoSetAll},
				{BBox: store.BBox{West: -100, South: -40, East: 100, North: 40}, Buckets: 500},
				{BBox: store.BBox{West: -100, South: -40, East: 100, North: 40}, Lang: "es", Tag: "even"},
			}
			checkHistogram := func(q store.HistogramQuery) {
				wasFull := full.Load()
				res, err := s.Histogram(ctx, q)
				if err != nil {
					t.Error(err)
					return
				}
				queries.Add(1)
				var sum int64
				for _, b := range res.Buckets {
					sum += b.Points
				}
				if sum != res.Points {
					t.Errorf("%+v: buckets add up to %d points, total %d", q, sum, res.Points)
				}
				if q.Geo == post.GeoSetAll && tc.opts.MaxPosts > 0 && wasFull && res.Points != int64(tc.opts.MaxPosts) {
					t.Errorf("histogram of the world in a full store = %d points, want %d", res.Points, tc.opts.MaxPosts)
				}
			}
			for r := range 2 {
				wg.Go(func() {
					for i := r; ; i++ {
						select {
						case <-done:
							return
						default:
						}
						check(qs[i%len(qs)])
						checkHistogram(hists[i%len(hists)])
					}
				})
			}
			seq := 0
			for b := range batches {
				posts := make([]post.Post, per)
				for i := range posts {
					p := post.Post{
						Lang:     langs[seq%len(langs)],
						Time:     storetest.T0.Add(time.Duration(seq) * 10 * time.Millisecond),
						HasPoint: true,
						Point:    cellCentre(seq * 7),
					}
					if seq%2 == 0 {
						p.Hashtags = []string{"Even"}
					}
					if seq%5 == 0 {
						p.GeoSource, p.GeoConfidence = post.GeoText, 0.5
					}
					posts[i] = p
					seq++
				}
				if err := s.Record(ctx, posts); err != nil {
					t.Fatal(err)
				}
				if (b+1)*per >= tc.opts.MaxPosts {
					full.Store(true)
				}
			}
			close(done)
			wg.Wait()
			st, err := s.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Dropped == 0 {
				t.Fatal("nothing was dropped: the test did not exercise drops")
			}
			t.Logf("%d heat maps and histograms alongside %d Records; %d posts dropped", queries.Load(), batches, st.Dropped)
		})
	}
}

// TestHeatStopsWhenCancelled: a query whose context is cancelled mid-scan
// returns the context's error after at most one more chunk, instead of
// scanning every chunk.
func TestHeatStopsWhenCancelled(t *testing.T) {
	s := fill(t, Options{}, 100_000)
	defer s.Close()
	for _, q := range []store.HeatQuery{{}, {Last: 20_000}, {Tag: genTagText[1]}} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			setScanHook(t, func() {
				if calls++; calls == 2 {
					cancel()
				}
			})
			if _, err := s.Heat(ctx, q); !errors.Is(err, context.Canceled) {
				t.Fatalf("Heat = %v, want context.Canceled", err)
			}
			if calls != 2 {
				t.Errorf("scan went on for %d chunks after the cancel", calls-2)
			}
			heatScanHook = nil
			res, err := s.Heat(context.Background(), q)
			if err != nil || res.Points == 0 {
				t.Fatalf("Heat after a cancelled one = %d points, %v", res.Points, err)
			}
		})
	}
}
