package analysis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

func TestCellDegrees(t *testing.T) {
	tests := []struct {
		zoom int
		want float64
	}{
		{-3, 22.5}, // clamped
		{0, 22.5},
		{1, 11.25},
		{4, 22.5 / 16},
		{22, 22.5 / 4194304},
		{30, 22.5 / 4194304}, // clamped
	}
	for _, tt := range tests {
		if got := CellDegrees(tt.zoom); got != tt.want {
			t.Errorf("CellDegrees(%d) = %v, want %v", tt.zoom, got, tt.want)
		}
	}
}

func TestValidateZoom(t *testing.T) {
	for _, z := range []int{0, 1, 21, 22} {
		if err := ValidateZoom(z); err != nil {
			t.Errorf("ValidateZoom(%d) = %v", z, err)
		}
	}
	for _, z := range []int{-1, 23, math.MaxInt} {
		if err := ValidateZoom(z); !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("ValidateZoom(%d) = %v, want ErrBadQuery", z, err)
		}
	}
}

func TestCellIndex(t *testing.T) {
	tests := []struct {
		name     string
		p        post.Point
		zoom     int
		col, row uint32
	}{
		{"south-west corner", post.Point{Lat: -90, Lon: -180}, 0, 0, 0},
		{"east edge kept in last column", post.Point{Lat: 0, Lon: 180}, 0, 15, 4},
		{"north pole kept in last row", post.Point{Lat: 90, Lon: 0}, 0, 8, 7},
		{"north-east corner", post.Point{Lat: 90, Lon: 180}, 3, 16<<3 - 1, 8<<3 - 1},
		{"cell edge belongs to the cell east of it", post.Point{Lat: 0, Lon: -157.5}, 0, 1, 4},
		{"just west of an edge", post.Point{Lat: 0, Lon: math.Nextafter(-157.5, -180)}, 0, 0, 4},
		{"zoom 22 east edge", post.Point{Lat: 0, Lon: 180}, 22, 16<<22 - 1, 4 << 22},
		{"zoom 22 near the antimeridian", post.Point{Lat: 0, Lon: math.Nextafter(180, 0)}, 22, 16<<22 - 1, 4 << 22},
		{"zoom clamped", post.Point{Lat: -90, Lon: -180}, 99, 0, 0},
	}
	for _, tt := range tests {
		col, row := CellIndex(tt.p, tt.zoom)
		if col != tt.col || row != tt.row {
			t.Errorf("%s: CellIndex(%v, %d) = (%d, %d), want (%d, %d)", tt.name, tt.p, tt.zoom, col, row, tt.col, tt.row)
		}
	}
}

func TestNewBoxAndContains(t *testing.T) {
	type probe struct {
		p    post.Point
		want bool
	}
	tests := []struct {
		name    string
		b       store.BBox
		world   bool
		crosses bool
		probes  []probe
	}{
		{"zero value is the world", store.BBox{}, true, false, []probe{
			{post.Point{Lat: 90, Lon: 180}, true},
			{post.Point{Lat: -90, Lon: -180}, true},
			{post.Point{Lat: 0, Lon: 0}, true},
		}},
		{"plain box, edges inclusive", store.BBox{West: -10, South: 40, East: 5, North: 55}, false, false, []probe{
			{post.Point{Lat: 40, Lon: -10}, true},
			{post.Point{Lat: 55, Lon: 5}, true},
			{post.Point{Lat: 47, Lon: 0}, true},
			{post.Point{Lat: 39.999, Lon: 0}, false},
			{post.Point{Lat: 47, Lon: 5.0001}, false},
			{post.Point{Lat: 47, Lon: 170}, false},
		}},
		{"antimeridian crossing", store.BBox{West: 170, South: -50, East: -170, North: -10}, false, true, []probe{
			{post.Point{Lat: -40, Lon: 175}, true},  // Fiji side
			{post.Point{Lat: -40, Lon: -175}, true}, // Samoa side
			{post.Point{Lat: -40, Lon: 180}, true},
			{post.Point{Lat: -40, Lon: -180}, true},
			{post.Point{Lat: -40, Lon: 170}, true},
			{post.Point{Lat: -40, Lon: -170}, true},
			{post.Point{Lat: -40, Lon: 0}, false},
			{post.Point{Lat: -40, Lon: 169.9}, false},
			{post.Point{Lat: -40, Lon: -169.9}, false},
			{post.Point{Lat: 0, Lon: 175}, false},
		}},
		{"a pole cap", store.BBox{West: -180, South: 80, East: 180, North: 90}, false, false, []probe{
			{post.Point{Lat: 90, Lon: 0}, true},
			{post.Point{Lat: 80, Lon: -180}, true},
			{post.Point{Lat: 79.9, Lon: 0}, false},
		}},
		{"the ±180 meridian only", store.BBox{West: 180, South: -90, East: -180, North: 90}, false, true, []probe{
			{post.Point{Lat: 0, Lon: 180}, true},
			{post.Point{Lat: 0, Lon: -180}, true},
			{post.Point{Lat: 0, Lon: 179}, false},
		}},
		{"a degenerate point box", store.BBox{West: 2, South: 3, East: 2, North: 3}, false, false, []probe{
			{post.Point{Lat: 3, Lon: 2}, true},
			{post.Point{Lat: 3, Lon: 2.0000001}, false},
		}},
		{"explicit world", store.World, true, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBox(tt.b)
			if err != nil {
				t.Fatalf("NewBox(%+v): %v", tt.b, err)
			}
			if b.IsWorld() != tt.world || b.CrossesAntimeridian() != tt.crosses {
				t.Errorf("IsWorld=%v Crosses=%v, want %v %v", b.IsWorld(), b.CrossesAntimeridian(), tt.world, tt.crosses)
			}
			for _, pr := range tt.probes {
				if got := b.Contains(pr.p); got != pr.want {
					t.Errorf("Contains(%v) = %v, want %v", pr.p, got, pr.want)
				}
			}
		})
	}
}

