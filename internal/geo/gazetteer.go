// Package geo resolves free-text place names (profile locations, hashtags,
// "en Buenos Aires" in a post) to points, offline, from an embedded
// GeoNames-derived gazetteer. See docs/geo.md.
package geo

import (
	"bufio"
	"compress/gzip"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// gazdata holds the generated gazetteer next to its README. Embedding the
// directory (not the file) keeps the package compiling when only the README
// is there, before the first `make build`.
//
//go:embed gazdata
var gazdata embed.FS

const gazFile = "gazdata/gazetteer.tsv.gz"

// ErrNotBuilt is returned by Default when the binary was built without the
// generated gazetteer.
var ErrNotBuilt = errors.New("geo: gazetteer not embedded (run make build, which runs npm run --prefix web gazetteer)")

// Place is one populated place of the gazetteer.
type Place struct {
	Name       string
	Country    string // ISO 3166-1 alpha-2
	Admin      string // GeoNames admin1 code (the state's postal code in the US)
	Population int32
	Lat, Lon   float32
}

// Gazetteer is the immutable index the Resolver searches. It is safe for
// concurrent use.
type Gazetteer struct {
	places []Place
	// byName maps a folded name to the places that bear it, largest first.
	byName map[string][]int32
	// squashed maps a folded name without spaces ("newyorkcity") to large
	// places, for CamelCase hashtags (#NewYork, #BuenosAires).
	squashed map[string][]int32
	// countries maps a folded country name or code to its alpha-2 code.
	countries map[string]string
	// aliases maps a folded nickname to the place it names.
	aliases map[string]int32
	// cjkAliases are the alias keys in Han, Kana or Hangul, searched as
	// substrings (those scripts do not separate words).
	cjkAliases []string
}

// squashMinPopulation bounds the hashtag index: only places this large are
// likely to be named by a hashtag written as one word, and the bound keeps
// the index from matching ordinary words run together.
const squashMinPopulation = 50000

var (
	defaultOnce sync.Once
	defaultGaz  *Gazetteer
	defaultErr  error
)

// Default returns the embedded gazetteer, loaded once. It returns
// ErrNotBuilt when the binary carries no gazetteer; callers then disable
// place resolution.
func Default() (*Gazetteer, error) {
	defaultOnce.Do(func() {
		f, err := gazdata.Open(gazFile)
		if errors.Is(err, fs.ErrNotExist) {
			defaultErr = ErrNotBuilt
			return
		}
		if err != nil {
			defaultErr = fmt.Errorf("geo: %w", err)
			return
		}
		defer f.Close()
		defaultGaz, defaultErr = Load(f)
	})
	return defaultGaz, defaultErr
}

// Load reads a gazetteer in the format web/scripts/gazetteer.mjs writes
// (gzip'd TSV; see there).
func Load(r io.Reader) (*Gazetteer, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("geo: gazetteer: %w", err)
	}
	g := &Gazetteer{
		byName:    make(map[string][]int32, 150000),
		squashed:  make(map[string][]int32, 20000),
		countries: make(map[string]string, 20000),
		aliases:   make(map[string]int32, len(aliasTable)),
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), "\t")
		switch {
		case len(f) == 8 && f[0] == "P":
			pop, err1 := strconv.ParseInt(f[5], 10, 32)
			lat, err2 := strconv.ParseFloat(f[6], 32)
			lon, err3 := strconv.ParseFloat(f[7], 32)
			if err := errors.Join(err1, err2, err3); err != nil {
				return nil, fmt.Errorf("geo: gazetteer line %d: %w", line, err)
			}
			g.addPlace(Place{Name: f[1], Country: f[3], Admin: f[4], Population: int32(pop),
				Lat: float32(lat), Lon: float32(lon)}, f[2])
		case len(f) == 4 && f[0] == "C":
			cc := f[1]
			g.countries[strings.ToLower(cc)] = cc
			g.countries[strings.ToLower(f[2])] = cc
			for _, name := range strings.Split(f[3], "|") {
				if k := fold(name); k != "" {
					g.countries[k] = cc
				}
			}
		default:
			return nil, fmt.Errorf("geo: gazetteer line %d: unexpected record", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("geo: gazetteer: %w", err)
	}
	if len(g.places) == 0 {
		return nil, errors.New("geo: gazetteer: no places")
	}
	g.finish()
	return g, nil
}

func (g *Gazetteer) addPlace(p Place, alt string) {
	i := int32(len(g.places))
	g.places = append(g.places, p)
	k := fold(p.Name)
	if k == "" {
		return
	}
	g.byName[k] = append(g.byName[k], i)
	if a := fold(alt); a != "" && a != k {
		g.byName[a] = append(g.byName[a], i)
	}
	if p.Population >= squashMinPopulation {
		if s := strings.ReplaceAll(k, " ", ""); len(s) >= 4 {
			g.squashed[s] = append(g.squashed[s], i)
		}
	}
}

// finish sorts candidate lists by population and resolves the alias table
// against the data.
func (g *Gazetteer) finish() {
	byPop := func(ids []int32) {
		// Insertion sort: lists are short (a name has a handful of places).
		for a := 1; a < len(ids); a++ {
			for b := a; b > 0 && g.places[ids[b]].Population > g.places[ids[b-1]].Population; b-- {
				ids[b], ids[b-1] = ids[b-1], ids[b]
			}
		}
	}
	for _, ids := range g.byName {
		byPop(ids)
	}
	for _, ids := range g.squashed {
		byPop(ids)
	}
	// Country names must not double as region hints the other way round:
	// region hints (US states, UK nations) live in their own table.
	for alias, target := range aliasTable {
		for _, i := range g.byName[fold(target.name)] {
			if g.places[i].Country == target.country {
				g.aliases[fold(alias)] = i // largest first: the first match wins
				if hasCJK(alias) {
					g.cjkAliases = append(g.cjkAliases, fold(alias))
				}
				break
			}
		}
	}
}

// Len returns the number of places.
func (g *Gazetteer) Len() int { return len(g.places) }

// Place returns place i.
func (g *Gazetteer) Place(i int) Place { return g.places[i] }

// Country returns the alpha-2 code of a country name (in any of the
// languages of the data) or an alpha-2/alpha-3 code; "" when s names no
// country.
func (g *Gazetteer) Country(s string) string { return g.countries[fold(s)] }

// Embedded reports the size of the embedded gazetteer file and what it was
// built from (the SOURCES file web/scripts/gazetteer.mjs writes beside it),
// or ErrNotBuilt; it does not load the gazetteer.
func Embedded() (bytes int64, sources string, err error) {
	info, err := fs.Stat(gazdata, gazFile)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, "", ErrNotBuilt
	}
	if err != nil {
		return 0, "", fmt.Errorf("geo: %w", err)
	}
	b, _ := fs.ReadFile(gazdata, "gazdata/SOURCES")
	return info.Size(), strings.TrimSpace(string(b)), nil
}
