package twitter

import (
	"strconv"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/valyala/fastjson"
)

// Order of the two numbers in a coordinate pair.
type pairOrder bool

const (
	lonLat pairOrder = false // GeoJSON, the "coordinates" field
	latLon pairOrder = true  // the deprecated "geo" field and the seed's static "geo"
)

// rawPoint picks the point of a raw status: coordinates first, else geo.
// rejected reports that at least one of them was non-null yet neither gave
// a valid point.
func (p *Parser) rawPoint(coordinates, geo *fastjson.Value) (pt post.Point, ok, rejected bool) {
	for _, c := range [...]struct {
		v     *fastjson.Value
		order pairOrder
	}{{coordinates, lonLat}, {geo, latLon}} {
		if isNull(c.v) {
			continue
		}
		if pt, ok := p.geoJSONPoint(c.v, c.order); ok {
			return pt, true, false
		}
		rejected = true
	}
	return post.Point{}, false, rejected
}

// staticPoint reads the seed's static "geo": [lat, lon] or null.
func (p *Parser) staticPoint(geo *fastjson.Value) (pt post.Point, ok, rejected bool) {
	if isNull(geo) {
		return post.Point{}, false, false
	}
	if pt, ok := p.pair(geo, latLon); ok {
		return pt, true, false
	}
	return post.Point{}, false, true
}

// geoJSONPoint reads {"type":"Point","coordinates":[a, b]}. A missing
// "type" is tolerated; another type (a Polygon, say) is not a point.
func (p *Parser) geoJSONPoint(v *fastjson.Value, order pairOrder) (post.Point, bool) {
	if !isObject(v) {
		return post.Point{}, false
	}
	o := v.GetObject()
	if t := lastField(o, "type"); t != nil {
		if b, err := t.StringBytes(); err != nil || string(b) != "Point" {
			return post.Point{}, false
		}
	}
	return p.pair(lastField(o, "coordinates"), order)
}

// pair reads an array of exactly two numbers into a valid point.
func (p *Parser) pair(v *fastjson.Value, order pairOrder) (post.Point, bool) {
	if !isType(v, fastjson.TypeArray) {
		return post.Point{}, false
	}
	a := v.GetArray()
	if len(a) != 2 {
		return post.Point{}, false
	}
	x, ok1 := p.float(a[0])
	y, ok2 := p.float(a[1])
	if !ok1 || !ok2 {
		return post.Point{}, false
	}
	pt := post.Point{Lat: y, Lon: x}
	if order == latLon {
		pt = post.Point{Lat: x, Lon: y}
	}
	// Valid also rejects NaN and ±Inf.
	return pt, pt.Valid()
}

// float parses a JSON number with strconv.ParseFloat, which rounds
// correctly like Python's float(); fastjson's own fast path may be off by
// one ulp for long mantissas. Numbers beyond float64 (1e400) fail.
func (p *Parser) float(v *fastjson.Value) (float64, bool) {
	if v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	p.num = v.MarshalTo(p.num[:0])
	f, err := strconv.ParseFloat(string(p.num), 64)
	return f, err == nil
}

func isNull(v *fastjson.Value) bool { return v == nil || v.Type() == fastjson.TypeNull }
