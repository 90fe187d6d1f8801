package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
)

// kmPerDegreeLat is the length of one degree of latitude; a degree of
// longitude is that times cos(latitude).
const kmPerDegreeLat = 111.32

// finishCity validates a city and derives its bounding box and the static
// place object every post from it carries.
func finishCity(c *city) error {
	if c.name == "" || c.region == "" || len(c.countryCode) != 2 || c.country == "" {
		return fmt.Errorf("city %q: incomplete", c.name)
	}
	if !(c.lat > -85 && c.lat < 85 && c.lon >= -180 && c.lon <= 180) || !(c.weight > 0) || !(c.spreadKm > 0) {
		return fmt.Errorf("city %q: bad coordinates, weight or spread", c.name)
	}
	halfLat := placeBoxSigmas * c.spreadKm / kmPerDegreeLat
	halfLon := halfLat / math.Cos(c.lat*math.Pi/180)
	// The box is stored as printed (6 decimals) so that the tests compare
	// points with exactly what a consumer sees.
	c.minLat, c.maxLat = round6(c.lat-halfLat), round6(c.lat+halfLat)
	c.minLon, c.maxLon = round6(c.lon-halfLon), round6(c.lon+halfLon)

	// Place ids are 16 hex digits; a hash of the name keeps them stable.
	h := fnv.New64a()
	h.Write([]byte(c.name + "\x00" + c.region + "\x00" + c.countryCode))
	id := fmt.Sprintf("%016x", h.Sum64())
	corner := func(lon, lat float64) string {
		return "[" + strconv.FormatFloat(lon, 'f', 6, 64) + "," + strconv.FormatFloat(lat, 'f', 6, 64) + "]"
	}
	c.placeJSON = `{"id":"` + id + `","url":` + quoted("https://api.twitter.com/1.1/geo/id/"+id+".json") +
		`,"place_type":"city","name":` + quoted(c.name) +
		`,"full_name":` + quoted(c.name+", "+c.region) +
		`,"country_code":"` + c.countryCode + `","country":` + quoted(c.country) +
		`,"bounding_box":{"type":"Polygon","coordinates":[[` +
		corner(c.minLon, c.minLat) + "," + corner(c.minLon, c.maxLat) + "," +
		corner(c.maxLon, c.maxLat) + "," + corner(c.maxLon, c.minLat) +
		`]]},"attributes":{}}`
	return nil
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// pointDigits is how many decimals a point keeps, by share: phones reported
// 6–8, check-in apps rounded to 5 or 6.
var pointDigits = [...]struct {
	digits int
	cum    float64
}{{5, 0.10}, {6, 0.35}, {7, 0.70}, {8, 1}}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// samplePoint draws a position around c: a gaussian of c.spreadKm, cut at
// placePointSigmas so that it always lies inside c's bounding box, rounded
// to a realistic number of decimals.
func (g *generator) samplePoint(c *city) (lat, lon float64) {
	var dx, dy float64
	for {
		dx, dy = g.r.NormFloat64(), g.r.NormFloat64()
		if dx*dx+dy*dy <= placePointSigmas*placePointSigmas {
			break
		}
	}
	lat = c.lat + dy*c.spreadKm/kmPerDegreeLat
	lon = c.lon + dx*c.spreadKm/(kmPerDegreeLat*math.Cos(c.lat*math.Pi/180))
	u := g.r.Float64()
	digits := pointDigits[len(pointDigits)-1].digits
	for _, d := range pointDigits {
		if u < d.cum {
			digits = d.digits
			break
		}
	}
	p := pow10[digits]
	return math.Round(lat*p) / p, math.Round(lon*p) / p
}

// appendPoint appends a GeoJSON point. The legacy "geo" field is
// [lat, lon], "coordinates" is [lon, lat]; both carry the same values.
func appendPoint(b []byte, first, second float64) []byte {
	b = append(b, `{"type":"Point","coordinates":[`...)
	b = strconv.AppendFloat(b, first, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, second, 'f', -1, 64)
	return append(b, "]}"...)
}
