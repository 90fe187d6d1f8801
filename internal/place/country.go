// Package place answers "where is this point?" and "is it in the area the
// user asked for?": the country of a point, by point-in-polygon against the
// Natural Earth outlines the dashboard bundles, and the Area a query or a
// command line selects (country=, near= with radius=, bbox=). See
// docs/geo.md.
package place

//go:generate npm run --prefix ../../web iso3166

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/geoheat/geoheat/internal/topojson"
	"github.com/geoheat/geoheat/internal/web"
)

// CellDeg is the edge of the index's grid cells in degrees. Half a degree
// keeps a coastal cell to a few dozen edges at the 50m resolution (so a
// lookup tests a handful), while the grid stays at 1 MB.
const CellDeg = 0.5

// CoastKm is how far out to sea a point still takes the nearest country:
// 12 nautical miles, the territorial sea. It also absorbs the 50m
// outlines' generalisation (coasts drawn a few km off, small islands
// missing), so a post from a harbour or a beach is not lost at sea.
const CoastKm = 22.224

// noCountry marks a grid cell (or a cell centre) that no outline covers.
const noCountry = -1

// Countries is a point-in-polygon index over country outlines. It is
// immutable once built and safe for concurrent use.
//
// The world is cut into CellDeg cells. A cell no outline crosses holds the
// country at its centre (or none); a mixed cell holds the edges that touch
// it and which countries contain its centre. A point in a mixed cell is in
// country c when the centre is, flipped once per edge of c crossed on the
// way from the point to the centre (the crossing-number test, run over a
// path that stays inside the cell, so no other edge can cross it).
type Countries struct {
	cols, rows int
	// grid holds, per cell (row-major from the south-west): >= 0 an index
	// into mixed; noCountry; or -2-i for a cell wholly inside country i.
	grid   []int32
	mixed  []mixedCell
	edges  []cellEdge
	locals []int16 // per mixed cell, the countries its masks' bits stand for
	codes  []string
	names  []string // Natural Earth names, by index
}

type mixedCell struct {
	edgeLo, edgeHi uint32
	localLo        uint32
	centre         uint64 // bits (into locals) of the countries holding the centre
}

// cellEdge is one edge of a country's outline, in one cell. Coordinates
// are float32 (about 1 m) at build and query alike, so the centre's status
// and the crossings are computed on the same geometry.
type cellEdge struct {
	x1, y1, x2, y2 float32
	bit            uint64 // the country (bit into the cell's locals)
}

type globalEdge struct {
	x1, y1, x2, y2 float32
	country        int16
}

// Errors.
var (
	// ErrNoCountries is returned when the outline data holds no country
	// the index can name.
	ErrNoCountries = errors.New("place: no country outlines")
)

// unnamed gives the outlines world-atlas leaves without an ISO numeric id
// a country, by their Natural Earth name. geoheat's choices: the state
// that holds the territory by international recognition, except Siachen,
// which India administers; Kosovo takes the user-assigned code the EU and
// most data sets use.
var unnamed = map[string]string{
	"Somaliland":        "SO",
	"Kosovo":            "XK",
	"N. Cyprus":         "CY",
	"Indian Ocean Ter.": "AU",
	"Siachen Glacier":   "IN",
}

var (
	defaultOnce sync.Once
	defaultIdx  *Countries
	defaultErr  error
)

// DefaultCountries returns the index over the outlines embedded in the
// binary (web.OutlinesFile), built once; web.ErrNotBuilt without them.
func DefaultCountries() (*Countries, error) {
	defaultOnce.Do(func() {
		b, err := web.Outlines(web.Files("", nil))
		if err != nil {
			defaultErr = fmt.Errorf("place: %w", err)
			return
		}
		defaultIdx, defaultErr = NewCountries(b)
	})
	return defaultIdx, defaultErr
}

