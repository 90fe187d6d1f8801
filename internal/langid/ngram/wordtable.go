package ngram

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

// The word table (every word's evidence: stopword lists, hand lists,
// Galician, Nepali and Hinglish words, and a short word's n-gram scores)
// is built at build time by BuildWordTable and embedded as words.bin, in
// the form Detect reads it: opening it checks the header and slices the
// rest, so a process builds no map and allocates nothing per word.
//
// Layout, little-endian:
//
//	magic     "GHWORDS2"
//	languages u8 count, then per language u8 length, code: every id the
//	          table and the vectors use, the model file's languages then
//	          addExtraLanguages's; the opener checks it against its own
//	derived   u8: 1 when Nepali and Hinglish have ids (addDerived)
//	k         u8: the table has 2^k slots, at most 70 % of them used
//	keys      2^k x u32: a word's fingerprint (wordKey) in the slot it
//	          took, by open addressing with linear probing from
//	          bucketOf(hash, k); 0 is an empty slot
//	entries   2^k x wordSlotBytes: the evidence of the word in the slot
//	vectors   u32 count, then count u64 words: short words' n-gram
//	          scores, as scan would credit them letter by letter
//	          (vectors.go)
//
// The keys are apart from the entries so that a lookup, once a word, scans
// a 128 kB array that stays in cache; about half the words of a post are
// not in the table and cost nothing more. An entry: u64 word hash
// (hashRunes of its lower-cased letters, checked on a key match, so a
// lookup is exact), the stop langSet (2 x u64), u32 vec (the vecRef
// of its n-gram scores, 0 for none), credit[3] (u8 ids), and a flags byte: nCredit in
// bits 0-1, galician+1 in bits 2-3, derived in bits 4-5.
const wordTableMagic = "GHWORDS4"

const wordSlotBytes = 32

// wordTable is the view of words.bin's slots; the zero value has no words.
type wordTable struct {
	k       uint
	keys    string
	entries string
}

// wordKey is a word hash's fingerprint in the keys: never 0.
func wordKey(h uint64) uint32 { return uint32(mix(h)) | 1 }

// lookup returns the evidence of the word whose hash is h.
func (t *wordTable) lookup(h uint64) (wordEntry, bool) {
	if t.keys == "" {
		return wordEntry{}, false
	}
	mask := 1<<t.k - 1
	key := wordKey(h)
	// The build leaves 30 % of the slots empty; the bound only keeps a
	// damaged table from looping.
	for i, n := int(bucketOf(h, t.k)), 0; n <= mask; i, n = (i+1)&mask, n+1 {
		switch le32(t.keys, 4*i) {
		case key:
			o := i * wordSlotBytes
			s := t.entries[o : o+wordSlotBytes]
			if le64(s, 0) != h {
				continue
			}
			flags := s[31]
			return wordEntry{
				stop:     langSet{le64(s, 8), le64(s, 16)},
				vec:      le32(s, 24),
				credit:   [3]uint8{s[28], s[29], s[30]},
				nCredit:  flags & 3,
				galician: int8(flags>>2&3) - 1,
				derived:  int8(flags >> 4 & 3),
			}, true
		case 0:
			return wordEntry{}, false
		}
	}
	return wordEntry{}, false
}

