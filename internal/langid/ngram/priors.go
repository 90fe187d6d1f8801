package ngram

import "strings"

// Log priors, in nats: how common each language is on social media. The
// n-gram evidence of a sentence outweighs them by far; on a post of a few
// words they decide between languages whose letters fit equally well, as
// they should: "goodnight twttr" is far more likely English than Italian,
// and "I LOVE KFC" English rather than Tagalog.
var (
	// English is by far the most common language of short posts, and
	// the usual language of the product names, song titles and one-word
	// replies that fill them.
	priorEnglish = 4.0
	// Languages with few posts on the platforms geoheat reads (none of
	// them among the languages X tags; lingua-go models them from
	// Wikipedia-like text), and the major languages' smaller neighbours.
	priorRare  = -3.0
	rareLangs  = strings.Fields(`eo lg st xh so tn ts sn zu yo mi sw sq az ga cy eu mn be kk`)
	priorMinor = -2.0
	majorLangs = strings.Fields(`en ja es pt ar id ko tr fr th ru de it tl nl pl zh hi fa ur ca mr af`)
	// Malay: more common than the minor languages, less than Indonesian,
	// whose posts it most often resembles.
	priorMalay = -1.0
)

// priors returns each language's log prior in probScale units.
func (m *model) priors() [maxLangs]int32 {
	var p [maxLangs]int32
	q := func(nats float64) int32 { return int32(nats * probScale) }
	for id := range m.codes {
		p[id] = q(priorMinor)
	}
	for _, c := range majorLangs {
		if id, ok := m.ids[c]; ok {
			p[id] = 0
		}
	}
	for _, c := range rareLangs {
		if id, ok := m.ids[c]; ok {
			p[id] = q(priorRare)
		}
	}
	if id, ok := m.ids["ms"]; ok {
		p[id] = q(priorMalay)
	}
	if id, ok := m.ids["en"]; ok {
		p[id] = q(priorEnglish)
	}
	return p
}