// NewCountries builds the index from a TopoJSON topology whose "countries"
// object carries ISO 3166-1 numeric ids (world-atlas' countries-*.json).
// Outlines sharing a code (Australia and its Ashmore and Cartier Islands)
// are one country.
func NewCountries(data []byte) (*Countries, error) {
	t, err := topojson.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("place: %w", err)
	}
	features, err := t.Features("countries")
	if err != nil {
		return nil, fmt.Errorf("place: %w", err)
	}
	c := &Countries{cols: int(360 / CellDeg), rows: int(180 / CellDeg)}
	index := map[string]int16{}
	n := 0
	for _, f := range features {
		for _, p := range f.Polygons {
			for _, r := range p {
				n += len(r) + 1
			}
		}
	}
	edges := make([]globalEdge, 0, n+n/16) // + the copies of rings across the antimeridian
	for _, f := range features {
		code := numericToAlpha2[f.ID]
		if code == "" {
			code = unnamed[f.Name]
		}
		if code == "" {
			continue // nothing we can name: the point stays unresolved
		}
		i, ok := index[code]
		if !ok {
			i = int16(len(c.codes))
			index[code] = i
			c.codes = append(c.codes, code)
			c.names = append(c.names, f.Name)
		}
		for _, p := range f.Polygons {
			for _, r := range p {
				r, lo, hi := unwrap(r)
				edges = appendRing(edges, r, 0, i)
				// A ring across the antimeridian (Fiji, Chukotka) is
				// continuous now and sticks out of the map on one side; its
				// copy a turn away covers the other side. The sweep counts
				// the copies' crossings off the map too, which keeps each
				// ring's parity whole.
				if hi > 180 {
					edges = appendRing(edges, r, -360, i)
				}
				if lo < -180 {
					edges = appendRing(edges, r, 360, i)
				}
			}
		}
	}
	if len(c.codes) == 0 {
		return nil, ErrNoCountries
	}
	c.build(edges)
	return c, nil
}

// unwrap returns the ring closed and continuous in longitude: an edge
// that jumps more than 180° crosses the antimeridian, so the rest of the
// ring moves a turn over. A ring round the whole globe (Antarctica's coast)
// then closes along its own parallel. lo and hi are its longitude range.
// It may reuse r's array.
func unwrap(r topojson.Ring) (out topojson.Ring, lo, hi float64) {
	out = r
	if r[0] != r[len(r)-1] {
		out = append(out, r[0])
	}
	lo, hi = out[0][0], out[0][0]
	shift := 0.0
	for k := 1; k < len(out); k++ {
		d := out[k][0] + shift - out[k-1][0]
		switch {
		case d > 180:
			shift -= 360
		case d < -180:
			shift += 360
		}
		out[k][0] += shift
		lo, hi = min(lo, out[k][0]), max(hi, out[k][0])
	}
	if last := out[len(out)-1]; last != out[0] {
		out = append(out, out[0]) // round the globe: back along the parallel
	}
	return out, lo, hi
}

// appendRing appends the edges of a closed ring moved dx in longitude.
func appendRing(edges []globalEdge, r topojson.Ring, dx float64, country int16) []globalEdge {
	for k := 1; k < len(r); k++ {
		a, b := r[k-1], r[k]
		edges = append(edges, globalEdge{float32(a[0] + dx), float32(a[1]), float32(b[0] + dx), float32(b[1]), country})
	}
	return edges
}

func (c *Countries) cellOf(x, y float64) (col, row int) {
	col = int(math.Floor((x + 180) / CellDeg))
	row = int(math.Floor((y + 90) / CellDeg))
	return min(max(col, 0), c.cols-1), min(max(row, 0), c.rows-1)
}

