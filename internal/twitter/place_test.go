package twitter

import (
	"testing"

	"github.com/geoheat/geoheat/internal/post"
)

// A place's centre is as good as the place is small: a city is a point, a
// region half a point, a country none (its centre would be a hot spot
// where nobody posted).
func TestBoxCentreConfidenceBySize(t *testing.T) {
	for _, c := range []struct {
		name                     string
		west, south, east, north float64
		conf                     float32
		ok                       bool
	}{
		{"Manhattan", -74.03, 40.68, -73.91, 40.88, 1, true},
		{"Berlin", 13.09, 52.34, 13.76, 52.68, 1, true},
		{"Catalonia", 0.16, 40.52, 3.33, 42.86, 0.5, true},
		{"Fiji across the antimeridian", 177, -19, -179, -16, 0.5, true},
		{"California", -124.48, 32.53, -114.13, 42.01, 0, false},
		{"United States", -179.23, 18.91, -66.95, 71.44, 0, false},
		{"Brazil", -73.99, -33.75, -34.79, 5.27, 0, false},
		{"out of range", -200, 0, 10, 10, 0, false},
	} {
		pt, conf, ok := boxCentre(c.west, c.south, c.east, c.north)
		if ok != c.ok || conf != c.conf || (ok && !pt.Valid()) || (!ok && pt != (post.Point{})) {
			t.Errorf("%s: centre %+v confidence %v ok %v, want confidence %v ok %v", c.name, pt, conf, ok, c.conf, c.ok)
		}
	}
}
