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

// loadWordLists builds the loading word table (build time only: Detect
// reads the binary table BuildWordTable writes, wordtable.go): Galician's
// lists, the hand lists, and the file of Nepali, Hinglish and stopword
// lists ("lang<TAB>kind<TAB>word" lines, kind + or - for Nepali and
// Hinglish, stop for a stopword). An empty file leaves Nepali, Hinglish
// and the stopwords out.
func (m *model) loadWordLists(file string) error {
	m.wordPtrs = map[string]*wordEntry{}
	m.addExtraLanguages(file != "")
	if m.hasGalician {
		m.addGalicianWords()
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
	return nil
}

// addExtraLanguages gives the languages without an n-gram model of their
// own their ids (Galician always, Nepali and Hinglish when the word lists
// have them) and files the confusable pairs: the same steps, in the same
// order, at build time and when a process opens the model, so that ids
// agree with the word table's vectors.
func (m *model) addExtraLanguages(derived bool) {
	m.addGalician()
	if derived {
		m.addDerived()
	}
	m.addConfusable()
}
