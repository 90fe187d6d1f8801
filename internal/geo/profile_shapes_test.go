package geo

import "testing"

// Shapes Mastodon profiles use (issue 18), each a gap the labelled set
// showed: a suffix after the name, a district after a big city, pronoun
// sets beside the place, a city named like a country with its region.
func TestResolveProfileMastodonShapes(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{CacheSize: -1})
	for _, tc := range []struct {
		loc, lang string
		want      string // gazetteer name; "" for nothing
	}{
		{"NYC-based", "en", "New York City"},
		{"Boston-based designer", "en", "Boston"},
		{"Seattle-ish", "en", "Seattle"},
		{"Berlin-Neukölln", "de", "Berlin"},
		{"Roma Nord", "it", "Rome"},
		{"zij/haar · Amsterdam", "nl", "Amsterdam"},
		{"il/lui · Paris", "fr", "Paris"},
		{"Москва 🇷🇺 он/его", "ru", "Moscow"},
		{"Salvador, Bahia", "pt", "Salvador"},
		{"vivo en Quito", "es", "Quito"},
		{"j'habite à Nantes", "fr", "Nantes"},
		{"Vienna / Samsun", "tr", "Vienna"}, // a lone slash is no pronoun set
		// Non-places stay nothing.
		{"she/her", "en", ""},
		{"he/him · any pronouns", "en", ""},
		{"Salvador", "es", ""}, // the country, too coarse
		{"based in the internet", "en", ""},
		{"Smallville-based", "en", ""}, // no such place
		{"Nord Stream", "de", ""},      // the district rule needs a big city first
	} {
		m, ok := r.ResolveProfile(tc.loc, tc.lang)
		if got := map[bool]string{true: m.Name}[ok]; got != tc.want {
			t.Errorf("ResolveProfile(%q, %q) = %q (%s, %.2f), want %q", tc.loc, tc.lang, got, m.Country, m.Confidence, tc.want)
		}
	}
}

func TestStripPronouns(t *testing.T) {
	for in, want := range map[string]string{
		"she/her · Toronto":  "· Toronto",
		"Toronto (he/they)":  "Toronto", // brackets fold away like other punctuation
		"Haar":               "Haar",
		"Berlin/Brandenburg": "Berlin/Brandenburg",
		"Vienna / Samsun":    "Vienna / Samsun",
		"ona/jej · Warszawa": "· Warszawa",
		"":                   "",
	} {
		if got := stripPronouns(in); got != want {
			t.Errorf("stripPronouns(%q) = %q, want %q", in, got, want)
		}
	}
}
