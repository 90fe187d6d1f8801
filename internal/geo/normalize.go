package geo

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold normalises a name for lookup: Unicode canonical decomposition with
// the combining marks dropped (so "Bogotá" = "Bogota", "São" = "Sao"),
// simple case folding, every run of non-letters-or-digits (punctuation,
// emoji, hyphens: "Saint-Étienne" = "saint etienne") collapsed to one
// space, trimmed. Names in other scripts keep their letters ("東京").
func fold(s string) string {
	if isPlainASCII(s) {
		return foldASCII(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	var it norm.Iter
	it.InitString(norm.NFD, s)
	for !it.Done() {
		seg := it.Next()
		for len(seg) > 0 {
			r, n := utf8.DecodeRune(seg)
			seg = seg[n:]
			switch {
			case unicode.Is(unicode.Mn, r):
				// a combining mark: dropped, it never separates words
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				b.WriteRune(foldRune(r))
			default:
				space = true
			}
		}
	}
	return b.String()
}

// foldRune lower-cases r, mapping the few letters whose decomposition does
// not strip to ASCII but that people write both ways.
func foldRune(r rune) rune {
	switch r {
	case 'ß':
		return 's' // "Straße"/"Strasse": one s is close enough for lookup
	case 'ł', 'Ł':
		return 'l'
	case 'ø', 'Ø':
		return 'o'
	case 'đ', 'Đ':
		return 'd'
	case 'ı':
		return 'i'
	}
	return unicode.ToLower(r)
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldASCII is fold's fast path for the common all-ASCII string.
func foldASCII(s string) string {
	buf := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if space && len(buf) > 0 {
				buf = append(buf, ' ')
			}
			space = false
			buf = append(buf, c)
		default:
			space = true
		}
	}
	return string(buf)
}

// splitParts splits a profile location into its comma-like parts ("Austin,
// TX", "Berlin | she/her", "Lima / Perú", "London • UK"), before folding
// erases the separators. A hyphen is not a separator (Saint-Étienne), but
// a spaced dash is ("Madrid - España").
func splitParts(s string) []string {
	s = strings.ReplaceAll(s, " -", ",")
	s = strings.ReplaceAll(s, "- ", ",")
	s = strings.ReplaceAll(s, " – ", ",")
	s = strings.ReplaceAll(s, " — ", ",")
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '/', '|', ';', '•', '·', '(', ')', '\n', '、', '，', '،', '&', '+', '_', '~', '→', '✈', '↔':
			return true
		}
		return false
	})
}

// flagCountries returns the countries of the flag emoji in s (pairs of
// regional indicator symbols: 🇪🇸 is E S), which people put in profiles in
// place of, or next to, the country's name.
func flagCountries(s string) []string {
	var out []string
	var prev rune
	for _, r := range s {
		if r >= 0x1F1E6 && r <= 0x1F1FF {
			if prev != 0 {
				out = append(out, string([]rune{'A' + (prev - 0x1F1E6), 'A' + (r - 0x1F1E6)}))
				prev = 0
				continue
			}
			prev = r
			continue
		}
		prev = 0
	}
	return out
}

// pronounWords are personal pronouns people put beside their place
// ("she/her · Toronto", "zij/haar | Amsterdam", "он/его"), folded. Some are
// also town names (Haar, Hem), which is why only a slash-joined set of
// them is dropped, never a lone word.
var pronounWords = map[string]bool{}

func init() {
	for _, w := range []string{
		"she", "her", "hers", "he", "him", "his", "they", "them", "theirs", "it", "its", "xe", "xem", "ze", "zir", "any", "all",
		"sie", "ihr", "ihm", "er", "es", "dey", "dem", "elle", "il", "lui", "iel", "ella", "el", "ellx", "elle", "ela",
		"dela", "ele", "dele", "lei", "zij", "haar", "hij", "hem", "hen", "hun", "ona", "jej", "on", "jego", "ono", "oni",
		"он", "его", "она", "её", "ее", "они", "их", "o", "onun", "hon", "henne", "han", "honom", "hän",
	} {
		pronounWords[fold(w)] = true
	}
}

// stripPronouns removes pronoun sets written with slashes ("she/her",
// "il/lui", "он/его") so that the slash does not split them into parts
// that look like places.
func stripPronouns(s string) string {
	if !strings.Contains(s, "/") {
		return s
	}
	words := strings.Fields(s)
	out := words[:0:0]
	changed := false
	for _, w := range words {
		if strings.Contains(w, "/") {
			// Every slash-separated piece a pronoun, and at least two of
			// them: a lone "/" between places ("Vienna / Samsun") stays.
			all, n := true, 0
			for _, p := range strings.Split(w, "/") {
				if f := fold(p); f != "" {
					if !pronounWords[f] {
						all = false
						break
					}
					n++
				}
			}
			if all && n >= 2 {
				changed = true
				continue
			}
		}
		out = append(out, w)
	}
	if !changed {
		return s
	}
	return strings.Join(out, " ")
}