func TestNewBoxRejects(t *testing.T) {
	nan := math.NaN()
	for _, b := range []store.BBox{
		{West: -181, South: 0, East: 0, North: 1},
		{West: 0, South: 0, East: 180.5, North: 1},
		{West: 0, South: -91, East: 1, North: 1},
		{West: 0, South: 0, East: 1, North: 90.01},
		{West: 0, South: 10, East: 1, North: 5}, // south of north
		{West: nan, South: 0, East: 1, North: 1},
		{West: 0, South: 0, East: 1, North: nan},
		{West: math.Inf(-1), South: 0, East: 1, North: 1},
	} {
		if _, err := NewBox(b); !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("NewBox(%+v) = %v, want ErrBadQuery", b, err)
		}
	}
}

func TestGrid(t *testing.T) {
	pt := func(lat, lon float64) post.Point { return post.Point{Lat: lat, Lon: lon} }
	tests := []struct {
		name      string
		zoom      int
		points    []post.Point
		limit     int
		want      []store.HeatCell
		truncated bool
	}{
		{name: "empty", zoom: 0, want: []store.HeatCell{}},
		{
			name: "mean position per cell, heaviest first", zoom: 0,
			points: []post.Point{pt(10, 10), pt(20, 20), pt(-30, -100), pt(12, 14)},
			want: []store.HeatCell{
				{Lat: 14, Lon: 44.0 / 3, Weight: 3},
				{Lat: -30, Lon: -100, Weight: 1},
			},
		},
		{
			name: "same place many times reports exactly that place", zoom: 22,
			points: []post.Point{pt(0.1, 0.7), pt(0.1, 0.7), pt(0.1, 0.7)},
			want:   []store.HeatCell{{Lat: 0.1, Lon: 0.7, Weight: 3}},
		},
		{
			name: "ties: southern row first, then western column", zoom: 0,
			points: []post.Point{pt(50, 50), pt(-50, 50), pt(-50, -50), pt(50, -50)},
			want: []store.HeatCell{
				{Lat: -50, Lon: -50, Weight: 1},
				{Lat: -50, Lon: 50, Weight: 1},
				{Lat: 50, Lon: -50, Weight: 1},
				{Lat: 50, Lon: 50, Weight: 1},
			},
		},
		{
			name: "limit keeps the heaviest, ties deterministic", zoom: 0, limit: 2,
			points: []post.Point{pt(50, 50), pt(-50, 50), pt(-50, 50), pt(-50, -50), pt(50, -50)},
			want: []store.HeatCell{
				{Lat: -50, Lon: 50, Weight: 2},
				{Lat: -50, Lon: -50, Weight: 1},
			},
			truncated: true,
		},
		{
			name: "limit equal to cells is not truncation", zoom: 0, limit: 1,
			points: []post.Point{pt(1, 1), pt(2, 2)},
			want:   []store.HeatCell{{Lat: 1.5, Lon: 1.5, Weight: 2}},
		},
		{
			name: "±180 are different cells, never averaged to 0", zoom: 0,
			points: []post.Point{pt(0, 180), pt(0, -180), pt(0, 179)},
			want: []store.HeatCell{
				{Lat: 0, Lon: 179.5, Weight: 2},
				{Lat: 0, Lon: -180, Weight: 1},
			},
		},
		{
			name: "poles stay on the globe", zoom: 5,
			points: []post.Point{pt(90, 0), pt(90, 0.1), pt(-90, 0)},
			want: []store.HeatCell{
				{Lat: 90, Lon: 0.05, Weight: 2},
				{Lat: -90, Lon: 0, Weight: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGrid(tt.zoom)
			// Reuse must not leak state: fill with junk, then Reset.
			g.Add(pt(1, 1))
			g.Result(0)
			g.Reset(tt.zoom)
			g.AddAll(tt.points)
			res := g.Result(tt.limit)
			if res.Points != int64(len(tt.points)) || res.CellDeg != CellDegrees(tt.zoom) || res.Truncated != tt.truncated {
				t.Errorf("Points=%d CellDeg=%v Truncated=%v", res.Points, res.CellDeg, res.Truncated)
			}
			if res.Cells == nil {
				t.Fatal("Cells is nil")
			}
			if len(res.Cells) != len(tt.want) {
				t.Fatalf("cells = %+v, want %+v", res.Cells, tt.want)
			}
			for i := range tt.want {
				got, want := res.Cells[i], tt.want[i]
				if got.Weight != want.Weight || math.Abs(got.Lat-want.Lat) > 1e-12 || math.Abs(got.Lon-want.Lon) > 1e-12 {
					t.Errorf("cell %d = %+v, want %+v", i, got, want)
				}
			}
			var maxW int64
			for _, c := range tt.want {
				maxW = max(maxW, c.Weight)
			}
			if res.MaxWeight != maxW {
				t.Errorf("MaxWeight = %d, want %d", res.MaxWeight, maxW)
			}
		})
	}
}

// TestGridLimitIndependentOfOrder checks that the limit keeps the same cells
// whatever order the points arrive in, which is what lets two stores agree.
func TestGridLimitIndependentOfOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]post.Point, 2000)
	for i := range pts {
		pts[i] = post.Point{Lat: float64(rng.IntN(40)) - 20, Lon: float64(rng.IntN(40)) - 20}
	}
	g := NewGrid(1)
	g.AddAll(pts)
	want := g.Result(25)
	for range 5 {
		rng.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
		g.Reset(1)
		g.AddAll(pts)
		got := g.Result(25)
		for i := range want.Cells {
			if got.Cells[i].Weight != want.Cells[i].Weight ||
				math.Abs(got.Cells[i].Lat-want.Cells[i].Lat) > 1e-9 || math.Abs(got.Cells[i].Lon-want.Cells[i].Lon) > 1e-9 {
				t.Fatalf("cell %d differs after shuffle: %+v vs %+v", i, got.Cells[i], want.Cells[i])
			}
		}
		if !reflect.DeepEqual([]any{got.Points, got.MaxWeight, got.Truncated}, []any{want.Points, want.MaxWeight, want.Truncated}) {
			t.Fatalf("summary differs after shuffle")
		}
	}
}

