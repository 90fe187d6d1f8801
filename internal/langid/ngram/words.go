package ngram

import (
	"math/bits"
	"sort"
	"strings"
)

// Word evidence for languages whose n-grams are too alike to tell apart on
// a few words: Indonesian from Malay, Bokmål from Nynorsk, and Croatian,
// Bosnian and Serbian (Latin) from each other. Each list names words that
// one side uses and the other spells or says otherwise; every occurrence
// credits the languages listed with wordCredit. The lists are written for
// this purpose from the languages' grammar and everyday vocabulary
// (function words, pronouns, colloquial forms that fill posts, the words
// that differ between the standards), not taken from any corpus; words the
// compared languages share are left out. Galician, which has no n-gram
// model of its own, is handled apart (galician.go).
const wordCredit = 3 * probScale

var wordLists = []struct {
	langs string // credited languages, space-separated
	words string
}{
	// Indonesian, and the colloquial Jakarta forms that fill its posts.
	{"id", `bisa banget gak nggak enggak ngga udah sih dong deh kok nih gue gua gw aja
		karena yaitu kantor toko mobil uang sepeda pemerintah makasih cewek cowok
		kayak kalo tau emang pengen gimana bikin nonton liat doang mbak kapan teman
		bilang ngomong indonesia jakarta`},
	// Malay (Malaysia), and its colloquial forms.
	{"ms", `boleh nak kerana sahaja awak mahu wang kereta jom macam kat dah ramai polis
		kerajaan negeri selepas pejabat kedai iaitu encik sikit tengok cakap korang
		diorang takde xde xnak jugak mcm tgk lepas bila kawan budak undi parlimen
		punye tetibe camni camtu pastu malaysia`},
	// Nynorsk.
	{"nn", `ikkje eg kva korleis berre noko nokon nokre mykje heile frå gjere vere eit
		vore kome sjå fekk kvar kven kvifor dykk òg saman fleire heilt vert verte gjer
		seier trur veit sjølv framleis difor desse kor hennar deira vatn`},
	// Bokmål (reported as "no"), alone and with Danish.
	{"nb", `hva noe noen mye gjøre vært fikk uten ble sier fremdeles hennes dere vann`},
	{"nb da", `ikke jeg hun hvordan hvem hvorfor hvor sammen derfor disse bare hele
		komme være deres flere helt`},
	// Croatian.
	{"hr", `tko netko nitko što kruh tisuća tisuće sveučilište glazba kazalište
		zrakoplov vlak tjedan tjedna točno točka tijekom općina opći obitelj nogomet
		zrak kava veleposlanstvo europski europske proračun suradnja uvjeti postotak
		dogoditi dogodilo izvješće sudjelovanje siječanj veljača ožujak travanj
		svibanj lipanj srpanj kolovoz rujan listopad studeni prosinac povijest kemija
		znanost`},
	// Bosnian and Serbian (Latin) share these against Croatian.
	{"bs sr", `ko neko niko šta hiljada hiljade tačno tačka tokom opština opšti
		porodica fudbal vazduh kafa muzika pozorište evropa evropski evropske budžet
		saradnja uslovi procenat desiti desilo dešava učešće univerzitet hemija
		septembar oktobar novembar decembar`},
	// Bosnian: Ijekavian like Croatian, with words of its own.
	{"bs", `sedmica sedmice historija hljeb kahva lahko mahala sarajevo bosne bosna
		bosanski izvještaj`},
	// Croatian and Bosnian share Ijekavian forms against Serbian's Ekavian.
	{"hr bs", `mjesto vrijeme svijet djeca dvije gdje poslije uvijek ovdje lijepo
		mlijeko rijeka pjesma cijena vijest bijelo djevojka predsjednik mjesec
		mjeseca lijep sjećam`},
	// Serbian (Latin): Ekavian forms that Slovene does not share.
	{"sr", `gde posle uvek ovde devojka predsednik takođe istorija hleb deca pesma
		srbija beograd`},
}

// wordEntry is all the evidence one word carries, so that a word costs
// one lookup whatever the lists it is in.
type wordEntry struct {
	stop     langSet  // languages whose stopword list has it (stopwords.go)
	credit   [3]uint8 // languages a hand list credits (wordLists), ...
	nCredit  uint8    // ... how many
	galician int8     // +1 Galician-only, -1 Portuguese- or Spanish-only
	derived  int8     // derivedNepali, derivedNotNepali or derivedHinglish
	// vec is the vecRef of the word's n-gram scores in model.vecs, 0
	// when it has none (BuildWordTable).
	vec uint32
}

// vecMaxLetters is the longest word whose n-gram scores the table holds.
const vecMaxLetters = 8

// vecWords lists, sorted, the words of the table that get n-gram scores:
// at most vecMaxLetters letters, all of scripts that are scored, and
// spellable by scan (no letter three times in a row).
func vecWords(words map[string]*wordEntry) []string {
	var out []string
	for w := range words {
		rs := []rune(w)
		if len(rs) == 0 || len(rs) > vecMaxLetters || hasElongation(rs) {
			continue
		}
		scorable := true
		for _, r := range rs {
			switch scriptOf(r) {
			case scriptHan, scriptKana, scriptHangul, scriptThai:
				scorable = false
			}
		}
		if scorable {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

// hasElongation reports a letter three times in a row, which scan never
// scores (so such a word never reaches the table as spelled).
func hasElongation(rs []rune) bool {
	for i := 2; i < len(rs); i++ {
		if rs[i] == rs[i-1] && rs[i] == rs[i-2] {
			return true
		}
	}
	return false
}

// addWord credits one word's evidence.
func (a *analysis) addWord(e *wordEntry) {
	for w := range e.stop {
		for b := e.stop[w]; b != 0; b &= b - 1 {
			a.scores[w*64+bits.TrailingZeros64(b)] += stopCredit
		}
	}
	for _, id := range e.credit[:e.nCredit] {
		a.scores[id] += wordCredit
	}
	switch e.galician {
	case 1:
		a.galicianWords++
	case -1:
		a.iberianWords++
	}
	switch e.derived {
	case derivedNepali:
		a.nepaliWords++
	case derivedNotNepali:
		a.notNepaliWords++
	case derivedHinglish:
		a.hinglishWords++
	}
}

// wordEntry returns the table's entry for a word (as lower-cased runes
// hash it), adding an empty one. Only the loader calls it.
func (m *model) wordEntry(word string) *wordEntry {
	word = strings.ToLower(word)
	e, ok := m.wordPtrs[word]
	if !ok {
		e = &wordEntry{}
		m.wordPtrs[word] = e
	}
	return e
}

// addHandLists files wordLists in the word table.
func (m *model) addHandLists() {
	for _, l := range wordLists {
		var ids []uint8
		for _, c := range strings.Fields(l.langs) {
			if id, ok := m.ids[c]; ok {
				ids = append(ids, id)
			}
		}
		for _, w := range strings.Fields(l.words) {
			e := m.wordEntry(w)
			for _, id := range ids {
				// A word in two lists credits the union (at most three).
				if int(e.nCredit) < len(e.credit) && !containsID(e.credit[:e.nCredit], id) {
					e.credit[e.nCredit] = id
					e.nCredit++
				}
			}
		}
	}
}

func containsID(ids []uint8, id uint8) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