// BuildWordTable builds words.bin from the model file and word list file
// that Build and BuildWordLists wrote: every word's evidence, and the
// n-gram scores of its short words (vecWords), each scored alone as scan
// would credit it position by position (unigrams included), so that a
// post's function words cost one pass over a short vector each instead of
// up to four table lookups a letter.
func BuildWordTable(modelFile, wordLists []byte) ([]byte, error) {
	m, err := openModel(string(modelFile))
	if err != nil {
		return nil, err
	}
	if err := m.loadWordLists(string(wordLists)); err != nil {
		return nil, err
	}
	if len(m.wordPtrs) == 0 {
		return nil, fmt.Errorf("%w: no words", errModelFile)
	}
	// Vectors, in vecWords order.
	d := &Detector{m: m}
	var vecs []byte
	var a analysis
	for _, w := range vecWords(m.wordPtrs) {
		rs := []rune(w)
		a = analysis{}
		for i := range rs {
			d.scorePosition(&a, rs[max(0, i+1-maxOrder):i+1])
		}
		d.finish(&a)
		for id := m.nLingua; id < len(m.codes); id++ {
			if a.scores[id] != 0 {
				return nil, fmt.Errorf("ngram: word %q scores %d for %s, which has no n-gram model", w, a.scores[id], m.codes[id])
			}
		}
		if vecs, m.wordPtrs[w].vec, err = m.appendVec(vecs, &a.scores, wordVecCap); err != nil {
			return nil, fmt.Errorf("word %q: %w", w, err)
		}
	}

	out := []byte(wordTableMagic)
	out = append(out, byte(len(m.codes)))
	for _, c := range m.codes {
		out = append(out, byte(len(c)))
		out = append(out, c...)
	}
	out = append(out, b2u8(m.hasDerived))
	k := uint(1)
	for 10*len(m.wordPtrs) > 7<<k {
		k++
	}
	out = append(out, byte(k))
	keys := make([]byte, (1<<k)*4)
	slots := make([]byte, (1<<k)*wordSlotBytes)
	mask := 1<<k - 1
	byHash := make(map[uint64]string, len(m.wordPtrs))
	// Slots are filled in sorted word order, so the file is the same
	// bytes from the same inputs.
	for _, w := range sortedKeys(m.wordPtrs) {
		e := m.wordPtrs[w]
		h := hashRunes([]rune(w))
		if other, dup := byHash[h]; dup {
			return nil, fmt.Errorf("ngram: words %q and %q share a hash", other, w)
		}
		byHash[h] = w
		i := int(bucketOf(h, k))
		for binary.LittleEndian.Uint32(keys[4*i:]) != 0 {
			i = (i + 1) & mask
		}
		binary.LittleEndian.PutUint32(keys[4*i:], wordKey(h))
		s := slots[i*wordSlotBytes:][:wordSlotBytes]
		binary.LittleEndian.PutUint64(s[0:], h)
		binary.LittleEndian.PutUint64(s[8:], e.stop[0])
		binary.LittleEndian.PutUint64(s[16:], e.stop[1])
		binary.LittleEndian.PutUint32(s[24:], e.vec)
		copy(s[28:31], e.credit[:])
		s[31] = e.nCredit | uint8(e.galician+1)<<2 | uint8(e.derived)<<4
	}
	out = append(out, keys...)
	out = append(out, slots...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(vecs)/8))
	return append(out, vecs...), nil
}

func b2u8(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func sortedKeys(words map[string]*wordEntry) []string {
	out := make([]string, 0, len(words))
	for w := range words {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// openWordTable gives m the extra languages' ids and the word table of
// file (BuildWordTable's output, built from the same model file), without
// copying it. An empty file (a binary built without the word lists)
// leaves the table empty: every word is then scored letter by letter.
func (m *model) openWordTable(file string) error {
	if file == "" {
		m.addExtraLanguages(false)
		return nil
	}
	r := reader{s: file}
	if r.str(len(wordTableMagic)) != wordTableMagic {
		return fmt.Errorf("%w: word table: bad magic", errModelFile)
	}
	codes := make([]string, int(r.u8()))
	for i := range codes {
		codes[i] = r.str(int(r.u8()))
	}
	m.addExtraLanguages(r.u8() == 1)
	if r.err == nil && !slices.Equal(codes, m.codes) {
		return fmt.Errorf("%w: word table: languages %v, the model %v (rebuild with make models)", errModelFile, codes, m.codes)
	}
	k := uint(r.u8())
	if r.err == nil && (k == 0 || k > 30) {
		return fmt.Errorf("%w: word table: 2^%d slots", errModelFile, k)
	}
	m.words = wordTable{k: k, keys: r.str((1 << k) * 4)}
	m.words.entries = r.str((1 << k) * wordSlotBytes)
	n := int(r.u32())
	m.vecs = r.str(n * 8)
	if r.err != nil {
		return r.err
	}
	if len(r.s) != 0 {
		return fmt.Errorf("%w: word table: %d bytes after the vectors", errModelFile, len(r.s))
	}
	return nil
}
