package place

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/testenv"
)

func parser(tb testing.TB) *Parser {
	tb.Helper()
	g, err := geo.Default()
	if errors.Is(err, geo.ErrNotBuilt) {
		testenv.Missing(tb, "gazetteer not built: run `make models`: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return NewParser(g, countries(tb))
}

func TestParseArea(t *testing.T) {
	p := parser(t)
	type point struct {
		lat, lon float64
		in       bool
	}
	for _, tc := range []struct {
		name   string
		q      Query
		want   string // Area.String()
		points []point
	}{
		{"empty is the world", Query{}, "world", []point{{0, 0, true}, {-89, 179, true}}},
		{"alpha-2", Query{Country: "ES"}, "country=ES", []point{{40.4168, -3.7038, true}, {38.7223, -9.1393, false}}},
		{"alpha-3, lower case", Query{Country: "prt"}, "country=PT", []point{{38.7223, -9.1393, true}}},
		{"English name", Query{Country: "Argentina"}, "country=AR", []point{{-34.6037, -58.3816, true}}},
		{"native name with accent", Query{Country: " España "}, "country=ES", nil},
		{"name in another script", Query{Country: "日本"}, "country=JP", []point{{35.6762, 139.6503, true}}},
		{"near a city, default radius", Query{Near: "Madrid"}, "near=Madrid%2C+ES&radius=50km",
			[]point{{40.4168, -3.7038, true}, {40.55, -3.5, true}, {41.6488, -0.8891, false}}},
		{"the biggest namesake", Query{Near: "Paris", Radius: "20 km"}, "near=Paris%2C+FR&radius=20km", []point{{48.8566, 2.3522, true}}},
		{"qualified by a US state code", Query{Near: "Paris, TX", Radius: "10mi"}, "near=Paris%2C+TX&radius=16.09344km",
			[]point{{33.6609, -95.5555, true}, {48.8566, 2.3522, false}}},
		{"qualified by a state name", Query{Near: "Portland, Maine", Radius: "5km"}, "near=Portland%2C+ME&radius=5km", nil},
		{"qualified by a country name", Query{Near: "Valencia, Venezuela"}, "near=Valencia%2C+VE&radius=50km", nil},
		{"a position", Query{Near: "40.4168,-3.7038", Radius: "800m"}, "near=40.4168%2C-3.7038&radius=0.8km",
			[]point{{40.4168, -3.7038, true}, {40.43, -3.7038, false}}},
		{"bbox", Query{BBox: "-10,35,5,44"}, "bbox=-10,35,5,44", []point{{40, -3, true}, {48, 2, false}}},
		{"bbox across the antimeridian", Query{BBox: "170,-20,-170,0"}, "bbox=170,-20,-170,0",
			[]point{{-18, 178, true}, {-18, -175, true}, {-18, 0, false}, {-18, 538, true}}},
		{"bbox east past 180", Query{BBox: "170,-20,190,0"}, "bbox=170,-20,-170,0", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := p.Parse(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			for _, pt := range tc.points {
				if got := a.Contains(pt.lat, pt.lon); got != pt.in {
					t.Errorf("Contains(%v, %v) = %v, want %v", pt.lat, pt.lon, got, pt.in)
				}
			}
		})
	}
}

func TestAreaNotFromParse(t *testing.T) {
	if (Area{Kind: Country, Country: "ES"}).Contains(40.4, -3.7) {
		t.Error("a country area without outlines contains a point")
	}
	if !(Area{}).Contains(12, 34) {
		t.Error("the zero Area is not the world")
	}
}

func TestParseAreaErrors(t *testing.T) {
	p := parser(t)
	for _, tc := range []struct {
		name    string
		q       Query
		is      error
		message []string // substrings of the message, suggestions among them
	}{
		{"misspelt place", Query{Near: "Madird"}, ErrNotFound, []string{`no place "Madird"`, `did you mean "Madrid, ES"`}},
		{"truncated place", Query{Near: "Barcelo"}, ErrNotFound, []string{`"Barcelona, ES"`}},
		{"place in the wrong state", Query{Near: "Paris, ZZ"}, ErrNotFound, []string{`no place "Paris, ZZ"`, `"Paris, FR", "Paris, TX"`}},
		{"nothing like it", Query{Near: "Xqzzyvq"}, ErrNotFound, []string{`no place "Xqzzyvq"`}},
		{"misspelt country", Query{Country: "Argentinia"}, ErrNotFound, []string{`no country "Argentinia"`, `"AR" (Argentina)`}},
		{"unknown code", Query{Country: "QQ"}, ErrNotFound, []string{`no country "QQ"`}},
		{"country without an outline", Query{Country: "Tuvalu"}, ErrNotFound, []string{"TV has no outline"}},
		{"two selections", Query{Country: "ES", BBox: "0,0,1,1"}, ErrBadArea, []string{"one of country, near and bbox"}},
		{"radius alone", Query{Radius: "5km"}, ErrBadArea, []string{"radius without near"}},
		{"radius unit", Query{Near: "Madrid", Radius: "5 parsecs"}, ErrBadArea, []string{"radius"}},
		{"radius zero", Query{Near: "Madrid", Radius: "0"}, ErrBadArea, []string{"more than 0"}},
		{"radius huge", Query{Near: "Madrid", Radius: "1e9km"}, ErrBadArea, []string{"at most 2000 km"}},
		{"radius NaN", Query{Near: "Madrid", Radius: "NaN"}, ErrBadArea, []string{"radius"}},
		{"position off the globe", Query{Near: "95,10"}, ErrBadArea, []string{"lat,lon"}},
		{"bbox short", Query{BBox: "1,2,3"}, ErrBadArea, []string{"west,south,east,north"}},
		{"bbox upside down", Query{BBox: "0,10,1,5"}, ErrBadArea, []string{"south <= north"}},
		{"bbox not numbers", Query{BBox: "a,b,c,d"}, ErrBadArea, []string{"not a number"}},
		{"too long", Query{Near: strings.Repeat("a", 300)}, ErrBadArea, []string{"at most 200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Parse(tc.q)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			for _, m := range tc.message {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%q lacks %q", err, m)
				}
			}
		})
	}
}

