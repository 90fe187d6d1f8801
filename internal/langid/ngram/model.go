package ngram

import (
	"fmt"
	"math"
	"math/bits"
	"runtime/debug"
	"sync"
	"unicode/utf8"
)

// maxOrder is the longest n-gram used. lingua-go also has 5-grams, but
// they hold 5.7 million distinct n-grams (13.4 million language entries):
// more than 120 MB in this layout, which would break the 150 MB budget,
// and the 4-gram model already beats lingua-go's own 5-gram inference on
// the shared data (docs/langid.md). Orders 1 to 4 take about 70 MB.
const maxOrder = 4

// maxLangs bounds the language ids; a langSet has one bit per language.
const maxLangs = 128

// probScale converts natural-log probabilities to the integer units stored
// and summed: 1/16 nat. A posting stores -ln(p)*probScale in one byte, so
// probabilities down to e^-16 (about 1e-7) are distinct; rarer ones are
// clamped, which only matters for n-grams seen once in lingua's corpora.
const probScale = 16

// model is the read-only, shared inference data: per order, an
// open-addressing hash table from n-gram hash to a posting list of
// (language, quantized log-probability) pairs.
type model struct {
	codes   []string // language id -> ISO 639-1 code
	ids     map[string]uint8
	tables  [maxOrder + 1]table
	posts   []uint16            // at a table's offset: count, then count x (lang<<8 | q)
	scripts [numScripts]langSet // languages written in each script

	// Galician, scored from the Portuguese and Spanish models and words
	// (galician.go); hasGalician is false if either model is missing.
	hasGalician      bool
	galician, pt, es uint8
	galicianWords    map[uint64]int8
}

type table struct {
	keys  []uint64 // ngram hash | 1; 0 marks an empty slot
	offs  []uint32 // offset of the posting list in model.posts
	shift uint     // 64 - log2(len(keys))
}

type langSet [maxLangs / 64]uint64

func (s *langSet) add(id uint8)      { s[id>>6] |= 1 << (id & 63) }
func (s *langSet) has(id uint8) bool { return s[id>>6]&(1<<(id&63)) != 0 }
func (s *langSet) empty() bool       { return s[0]|s[1] == 0 }

const (
	hashSeed  = 0xcbf29ce484222325 // FNV-1a offset basis
	hashPrime = 0x100000001b3
)

// hashRunes is FNV-1a over whole runes (not bytes), so the loader (from
// lingua's strings) and Detect (from lower-cased runes, never materialised
// as a string) compute the same value.
func hashRunes(rs []rune) uint64 {
	h := uint64(hashSeed)
	for _, r := range rs {
		h ^= uint64(r)
		h *= hashPrime
	}
	return h | 1
}

func (t *table) slot(h uint64) uint64 {
	// Fibonacci hashing spreads FNV's weak low bits over the table.
	return (h * 0x9E3779B97F4A7C15) >> t.shift
}

// lookup returns the posting offset of an n-gram hash.
func (t *table) lookup(h uint64) (uint32, bool) {
	mask := uint64(len(t.keys) - 1)
	for i := t.slot(h); ; i = (i + 1) & mask {
		k := t.keys[i]
		if k == h {
			return t.offs[i], true
		}
		if k == 0 {
			return 0, false
		}
	}
}

var (
	sharedOnce  sync.Once
	sharedModel *model
	sharedErr   error
)

// loadShared builds the model once per process: every Detector shares it.
// Building takes a few seconds (decompressing lingua's zipped protobufs is
// most of it), so it happens on first use, not at package init.
func loadShared() (*model, error) {
	sharedOnce.Do(func() {
		sharedModel, sharedErr = buildModel()
		// Building leaves several times the model's size in garbage
		// (decompressed protobufs, the build maps); hand it back to the OS
		// now rather than keep a resident size far above the model's.
		debug.FreeOSMemory()
	})
	return sharedModel, sharedErr
}

