package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Ring is a closed line of [lon, lat] positions in degrees.
type Ring [][2]float64

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// Outlines are the country outlines drawn under the heat: Land is filled,
// Borders are stroked. Build them with DecodeTopoJSON. Outlines are
// read-only once built and safe to share between goroutines.
type Outlines struct {
	Land    []Polygon
	Borders []Ring
}

// ErrNoOutlines is returned when the outline data holds nothing to draw.
var ErrNoOutlines = errors.New("render: no outlines")

// topology is the part of a TopoJSON document we read (world-atlas'
// countries-*.json: a quantized topology with "countries" and "land").
type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][]float64              `json:"arcs"`
	Objects map[string]json.RawMessage `json:"objects"`
}

type geometry struct {
	Type       string          `json:"type"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []geometry      `json:"geometries"`
}

// DecodeTopoJSON reads a TopoJSON topology: the "land" object (or, without
// it, "countries") is filled, the "countries" object's rings are stroked.
// The data is Natural Earth's, from the world-atlas npm package, copied into
// the dashboard build so that the Go binary and the browser draw the same
// coastlines.
func DecodeTopoJSON(data []byte) (*Outlines, error) {
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("render: decode topojson: %w", err)
	}
	if t.Type != "Topology" {
		return nil, fmt.Errorf("render: decode topojson: type %q, want Topology", t.Type)
	}
	arcs, err := t.decodeArcs()
	if err != nil {
		return nil, err
	}
	o := &Outlines{}
	fill := "land"
	if _, ok := t.Objects[fill]; !ok {
		fill = "countries"
	}
	for name, raw := range t.Objects {
		if name != fill && name != "countries" {
			continue
		}
		var g geometry
		if err := json.Unmarshal(raw, &g); err != nil {
			return nil, fmt.Errorf("render: decode topojson object %q: %w", name, err)
		}
		polys, err := polygons(g, arcs)
		if err != nil {
			return nil, fmt.Errorf("render: topojson object %q: %w", name, err)
		}
		if name == fill {
			o.Land = append(o.Land, polys...)
		}
		if name == "countries" {
			for _, p := range polys {
				o.Borders = append(o.Borders, p...)
			}
		}
	}
	if len(o.Land) == 0 && len(o.Borders) == 0 {
		return nil, ErrNoOutlines
	}
	return o, nil
}

// decodeArcs undoes TopoJSON's quantization: positions are delta-encoded
// integers scaled by the transform.
func (t *topology) decodeArcs() ([]Ring, error) {
	out := make([]Ring, len(t.Arcs))
	for i, arc := range t.Arcs {
		r := make(Ring, 0, len(arc))
		var x, y float64
		for _, p := range arc {
			if len(p) < 2 {
				return nil, fmt.Errorf("render: topojson arc %d: position with %d coordinates", i, len(p))
			}
			if t.Transform != nil {
				x += p[0]
				y += p[1]
				r = append(r, [2]float64{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]})
			} else {
				r = append(r, [2]float64{p[0], p[1]})
			}
		}
		out[i] = r
	}
	return out, nil
}

func polygons(g geometry, arcs []Ring) ([]Polygon, error) {
	switch g.Type {
	case "GeometryCollection":
		var out []Polygon
		for _, c := range g.Geometries {
			ps, err := polygons(c, arcs)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		}
		return out, nil
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return nil, err
		}
		p, err := polygon(rings, arcs)
		if err != nil {
			return nil, err
		}
		return []Polygon{p}, nil
	case "MultiPolygon":
		var multi [][][]int
		if err := json.Unmarshal(g.Arcs, &multi); err != nil {
			return nil, err
		}
		out := make([]Polygon, 0, len(multi))
		for _, rings := range multi {
			p, err := polygon(rings, arcs)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	case "", "null":
		return nil, nil // a geometry-less feature (TopoJSON allows them)
	default:
		return nil, nil // points and lines are not outlines
	}
}

func polygon(rings [][]int, arcs []Ring) (Polygon, error) {
	p := make(Polygon, 0, len(rings))
	for _, idx := range rings {
		var r Ring
		for k, i := range idx {
			reversed := i < 0
			if reversed {
				i = ^i // TopoJSON: ~i is arc i walked backwards
			}
			if i >= len(arcs) {
				return nil, fmt.Errorf("arc index %d out of range", i)
			}
			a := arcs[i]
			n := len(a)
			for j := range n {
				if k > 0 && j == 0 {
					continue // each arc starts where the previous one ended
				}
				if reversed {
					r = append(r, a[n-1-j])
				} else {
					r = append(r, a[j])
				}
			}
		}
		if len(r) >= 3 {
			p = append(p, closePolar(unwrap(r)))
		}
	}
	return p, nil
}

// closePolar closes a ring that wraps the whole globe in longitude
// (Antarctica) through the south pole, so a planar fill covers the land
// rather than the strip between its coast and a chord.
func closePolar(r Ring) Ring {
	minLon, maxLon, minLat := math.Inf(1), math.Inf(-1), math.Inf(1)
	for _, p := range r {
		minLon, maxLon, minLat = min(minLon, p[0]), max(maxLon, p[0]), min(minLat, p[1])
	}
	if maxLon-minLon < 359 || minLat > -60 {
		return r
	}
	last := r[len(r)-1]
	first := r[0]
	out := append(Ring{}, r...)
	out = append(out, [2]float64{last[0], -90}, [2]float64{first[0], -90})
	return out
}

// unwrap makes a ring that crosses the antimeridian continuous (Chukotka
// at lon 190 rather than -170), so that no edge spans the whole map; the
// renderer draws every ring again 360° to each side.
func unwrap(r Ring) Ring {
	var shift float64
	for i := 1; i < len(r); i++ {
		d := r[i][0] + shift - r[i-1][0]
		switch {
		case d > 180:
			shift -= 360
		case d < -180:
			shift += 360
		}
		r[i][0] += shift
	}
	return r
}
