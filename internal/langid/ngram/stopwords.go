package ngram

import (
	"fmt"
	"strings"
)

// Stopwords are the strongest evidence a short post has: "te amo", "on
// est d'accord", "yo t agrego" are Spanish or French by their function
// words long before their letters say so. Every word of a language's
// stopword list credits that language stopCredit. The lists are those of
// the npm package stopwords-iso (MIT, 57 languages), read at build time
// (BuildWordLists) and embedded with the word lists.
//
// A close language without a list of its own is credited with its
// neighbour's words (stopSiblings), or the neighbour's list alone would
// pull its texts over: Bosnian and Serbian texts to Croatian, Nynorsk ones
// to Bokmål; likewise for two lists of very different lengths.
const stopCredit = probScale * 3 / 2

var stopSiblings = map[string][]string{
	"hr": {"bs", "sr"},
	"nb": {"nn"},
	"bg": {"mk"},
	"ru": {"be"},
	"uk": {"be"},
	"zu": {"xh"},
	"st": {"tn"},
	// Indonesian's list is half again as long as Malay's, though the two
	// share most function words: credit both, and let the hand lists
	// (words.go) tell them apart.
	"id": {"ms"},
	"ms": {"id"},
}

// addWordEvidence builds the word table: Galician's lists, the hand
// lists, and the embedded file of Nepali, Hinglish and stopword lists
// ("lang<TAB>kind<TAB>word" lines, kind + or - for Nepali and Hinglish,
// stop for a stopword). An empty file (a binary built before the lists
// existed) leaves Nepali, Hinglish and the stopwords out. vecs is
// BuildWordVecs's file, or "" to score every word position by position.
func (m *model) addWordEvidence(file, vecs string) error {
	m.wordPtrs = map[string]*wordEntry{}
	m.addGalician()
	if m.hasGalician {
		m.addGalicianWords()
	}
	if file != "" {
		m.addDerived()
	}
	for n, line := range strings.Split(strings.TrimSuffix(file, "\n"), "\n") {
		if line == "" {
			continue
		}
		lang, rest, ok1 := strings.Cut(line, "\t")
		kind, word, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 || word == "" {
			return fmt.Errorf("%w: word list line %d: %q", errModelFile, n+1, line)
		}
		switch {
		case kind == "stop":
			if lang == "no" {
				lang = "nb"
			}
			id, ok := m.ids[lang]
			if !ok {
				continue // a list for a language without a model
			}
			e := m.wordEntry(word)
			e.stop.add(id)
			for _, sib := range stopSiblings[lang] {
				if sid, ok := m.ids[sib]; ok {
					e.stop.add(sid)
				}
			}
		case !m.hasDerived:
		case lang == "ne" && kind == "+":
			m.wordEntry(word).derived = derivedNepali
		case lang == "ne" && kind == "-":
			m.wordEntry(word).derived = derivedNotNepali
		case lang == "hinglish" && kind == "+":
			m.wordEntry(word).derived = derivedHinglish
		default:
			return fmt.Errorf("%w: word list line %d: %q", errModelFile, n+1, line)
		}
	}
	m.addHandLists()
	m.addConfusable()
	if err := m.attachWordVecs(vecs); err != nil {
		return err
	}
	m.words = make(map[uint64]wordEntry, len(m.wordPtrs))
	for w, e := range m.wordPtrs {
		m.words[hashRunes([]rune(w))] = *e
	}
	m.loadedWords, m.wordPtrs = m.wordPtrs, nil
	return nil
}
