package place

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/testenv"
)

// realisticPoints are where posts come from: the gazetteer's places,
// drawn in proportion to population (a post is likelier from Tokyo than
// from a town of 1,000), each moved up to ~5 km as a geotag around a city
// centre would be. Coastal and border cities make many of them land in
// mixed cells.
func realisticPoints(b *testing.B, n int) [][2]float64 {
	g, err := geo.Default()
	if errors.Is(err, geo.ErrNotBuilt) {
		testenv.Missing(b, "gazetteer not built: run `make models`: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	cum := make([]float64, g.Len())
	total := 0.0
	for i := range g.Len() {
		total += float64(g.Place(i).Population)
		cum[i] = total
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([][2]float64, n)
	for i := range pts {
		r := rng.Float64() * total
		lo, hi := 0, len(cum)-1
		for lo < hi { // the first place whose cumulative population exceeds r
			mid := (lo + hi) / 2
			if cum[mid] < r {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		p := g.Place(lo)
		pts[i] = [2]float64{float64(p.Lat) + (rng.Float64()-0.5)*0.09, float64(p.Lon) + (rng.Float64()-0.5)*0.09}
	}
	return pts
}

func BenchmarkCountryOf(b *testing.B) {
	c := countries(b)
	pts := realisticPoints(b, 1<<16)
	found := 0
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := pts[i&(len(pts)-1)]
		if _, ok := c.CountryOf(p[0], p[1]); ok {
			found++
		}
		i++
	}
	b.ReportMetric(float64(found)/float64(i), "found/op")
}

// BenchmarkCountryOfUniform draws points uniformly over the globe: mostly
// sea, the nearest-coast search's worst case.
func BenchmarkCountryOfUniform(b *testing.B) {
	c := countries(b)
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([][2]float64, 1<<16)
	for i := range pts {
		pts[i] = [2]float64{rng.Float64()*180 - 90, rng.Float64()*360 - 180}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := pts[i&(len(pts)-1)]
		c.CountryOf(p[0], p[1])
		i++
	}
}
