package analysis

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Zoom bounds. Zoom 0 cells are 22.5° (16×8 cells cover the globe), every
// zoom level halves the edge, and zoom 22 cells are about 0.6 m at the
// equator, finer than any post's coordinates.
const (
	MinZoom = 0
	MaxZoom = 22
)

// CellDegrees is the edge, in degrees of longitude and of latitude, of a heat
// cell at zoom: 22.5 / 2^zoom, with zoom clamped to MinZoom..MaxZoom. The
// value is exact in float64 (a power of two times 22.5).
func CellDegrees(zoom int) float64 {
	zoom = min(max(zoom, MinZoom), MaxZoom)
	return math.Ldexp(22.5, -zoom)
}

// gridSize returns how many cell columns (longitude) and rows (latitude)
// cover the globe at zoom: 360/deg and 180/deg, computed in integers.
func gridSize(zoom int) (cols, rows uint32) {
	return 16 << zoom, 8 << zoom
}

// CellIndex returns the column and row of the cell holding p at zoom (clamped
// to MinZoom..MaxZoom): floor((lon+180)/deg) and floor((lat+90)/deg). The
// east edge (lon 180) and the north pole (lat 90) would index one past the
// grid; they are kept in the last column and row, so that their points are
// averaged with their neighbours rather than with the other side of the
// globe (a mean of lon 180 and lon -180 would be 0). p must be Valid.
func CellIndex(p post.Point, zoom int) (col, row uint32) {
	zoom = min(max(zoom, MinZoom), MaxZoom)
	deg := CellDegrees(zoom)
	cols, rows := gridSize(zoom)
	return clampIndex((p.Lon+180)/deg, cols), clampIndex((p.Lat+90)/deg, rows)
}

func clampIndex(f float64, n uint32) uint32 {
	// Points are valid, so f >= 0; rounding can still push the last edge to
	// n itself. For 0 < f < n the conversion truncates, which is floor for
	// positive values: the same index as math.Floor without its call (the
	// heat scan runs this twice per point). !(f > 0) also catches NaN.
	if !(f > 0) {
		return 0
	}
	if f >= float64(n) {
		return n - 1
	}
	return uint32(f)
}

// Box is a validated bounding box. Build it with NewBox.
type Box struct {
	west, south, east, north float64
	crosses                  bool // West > East: the box spans the antimeridian
}

// NewBox validates b and returns it as a Box. The zero BBox means the whole
// world. Longitudes must lie in -180..180 and latitudes in -90..90 with
// South <= North; West > East is a box crossing the antimeridian (from West
// eastwards over ±180 to East). Invalid boxes (NaN included) yield an error
// wrapping store.ErrBadQuery.
func NewBox(b store.BBox) (Box, error) {
	if b.IsZero() {
		b = store.World
	}
	inRange := func(v, lim float64) bool { return v >= -lim && v <= lim } // false for NaN
	switch {
	case !inRange(b.West, 180) || !inRange(b.East, 180):
		return Box{}, fmt.Errorf("%w: bbox longitudes must be within -180..180, got west %v east %v", store.ErrBadQuery, b.West, b.East)
	case !inRange(b.South, 90) || !inRange(b.North, 90):
		return Box{}, fmt.Errorf("%w: bbox latitudes must be within -90..90, got south %v north %v", store.ErrBadQuery, b.South, b.North)
	case b.South > b.North:
		return Box{}, fmt.Errorf("%w: bbox south %v is north of north %v", store.ErrBadQuery, b.South, b.North)
	}
	return Box{west: b.West, south: b.South, east: b.East, north: b.North, crosses: b.West > b.East}, nil
}

// BBox returns the box's bounds.
func (b Box) BBox() store.BBox {
	return store.BBox{West: b.west, South: b.south, East: b.east, North: b.north}
}

// IsWorld reports whether the box holds every valid point, so callers can
// skip the test.
func (b Box) IsWorld() bool {
	return !b.crosses && b.west <= -180 && b.east >= 180 && b.south <= -90 && b.north >= 90
}

// CrossesAntimeridian reports whether the box spans lon ±180 (West > East).
func (b Box) CrossesAntimeridian() bool { return b.crosses }

// Contains reports whether p lies in the box, edges included. A box crossing
// the antimeridian holds longitudes >= West or <= East, so both -180 and 180
// are inside it.
func (b Box) Contains(p post.Point) bool {
	if p.Lat < b.south || p.Lat > b.north {
		return false
	}
	if b.crosses {
		return p.Lon >= b.west || p.Lon <= b.east
	}
	return p.Lon >= b.west && p.Lon <= b.east
}

// ValidateZoom returns an error wrapping store.ErrBadQuery when zoom is
// outside MinZoom..MaxZoom. CellDegrees clamps instead; queries reject.
func ValidateZoom(zoom int) error {
	if zoom < MinZoom || zoom > MaxZoom {
		return fmt.Errorf("%w: zoom %d outside %d..%d", store.ErrBadQuery, zoom, MinZoom, MaxZoom)
	}
	return nil
}

