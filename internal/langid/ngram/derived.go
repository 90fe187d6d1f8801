package ngram

import "math"

// Nepali and Hinglish are answered without an n-gram model of their own
// (lingua-go has none, and the text the package registries carry for them
// is far too small to train one that could compete with lingua's):
//
//   - Nepali is written in Devanagari like Hindi and Marathi, and shares
//     most of their letter sequences. It is credited with the better of
//     their scores minus nepaliPenalty, plus nepaliWord for every word
//     that only Nepali uses and minus nepaliWord for every word only they
//     use. Without such words a Hindi or Marathi text keeps its margin.
//   - Hinglish (romanised Hindi, the NLTK list's name) competes only in
//     texts with romanised Hindi words: it is credited with the best
//     Latin-script score minus hinglishPenalty plus hinglishWord for each.
//
// The word lists are built from the Universal Declaration of Human Rights
// (derived_build.go) and embedded beside the n-gram tables.
const (
	nepaliPenalty   = 3 * probScale
	nepaliWord      = 4 * probScale
	hinglishPenalty = 6 * probScale
	hinglishWord    = 4 * probScale
)

const (
	derivedNone int8 = iota
	derivedNepali
	derivedNotNepali
	derivedHinglish
)

// addDerived gives Nepali and Hinglish language ids; the word list file
// (addWordEvidence) fills in their words.
func (m *model) addDerived() {
	hi, okHI := m.ids["hi"]
	mr, okMR := m.ids["mr"]
	if !okHI || !okMR || len(m.codes)+2 > maxLangs {
		return
	}
	m.hindi, m.marathi = hi, mr
	m.nepali = uint8(len(m.codes))
	m.codes = append(m.codes, "ne")
	m.ids["ne"] = m.nepali
	m.scripts[scriptDevanagari].add(m.nepali)
	m.hinglish = uint8(len(m.codes))
	m.codes = append(m.codes, "hinglish")
	m.ids["hinglish"] = m.hinglish
	m.scripts[scriptLatin].add(m.hinglish)
	m.hasDerived = true
}

// scoreDerived sets Nepali's and Hinglish's scores once the other
// languages' are final (priors included).
func (d *Detector) scoreDerived(a *analysis, dominant script) {
	m := d.m
	if !m.hasDerived {
		return
	}
	a.scores[m.nepali] = math.MinInt32 / 2
	a.scores[m.hinglish] = math.MinInt32 / 2
	switch dominant {
	case scriptDevanagari:
		a.scores[m.nepali] = max(a.scores[m.hindi], a.scores[m.marathi]) - nepaliPenalty +
			nepaliWord*(a.nepaliWords-a.notNepaliWords)
	case scriptLatin:
		if a.hinglishWords == 0 {
			return
		}
		best := int32(math.MinInt32 / 2)
		cands := m.scripts[scriptLatin]
		for id := range m.codes {
			if uint8(id) != m.hinglish && cands.has(uint8(id)) {
				best = max(best, a.scores[id])
			}
		}
		a.scores[m.hinglish] = best - hinglishPenalty + hinglishWord*a.hinglishWords
	}
}
