package store

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseBBox reads "west,south,east,north" in degrees. West may exceed East
// for a box across the antimeridian (GeoJSON's convention), or East may
// exceed 180 as a map reports it; longitudes outside ±180 (a map panned
// round the world) are wrapped. Empty means the world.
func ParseBBox(s string) (BBox, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return World, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return BBox{}, fmt.Errorf("bad bbox %q: want west,south,east,north", s)
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || x != x || x > 1e6 || x < -1e6 {
			return BBox{}, fmt.Errorf("bad bbox %q: %q is not a number", s, p)
		}
		f[i] = x
	}
	west, south, east, north := f[0], f[1], f[2], f[3]
	if south < -90 || north > 90 || south > north {
		return BBox{}, fmt.Errorf("bad bbox %q: want -90 <= south <= north <= 90", s)
	}
	if east-west >= 360 {
		return BBox{West: -180, South: south, East: 180, North: north}, nil
	}
	if east < west {
		// GeoJSON's convention for a box across the antimeridian.
		if west > 180 || east < -180 {
			return BBox{}, fmt.Errorf("bad bbox %q: east < west outside ±180", s)
		}
		return BBox{West: west, South: south, East: east, North: north}, nil
	}
	west, east = WrapLon(west), WrapLon(east)
	return BBox{West: west, South: south, East: east, North: north}, nil
}

// WrapLon maps a longitude to [-180, 180], keeping ±180 as is.
func WrapLon(x float64) float64 {
	if x >= -180 && x <= 180 {
		return x
	}
	x = mod(x+180, 360) - 180
	return x
}

func mod(a, b float64) float64 {
	r := a - b*float64(int64(a/b))
	if r < 0 {
		r += b
	}
	return r
}