// cellSum accumulates one cell. key orders cells row-major from the
// south-west corner (row in the high 32 bits), the documented tie order.
//
// Positions are summed as integers: each coordinate quantised to 1e-9
// degree (about 0.1 mm) from the south-west corner of the globe
// (Quantize), summed in 128 bits. Integer sums do not depend on the order
// points are added in, so a store may add a cell's points one by one, or
// precomputed sums of many (AddCell), in any order and get the same answer
// bit for bit; and a cell whose points all sit at one place with at most
// nine decimals reports exactly that place.
type cellSum struct {
	key    uint64
	n      int64
	latSum sum128
	lonSum sum128
}

// sum128 is an unsigned 128-bit sum: a cell's quantised positions never
// overflow it (2^64 points at most).
type sum128 struct{ hi, lo uint64 }

func (s *sum128) add(v uint64) {
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, v, 0)
	s.hi += carry
}

// QuantScale is how many quantisation steps make a degree.
const QuantScale = 1e9

// Quantize returns lat and lon (a valid point) as whole QuantScale steps
// from -90 and -180, rounded to the nearest: the integers Grid sums.
func Quantize(lat, lon float64) (qLat, qLon uint64) {
	return uint64((lat+90)*QuantScale + 0.5), uint64((lon+180)*QuantScale + 0.5)
}

// mean returns the mean of n quantised coordinates summing to s, in
// degrees from offset (90 or 180).
func (s sum128) mean(n int64, offset float64) float64 {
	// s/n < 2^64 since every term is, so hi < n and Div64 cannot panic.
	q, r := bits.Div64(s.hi, s.lo, uint64(n))
	whole := float64(int64(q) - int64(offset*QuantScale))
	if r == 0 {
		// One correctly rounded division: a place given with at most nine
		// decimals comes back as the same float64.
		return whole / QuantScale
	}
	return (whole + float64(r)/float64(n)) / QuantScale
}

// heavier orders cells by weight descending, ties by key ascending (southern
// row first, then western column), so that Limit keeps the same cells on
// every store whatever order the points came in.
func heavier(a, b cellSum) bool {
	if a.n != b.n {
		return a.n > b.n
	}
	return a.key < b.key
}

// Grid bins points into the cells of one zoom level and reports each cell at
// the mean position of its points. The zero Grid is not usable; call
// NewGrid. A Grid is reusable via Reset and not safe for concurrent use.
type Grid struct {
	zoom int
	deg  float64
	cols uint32
	rows uint32
	// Cell key -> position in cells. Coarse grids (the usual world view)
	// use a dense table, one slot per cell, because a map lookup per point
	// dominated the cost; finer grids, with up to billions of possible cells,
	// use the map.
	dense  []int32 // row*cols+col -> position+1; 0 = empty
	index  map[uint64]int32
	cells  []cellSum
	points int64
	// Consecutive posts often come from the same place (a city, one user's
	// phone), so the last cell is checked before the map.
	lastKey uint64
	lastPos int32
	isDense bool // the dense table indexes the cells (cols×rows <= denseCells)
}

// denseCells is the largest grid indexed by a dense table (zoom 5: 512×256
// cells, a 512 KiB table).
const denseCells = 1 << 17

// NewGrid returns an empty grid at zoom, clamped to MinZoom..MaxZoom.
func NewGrid(zoom int) *Grid {
	g := &Grid{index: make(map[uint64]int32)}
	g.Reset(zoom)
	return g
}

// Reset empties the grid and sets its zoom (clamped), keeping its memory.
func (g *Grid) Reset(zoom int) {
	g.forgetIndex()
	g.zoom = min(max(zoom, MinZoom), MaxZoom)
	g.deg = CellDegrees(g.zoom)
	g.cols, g.rows = gridSize(g.zoom)
	n := int(g.cols) * int(g.rows)
	g.isDense = n <= denseCells
	if g.isDense && len(g.dense) < n {
		g.dense = make([]int32, n)
	}
	g.cells = g.cells[:0]
	g.points = 0
}

// forgetIndex empties the key -> position index, touching only the slots
// of the cells present.
func (g *Grid) forgetIndex() {
	if g.isDense {
		for _, c := range g.cells {
			g.dense[g.denseSlot(c.key)] = 0
		}
	} else {
		clear(g.index)
	}
	g.lastPos = -1
}

func (g *Grid) denseSlot(key uint64) int {
	return int(key>>32)*int(g.cols) + int(uint32(key))
}

// lookup returns the position of the cell with key in cells, adding it
// (starting at lat, lon) when new. Only grids too fine for the dense table
// use it; AddLatLon indexes the dense table itself.
func (g *Grid) lookup(key uint64) int32 {
	if pos, ok := g.index[key]; ok {
		return pos
	}
	g.index[key] = int32(len(g.cells))
	g.cells = append(g.cells, cellSum{key: key})
	return int32(len(g.cells) - 1)
}

