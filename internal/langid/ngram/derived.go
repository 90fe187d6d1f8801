package ngram

import (
	"fmt"
	"math"
	"strings"
)

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
	hinglishPenalty = 3 * probScale
	hinglishWord    = 4 * probScale
)

const (
	derivedNone int8 = iota
	derivedNepali
	derivedNotNepali
	derivedHinglish
)

// addDerived parses the embedded word lists and gives Nepali and Hinglish
// language ids. An empty file (a model built before the lists existed)
// leaves both out.
func (m *model) addDerived(file string) error {
	if file == "" {
		return nil
	}
	hi, okHI := m.ids["hi"]
	mr, okMR := m.ids["mr"]
	if !okHI || !okMR || len(m.codes)+2 > maxLangs {
		return nil
	}
	words := make(map[uint64]int8)
	for n, line := range strings.Split(strings.TrimSuffix(file, "\n"), "\n") {
		lang, rest, ok1 := strings.Cut(line, "\t")
		sign, word, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 || word == "" {
			return fmt.Errorf("%w: word list line %d: %q", errModelFile, n+1, line)
		}
		var v int8
		switch {
		case lang == "ne" && sign == "+":
			v = derivedNepali
		case lang == "ne" && sign == "-":
			v = derivedNotNepali
		case lang == "hinglish" && sign == "+":
			v = derivedHinglish
		default:
			return fmt.Errorf("%w: word list line %d: %q", errModelFile, n+1, line)
		}
		words[hashRunes([]rune(word))] = v
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
	m.derived = words
	return nil
}

// scoreDerived sets Nepali's and Hinglish's scores once the other
// languages' are final (priors included).
func (d *Detector) scoreDerived(a *analysis, dominant script) {
	m := d.m
	if m.derived == nil {
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
