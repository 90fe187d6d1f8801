package twitter

import (
	"math"
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

// placeCentre returns the centre of a v1.1 place's bounding_box, a GeoJSON
// Polygon whose first ring holds the box's corners as [lon, lat]. The
// corners are reduced to [west, south, east, north] and centred by
// boxCentre, as v2's bbox is; a box whose longitudes span more than half
// the globe is one that crosses the antimeridian (no place is that wide),
// so its west edge is the smallest eastern longitude and its east edge the
// largest western one.
func (p *Parser) placeCentre(place *fastjson.Value) (post.Point, float32, bool) {
	if !isObject(place) {
		return post.Point{}, 0, false
	}
	bb := lastField(place.GetObject(), "bounding_box")
	if !isObject(bb) {
		return post.Point{}, 0, false
	}
	rings := lastField(bb.GetObject(), "coordinates")
	if !isType(rings, fastjson.TypeArray) {
		return post.Point{}, 0, false
	}
	ra := rings.GetArray()
	if len(ra) == 0 || !isType(ra[0], fastjson.TypeArray) {
		return post.Point{}, 0, false
	}
	corners := ra[0].GetArray()
	if len(corners) == 0 {
		return post.Point{}, 0, false
	}
	west, south, east, north := 181.0, 91.0, -181.0, -91.0
	eastMin, westMax := 181.0, -181.0 // smallest lon >= 0, largest lon < 0
	for _, c := range corners {
		pt, ok := p.pair(c, lonLat)
		if !ok {
			return post.Point{}, 0, false
		}
		west, east = min(west, pt.Lon), max(east, pt.Lon)
		south, north = min(south, pt.Lat), max(north, pt.Lat)
		if pt.Lon >= 0 {
			eastMin = min(eastMin, pt.Lon)
		} else {
			westMax = max(westMax, pt.Lon)
		}
	}
	if east-west > 180 {
		west, east = eastMin, westMax
	}
	return boxCentre(west, south, east, north)
}

// boxCentre returns the centre of the box [west, south, east, north] and
// how well it stands for where the post was made. A box crossing the
// antimeridian (west > east) is centred across it, not across the whole
// globe.
//
// The confidence comes from the box's size, not the place's type (v2
// places carry no type unless asked): on the shared v1.1 tweets that also
// have exact coordinates, every centre of a box whose half-diagonal is at
// most 200 km lies within 100 km of the post, 94 % of those up to 500 km,
// and 12 % of countries'. A box up to 100 km across its half-diagonal (a
// city, a neighbourhood, a venue) is trusted fully, one up to 500 km (a
// region) half; a larger one (a country, a big state) is no point at all:
// drawn, its centre would be a hot spot where nobody posted.
func boxCentre(west, south, east, north float64) (post.Point, float32, bool) {
	if !(post.Point{Lat: south, Lon: west}).Valid() || !(post.Point{Lat: north, Lon: east}).Valid() {
		return post.Point{}, 0, false
	}
	if east < west {
		east += 360
	}
	lon := (west + east) / 2
	if lon > 180 {
		lon -= 360
	}
	pt := post.Point{Lat: (south + north) / 2, Lon: lon}
	if !pt.Valid() {
		return post.Point{}, 0, false
	}
	switch half := halfDiagonalKm(south, north, east-west); {
	case half <= placeExactKm:
		return pt, 1, true
	case half <= placeCoarseKm:
		return pt, 0.5, true
	}
	return post.Point{}, 0, false
}

const (
	placeExactKm  = 100 // half-diagonal up to which a place centre is trusted fully
	placeCoarseKm = 500 // beyond it a place is too coarse to be a point
)

// halfDiagonalKm is the great-circle distance from a box's centre to its
// north-east corner; dLon is the box's width in degrees (already unwrapped
// across the antimeridian).
func halfDiagonalKm(south, north, dLon float64) float64 {
	const earthKm = 6371.0
	lat1 := (south + north) / 2 * math.Pi / 180
	lat2 := north * math.Pi / 180
	dl := dLon / 2 * math.Pi / 180
	dp := lat2 - lat1
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * earthKm * math.Asin(math.Sqrt(min(1, h)))
}
