package geo

import "testing"

// The country prior (a Mastodon instance's country) settles a name several
// large places share, and does nothing else: it makes no point of a
// non-place or a country alone, and gives way to a country the author
// wrote.
func TestResolveProfileInCountryPrior(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{CacheSize: -1})
	for _, tc := range []struct {
		name, loc, lang, prior string
		want                   string // country of the match; "" for none
	}{
		{"bare name, no prior: the larger namesake", "Córdoba", "", "", "AR"},
		{"bare name, prior picks the namesake", "Córdoba", "", "ES", "ES"},
		{"prior outranks the language prior", "Córdoba", "es", "ES", "ES"},
		{"written country beats the prior", "Córdoba, Argentina", "", "ES", "AR"},
		{"written state beats the prior", "Paris, TX", "", "FR", "US"},
		{"non-place stays nothing", "the internet", "", "DE", ""},
		{"country alone stays nothing", "Deutschland", "", "DE", ""},
		{"a malformed prior is ignored", "Córdoba", "", "ESP", "AR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := r.ResolveProfileIn(tc.loc, tc.lang, tc.prior)
			if got := map[bool]string{true: m.Country}[ok]; got != tc.want {
				t.Errorf("ResolveProfileIn(%q, %q, %q) = %q (%s, %.2f), want %q", tc.loc, tc.lang, tc.prior, got, m.Name, m.Confidence, tc.want)
			}
		})
	}
}

// The cache keys on the prior: the same string resolved with two priors
// must not share an answer.
func TestResolveProfileInCacheKeysPrior(t *testing.T) {
	r := NewResolver(gazetteer(t), Options{})
	a, _ := r.ResolveProfileIn("Córdoba", "", "ES")
	b, _ := r.ResolveProfileIn("Córdoba", "", "")
	if a.Country != "ES" || b.Country != "AR" {
		t.Errorf("cached resolutions: with prior ES %q, without %q; want ES, AR", a.Country, b.Country)
	}
}