func buildModel() (*model, error) {
	codes, err := linguaLanguages()
	if err != nil {
		return nil, err
	}
	if len(codes) > maxLangs {
		return nil, fmt.Errorf("%w: %d languages, at most %d supported", errModelLayout, len(codes), maxLangs)
	}
	m := &model{codes: codes, ids: make(map[string]uint8, len(codes))}
	for id, c := range codes {
		m.ids[c] = uint8(id)
	}
	if err := m.assignScripts(); err != nil {
		return nil, err
	}
	for order := 1; order <= maxOrder; order++ {
		if err := m.buildOrder(order); err != nil {
			return nil, err
		}
	}
	m.addGalician()
	return m, nil
}

// assignScripts puts each language in the scripts that carry at least a
// tenth of its letters' frequency in lingua's unigram model (Serbian is
// both Cyrillic and Latin there, for example).
func (m *model) assignScripts() error {
	for id, code := range m.codes {
		var mass [numScripts]float64
		ok, err := readLinguaModel(code, 1, func(ng string, p float64) {
			r, _ := utf8.DecodeRuneInString(ng)
			mass[scriptOf(r)] += p
		})
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: no unigram model for %s", errModelLayout, code)
		}
		var total float64
		for _, v := range mass {
			total += v
		}
		for s, v := range mass {
			if script(s) != scriptOther && v >= total/10 {
				m.scripts[s].add(uint8(id))
			}
		}
	}
	return nil
}

// buildOrder reads every language's model of one order into a table.
// Posting lists are gathered as linked lists first (heads by hash in a Go
// map), then laid out contiguously: one pass over the data, no sorting.
func (m *model) buildOrder(order int) error {
	heads := make(map[uint64]int32)
	var next []int32
	var vals []uint16
	var runes [maxOrder]rune
	for id, code := range m.codes {
		_, err := readLinguaModel(code, order, func(ng string, p float64) {
			n := 0
			for _, r := range ng {
				if n == order {
					n = -1
					break
				}
				runes[n] = r
				n++
			}
			if n != order || p <= 0 {
				return // malformed entry: not order runes long, or no probability
			}
			h := hashRunes(runes[:n])
			q := math.Round(-math.Log(p) * probScale)
			if q > 255 {
				q = 255
			}
			head, ok := heads[h]
			if !ok {
				head = -1
			}
			heads[h] = int32(len(vals))
			next = append(next, head)
			vals = append(vals, uint16(id)<<8|uint16(q))
		})
		if err != nil {
			return err
		}
	}
	size := 2
	for size < len(heads)*10/7+1 { // load factor at most 0.7
		size <<= 1
	}
	t := table{keys: make([]uint64, size), offs: make([]uint32, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	mask := uint64(len(t.keys) - 1)
	for h, head := range heads {
		off := uint32(len(m.posts))
		m.posts = append(m.posts, 0)
		for i := head; i >= 0; i = next[i] {
			m.posts = append(m.posts, vals[i])
		}
		m.posts[off] = uint16(len(m.posts) - int(off) - 1) // fits: at most maxLangs entries
		i := t.slot(h)
		for t.keys[i] != 0 {
			i = (i + 1) & mask
		}
		t.keys[i], t.offs[i] = h, off
	}
	m.tables[order] = t
	return nil
}

// memoryBytes is the model's size in memory, for tests and the docs.
func (m *model) memoryBytes() int {
	n := 2 * len(m.posts)
	for _, t := range m.tables {
		n += 8*len(t.keys) + 4*len(t.offs)
	}
	return n
}

// addGalician gives Galician a language id without a model of its own
// (galician.go explains how it is scored).
func (m *model) addGalician() {
	pt, okPT := m.ids["pt"]
	es, okES := m.ids["es"]
	_, have := m.ids["gl"]
	if !okPT || !okES || have || len(m.codes) == maxLangs {
		return
	}
	m.galician = uint8(len(m.codes))
	m.codes = append(m.codes, "gl")
	m.ids["gl"] = m.galician
	m.scripts[scriptLatin].add(m.galician)
	m.pt, m.es, m.hasGalician = pt, es, true
	m.galicianWords = buildGalicianWords()
}
