package place

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/geoheat/geoheat/internal/store"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/post"
)

// Kind is what an Area selects by.
type Kind uint8

// Kinds of Area. The zero Area is the World.
const (
	World   Kind = iota // everywhere
	Country             // the outline of one country
	Near                // within a radius of a place or a position
	Box                 // a lon/lat box
)

// Radius bounds. Fifty km takes in a city and its suburbs; beyond 2,000 km
// a circle is a continent, which country= or bbox= say better.
const (
	DefaultRadiusKm = 50
	MaxRadiusKm     = 2000
)

// Area is a place selection: a country, a circle round a place, or a box.
// Build it with Parser.Parse; the zero Area is the World. An Area is a
// value, safe to copy and to use from many goroutines.
type Area struct {
	Kind     Kind
	Country  string     // Country: ISO 3166-1 alpha-2
	Place    geo.Place  // Near: the place named; zero for a position
	Lat, Lon float64    // Near: the centre
	RadiusKm float64    // Near
	Box      store.BBox // Box

	countries *Countries // Country: the index Contains asks
}

// Contains reports whether the point lies in the area. For a country it
// asks the outline index (so a point within CoastKm off its coast counts);
// a circle is measured on the sphere.
func (a Area) Contains(lat, lon float64) bool {
	switch a.Kind {
	case Country:
		if a.countries == nil {
			return false // not built by Parse: no outlines to ask
		}
		cc, ok := a.countries.CountryOf(lat, lon)
		return ok && cc == a.Country
	case Near:
		// A degree of latitude is at least 110 km: most points are
		// rejected before the trigonometry.
		if math.Abs(lat-a.Lat)*110.5 > a.RadiusKm {
			return false
		}
		return geo.DistanceKm(post.Point{Lat: a.Lat, Lon: a.Lon}, post.Point{Lat: lat, Lon: lon}) <= a.RadiusKm
	case Box:
		b := a.Box
		if !(lat >= b.South && lat <= b.North) {
			return false
		}
		lon = store.WrapLon(lon)
		if b.West <= b.East {
			return lon >= b.West && lon <= b.East
		}
		return lon >= b.West || lon <= b.East
	}
	return true
}

// String is the area as query parameters would give it.
func (a Area) String() string {
	switch a.Kind {
	case Country:
		return "country=" + a.Country
	case Near:
		at := fmt.Sprintf("%.4f,%.4f", a.Lat, a.Lon)
		if a.Place.Name != "" {
			at = placeLabel(a.Place)
		}
		return fmt.Sprintf("near=%s&radius=%gkm", url.QueryEscape(at), a.RadiusKm)
	case Box:
		return fmt.Sprintf("bbox=%g,%g,%g,%g", a.Box.West, a.Box.South, a.Box.East, a.Box.North)
	}
	return "world"
}

// Query is an area as the API's query parameters or the command line's
// flags give it; at most one of Country, Near and BBox is set, Radius only
// with Near.
type Query struct {
	Country string // alpha-2, alpha-3, or a name in any language the gazetteer knows
	Near    string // "Madrid", "Paris, TX", "Paris, France", or "lat,lon"
	Radius  string // "50km", "30mi", "800m", or km without a unit; default DefaultRadiusKm
	BBox    string // "west,south,east,north"
}

// QueryFrom reads country, near, radius and bbox from URL parameters.
func QueryFrom(v url.Values) Query {
	return Query{Country: v.Get("country"), Near: v.Get("near"), Radius: v.Get("radius"), BBox: v.Get("bbox")}
}

// Errors. Both are the caller's fault (an API answers 400); the messages
// are written for the person who typed the query.
var (
	// ErrNotFound: the country or place is not known; the error is a
	// *NotFoundError with close matches.
	ErrNotFound = errors.New("not found")
	// ErrBadArea: a malformed radius or bbox, or parameters that conflict.
	ErrBadArea = errors.New("bad area")
)

// NotFoundError names what was not found and what was probably meant.
type NotFoundError struct {
	What        string       // "country" or "place"
	Name        string       // as given
	Suggestions []Suggestion // close matches, best first
	Reason      string       // set when the name is known but cannot be used
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no %s %q", e.What, e.Name)
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if len(e.Suggestions) > 0 {
		b.WriteString("; did you mean ")
		for i, s := range e.Suggestions {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(s.String())
		}
		b.WriteString("?")
	}
	return b.String()
}

// Suggestion is a close match: Value as Parse accepts it ("Madrid, ES",
// "AR"), Note what it is when Value does not say ("Argentina").
type Suggestion struct {
	Value, Note string
}

func (s Suggestion) String() string {
	if s.Note != "" {
		return fmt.Sprintf("%q (%s)", s.Value, s.Note)
	}
	return strconv.Quote(s.Value)
}

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Parser turns Queries into Areas. It is safe for concurrent use.
type Parser struct {
	gaz       *geo.Gazetteer
	countries *Countries
	suggest   *suggester
}

// NewParser returns a parser over a gazetteer (place and country names)
// and a country index (country outlines).
func NewParser(g *geo.Gazetteer, c *Countries) *Parser {
	return &Parser{gaz: g, countries: c, suggest: newSuggester(g, c)}
}

