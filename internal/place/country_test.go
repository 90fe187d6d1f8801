package place

import (
	"errors"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/topojson"
	"github.com/geoheat/geoheat/internal/web"
)

func countries(tb testing.TB) *Countries {
	tb.Helper()
	c, err := DefaultCountries()
	if errors.Is(err, web.ErrNotBuilt) {
		testenv.Missing(tb, "outlines not built: run `make web`: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCountryOf(t *testing.T) {
	c := countries(t)
	for _, tc := range []struct {
		name     string
		lat, lon float64
		want     string // "" means at sea / nowhere
	}{
		{"Madrid", 40.4168, -3.7038, "ES"},
		{"Lisbon", 38.7223, -9.1393, "PT"},
		{"Buenos Aires", -34.6037, -58.3816, "AR"},
		{"Montevideo across the Plata", -34.9011, -56.1645, "UY"},
		{"Tokyo", 35.6762, 139.6503, "JP"},
		{"New York", 40.7128, -74.0060, "US"},
		{"Honolulu", 21.3069, -157.8583, "US"},
		{"mid-Atlantic", 30, -40, ""},
		{"South Pacific", -45, -130, ""},
		{"North Pole", 90, 0, ""},
		// Enclaves: the hole in the surrounding country must be its own.
		{"Maseru, Lesotho in South Africa", -29.3151, 27.4869, "LS"},
		{"Bloemfontein, South Africa", -29.0852, 26.1596, "ZA"},
		{"San Marino in Italy", 43.9424, 12.4578, "SM"},
		// At 1:50m the Vatican is a 1 km square drawn about 1 km west of
		// St Peter's, which the outlines put in Italy.
		{"Vatican as drawn at 50m", 41.902, 12.435, "VA"},
		{"St Peter's Square", 41.9022, 12.4573, "IT"},
		{"Rome", 41.8933, 12.4829, "IT"},
		// Borders a few km apart.
		{"Strasbourg", 48.5734, 7.7521, "FR"},
		{"Kehl across the Rhine", 48.5725, 7.8156, "DE"},
		{"Geneva", 46.2044, 6.1432, "CH"},
		{"El Paso airport", 31.8072, -106.3776, "US"},
		// Downtown El Paso is 1.5 km from the Rio Grande; the 50m border
		// runs north of it.
		{"downtown El Paso", 31.7619, -106.4850, "MX"},
		{"Ciudad Juárez", 31.6904, -106.4245, "MX"},
		// Across the antimeridian: Russia's far east on both sides.
		{"Anadyr", 64.7337, 177.5089, "RU"},
		{"Uelen", 66.1606, -169.8103, "RU"},
		{"Uelen, lon + 360", 66.1606, 190.1897, "RU"},
		{"Suva, Fiji", -18.1416, 178.4419, "FJ"},
		{"McMurdo Station", -77.8419, 166.6863, "AQ"},
		{"Antarctic interior on the seam band", -84.3, 0, "AQ"},
		{"Antarctic interior on the seam band, far east", -84.3, 150, "AQ"},
		{"Nuuk", 64.1814, -51.6941, "GL"},
		{"Singapore", 1.2903, 103.8519, "SG"},
		// Outlines world-atlas leaves without an ISO id.
		{"Pristina (Kosovo)", 42.6629, 21.1655, "XK"},
		{"Kyrenia (north Cyprus)", 35.3364, 33.3199, "CY"},
		{"Hargeisa (Somaliland)", 9.5624, 44.0770, "SO"},
		// At sea, near a coast: within the territorial sea, the coast's country.
		{"10 km off Cabo da Roca", 38.78, -9.62, "PT"},
		{"100 km off Cabo da Roca", 38.78, -10.65, ""},
		{"not a position", math.NaN(), 0, ""},
		{"latitude out of range", 91, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := c.CountryOf(tc.lat, tc.lon)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("CountryOf(%v, %v) = %q, %v; want %q", tc.lat, tc.lon, got, ok, tc.want)
			}
		})
	}
}