func (c *Countries) build(edges []globalEdge) {
	// Which cells each edge touches (its bounding box's cells: edges are
	// short, so this is rarely more than one or two), as lists packed into
	// one slice by counting first; and which edges cross each row's centre
	// line, for the sweep below.
	ncell := c.cols * c.rows
	cellStart := make([]int32, ncell+1)
	perRow := make([][]int32, c.rows)
	forCells := func(e globalEdge, visit func(cell int)) {
		x0, x1 := min(e.x1, e.x2), max(e.x1, e.x2)
		if x1 < -180 || x0 > 180 {
			return // a copy's edge off the map: the sweep's only
		}
		y0, y1 := min(e.y1, e.y2), max(e.y1, e.y2)
		c0, r0 := c.cellOf(float64(x0), float64(y0))
		c1, r1 := c.cellOf(float64(x1), float64(y1))
		for r := r0; r <= r1; r++ {
			for col := c0; col <= c1; col++ {
				visit(r*c.cols + col)
			}
		}
	}
	for i, e := range edges {
		forCells(e, func(cell int) { cellStart[cell+1]++ })
		y0, y1 := min(e.y1, e.y2), max(e.y1, e.y2)
		_, r0 := c.cellOf(0, float64(y0))
		_, r1 := c.cellOf(0, float64(y1))
		for r := r0; r <= r1; r++ {
			if straddles(e.y1, e.y2, c.centreY(r)) {
				perRow[r] = append(perRow[r], int32(i))
			}
		}
	}
	for k := range ncell {
		cellStart[k+1] += cellStart[k]
	}
	cellEdges := make([]int32, cellStart[ncell])
	fill := slices.Clone(cellStart[:ncell])
	for i, e := range edges {
		forCells(e, func(cell int) {
			cellEdges[fill[cell]] = int32(i)
			fill[cell]++
		})
	}
	c.edges = make([]cellEdge, 0, len(cellEdges))

	c.grid = make([]int32, c.cols*c.rows)
	odd := make([]bool, len(c.codes))
	type crossing struct {
		x       float64
		country int16
	}
	var xs []crossing
	var inside []int16 // countries with odd parity so far on the row
	for r := range c.rows {
		// Sweep the row's centre line west to east: a country holds the
		// centre of a cell when an odd number of its edges cross the line
		// west of it (the half-open straddle test keeps a vertex on the
		// line from counting twice).
		yc := c.centreY(r)
		xs = xs[:0]
		for _, i := range perRow[r] {
			e := edges[i]
			xs = append(xs, crossing{crossX(e.x1, e.y1, e.x2, e.y2, yc), e.country})
		}
		slices.SortFunc(xs, func(a, b crossing) int { return cmp.Compare(a.x, b.x) })
		clear(odd)
		inside = inside[:0]
		next := 0
		for col := range c.cols {
			xc := c.centreX(col)
			for ; next < len(xs) && xs[next].x < xc; next++ {
				k := xs[next].country
				odd[k] = !odd[k]
				if odd[k] {
					inside = append(inside, k)
				} else {
					inside = slices.DeleteFunc(inside, func(v int16) bool { return v == k })
				}
			}
			cell := r*c.cols + col
			ids := cellEdges[cellStart[cell]:cellStart[cell+1]]
			if len(ids) == 0 {
				c.grid[cell] = noCountry
				if len(inside) > 0 {
					c.grid[cell] = -2 - int32(slices.Min(inside))
				}
				continue
			}
			c.grid[cell] = int32(len(c.mixed))
			c.mixed = append(c.mixed, c.mixedCell(edges, ids, inside))
		}
	}
}

// mixedCell records a cell's edges with each country as a bit, and the
// countries that hold its centre.
func (c *Countries) mixedCell(edges []globalEdge, ids []int32, inside []int16) mixedCell {
	m := mixedCell{edgeLo: uint32(len(c.edges)), localLo: uint32(len(c.locals))}
	local := func(country int16) uint64 {
		for j, v := range c.locals[m.localLo:] {
			if v == country {
				return 1 << j
			}
		}
		c.locals = append(c.locals, country)
		n := len(c.locals) - int(m.localLo)
		if n > 64 {
			// 64 countries within half a degree cannot happen on Earth.
			panic(fmt.Sprintf("place: %d countries in one cell", n))
		}
		return 1 << (n - 1)
	}
	for _, k := range inside {
		m.centre |= local(k)
	}
	for _, i := range ids {
		e := edges[i]
		c.edges = append(c.edges, cellEdge{e.x1, e.y1, e.x2, e.y2, local(e.country)})
	}
	m.edgeHi = uint32(len(c.edges))
	return m
}

func (c *Countries) centreX(col int) float64 { return -180 + (float64(col)+0.5)*CellDeg }
func (c *Countries) centreY(row int) float64 { return -90 + (float64(row)+0.5)*CellDeg }

// straddles is the half-open test of the crossing-number rule: an edge
// crosses the line v = at when exactly one end is above it.
func straddles(a, b float32, at float64) bool {
	return (float64(a) > at) != (float64(b) > at)
}

// crossX is where the edge crosses the horizontal line y; only called
// when it straddles it.
func crossX(x1, y1, x2, y2 float32, y float64) float64 {
	X1, Y1, X2, Y2 := float64(x1), float64(y1), float64(x2), float64(y2)
	return X1 + (y-Y1)*(X2-X1)/(Y2-Y1)
}

// crossY is where the edge crosses the vertical line x.
func crossY(x1, y1, x2, y2 float32, x float64) float64 {
	X1, Y1, X2, Y2 := float64(x1), float64(y1), float64(x2), float64(y2)
	return Y1 + (x-X1)*(Y2-Y1)/(X2-X1)
}