// DefaultParser returns a parser over the embedded gazetteer and outlines;
// geo.ErrNotBuilt or web.ErrNotBuilt when the binary lacks them.
func DefaultParser() (*Parser, error) {
	g, err := geo.Default()
	if err != nil {
		return nil, fmt.Errorf("place: %w", err)
	}
	c, err := DefaultCountries()
	if err != nil {
		return nil, err
	}
	return NewParser(g, c), nil
}

// maxInput bounds each parameter: no country or place name is longer, and
// the suggestions' edit distance stays cheap on hostile input.
const maxInput = 200

// Parse validates a Query into an Area. An empty Query is the World.
func (p *Parser) Parse(q Query) (Area, error) {
	set := 0
	for _, s := range []string{q.Country, q.Near, q.BBox} {
		if strings.TrimSpace(s) != "" {
			set++
		}
		if len(s) > maxInput {
			return Area{}, fmt.Errorf("%w: %d bytes in a parameter, at most %d", ErrBadArea, len(s), maxInput)
		}
	}
	if set > 1 {
		return Area{}, fmt.Errorf("%w: give one of country, near and bbox", ErrBadArea)
	}
	if strings.TrimSpace(q.Radius) != "" && strings.TrimSpace(q.Near) == "" {
		return Area{}, fmt.Errorf("%w: radius without near", ErrBadArea)
	}
	switch {
	case strings.TrimSpace(q.Country) != "":
		return p.country(strings.TrimSpace(q.Country))
	case strings.TrimSpace(q.Near) != "":
		return p.near(strings.TrimSpace(q.Near), q.Radius)
	case strings.TrimSpace(q.BBox) != "":
		b, err := store.ParseBBox(q.BBox)
		if err != nil {
			return Area{}, fmt.Errorf("%w: %v", ErrBadArea, err)
		}
		return Area{Kind: Box, Box: b}, nil
	}
	return Area{}, nil
}

func (p *Parser) country(s string) (Area, error) {
	cc := p.gaz.Country(s)
	if cc == "" {
		return Area{}, &NotFoundError{What: "country", Name: s, Suggestions: p.suggest.countries(geo.Fold(s))}
	}
	if p.countries.Name(cc) == "" {
		// Known to ISO 3166 but too small for 1:50m outlines (Tuvalu,
		// Gibraltar): no point could ever match.
		return Area{}, &NotFoundError{What: "country", Name: s,
			Reason: fmt.Sprintf("%s has no outline at the map's 1:50m scale; use near= or bbox=", cc)}
	}
	return Area{Kind: Country, Country: cc, countries: p.countries}, nil
}

func (p *Parser) near(s, radius string) (Area, error) {
	r, err := ParseRadius(radius)
	if err != nil {
		return Area{}, err
	}
	name, qualifier := s, ""
	if i := strings.LastIndexByte(s, ','); i >= 0 {
		name, qualifier = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		// "40.42,-3.70" is a position, not a place in a region.
		lat, err1 := strconv.ParseFloat(name, 64)
		lon, err2 := strconv.ParseFloat(qualifier, 64)
		if err1 == nil && err2 == nil {
			if !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
				return Area{}, fmt.Errorf("%w: near %q: want lat,lon within ±90,±180", ErrBadArea, s)
			}
			return Area{Kind: Near, Lat: lat, Lon: lon, RadiusKm: r}, nil
		}
	}
	places := p.gaz.Named(name, qualifier)
	if len(places) == 0 {
		e := &NotFoundError{What: "place", Name: s}
		if qualifier != "" {
			// The name alone may exist elsewhere: offer those first.
			for _, pl := range p.gaz.Named(name, "") {
				if len(e.Suggestions) == maxSuggestions {
					break
				}
				e.Suggestions = append(e.Suggestions, Suggestion{Value: placeLabel(pl)})
			}
		}
		if len(e.Suggestions) == 0 {
			e.Suggestions = p.suggest.places(geo.Fold(name))
		}
		return Area{}, e
	}
	pl := places[0] // the largest bearing the name: "Paris" is the French one
	return Area{Kind: Near, Place: pl, Lat: float64(pl.Lat), Lon: float64(pl.Lon), RadiusKm: r}, nil
}

// placeLabel names a place so that Parse finds it again: "Madrid, ES",
// and "Paris, TX" in the US, where states tell namesakes apart.
func placeLabel(p geo.Place) string {
	if p.Country == "US" && p.Admin != "" {
		return p.Name + ", " + p.Admin
	}
	return p.Name + ", " + p.Country
}

// ParseRadius reads a distance: a number with km, mi or m ("50km", "30 mi",
// "800m"); a bare number is km; empty is DefaultRadiusKm. It returns km,
// in (0, MaxRadiusKm].
func ParseRadius(s string) (float64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return DefaultRadiusKm, nil
	}
	num, scale := s, 1.0
	for _, u := range []struct {
		suffix string
		km     float64
	}{{"km", 1}, {"mi", 1.609344}, {"m", 0.001}} {
		if strings.HasSuffix(s, u.suffix) {
			num, scale = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.km
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: radius %q: want a distance such as 50km, 30mi or 800m", ErrBadArea, s)
	}
	km := v * scale
	if km <= 0 || km > MaxRadiusKm {
		return 0, fmt.Errorf("%w: radius %q: want more than 0 and at most %d km", ErrBadArea, s, MaxRadiusKm)
	}
	return km, nil
}
