package analysis

import (
	"cmp"
	"slices"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// MergedCell is one grid cell as several heat answers over the same grid
// saw it: Parts[i] is the cell in layer i (zero Weight where that layer
// has no point in it), Lat and Lon the mean of every layer's points.
type MergedCell struct {
	Col, Row uint32
	Lat, Lon float64
	Parts    []store.HeatCell
}

// Weight is the cell's points over every layer.
func (c MergedCell) Weight() int64 {
	var w int64
	for _, p := range c.Parts {
		w += p.Weight
	}
	return w
}

// MergeCells lines up the cells of heat answers computed at one zoom (for
// example one per language, or a selection and everything) by grid cell.
// A heat cell is the mean of its points, and a mean of points inside a
// cell lies inside it, so CellIndex of the mean finds the cell again
// without the store having to say which it was. The result is ordered by
// Weight, heaviest first, then by row and column, so that it does not
// depend on the order cells came in. Cells with no weight are skipped.
func MergeCells(zoom int, layers ...[]store.HeatCell) []MergedCell {
	type key struct{ col, row uint32 }
	idx := map[key]int{}
	var out []MergedCell
	for li, cells := range layers {
		for _, c := range cells {
			if c.Weight <= 0 {
				continue
			}
			p := post.Point{Lat: c.Lat, Lon: c.Lon}
			if !p.Valid() {
				continue
			}
			col, row := CellIndex(p, zoom)
			k := key{col, row}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, MergedCell{Col: col, Row: row, Parts: make([]store.HeatCell, len(layers))})
			}
			part := &out[i].Parts[li]
			// One layer can hold a cell twice only when the answers were
			// not from one grid; fold it in as a weighted mean anyway.
			w := part.Weight + c.Weight
			part.Lat = (part.Lat*float64(part.Weight) + c.Lat*float64(c.Weight)) / float64(w)
			part.Lon = (part.Lon*float64(part.Weight) + c.Lon*float64(c.Weight)) / float64(w)
			part.Weight = w
		}
	}
	for i := range out {
		c := &out[i]
		var lat, lon float64
		w := c.Weight()
		for _, p := range c.Parts {
			lat += p.Lat * float64(p.Weight)
			lon += p.Lon * float64(p.Weight)
		}
		c.Lat, c.Lon = lat/float64(w), lon/float64(w)
	}
	slices.SortFunc(out, func(a, b MergedCell) int {
		if c := cmp.Compare(b.Weight(), a.Weight()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Row, b.Row); c != 0 {
			return c
		}
		return cmp.Compare(a.Col, b.Col)
	})
	return out
}
