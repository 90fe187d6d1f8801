// Package stopwords is the seed notebook's language detector, reproduced
// exactly and made fast: lower-case the text as Python's str.lower, split it
// with NLTK's wordpunct_tokenize, and score every NLTK stopword list by how
// many distinct tokens it contains. The best-scoring list is the language;
// the post is kept when it has more than one match.
//
// Faithful means: for every text, Matches, Total, Kept and the set of
// languages tied at the top equal what the seed's get_likely_language
// computes with the same lists (checked against the real NLTK by the tests
// and testdata/gen_golden.py). Only the choice among tied languages is a
// mode: the seed picked at random; TiesFirst picks the alphabetically first
// NLTK name, so that results are reproducible.
package stopwords

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pytext"
)

// TieMode chooses among languages tied at the top score.
type TieMode uint8

const (
	// TiesFirst picks the tied language whose NLTK name sorts first. It is
	// deterministic, and the default.
	TiesFirst TieMode = iota
	// TiesRandom picks uniformly among the tied languages, as the seed's
	// np.random.permutation did, from a sequence fixed by the seed.
	TiesRandom
)

// String returns the mode's name as ParseTieMode accepts it.
func (m TieMode) String() string {
	switch m {
	case TiesFirst:
		return "first"
	case TiesRandom:
		return "random"
	}
	return fmt.Sprintf("TieMode(%d)", uint8(m))
}

// ParseTieMode parses "first" or "random".
func ParseTieMode(s string) (TieMode, error) {
	switch s {
	case "first":
		return TiesFirst, nil
	case "random":
		return TiesRandom, nil
	}
	return 0, fmt.Errorf("stopwords: unknown tie mode %q (want first or random)", s)
}

// lowerBufSize is the stack buffer a text is lower-cased into. Lower-casing
// grows UTF-8 by at most half (İ: 2 bytes to 3), so it holds any text of up
// to 1,024 bytes, which covers a 280-character tweet of mostly 3-byte
// characters; longer texts spill to the heap.
const lowerBufSize = 1536

// distinctBufSize is how many distinct matched stopwords a text can have
// before the list of them spills to the heap.
const distinctBufSize = 128

// entry is what the index knows about one stopword.
type entry struct {
	langs uint64 // bit i: list i holds the word
	id    uint32 // dense number of the word, to de-duplicate matches cheaply
}

// Detector scores texts against a fixed set of stopword lists. It is safe
// for concurrent use.
type Detector struct {
	langs []langid.Language // list i's language, lists in NLTK name order
	keys  []string          // langs[i].Key(), precomputed for Result.Lang
	// index maps each stopword to the lists holding it. One map lookup per
	// token replaces the seed's one set intersection per language.
	index map[string]entry
	// minLen and maxLen bound the byte length of stopwords, and firstByte
	// marks their first bytes: tokens outside them skip the map lookup.
	minLen, maxLen int
	firstByte      [256 / 64]uint64

	ties  TieMode
	seed  uint64
	calls atomic.Uint64 // TiesRandom draws, to vary the random stream
}

// New builds a detector over lists. The seed only matters for TiesRandom:
// a detector called in the same order with the same seed makes the same
// choices.
func New(lists *Lists, ties TieMode, seed int64) *Detector {
	if n := len(lists.lists); n == 0 || n > MaxLists {
		// Load and FromMap reject these; reaching here is a programming error.
		panic(fmt.Sprintf("stopwords: New needs 1 to %d lists, got %d", MaxLists, n))
	}
	d := &Detector{
		index:  make(map[string]entry),
		minLen: int(^uint(0) >> 1),
		ties:   ties,
		seed:   uint64(seed),
	}
	for i, list := range lists.lists {
		lang := langid.ByName(list.Name)
		d.langs = append(d.langs, lang)
		d.keys = append(d.keys, lang.Key())
		for _, w := range list.Words {
			e, ok := d.index[w]
			if !ok {
				e.id = uint32(len(d.index))
			}
			e.langs |= 1 << i
			d.index[w] = e
			if w == "" {
				// FromMap can pass one; it never equals a token, so it
				// must not widen the filters.
				continue
			}
			d.minLen = min(d.minLen, len(w))
			d.maxLen = max(d.maxLen, len(w))
			d.firstByte[w[0]>>6] |= 1 << (w[0] & 63)
		}
	}
	return d
}

