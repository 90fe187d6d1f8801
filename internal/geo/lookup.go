package geo

import (
	"iter"
	"sync"
)

// Fold normalises a name as the gazetteer's keys are: case folded,
// accents and punctuation dropped ("Bogotá" and "bogota" fold alike).
func Fold(s string) string { return fold(s) }

var regionTables = sync.OnceValues(buildRegions)

// Named returns the places bearing name (in any form that folds alike),
// largest first. A qualifier, when not empty, keeps only those in that US
// state (name or code: "TX", "Texas"), region ("England", "Bavaria") or
// country (any name or code the gazetteer knows: "ES", "España"); a
// qualifier that is none of these keeps nothing. The slice is the caller's.
func (g *Gazetteer) Named(name, qualifier string) []Place {
	ids := g.byName[fold(name)]
	var want regionHint
	if qualifier != "" {
		q := fold(qualifier)
		names, codes := regionTables()
		if h, ok := codes[q]; ok {
			want = h
		} else if h, ok := names[q]; ok {
			want = h
		} else if cc := g.countries[q]; cc != "" {
			want = regionHint{country: cc}
		} else {
			return nil
		}
	}
	out := make([]Place, 0, len(ids))
	for _, i := range ids {
		p := g.places[i]
		if want.country != "" && (p.Country != want.country || (want.admin != "" && p.Admin != want.admin)) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Names yields each folded place name with the largest place bearing it,
// in no particular order.
func (g *Gazetteer) Names() iter.Seq2[string, Place] {
	return func(yield func(string, Place) bool) {
		for k, ids := range g.byName {
			if !yield(k, g.places[ids[0]]) {
				return
			}
		}
	}
}

// CountryNames yields each folded country name and code the gazetteer
// knows ("espana", "esp", "es") with its ISO 3166-1 alpha-2 code, in no
// particular order.
func (g *Gazetteer) CountryNames() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for k, cc := range g.countries {
			if !yield(k, cc) {
				return
			}
		}
	}
}