func TestSuggestionsRankNearMissesFirst(t *testing.T) {
	p := parser(t)
	_, err := p.Parse(Query{Near: "Lisbn"})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a *NotFoundError", err)
	}
	if len(nf.Suggestions) == 0 || nf.Suggestions[0].Value != "Lisbon, PT" {
		t.Errorf("suggestions %q, want Lisbon, PT first", nf.Suggestions)
	}
	if len(nf.Suggestions) > maxSuggestions {
		t.Errorf("%d suggestions, want at most %d", len(nf.Suggestions), maxSuggestions)
	}
	// Every suggestion must find a place when given back.
	for _, s := range nf.Suggestions {
		if _, err := p.Parse(Query{Near: s.Value}); err != nil {
			t.Errorf("suggestion %q: %v", s.Value, err)
		}
	}
	_, err = p.Parse(Query{Country: "Germny"})
	if !errors.As(err, &nf) || len(nf.Suggestions) == 0 {
		t.Fatalf("err = %v, want a suggestion", err)
	}
	if a, err := p.Parse(Query{Country: nf.Suggestions[0].Value}); err != nil || a.Country != "DE" {
		t.Errorf("suggestion %v gives %v, %v; want DE", nf.Suggestions[0], a, err)
	}
}

func TestOSADistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"madrid", "madrid", 0}, {"madird", "madrid", 1}, {"madri", "madrid", 1},
		{"lisbn", "lisbon", 1}, {"paris", "parma", 2}, {"abc", "xyz", 3}, {"", "ab", 2},
	} {
		if got := osaDistance([]rune(tc.a), []rune(tc.b), 5); got != tc.want {
			t.Errorf("osaDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := osaDistance([]rune("abcdef"), []rune("uvwxyz"), 2); got != 3 {
		t.Errorf("bounded distance = %d, want limit+1 = 3", got)
	}
}

// FuzzParse feeds the parser untrusted query parameters: it must not
// panic, must answer with one of its two errors, and an area it accepts
// must hold its own centre.
func FuzzParse(f *testing.F) {
	p := parser(f)
	for _, s := range [][4]string{
		{"ES", "", "", ""}, {"", "Madrid", "50km", ""}, {"", "Paris, TX", "10mi", ""},
		{"", "", "", "-10,35,5,44"}, {"", "40.4,-3.7", "800m", ""}, {"España", "", "", ""},
		{"", "Madird", "", ""}, {"", ",", "", ""}, {"", "", "", "170,-20,-170,0"}, {"", "東京", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, country, near, radius, bbox string) {
		a, err := p.Parse(Query{Country: country, Near: near, Radius: radius, BBox: bbox})
		if err != nil {
			if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBadArea) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		switch a.Kind {
		case Near:
			if !a.Contains(a.Lat, a.Lon) || !(a.RadiusKm > 0 && a.RadiusKm <= MaxRadiusKm) {
				t.Fatalf("%v: does not hold its centre", a)
			}
		case Box:
			if !(a.Box.South <= a.Box.North) || !a.Contains((a.Box.South+a.Box.North)/2, a.Box.West) {
				t.Fatalf("%v: does not hold its west edge", a)
			}
		case Country:
			if len(a.Country) != 2 || slices.Index(p.countries.codes, a.Country) < 0 {
				t.Fatalf("%v: not a country of the index", a)
			}
		}
	})
}