// CountryOf returns the ISO 3166-1 alpha-2 code of the country whose
// outline holds the point, or, at sea, of the nearest one within CoastKm;
// ok is false further out, and for positions that are not coordinates
// (NaN, latitude beyond ±90). Longitudes wrap. It does not allocate.
func (c *Countries) CountryOf(lat, lon float64) (iso2 string, ok bool) {
	i := c.lookup(lat, lon)
	if i < 0 {
		return "", false
	}
	return c.codes[i], true
}

func (c *Countries) lookup(lat, lon float64) int {
	if !(lat >= -90 && lat <= 90) || math.IsNaN(lon) || math.IsInf(lon, 0) {
		return noCountry
	}
	if lon < -180 || lon >= 180 {
		lon = math.Mod(lon+180, 360)
		if lon < 0 {
			lon += 360
		}
		lon -= 180
	}
	if i := c.contains(lon, lat); i >= 0 {
		return i
	}
	return c.nearest(lon, lat)
}

// contains is the polygon test proper: the country holding (x, y), or
// noCountry.
func (c *Countries) contains(x, y float64) int {
	col, row := c.cellOf(x, y)
	g := c.grid[row*c.cols+col]
	switch {
	case g == noCountry:
		return noCountry
	case g < 0:
		return int(-2 - g)
	}
	m := &c.mixed[g]
	cx, cy := c.centreX(col), c.centreY(row)
	// The path from the point to the centre: west or east along y to the
	// centre's meridian, then north or south along it. Each edge crossed
	// flips its country.
	lox, hix := min(x, cx), max(x, cx)
	loy, hiy := min(y, cy), max(y, cy)
	mask := m.centre
	for _, e := range c.edges[m.edgeLo:m.edgeHi] {
		if straddles(e.y1, e.y2, y) {
			if xx := crossX(e.x1, e.y1, e.x2, e.y2, y); xx >= lox && xx < hix {
				mask ^= e.bit
			}
		}
		if straddles(e.x1, e.x2, cx) {
			if yy := crossY(e.x1, e.y1, e.x2, e.y2, cx); yy >= loy && yy < hiy {
				mask ^= e.bit
			}
		}
	}
	if mask == 0 {
		return noCountry
	}
	// Outlines may overlap by a sliver; the first country listed wins.
	return int(c.locals[int(m.localLo)+bits.TrailingZeros64(mask)])
}

// nearest returns the country with an edge within CoastKm of (x, y), the
// closest first, or noCountry. Distances are planar in a frame scaled by
// cos(latitude), which is exact enough at this range.
func (c *Countries) nearest(x, y float64) int {
	const kmPerDeg = 111.32
	tolY := CoastKm / kmPerDeg
	cos := math.Cos(y * math.Pi / 180)
	tolX := 180.0
	if cos > 1e-9 {
		tolX = min(tolY/cos, 180)
	}
	c0, r0 := c.cellOf(x-tolX, y-tolY)
	c1, r1 := c.cellOf(x+tolX, y+tolY)
	best, bestD := noCountry, tolY*tolY
	for r := r0; r <= r1; r++ {
		for col := c0; col <= c1; col++ {
			g := c.grid[r*c.cols+col]
			if g < 0 {
				continue // no edges: a cell wholly inside a country is an edge's neighbour, and that edge is nearer
			}
			m := &c.mixed[g]
			for _, e := range c.edges[m.edgeLo:m.edgeHi] {
				if d := segDist2(x, y, e, cos); d < bestD {
					bestD = d
					best = int(c.locals[int(m.localLo)+bits.TrailingZeros64(e.bit)])
				}
			}
		}
	}
	return best
}

// segDist2 is the squared distance in degrees of latitude from (x, y) to
// the edge, with longitudes scaled by cos.
func segDist2(x, y float64, e cellEdge, cos float64) float64 {
	ax, ay := (float64(e.x1)-x)*cos, float64(e.y1)-y
	bx, by := (float64(e.x2)-x)*cos, float64(e.y2)-y
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = min(max(-(ax*dx+ay*dy)/l, 0), 1)
	}
	px, py := ax+t*dx, ay+t*dy
	return px*px + py*py
}

// Name returns the Natural Earth name of a country the index holds
// ("Spain"), or "".
func (c *Countries) Name(iso2 string) string {
	if i := slices.Index(c.codes, iso2); i >= 0 {
		return c.names[i]
	}
	return ""
}

// Len returns the number of countries the index knows.
func (c *Countries) Len() int { return len(c.codes) }
