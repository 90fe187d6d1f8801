package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// TestMergeCells: merging the grids of two disjoint sets of points gives
// the grid of their union, cell by cell (weights exactly, positions to
// rounding), with each layer's part its own grid's cell.
func TestMergeCells(t *testing.T) {
	for _, zoom := range []int{0, 3, 8} {
		rng := rand.New(rand.NewPCG(1, uint64(zoom)))
		a, b, all := NewGrid(zoom), NewGrid(zoom), NewGrid(zoom)
		for i := range 5000 {
			// Clustered points, so that many cells hold both layers, and a
			// few on the grid's edges (lon 180, lat ±90).
			p := post.Point{Lat: 40 + rng.NormFloat64()*3, Lon: -3 + rng.NormFloat64()*5}
			if i%500 == 0 {
				p = post.Point{Lat: 90, Lon: 180}
			}
			if rng.IntN(3) == 0 {
				a.Add(p)
			} else {
				b.Add(p)
			}
			all.Add(p)
		}
		ra, rb, rall := a.Result(0), b.Result(0), all.Result(0)
		merged := MergeCells(zoom, ra.Cells, rb.Cells)
		if len(merged) != len(rall.Cells) {
			t.Fatalf("zoom %d: %d merged cells, the union has %d", zoom, len(merged), len(rall.Cells))
		}
		byIndex := map[[2]uint32]store.HeatCell{}
		for _, c := range rall.Cells {
			col, row := CellIndex(post.Point{Lat: c.Lat, Lon: c.Lon}, zoom)
			byIndex[[2]uint32{col, row}] = c
		}
		var both int
		for i, m := range merged {
			want, ok := byIndex[[2]uint32{m.Col, m.Row}]
			if !ok {
				t.Fatalf("zoom %d: merged cell %d,%d is not in the union", zoom, m.Col, m.Row)
			}
			if m.Weight() != want.Weight || math.Abs(m.Lat-want.Lat) > 1e-9 || math.Abs(m.Lon-want.Lon) > 1e-9 {
				t.Fatalf("zoom %d: merged %+v, union has %+v", zoom, m, want)
			}
			if i > 0 && merged[i-1].Weight() < m.Weight() {
				t.Fatalf("zoom %d: not heaviest first at %d", zoom, i)
			}
			if m.Parts[0].Weight > 0 && m.Parts[1].Weight > 0 {
				both++
			}
		}
		if both == 0 {
			t.Fatalf("zoom %d: no cell holds both layers: the test proves nothing", zoom)
		}
		var wa int64
		for _, m := range merged {
			wa += m.Parts[0].Weight
		}
		if wa != ra.Points {
			t.Fatalf("zoom %d: layer 0 parts sum to %d, its grid holds %d", zoom, wa, ra.Points)
		}
	}
}

func TestMergeCellsSkipsEmpty(t *testing.T) {
	got := MergeCells(2, []store.HeatCell{{Lat: 1, Lon: 1, Weight: 0}, {Lat: math.NaN(), Lon: 1, Weight: 3}}, nil)
	if len(got) != 0 {
		t.Fatalf("got %+v, want nothing from weightless or invalid cells", got)
	}
}