// densePos returns the position in cells of the cell at col, row through
// the dense table; small enough to be inlined into the per-point path,
// with a new cell's bookkeeping out of line.
func (g *Grid) densePos(col, row uint32) int32 {
	slot := int(row)*int(g.cols) + int(col)
	if pos := g.dense[slot] - 1; pos >= 0 {
		return pos
	}
	return g.newDense(slot, col, row)
}

func (g *Grid) newDense(slot int, col, row uint32) int32 {
	pos := int32(len(g.cells))
	g.dense[slot] = pos + 1
	g.cells = append(g.cells, cellSum{key: uint64(row)<<32 | uint64(col)})
	return pos
}

// Add bins one point. p must be Valid (stores only hold valid points).
func (g *Grid) Add(p post.Point) { g.AddLatLon(p.Lat, p.Lon) }

// AddLatLon is Add for a point given as its coordinates, so that a store
// scanning its own records bins them without building a post.Point (or a
// copy of them all) first.
func (g *Grid) AddLatLon(lat, lon float64) {
	// The division (not a multiplication by 1/deg, which is inexact) keeps
	// every point in the cell CellIndex documents.
	col := clampIndex((lon+180)/g.deg, g.cols)
	row := clampIndex((lat+90)/g.deg, g.rows)
	g.points++
	var pos int32
	if g.isDense {
		// One load from a table of at most 512 KiB (8 KiB for the world
		// view at zoom 2) is cheaper than comparing with the last key
		// and then looking up anyway whenever consecutive points are in
		// different cells, as they mostly are across a whole language.
		pos = g.densePos(col, row)
	} else {
		key := uint64(row)<<32 | uint64(col)
		pos = g.lastPos
		if pos < 0 || g.lastKey != key {
			pos = g.lookup(key)
			g.lastKey, g.lastPos = key, pos
		}
	}
	c := &g.cells[pos]
	qLat, qLon := Quantize(lat, lon)
	c.latSum.add(qLat)
	c.lonSum.add(qLon)
	c.n++
}

// AddCell adds n points of the cell at col, row (this grid's zoom) whose
// quantised coordinates (Quantize) sum to latSum and lonSum: what a store
// keeps in its aggregates. The answer is the same as adding the points
// one by one.
func (g *Grid) AddCell(col, row uint32, n int64, latSum, lonSum uint64) {
	if n <= 0 {
		return
	}
	var pos int32
	if g.isDense {
		pos = g.densePos(col, row)
	} else {
		pos = g.lookup(uint64(row)<<32 | uint64(col))
	}
	c := &g.cells[pos]
	c.latSum.add(latSum)
	c.lonSum.add(lonSum)
	c.n += n
	g.points += n
}

// Zoom is the grid's zoom level.
func (g *Grid) Zoom() int { return g.zoom }

// inCell returns v (a mean coordinate, offset 90 for latitudes, 180 for
// longitudes) moved, when quantisation put it past an edge of its cell
// (index idx of n), onto the nearest value inside: a cell's mean stays in
// the cell, so CellIndex finds the cell again (MergeCells relies on it),
// and on the globe.
func (g *Grid) inCell(v float64, idx, n uint32, offset float64) float64 {
	v = min(max(v, -offset), offset)
	// CellIndex reads v+offset, whose last bit is worth up to offset×2^-52
	// (v+offset < 2×offset): step by that.
	step := offset * 0x1p-51
	for range 64 {
		switch at := clampIndex((v+offset)/g.deg, n); {
		case at > idx:
			v = min(v, float64(idx+1)*g.deg-offset) - step
		case at < idx:
			v = max(v, float64(idx)*g.deg-offset) + step
		default:
			return v
		}
	}
	return v
}

// AddAll bins every point of ps.
func (g *Grid) AddAll(ps []post.Point) {
	for _, p := range ps {
		g.AddLatLon(p.Lat, p.Lon)
	}
}

// Points reports how many points were added.
func (g *Grid) Points() int64 { return g.points }

// Result returns the cells, heaviest first (ties: southern row first, then
// western column). limit > 0 keeps only the limit heaviest and sets
// Truncated when that dropped cells; Points and MaxWeight describe all cells
// before the limit. Cells is never nil. Result leaves the grid empty, at
// the same zoom, ready for new points.
func (g *Grid) Result(limit int) store.HeatResult {
	res := store.HeatResult{Points: g.points, CellDeg: g.deg}
	k := len(g.cells)
	if limit > 0 && limit < k {
		k = limit
		res.Truncated = true
	}
	best := selectBest(g.cells, k, heavier)
	res.Cells = make([]store.HeatCell, len(best))
	for i, c := range best {
		row, col := uint32(c.key>>32), uint32(c.key)
		lat := g.inCell(c.latSum.mean(c.n, 90), row, g.rows, 90)
		lon := g.inCell(c.lonSum.mean(c.n, 180), col, g.cols, 180)
		res.Cells[i] = store.HeatCell{Lat: lat, Lon: lon, Weight: c.n}
	}
	if len(best) > 0 {
		res.MaxWeight = best[0].n
	}
	// The index no longer matches the reordered cells.
	g.forgetIndex()
	g.cells = g.cells[:0]
	g.points = 0
	return res
}