// TestCountryOfAgreesWithOrb checks the grid's crossing test against an
// independent ring test (orb's planar.RingContains, run on whole rings) at
// random points, many of them near coasts and borders. Rings combine
// even-odd, as in the index: world-atlas lists Antarctica's mainland as the
// second ring of a polygon, which orb's MultiPolygonContains would take
// for a hole.
func TestCountryOfAgreesWithOrb(t *testing.T) {
	c := countries(t)
	data, err := web.Outlines(web.Files("", nil))
	if err != nil {
		t.Fatal(err)
	}
	top, err := topojson.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	features, err := top.Features("countries")
	if err != nil {
		t.Fatal(err)
	}
	type shape struct {
		code  string
		rings []orb.Ring
		bound orb.Bound
	}
	var shapes []shape
	for _, f := range features {
		code := numericToAlpha2[f.ID]
		if code == "" {
			code = unnamed[f.Name]
		}
		var rings []orb.Ring
		bound := orb.Bound{Min: orb.Point{180, 90}, Max: orb.Point{-180, -90}}
		for _, p := range f.Polygons {
			for _, r := range p {
				// The same outline as the index: rings across the
				// antimeridian unwrapped, with a copy a turn away, at
				// float32 precision.
				r, lo, hi := unwrap(r)
				for _, dx := range []float64{0, -360, 360} {
					if (dx < 0 && hi <= 180) || (dx > 0 && lo >= -180) {
						continue
					}
					ring := make(orb.Ring, len(r))
					for i, pt := range r {
						ring[i] = orb.Point{float64(float32(pt[0] + dx)), float64(float32(pt[1]))}
					}
					rings = append(rings, ring)
					bound = bound.Union(ring.Bound())
				}
			}
		}
		shapes = append(shapes, shape{code, rings, bound})
	}
	rng := rand.New(rand.NewPCG(14, 50))
	const n = 20000
	mismatches := 0
	for i := range n {
		var x, y float64
		if i%2 == 0 { // anywhere
			x, y = rng.Float64()*360-180, math.Asin(rng.Float64()*2-1)*180/math.Pi
		} else { // Europe's coasts and borders, densely
			x, y = rng.Float64()*40-10, rng.Float64()*25+35
		}
		want := map[string]bool{}
		for _, s := range shapes {
			if !s.bound.Contains(orb.Point{x, y}) {
				continue
			}
			for _, r := range s.rings {
				if planar.RingContains(r, orb.Point{x, y}) {
					want[s.code] = !want[s.code]
				}
			}
			if !want[s.code] {
				delete(want, s.code)
			}
		}
		got := ""
		if k := c.contains(x, y); k >= 0 {
			got = c.codes[k]
		}
		if (got == "" && len(want) > 0) || (got != "" && !want[got]) {
			mismatches++
			if mismatches <= 10 {
				t.Errorf("(%v, %v): grid says %q, orb %v", y, x, got, want)
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%d of %d points disagree", mismatches, n)
	}
}

// TestOutlinesArePlanar guards the index's assumption that no edge jumps
// across the antimeridian (Natural Earth cuts its polygons at ±180); an
// edge that did would cross the whole map in the planar test. Edges along
// a parallel (Antarctica's closing line at 89.999°S) cross no horizontal
// ray and may be as long as they like.
func TestOutlinesArePlanar(t *testing.T) {
	c := countries(t)
	for _, e := range c.edges {
		if math.Abs(float64(e.x2-e.x1)) > 180 && e.y1 != e.y2 {
			t.Fatalf("edge (%v,%v)-(%v,%v) spans more than 180° of longitude", e.x1, e.y1, e.x2, e.y2)
		}
	}
	if c.Len() < 200 {
		t.Errorf("%d countries, want the ~240 of Natural Earth", c.Len())
	}
	if got := c.Name("ES"); got != "Spain" {
		t.Errorf(`Name("ES") = %q`, got)
	}
}

func TestNewCountriesRejects(t *testing.T) {
	for name, data := range map[string]string{
		"not json":     `{`,
		"not topology": `{"type":"FeatureCollection"}`,
		"no countries": `{"type":"Topology","arcs":[],"objects":{"land":{"type":"GeometryCollection","geometries":[]}}}`,
		"no known ids": `{"type":"Topology","arcs":[[[0,0],[1,0],[1,1],[0,0]]],"objects":{"countries":{"type":"GeometryCollection","geometries":[{"type":"Polygon","id":"999","arcs":[[0]]}]}}}`,
		"bad arc":      `{"type":"Topology","arcs":[],"objects":{"countries":{"type":"GeometryCollection","geometries":[{"type":"Polygon","id":"724","arcs":[[3]]}]}}}`,
	} {
		if _, err := NewCountries([]byte(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestNewCountriesSmall builds an index from a hand-made topology: a
// square country with a square hole holding another, to check the sweep
// and the crossing test on geometry whose answer is known exactly.
func TestNewCountriesSmall(t *testing.T) {
	const data = `{"type":"Topology","arcs":[
		[[-10,-10],[10,-10],[10,10],[-10,10],[-10,-10]],
		[[-2.3,-2.3],[-2.3,2.3],[2.3,2.3],[2.3,-2.3],[-2.3,-2.3]]],
	"objects":{"countries":{"type":"GeometryCollection","geometries":[
		{"type":"Polygon","id":"710","arcs":[[0],[1]]},
		{"type":"Polygon","id":426,"arcs":[[-2]]}]}}}`
	c, err := NewCountries([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lat, lon float64
		want     string
	}{
		{0, 0, "LS"}, {2.2, 2.2, "LS"}, {2.4, 2.2, "ZA"}, {-9.9, 9.9, "ZA"},
		{0, 5, "ZA"}, {0, 10.05, "ZA"}, // 5.5 km out: the territorial sea
		{0, 11, ""}, {20, 0, ""},
	} {
		if got, _ := c.CountryOf(tc.lat, tc.lon); got != tc.want {
			t.Errorf("CountryOf(%v, %v) = %q, want %q", tc.lat, tc.lon, got, tc.want)
		}
	}
}

// TestNewCountriesIsCheap measures what building the index costs at
// start, in CPU time (getrusage), which a loaded, shared machine does not
// inflate as it does wall time: about 40 ms (docs/geo.md); the budget
// leaves room for a slower CPU.
func TestNewCountriesIsCheap(t *testing.T) {
	data, err := web.Outlines(web.Files("", nil))
	if errors.Is(err, web.ErrNotBuilt) {
		testenv.Missing(t, "outlines not built: run `make web`: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() || raceEnabled {
		t.Skip("timing: not under -short or -race")
	}
	best := time.Hour
	for range 3 {
		start := cpuTime(t)
		if _, err := NewCountries(data); err != nil {
			t.Fatal(err)
		}
		best = min(best, cpuTime(t)-start)
	}
	t.Logf("building the index: %v of CPU", best)
	if best > 100*time.Millisecond {
		t.Errorf("building the index took %v of CPU at best, want at most 100 ms", best)
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Skipf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkNewCountries(b *testing.B) {
	countries(b)
	data, err := web.Outlines(web.Files("", nil))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewCountries(data); err != nil {
			b.Fatal(err)
		}
	}
}
