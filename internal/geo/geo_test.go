package geo

import (
	"errors"
	"sync"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
)

// gazetteer returns the embedded gazetteer, skipping (failing under CI) when the build step
// that generates it (npm run --prefix web gazetteer, run by make build and
// make test) has not run.
func gazetteer(t testing.TB) *Gazetteer {
	t.Helper()
	g, err := Default()
	if errors.Is(err, ErrNotBuilt) {
		testenv.Missing(t, "gazetteer not built: run `make build` (npm run --prefix web gazetteer): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// True positions of the cities in the tables (city centres, rounded).
var (
	paris       = post.Point{Lat: 48.857, Lon: 2.352}
	parisTX     = post.Point{Lat: 33.661, Lon: -95.556}
	portlandOR  = post.Point{Lat: 45.515, Lon: -122.679}
	portlandME  = post.Point{Lat: 43.661, Lon: -70.255}
	cordobaAR   = post.Point{Lat: -31.417, Lon: -64.183}
	cordobaES   = post.Point{Lat: 37.888, Lon: -4.779}
	tokyo       = post.Point{Lat: 35.690, Lon: 139.692}
	moscow      = post.Point{Lat: 55.756, Lon: 37.617}
	cairo       = post.Point{Lat: 30.044, Lon: 31.236}
	nyc         = post.Point{Lat: 40.713, Lon: -74.006}
	london      = post.Point{Lat: 51.507, Lon: -0.128}
	buenosAires = post.Point{Lat: -34.604, Lon: -58.382}
	mexicoCity  = post.Point{Lat: 19.433, Lon: -99.133}
	losAngeles  = post.Point{Lat: 34.052, Lon: -118.244}
	madrid      = post.Point{Lat: 40.417, Lon: -3.704}
	austin      = post.Point{Lat: 30.267, Lon: -97.743}
	saoPaulo    = post.Point{Lat: -23.551, Lon: -46.633}
	bogota      = post.Point{Lat: 4.711, Lon: -74.072}
	kualaLumpur = post.Point{Lat: 3.139, Lon: 101.687}
	berlin      = post.Point{Lat: 52.520, Lon: 13.405}
	seoul       = post.Point{Lat: 37.566, Lon: 126.978}
	saintPeter  = post.Point{Lat: 59.934, Lon: 30.336}
	sanFran     = post.Point{Lat: 37.775, Lon: -122.419}
)

type want struct {
	country string
	at      post.Point
}

// profileCases is the table of tricky profile strings: ambiguous names,
// other scripts, emoji, abbreviations, and non-places (zero want).
var profileCases = []struct {
	loc, lang string
	want      want
}{
	// Ambiguous names: population, then country/state, then language.
	{"Paris", "en", want{"FR", paris}},
	{"Paris, TX", "en", want{"US", parisTX}},
	{"Paris, Texas", "en", want{"US", parisTX}},
	{"paris france", "fr", want{"FR", paris}},
	{"Paris, FR", "en", want{"FR", paris}},
	{"Paris TX", "fr", want{"US", parisTX}},
	{"Portland, OR", "en", want{"US", portlandOR}},
	{"Portland, ME", "en", want{"US", portlandME}},
	{"Portland, Maine", "en", want{"US", portlandME}},
	{"Córdoba", "es", want{"AR", cordobaAR}},
	{"Cordoba, Argentina", "es", want{"AR", cordobaAR}},
	{"Córdoba, España", "es", want{"ES", cordobaES}},
	{"Córdoba 🇪🇸", "es", want{"ES", cordobaES}},
	// The language prior: for English, San Jose is California's; for
	// Spanish, Costa Rica's capital weighs as much, and the resolver
	// refuses to guess. Santa Maria is the Brazilian one for Portuguese.
	{"San Jose", "en", want{"US", post.Point{Lat: 37.339, Lon: -121.895}}},
	{"San José", "es", want{}},
	{"San José, Costa Rica", "es", want{"CR", post.Point{Lat: 9.928, Lon: -84.091}}},
	{"Santa Maria", "pt", want{"BR", post.Point{Lat: -29.684, Lon: -53.807}}},
	{"Madrid, España", "es", want{"ES", madrid}},
	{"MADRID", "", want{"ES", madrid}},
	{"Austin, TX", "en", want{"US", austin}},
	{"austin tx", "en", want{"US", austin}},
	{"Sao Paulo", "pt", want{"BR", saoPaulo}},
	{"São Paulo - SP", "pt", want{"BR", saoPaulo}},
	{"Bogotá, Colombia", "es", want{"CO", bogota}},
	{"Bogota", "es", want{"CO", bogota}},
	{"London", "en", want{"GB", london}},
	{"London, England", "en", want{"GB", london}},
	{"Living in Berlin", "de", want{"DE", berlin}},
	{"Berlin, Deutschland", "de", want{"DE", berlin}},
	// Other scripts.
	{"東京", "ja", want{"JP", tokyo}},
	{"東京都", "ja", want{"JP", tokyo}},
	{"Москва", "ru", want{"RU", moscow}},
	{"Санкт-Петербург", "ru", want{"RU", saintPeter}},
	{"القاهرة", "ar", want{"EG", cairo}},
	{"서울", "ko", want{"KR", seoul}},
	// Emoji.
	{"NYC 🗽", "en", want{"US", nyc}},
	{"📍London", "en", want{"GB", london}},
	{"🌴 Los Angeles, CA 🌴", "en", want{"US", losAngeles}},
	// Abbreviations and nicknames.
	{"NYC", "en", want{"US", nyc}},
	{"New York, NY", "en", want{"US", nyc}},
	{"Brooklyn, NY", "en", want{"US", nyc}},
	{"BsAs", "es", want{"AR", buenosAires}},
	{"Bs. As., Argentina", "es", want{"AR", buenosAires}},
	{"CDMX", "es", want{"MX", mexicoCity}},
	{"México, DF", "es", want{"MX", mexicoCity}},
	{"LA", "en", want{"US", losAngeles}},
	{"SF", "en", want{"US", sanFran}},
	{"KL", "ms", want{"MY", kualaLumpur}},
	{"The Big Apple", "en", want{"US", nyc}},
	// Non-places and jokes.
	{"Earth", "en", want{}},
	{"Planet Earth", "en", want{}},
	{"worldwide", "en", want{}},
	{"Everywhere", "en", want{}},
	{"in your heart", "en", want{}},
	{"she/her", "en", want{}},
	{"he/him", "en", want{}},
	{"Internet", "en", want{}},
	{"the moon", "en", want{}},
	{"Hogwarts", "en", want{}},
	{"España", "es", want{}}, // a country alone is too coarse
	{"USA", "en", want{}},
	{"Springfield", "en", want{}}, // too many namesakes
	{"", "en", want{}},
	{"🏳️‍🌈✨", "en", want{}},
}

func checkMatch(t *testing.T, what string, m Match, ok bool, w want) {
	t.Helper()
	if w.country == "" {
		if ok {
			t.Errorf("%s = %+v, want nothing", what, m)
		}
		return
	}
	if !ok {
		t.Errorf("%s: nothing, want %s near %v", what, w.country, w.at)
		return
	}
	if d := DistanceKm(m.Point, w.at); m.Country != w.country || d > 50 {
		t.Errorf("%s = %s, %s (%v), %.0f km from the true city, want %s within 50 km", what, m.Name, m.Country, m.Point, d, w.country)
	}
	if !(m.Confidence > 0 && m.Confidence <= 1) {
		t.Errorf("%s: confidence %v outside (0, 1]", what, m.Confidence)
	}
}

func TestResolveProfileTable(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{})
	for _, tc := range profileCases {
		m, ok := r.ResolveProfile(tc.loc, tc.lang)
		checkMatch(t, "ResolveProfile("+tc.loc+", "+tc.lang+")", m, ok, tc.want)
		// The second call comes from the cache and must agree.
		m2, ok2 := r.ResolveProfile(tc.loc, tc.lang)
		if m2 != m || ok2 != ok {
			t.Errorf("%q: cached %+v %v, first %+v %v", tc.loc, m2, ok2, m, ok)
		}
	}
}

var textCases = []struct {
	text     string
	hashtags []string
	lang     string
	want     want
}{
	{"Qué lindo día en Buenos Aires", nil, "es", want{"AR", buenosAires}},
	{"Ich bin gerade in Berlin angekommen", nil, "de", want{"DE", berlin}},
	{"Estou em São Paulo hoje", nil, "pt", want{"BR", saoPaulo}},
	{"Oracle: Senior Python Developer (#Pleasanton, CA) https://t.co/x #IT #Job", []string{"Pleasanton", "IT", "Job"}, "en", want{"US", post.Point{Lat: 37.662, Lon: -121.875}}},
	{"Sunset over the #Hudson with friends #NYC", []string{"Hudson", "NYC"}, "en", want{"US", nyc}},
	{"Tapas y sol", []string{"Madrid"}, "es", want{"ES", madrid}},
	{"Vamos", []string{"BuenosAires"}, "es", want{"AR", buenosAires}},
	{"Marcha hoy", []string{"CDMX"}, "es", want{"MX", mexicoCity}},
	{"Я живу в Москва", nil, "ru", want{"RU", moscow}},
	// Words that are also small towns, and hashtags that are words.
	{"I am in love with this song", nil, "en", want{}},
	{"in Time we trust", nil, "en", want{}},
	{"New #job opening", []string{"job", "Hiring", "Mobile"}, "en", want{}},
	{"Welcome to the jungle", nil, "en", want{}},
	{"la la la", []string{"la"}, "es", want{}},
	{"", nil, "en", want{}},
}

func TestResolveTextTable(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{})
	for _, tc := range textCases {
		m, ok := r.ResolveText(tc.text, tc.hashtags, tc.lang)
		checkMatch(t, "ResolveText("+tc.text+")", m, ok, tc.want)
	}
}

func TestLocateOrderOfTrust(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{})
	exact := post.Post{HasPoint: true, Point: paris, GeoSource: post.GeoExact, GeoConfidence: 1, UserLocation: "Madrid", Text: "en Lima"}
	p := exact
	r.Locate(&p)
	if p.Point != paris || p.GeoSource != post.GeoExact || p.GeoConfidence != 1 {
		t.Errorf("exact point changed: %+v", p)
	}
	p = post.Post{UserLocation: "Madrid, España", Text: "Hola desde Buenos Aires", Lang: "es"}
	r.Locate(&p)
	if !p.HasPoint || p.GeoSource != post.GeoProfile || DistanceKm(p.Point, madrid) > 50 || p.GeoConfidence <= 0 || p.GeoConfidence > 1 {
		t.Errorf("profile first: %+v", p)
	}
	p = post.Post{UserLocation: "in your heart", Text: "Hola desde Buenos Aires", Lang: "es"}
	r.Locate(&p)
	if !p.HasPoint || p.GeoSource != post.GeoText || DistanceKm(p.Point, buenosAires) > 50 {
		t.Errorf("text when the profile is no place: %+v", p)
	}
	p = post.Post{UserLocation: "Earth", Text: "nothing here", PlatformLang: "en"}
	r.Locate(&p)
	if p.HasPoint || p.GeoSource != post.GeoNone || p.GeoConfidence != 0 {
		t.Errorf("no place: %+v", p)
	}
}