// cityPoints returns n points clustered around a few hundred "cities", the
// shape of real geotagged posts.
func cityPoints(n int) []post.Point {
	rng := rand.New(rand.NewPCG(5, 6))
	cities := make([]post.Point, 300)
	for i := range cities {
		cities[i] = post.Point{Lat: rng.Float64()*120 - 60, Lon: rng.Float64()*360 - 180}
	}
	pts := make([]post.Point, n)
	for i := range pts {
		c := cities[int(math.Pow(rng.Float64(), 3)*float64(len(cities)))]
		pts[i] = post.Point{
			Lat: min(max(c.Lat+rng.NormFloat64()*0.2, -90), 90),
			Lon: min(max(c.Lon+rng.NormFloat64()*0.2, -180), 180),
		}
	}
	return pts
}

func BenchmarkGrid(b *testing.B) {
	pts := cityPoints(1_000_000)
	for _, tc := range []struct{ zoom, limit int }{{0, 0}, {4, 0}, {8, 1000}, {14, 1000}} {
		b.Run(fmt.Sprintf("points=1M/zoom=%d/limit=%d", tc.zoom, tc.limit), func(b *testing.B) {
			b.ReportAllocs()
			g := NewGrid(tc.zoom)
			var cells int
			for b.Loop() {
				g.Reset(tc.zoom)
				g.AddAll(pts)
				cells = len(g.Result(tc.limit).Cells)
			}
			b.ReportMetric(float64(cells), "cells")
		})
	}
}

