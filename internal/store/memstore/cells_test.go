package memstore

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// fakeTags gives post i 3i as its first hashtag's position and i%4 of
// them, or more than the index's count holds for every 1000th.
func fakeTags(post uint32) (uint32, int) {
	if post%1000 == 999 {
		return 3 * post, manyTags + 7
	}
	return 3 * post, int(post % 4)
}

// TestEachInBox checks the cell index against reading every point: the
// same positions, in order, for boxes inside one cell, across many, on the
// grid's edges and across the antimeridian, after drops from the front
// (chunks with stale slots before the head) and with a filling last chunk;
// and with each selection of provenance classes, against reading every
// point's provenance.
func TestEachInBox(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var p pointDeque
	var meta deque[geoMeta]
	sources := []post.GeoSource{post.GeoExact, post.GeoPlace, post.GeoProfile, post.GeoText}
	edges := []float64{-180, 180, -90, 90, 0, 5.625, -5.625}
	for i := range 5*chunkLen + 300 {
		g := geoRec{lat: r.Float64()*180 - 90, lon: r.Float64()*360 - 180, post: uint32(i)}
		if i%17 == 0 { // points exactly on grid lines and the world's edge
			g.lat = max(min(edges[r.IntN(len(edges))], 90), -90)
			g.lon = edges[r.IntN(len(edges))]
		}
		if i%5 == 0 { // a dense city
			g.lat, g.lon = 40.4+r.Float64()*0.1, -3.7+r.Float64()*0.1
		}
		meta.Push(geoMeta{source: sources[r.IntN(len(sources))]})
		p.PushTimed(g, int64(i), fakeTags, &meta)
		if i == 2*chunkLen+10 {
			p.DropFront(chunkLen + 500)
			meta.DropFront(chunkLen + 500)
		}
	}
	boxes := []store.BBox{
		{West: -10, South: 35, East: 30, North: 60},
		{West: -3.7, South: 40.4, East: -3.65, North: 40.45},
		{West: 170, South: -50, East: -170, North: 10}, // across ±180
		{West: -180, South: -90, East: 180, North: 90},
		{West: 0, South: 0, East: 5.625, North: 5.625},
		{West: 180, South: 90, East: 180, North: 90},
		{West: -180, South: -90, East: -180, North: -90},
	}
	for range 50 {
		w, e := r.Float64()*360-180, r.Float64()*360-180
		s, n := r.Float64()*180-90, r.Float64()*180-90
		boxes = append(boxes, store.BBox{West: w, South: min(s, n), East: e, North: max(s, n)})
	}
	for _, b := range boxes {
		box, err := analysis.NewBox(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, rg := range [][2]int{{0, p.Len()}, {3, p.Len() - 7}, {chunkLen - 1, chunkLen + 1}, {p.Len() - 100, p.Len()}} {
			for _, cls := range []*[2]bool{nil, {true, true}, {true, false}, {false, true}, {false, false}} {
				var cf *classFilter
				if cls != nil {
					cf = &classFilter{classes: *cls, meta: &meta}
				}
				var want, got []int
				for i := rg[0]; i < rg[1]; i++ {
					if box.Contains(p.Ptr(i).point()) && (cf == nil || cf.classes[classOf(meta.At(i).source)]) {
						want = append(want, i)
					}
				}
				bc := newBoxCells(box)
				p.eachInBox(&bc, rg[0], rg[1], fakeTags, cf, func(i int, g *geoRec, at uint32, n int) bool {
					if g != p.Ptr(i) {
						t.Fatalf("box %v: position %d given with another record", b, i)
					}
					if wantAt, wantN := fakeTags(p.Ptr(i).post); at != wantAt || n != wantN {
						t.Fatalf("box %v: position %d given with tags %d+%d, want %d+%d", b, i, at, n, wantAt, wantN)
					}
					got = append(got, i)
					return true
				})
				if !slices.Equal(got, want) {
					t.Errorf("box %v, positions %v: %d points through the index, %d by reading all", b, rg, len(got), len(want))
				}
				// countInBox, one chunk's part at a time.
				var n int
				for from := rg[0]; from < rg[1]; {
					to := min(rg[1], from+chunkLen-(p.head+from)&chunkMask)
					k, ok := p.countInBox(&bc, from, to, cf)
					if !ok {
						for i := from; i < to; i++ {
							if box.Contains(p.Ptr(i).point()) && (cf == nil || cf.classes[classOf(meta.At(i).source)]) {
								k++
							}
						}
					}
					n, from = n+k, to
				}
				if n != len(want) {
					t.Errorf("box %v, positions %v, classes %v: counted %d in the box, want %d", b, rg, cf, n, len(want))
				}
			}
		}
	}
	if p.cells[len(p.cells)-1] == nil || len(p.cells) != len(p.chunks)-1 {
		t.Errorf("%d chunks, %d indexed: every full chunk but the filling last one should be", len(p.chunks), len(p.cells))
	}
	p.DropFront(p.Len())
	if len(p.cells) != 0 {
		t.Errorf("%d cell indexes left after dropping everything", len(p.cells))
	}
}

// TestHeatThroughCells: heat maps of boxes small enough to be read
// through the cell index are the same, to the bit, as reading every point
// (the same points, summed in the same order), with and without windows.
func TestHeatThroughCells(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 5))
	s := fillWith(t, Options{}, 60_000, func(ps []post.Post) []post.Post {
		// Inferred points beside the platform's: the default map reads
		// the trusted class through the index's class marks.
		for i := range ps {
			if ps[i].HasPoint && r.IntN(3) == 0 {
				ps[i].GeoSource = []post.GeoSource{post.GeoProfile, post.GeoText, post.GeoPlace}[r.IntN(3)]
			}
		}
		return ps
	})
	defer s.Close()
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	for _, q := range []store.HeatQuery{
		{BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}, Zoom: 4},
		{BBox: store.BBox{West: 170, South: -50, East: -170, North: -10}, Zoom: 3},
		{BBox: store.BBox{West: -60, South: -30, East: -40, North: -10}, Zoom: 6},
		{BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}, Zoom: 5, Range: store.Range{From: st.Head.Add(-20 * time.Minute)}},
		{BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}, Zoom: 4, Geo: post.GeoSetInferred},
		{BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}, Zoom: 4, Geo: post.GeoSetAll},
		{BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}, Zoom: 4, Geo: 1<<post.GeoExact | 1<<post.GeoText},
	} {
		box, err := analysis.NewBox(q.BBox)
		if err != nil {
			t.Fatal(err)
		}
		bc, ok := heatCells(box)
		sparse := false
		for _, l := range s.langs {
			sparse = sparse || len(l.geo.cells) > 2 && l.geo.candidateShare(&bc) <= denseShare
		}
		if !ok || !sparse {
			t.Fatalf("%+v: the box is not read through the index; the test needs it to be", q.BBox)
		}
		via, err := s.Heat(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		useCellIndex = false
		all, err := s.Heat(ctx, q)
		useCellIndex = true
		if err != nil {
			t.Fatal(err)
		}
		if len(via.Cells) == 0 || !reflect.DeepEqual(via, all) {
			t.Errorf("%+v: %d cells through the index, %d reading every point (or they differ)", q, len(via.Cells), len(all.Cells))
		}
	}
}