// Languages returns the languages of the lists, in NLTK name order (the
// TiesFirst order).
func (d *Detector) Languages() []langid.Language {
	return append([]langid.Language(nil), d.langs...)
}

// Detect implements langid.Detector. It does not allocate for texts of up
// to about a thousand bytes.
func (d *Detector) Detect(text string) langid.Result {
	best, total, tied := d.score(text)
	return d.result(best, total, tied)
}

// Explain implements langid.Explainer: the result and the keys of every
// language tied at the top, in NLTK name order. Nothing is tied when no
// stopword matched (the result is then unknown).
func (d *Detector) Explain(text string) (langid.Result, []string) {
	best, total, tied := d.score(text)
	var keys []string
	for m := tied; m != 0; m &= m - 1 {
		keys = append(keys, d.keys[bits.TrailingZeros64(m)])
	}
	return d.result(best, total, tied), keys
}

func (d *Detector) result(best, total int, tied uint64) langid.Result {
	if best == 0 {
		// The seed's ('unknown', 0, 0): no list matched anything.
		return langid.Result{}
	}
	pick := bits.TrailingZeros64(tied)
	if d.ties == TiesRandom && tied&(tied-1) != 0 {
		pick = d.randomBit(tied)
	}
	return langid.Result{Lang: d.keys[pick], Matches: best, Total: total, Kept: best > 1}
}

// randomBit returns the index of a uniformly chosen set bit of mask. Each
// call draws the next value of a splitmix64 stream keyed by the seed: one
// atomic add, no lock, no shared generator state to contend on beyond the
// counter, and only texts with a tie pay for it.
func (d *Detector) randomBit(mask uint64) int {
	x := d.seed + d.calls.Add(1)*0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	// Map x to [0, n) by multiply-high (Lemire); the bias is below 2^-58.
	k, _ := bits.Mul64(x, uint64(bits.OnesCount64(mask)))
	for ; k > 0; k-- {
		mask &= mask - 1
	}
	return bits.TrailingZeros64(mask)
}

// score is get_likely_language without the tie-break: best is the highest
// number of distinct tokens any list contains, total the sum over all lists,
// tied the lists scoring best (0 when best is 0).
func (d *Detector) score(text string) (best, total int, tied uint64) {
	// Lower-case the whole text first, as the seed did: lower-casing token by
	// token would differ, since İ becomes i + a combining dot (which splits
	// the token) and Σ's final form depends on characters in other tokens.
	var buf [lowerBufSize]byte
	lowered := pytext.AppendLower(buf[:0], text)
	// The string view of buf is only used within this call, and buf is not
	// written after this point, so the view is never seen to change.
	s := unsafe.String(unsafe.SliceData(lowered), len(lowered))

	var distinctBuf [distinctBufSize]uint32
	distinct := distinctBuf[:0]
	var counts [MaxLists]uint32
	for start, end := pytext.NextToken(s, 0); start < end; start, end = pytext.NextToken(s, end) {
		if n := end - start; n < d.minLen || n > d.maxLen {
			continue
		}
		if c := s[start]; d.firstByte[c>>6]&(1<<(c&63)) == 0 {
			continue
		}
		e, ok := d.index[s[start:end]]
		if !ok || seen(distinct, e.id) {
			continue
		}
		distinct = append(distinct, e.id)
		total += bits.OnesCount64(e.langs)
		for m := e.langs; m != 0; m &= m - 1 {
			counts[bits.TrailingZeros64(m)]++
		}
	}
	if total == 0 {
		return 0, 0, 0
	}
	for i := range d.langs {
		switch c := int(counts[i]); {
		case c > best:
			best, tied = c, 1<<i
		case c == best:
			tied |= 1 << i
		}
	}
	return best, total, tied
}

// seen reports whether id is among the matches so far. A linear scan beats
// a set: a tweet matches a few dozen distinct stopwords at most.
func seen(ids []uint32, id uint32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