// The threshold is honoured: a strict resolver refuses what the default
// one accepts with less confidence.
func TestThreshold(t *testing.T) {
	g := gazetteer(t)
	loose := NewResolver(g, Options{Threshold: 0.05})
	m, ok := loose.ResolveProfile("Portland", "en")
	if !ok {
		t.Fatal("loose resolver refused Portland")
	}
	strict := NewResolver(g, Options{Threshold: float64(m.Confidence) + 0.01})
	if m2, ok := strict.ResolveProfile("Portland", "en"); ok {
		t.Errorf("strict resolver accepted %+v below its threshold", m2)
	}
}

func TestConcurrentUse(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{CacheSize: 64}) // small: shards get emptied under load
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				tc := profileCases[(i+w)%len(profileCases)]
				m, ok := r.ResolveProfile(tc.loc, tc.lang)
				if ok != (tc.want.country != "") || (ok && m.Country != tc.want.country) {
					t.Errorf("%q: %+v %v", tc.loc, m, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Bogotá":           "bogota",
		"SÃO PAULO":        "sao paulo",
		"Saint-Étienne":    "saint etienne",
		"NYC 🗽":            "nyc",
		"📍London":          "london",
		"  Zürich ,  CH  ": "zurich ch",
		"Москва":           "москва",
		"東京":               "東京",
		"Łódź":             "lodz",
		"İstanbul":         "istanbul",
		"":                 "",
		"🏳️‍🌈":             "",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := flagCountries("Madrid 🇪🇸 / 🇦🇷x🇧"); len(got) != 2 || got[0] != "ES" || got[1] != "AR" {
		t.Errorf("flagCountries = %v", got)
	}
}

func TestDefaultIsShared(t *testing.T) {
	g := gazetteer(t)
	g2, err := Default()
	if err != nil || g2 != g {
		t.Fatalf("Default() = %p, %v; want the same gazetteer", g2, err)
	}
	if g.Len() < 100000 {
		t.Errorf("gazetteer has %d places, want the >= 100k of cities1000", g.Len())
	}
	if cc := g.Country("Deutschland"); cc != "DE" {
		t.Errorf(`Country("Deutschland") = %q`, cc)
	}
	if cc := g.Country("日本"); cc != "JP" {
		t.Errorf(`Country("日本") = %q`, cc)
	}
}

// A ", XX" after a name only counts when XX confirms the place.
func TestCommaCodeMustAgree(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{})
	if m, ok := r.ResolveText("PRE ORDER HOODIE PARASUT LIVERPOOL, WA: 0822", nil, "id"); ok {
		t.Errorf("resolved %+v from a code that contradicts it", m)
	}
	m, ok := r.ResolveText("Now hiring in our Roseville, MI store", nil, "en")
	if !ok || m.Country != "US" || DistanceKm(m.Point, post.Point{Lat: 42.497, Lon: -82.937}) > 50 {
		t.Errorf("Roseville, MI = %+v %v", m, ok)
	}
}

func TestBaseLang(t *testing.T) {
	for in, want := range map[string]string{"es": "es", "pt-BR": "pt", "PT": "pt", "spanish": "es", "portuguese": "pt", "": "", "klingon": "klingon"} {
		if got := baseLang(in); got != want {
			t.Errorf("baseLang(%q) = %q, want %q", in, got, want)
		}
	}
}