// TestSearchTime checks the histogram's search against sort.Search, on
// times a steady stream gives and on bursts, long runs of one second and
// a gap of a day.
func TestSearchTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := map[string]func(i int, prev int64) int64{
		"steady": func(i int, prev int64) int64 { return prev + rng.Int64N(3) },
		"seconds": func(i int, prev int64) int64 {
			if rng.IntN(8) == 0 {
				return prev + int64(time.Second)
			}
			return prev
		},
		"burst": func(i int, prev int64) int64 {
			if i == chunkLen/2 {
				return prev + int64(24*time.Hour)
			}
			return prev + rng.Int64N(2)
		},
		"equal":   func(i int, prev int64) int64 { return prev },
		"growing": func(i int, prev int64) int64 { return prev + int64(i*i) },
	}
	var c chunk[geoRec]
	// The points' posts are numbered across the wrap of 32 bits.
	const front = math.MaxUint32 - chunkLen/3
	for i := range c {
		c[i].post = front + uint32(i)
	}
	for name, next := range shapes {
		for round := range 50 {
			var times deque[int64]
			prev := int64(1_700_000_000) * int64(time.Second)
			for i := range c {
				prev = next(i, prev)
				times.Push(prev)
			}
			pt := timesOf(&times, front)
			timeOf := func(i int) int64 { return times.At(i) }
			for range 200 {
				lo := rng.IntN(chunkLen + 1)
				hi := lo + rng.IntN(chunkLen+1-lo)
				// Times at, between and beyond those held.
				var at int64
				switch k := rng.IntN(4); {
				case k == 0 || hi == lo:
					at = timeOf(0) - 1 + rng.Int64N(timeOf(chunkLen-1)-timeOf(0)+3)
				case k == 1:
					at = timeOf(lo + rng.IntN(hi-lo))
				default:
					at = timeOf(lo+rng.IntN(hi-lo)) + 1 - rng.Int64N(3)
				}
				want := lo + sort.Search(hi-lo, func(x int) bool { return timeOf(lo+x) >= at })
				if got := searchTime(&c, pt, lo, hi, at); got != want {
					t.Fatalf("%s round %d: searchTime([%d, %d), %d) = %d, want %d", name, round, lo, hi, at, got, want)
				}
			}
		}
	}
}
