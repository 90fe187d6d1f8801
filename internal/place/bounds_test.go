package place

import (
	"math/rand/v2"
	"testing"

	"github.com/geoheat/geoheat/internal/store"
)

// TestBoundsHoldTheCircle: every point a circle contains lies in its
// Bounds, near the poles and across the antimeridian too.
func TestBoundsHoldTheCircle(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	inBox := func(b store.BBox, lat, lon float64) bool {
		a := Area{Kind: Box, Box: b}
		return a.Contains(lat, lon)
	}
	for _, c := range []Area{
		{Kind: Near, Lat: 40.4, Lon: -3.7, RadiusKm: 50},
		{Kind: Near, Lat: -16.5, Lon: 179.9, RadiusKm: 300},
		{Kind: Near, Lat: 89, Lon: 10, RadiusKm: 500},
		{Kind: Near, Lat: 70, Lon: -179, RadiusKm: 2000},
	} {
		b := c.Bounds()
		inside := 0
		for range 200_000 {
			lat, lon := r.Float64()*180-90, r.Float64()*360-180
			if c.Contains(lat, lon) {
				inside++
				if !inBox(b, lat, lon) {
					t.Fatalf("%v: (%g, %g) is in the circle but outside its bounds %+v", c, lat, lon, b)
				}
			}
		}
		if inside == 0 && c.RadiusKm >= 300 {
			t.Errorf("%v: no random point fell inside; the test says nothing", c)
		}
	}
	if b := (Area{}).Bounds(); !b.IsZero() {
		t.Errorf("the world's bounds are %+v, want zero", b)
	}
}
