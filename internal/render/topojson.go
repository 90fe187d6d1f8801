package render

import (
	"errors"
	"fmt"
	"math"

	"github.com/geoheat/geoheat/internal/topojson"
)

// Ring is a closed line of [lon, lat] positions in degrees.
type Ring = topojson.Ring

// Polygon is an outer ring followed by its holes.
type Polygon = topojson.Polygon

// Outlines are the country outlines drawn under the heat: Land is filled,
// Borders are stroked. Build them with DecodeTopoJSON. Outlines are
// read-only once built and safe to share between goroutines.
type Outlines struct {
	Land    []Polygon
	Borders []Ring
}

// ErrNoOutlines is returned when the outline data holds nothing to draw.
var ErrNoOutlines = errors.New("render: no outlines")

// DecodeTopoJSON reads a TopoJSON topology: the "land" object (or, without
// it, "countries") is filled, the "countries" object's rings are stroked.
// The data is Natural Earth's, from the world-atlas npm package, copied into
// the dashboard build so that the Go binary and the browser draw the same
// coastlines.
func DecodeTopoJSON(data []byte) (*Outlines, error) {
	t, err := topojson.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	o := &Outlines{}
	fill := "land"
	if !t.Has(fill) {
		fill = "countries"
	}
	if !t.Has(fill) {
		return nil, ErrNoOutlines
	}
	objects := []string{fill}
	if fill != "countries" && t.Has("countries") {
		objects = append(objects, "countries")
	}
	for _, name := range objects {
		features, err := t.Features(name)
		if err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
		for _, f := range features {
			for _, p := range f.Polygons {
				// Planar drawing needs each ring continuous across the
				// antimeridian and Antarctica closed through the pole.
				for i, r := range p {
					p[i] = closePolar(unwrap(r))
				}
				if name == fill {
					o.Land = append(o.Land, p)
				}
				if name == "countries" {
					o.Borders = append(o.Borders, p...)
				}
			}
		}
	}
	if len(o.Land) == 0 && len(o.Borders) == 0 {
		return nil, ErrNoOutlines
	}
	return o, nil
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