func BenchmarkBoxContains(b *testing.B) {
	pts := cityPoints(100_000)
	box, _ := NewBox(store.BBox{West: 170, South: -60, East: -30, North: 60})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, p := range pts {
			if box.Contains(p) {
				n++
			}
		}
	}
	_ = n
}

// TestClampIndexMatchesFloor: the conversion-based clampIndex gives the
// index math.Floor would, for edges, values just around them and random
// quotients in and beyond the grid.
func TestClampIndexMatchesFloor(t *testing.T) {
	ref := func(f float64, n uint32) uint32 {
		i := math.Floor(f)
		if i <= 0 {
			return 0
		}
		if i >= float64(n) {
			return n - 1
		}
		return uint32(i)
	}
	var fs []float64
	for _, n := range []float64{0, 1, 2, 15, 16, 17, 8 << 22, 16 << 22} {
		fs = append(fs, n, math.Nextafter(n, -1), math.Nextafter(n, math.Inf(1)), n+0.5)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		fs = append(fs, r.Float64()*float64(16<<22)*1.01, r.Float64()*20)
	}
	for _, n := range []uint32{8, 16, 8 << 10, 16 << 22} {
		for _, f := range fs {
			if got, want := clampIndex(f, n), ref(f, n); got != want {
				t.Fatalf("clampIndex(%v, %d) = %d, want %d", f, n, got, want)
			}
		}
	}
}

// TestGridSumsAnyOrder checks what stores' aggregates rely on: adding a
// cell's points one by one, in any order, or as precomputed sums of parts
// (AddCell) gives the same answer bit for bit, and every mean stays in its
// cell (points crowd the cell edges here, where quantising can round past
// them).
func TestGridSumsAnyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, zoom := range []int{0, 3, 7, 12} {
		deg := CellDegrees(zoom)
		var pts []post.Point
		for range 5000 {
			// A cell edge, give or take a few quantisation steps.
			lat := float64(rng.IntN(int(180/deg)))*deg - 90 + float64(rng.IntN(9)-4)*1e-10
			lon := float64(rng.IntN(int(360/deg)))*deg - 180 + rng.Float64()*deg
			if rng.IntN(3) == 0 {
				lat, lon = rng.Float64()*180-90, rng.Float64()*360-180
			}
			pts = append(pts, post.Point{Lat: min(max(lat, -90), 90), Lon: lon})
		}
		g := NewGrid(zoom)
		g.AddAll(pts)
		want := g.Result(0)

		shuffled := slices.Clone(pts)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		g.AddAll(shuffled)
		if got := g.Result(0); !reflect.DeepEqual(got, want) {
			t.Fatalf("zoom %d: shuffled points give a different answer", zoom)
		}

		// Sums of two halves per cell, added in reverse order.
		type sums struct{ n, lat, lon uint64 }
		var parts [2]map[[2]uint32]*sums
		for h := range parts {
			parts[h] = map[[2]uint32]*sums{}
			for _, p := range pts[h*len(pts)/2 : (h+1)*len(pts)/2] {
				col, row := CellIndex(p, zoom)
				s := parts[h][[2]uint32{col, row}]
				if s == nil {
					s = &sums{}
					parts[h][[2]uint32{col, row}] = s
				}
				qLat, qLon := Quantize(p.Lat, p.Lon)
				s.n, s.lat, s.lon = s.n+1, s.lat+qLat, s.lon+qLon
			}
		}
		for h := 1; h >= 0; h-- {
			for k, s := range parts[h] {
				g.AddCell(k[0], k[1], int64(s.n), s.lat, s.lon)
			}
		}
		if got := g.Result(0); !reflect.DeepEqual(got, want) {
			t.Fatalf("zoom %d: AddCell of parts gives a different answer", zoom)
		}
		for _, c := range want.Cells {
			col, row := CellIndex(post.Point{Lat: c.Lat, Lon: c.Lon}, zoom)
			g.Reset(zoom)
			for _, p := range pts {
				if pc, pr := CellIndex(p, zoom); pc == col && pr == row {
					g.Add(p)
				}
			}
			if got := g.Result(0); len(got.Cells) != 1 || got.Cells[0].Weight != c.Weight {
				t.Fatalf("zoom %d: the mean %v,%v of a cell of %d points lies in a cell of %d points", zoom, c.Lat, c.Lon, c.Weight, got.Points)
			}
		}
	}
}
