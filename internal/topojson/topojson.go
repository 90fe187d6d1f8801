// Package topojson decodes the polygons of a TopoJSON topology: the format of
// the Natural Earth outlines (world-atlas' countries-*.json) that the
// dashboard bundles. Both the PNG renderer (internal/render) and the country
// lookup (internal/place) read the outlines through it, so they agree on
// every coastline and border. Only what those files use is supported:
// quantized or plain arcs, Polygon, MultiPolygon and GeometryCollection.
package topojson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Ring is a closed line of [lon, lat] positions in degrees, as the data
// gives them (within ±180; no antimeridian handling is applied).
type Ring [][2]float64

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// Feature is one geometry of an object with the identity TopoJSON gives it:
// world-atlas' countries carry the ISO 3166-1 numeric code as ID ("724")
// and the Natural Earth short name as properties.name ("Spain").
type Feature struct {
	ID       string // "" when the geometry has none
	Name     string // properties.name, "" when absent
	Polygons []Polygon
}

// ErrNoObject is returned by Topology.Features for a missing object.
var ErrNoObject = errors.New("topojson: no such object")

// Topology is a decoded topology: its arcs are dequantized once, its
// objects are decoded on demand. It is read-only and safe to share.
type Topology struct {
	arcs    []Ring
	objects map[string]json.RawMessage
}

type document struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    json.RawMessage            `json:"arcs"`
	Objects map[string]json.RawMessage `json:"objects"`
}

type geometry struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []geometry      `json:"geometries"`
}

// Decode reads a TopoJSON document.
func Decode(data []byte) (*Topology, error) {
	var d document
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("topojson: decode: %w", err)
	}
	if d.Type != "Topology" {
		return nil, fmt.Errorf("topojson: decode: type %q, want Topology", d.Type)
	}
	var scale, translate [2]float64
	quantized := d.Transform != nil
	if quantized {
		scale, translate = d.Transform.Scale, d.Transform.Translate
	}
	arcs, err := decodeArcs(d.Arcs, quantized, scale, translate)
	if err != nil {
		return nil, err
	}
	return &Topology{arcs: arcs, objects: d.Objects}, nil
}

// decodeArcs reads the arcs array, [[[x, y], ...], ...], which json has
// already checked is valid JSON. It is nearly all of a world-atlas file;
// read by reflection into [][][]float64 it took half of the country
// index's start-up. Arcs are delta-encoded integers scaled by the
// transform when the topology is quantized (world-atlas' are), plain
// positions otherwise.
func decodeArcs(raw []byte, quantized bool, scale, translate [2]float64) ([]Ring, error) {
	var (
		arcs  []Ring
		arc   Ring
		pos   []float64 // the numbers of the position being read
		depth int       // 1: in the arcs array, 2: in an arc, 3: in a position
		x, y  float64
	)
	bad := func(what string) error {
		return fmt.Errorf("topojson: arc %d: %s", len(arcs), what)
	}
	for i := 0; i < len(raw); i++ {
		switch ch := raw[i]; ch {
		case ' ', '\t', '\n', '\r', ',':
		case '[':
			depth++
			switch depth {
			case 2:
				arc, x, y = nil, 0, 0
			case 3:
				pos = pos[:0]
			case 4:
				return nil, bad("nested too deep")
			}
		case ']':
			switch depth {
			case 3:
				if len(pos) < 2 {
					return nil, bad(fmt.Sprintf("position with %d coordinates", len(pos)))
				}
				if quantized {
					x += pos[0]
					y += pos[1]
					arc = append(arc, [2]float64{x*scale[0] + translate[0], y*scale[1] + translate[1]})
				} else {
					arc = append(arc, [2]float64{pos[0], pos[1]})
				}
			case 2:
				arcs = append(arcs, arc)
			}
			depth--
		default:
			if depth != 3 {
				return nil, bad("not an array of positions")
			}
			j := i
			for j < len(raw) && !endsNumber(raw[j]) {
				j++
			}
			v, err := strconv.ParseFloat(string(raw[i:j]), 64)
			if err != nil {
				return nil, bad(err.Error())
			}
			pos = append(pos, v)
			i = j - 1
		}
	}
	if arcs == nil && !bytes.Equal(bytes.TrimSpace(raw), []byte("[]")) && len(bytes.TrimSpace(raw)) > 0 {
		return nil, errors.New("topojson: arcs is not an array")
	}
	return arcs, nil
}

func endsNumber(c byte) bool {
	return c == ',' || c == ']' || c == ' ' || c == '\n' || c == '\t' || c == '\r'
}

// Has reports whether the topology holds the named object.
func (t *Topology) Has(object string) bool { _, ok := t.objects[object]; return ok }

// Features decodes the named object into its polygonal features, flattening
// GeometryCollections; points, lines and empty geometries are skipped. The
// rings are fresh copies the caller owns.
func (t *Topology) Features(object string) ([]Feature, error) {
	raw, ok := t.objects[object]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoObject, object)
	}
	var g geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("topojson: object %q: %w", object, err)
	}
	var out []Feature
	if err := t.collect(g, &out); err != nil {
		return nil, fmt.Errorf("topojson: object %q: %w", object, err)
	}
	return out, nil
}

func (t *Topology) collect(g geometry, out *[]Feature) error {
	f := Feature{ID: idString(g.ID), Name: g.Properties.Name}
	switch g.Type {
	case "GeometryCollection":
		for _, c := range g.Geometries {
			if err := t.collect(c, out); err != nil {
				return err
			}
		}
		return nil
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return err
		}
		p, err := t.polygon(rings)
		if err != nil {
			return err
		}
		f.Polygons = []Polygon{p}
	case "MultiPolygon":
		var multi [][][]int
		if err := json.Unmarshal(g.Arcs, &multi); err != nil {
			return err
		}
		for _, rings := range multi {
			p, err := t.polygon(rings)
			if err != nil {
				return err
			}
			f.Polygons = append(f.Polygons, p)
		}
	default:
		return nil // geometry-less features, points and lines are no outlines
	}
	*out = append(*out, f)
	return nil
}

// idString accepts the id as TopoJSON allows it: a string or a number.
func idString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if s, err := strconv.Unquote(string(raw)); err == nil {
		return s
	}
	return string(raw)
}

func (t *Topology) polygon(rings [][]int) (Polygon, error) {
	p := make(Polygon, 0, len(rings))
	for _, idx := range rings {
		n := 0
		for _, i := range idx {
			if i < 0 {
				i = ^i
			}
			if i < len(t.arcs) {
				n += len(t.arcs[i])
			}
		}
		r := make(Ring, 0, n)
		for k, i := range idx {
			reversed := i < 0
			if reversed {
				i = ^i // TopoJSON: ~i is arc i walked backwards
			}
			if i >= len(t.arcs) {
				return nil, fmt.Errorf("arc index %d out of range", i)
			}
			a := t.arcs[i]
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
			p = append(p, r)
		}
	}
	return p, nil
}
