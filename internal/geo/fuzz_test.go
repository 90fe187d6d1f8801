package geo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzResolve feeds arbitrary strings to the normaliser and to both
// resolvers: they must never panic, and what they return must be a place
// on the globe with a confidence in (0, 1].
func FuzzResolve(f *testing.F) {
	g := gazetteer(f)
	for _, tc := range profileCases {
		f.Add(tc.loc, tc.lang)
	}
	for _, tc := range textCases {
		f.Add(tc.text, tc.lang)
	}
	f.Add("ÜT: 91.5,-200.1", "en")
	f.Add("-0.0,0.0", "")
	f.Add("\xff\xfe Paris, \xc3", "fr")
	r := NewResolver(g, Options{CacheSize: 128})
	f.Fuzz(func(t *testing.T, s, lang string) {
		folded := fold(s)
		if !utf8.ValidString(folded) && utf8.ValidString(s) {
			t.Fatalf("fold(%q) = %q is not valid UTF-8", s, folded)
		}
		if strings.Contains(folded, "  ") || strings.HasPrefix(folded, " ") || strings.HasSuffix(folded, " ") {
			t.Fatalf("fold(%q) = %q has stray spaces", s, folded)
		}
		if fold(folded) != folded {
			t.Fatalf("fold is not idempotent on %q: %q then %q", s, folded, fold(folded))
		}
		check := func(what string, m Match, ok bool) {
			if !ok {
				if m != (Match{}) {
					t.Fatalf("%s(%q): no match but %+v", what, s, m)
				}
				return
			}
			if !(m.Confidence > 0 && m.Confidence <= 1) || !m.Point.Valid() {
				t.Fatalf("%s(%q) = %+v", what, s, m)
			}
		}
		m, ok := r.ResolveProfile(s, lang)
		check("ResolveProfile", m, ok)
		m, ok = r.ResolveText(s, strings.Fields(s), lang)
		check("ResolveText", m, ok)
	})
}
