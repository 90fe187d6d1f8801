package httpapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

func TestParseLang(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"", "", false},
		{"all", "", false},
		{"en", "en", false},
		{"english", "en", false},
		{"English", "en", false},
		{"hinglish", "hinglish", false},
		{"in", "id", false}, // Twitter's legacy code for Indonesian
		{"xx", "xx", false},
		{"<script>", "", true},
		{"en;drop", "", true},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", true},
	} {
		got, err := ParseLang(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseWindow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 0, false}, {"all", 0, false}, {"15m", 15 * time.Minute, false}, {"24h", 24 * time.Hour, false},
		{"7d", 7 * 24 * time.Hour, false}, {"1.5d", 36 * time.Hour, false},
		{"-5m", 0, true}, {"abc", 0, true}, {"0d", 0, true}, {"99999d", 0, true},
	} {
		got, err := ParseWindow(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseBBox(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want store.BBox
		bad  bool
	}{
		{"", store.World, false},
		{"-10,35,5,45", store.BBox{West: -10, South: 35, East: 5, North: 45}, false},
		// A map panned east reports longitudes beyond 180: wrapped, crossing.
		{"170,-20,190,10", store.BBox{West: 170, South: -20, East: -170, North: 10}, false},
		// GeoJSON's crossing convention passes through.
		{"170,-20,-170,10", store.BBox{West: 170, South: -20, East: -170, North: 10}, false},
		// Zoomed out past one world: the whole band.
		{"-400,-80,400,80", store.BBox{West: -180, South: -80, East: 180, North: 80}, false},
		{"1,2,3", store.BBox{}, true},
		{"a,b,c,d", store.BBox{}, true},
		{"0,50,10,40", store.BBox{}, true}, // south > north
		{"0,-95,10,40", store.BBox{}, true},
		{"NaN,0,1,1", store.BBox{}, true},
	} {
		got, err := ParseBBox(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseBBox(%q) = %+v, %v; want %+v, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseTopAndHeat(t *testing.T) {
	q, err := parseTop(url.Values{"lang": {"spanish"}, "n": {"5"}, "window": {"15m"}})
	if err != nil || q.Lang != "es" || q.N != 5 || q.Window != 15*time.Minute || q.Last != 0 {
		t.Fatalf("parseTop = %+v, %v", q, err)
	}
	q, err = parseTop(url.Values{})
	if err != nil || q.N != 3 || q.Last != 5000 {
		t.Fatalf("parseTop defaults = %+v, %v", q, err)
	}
	if _, err := parseTop(url.Values{"last": {"10"}, "window": {"1h"}}); err == nil {
		t.Fatal("last and window together accepted")
	}
	if _, err := parseTop(url.Values{"n": {"0"}}); err == nil {
		t.Fatal("n=0 accepted")
	}
	if _, err := parsePoints(url.Values{}); err == nil {
		t.Fatal("points without lang accepted")
	}
	h, err := parseHeat(url.Values{"tag": {"#Rio2016"}, "zoom": {"4"}, "limit": {"10"}, "n": {"400"}})
	if err != nil || h.Tag != "Rio2016" || h.Zoom != 4 || h.Limit != 10 || h.Last != 400 || h.BBox != store.World {
		t.Fatalf("parseHeat = %+v, %v", h, err)
	}
	if _, err := parseHeat(url.Values{"zoom": {"23"}}); err == nil {
		t.Fatal("zoom 23 accepted")
	}
}

// FuzzParams: no query string makes the parsers panic, and whatever they
// accept is within the documented limits.
func FuzzParams(f *testing.F) {
	for _, s := range []string{"lang=en&n=3&last=5000", "window=15m", "bbox=170,-20,190,10&zoom=3&limit=5",
		"bbox=-1e309,0,0,0", "n=-1", "tag=%3Cimg%20src%3Dx%3E", "lang=%00",
		"lang=en&geo=all", "geo=exact,place", "geo=inferred", "geo=,", "geo=Profile%20,text"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if q, err := parseTop(v); err == nil {
			selects := q.Window > 0 || !q.Range.IsZero() || !q.BBox.IsZero() || q.Q != ""
			if q.N < 1 || q.N > maxN || (!selects && (q.Last < 1 || q.Last > maxLast)) || (selects && q.Last != 0) {
				t.Fatalf("accepted %+v", q)
			}
			if _, err := q.Normalize(); err != nil {
				t.Fatalf("accepted %+v, which the store refuses: %v", q, err)
			}
		}
		if q, err := parseHeat(v); err == nil {
			if _, err := q.Normalize(); err != nil {
				t.Fatalf("accepted %+v, which the store refuses: %v", q, err)
			}
		}
		if q, err := parseTop(v); err == nil {
			if q.N < 1 {
				t.Fatalf("accepted %+v", q)
			}
		}
		if q, err := parseHeat(v); err == nil {
			b := q.BBox
			if q.Zoom < 0 || q.Zoom > maxZoom || q.Limit < 1 || q.Limit > maxLimit ||
				b.South < -90 || b.North > 90 || b.South > b.North ||
				b.West < -180 || b.West > 180 || b.East < -180 || b.East > 180 {
				t.Fatalf("accepted %+v", q)
			}
		}
		// An accepted provenance filter is never empty and names only
		// real provenances (an empty set would silently mean the default).
		if q, err := parseHeat(v); err == nil && (q.Geo == 0 || q.Geo&^post.GeoSetAll != 0) {
			t.Fatalf("heat accepted geo %#x", uint8(q.Geo))
		}
		if q, err := parsePoints(v); err == nil && (q.Geo == 0 || q.Geo&^post.GeoSetAll != 0 || q.N < 1 || q.N > maxN) {
			t.Fatalf("points accepted %+v", q)
		}
		if g, err := ParseGeo(v.Get("geo")); err == nil && g.String() != "" {
			// What the API echoes parses back to the same set.
			if back, err := ParseGeo(g.String()); err != nil || back != g {
				t.Fatalf("ParseGeo(%q) = %v, echo %q parses to %v, %v", v.Get("geo"), g, g.String(), back, err)
			}
		}
	})
}
