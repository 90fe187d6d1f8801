package ngram

import (
	"errors"
	"sync"

	"github.com/geoheat/geoheat/internal/langid/ngram/modeldata"
)

// maxOrder is the longest n-gram used. lingua-go also has 5-grams, but
// they hold 5.7 million distinct n-grams (13.4 million language entries):
// more than doubling the model file and the binary, and the 4-gram model
// already beats lingua-go's own 5-gram inference on the shared data
// (docs/langid.md). Orders 1 to 4 take about 32 MB (modelfile.go).
const maxOrder = 4

// maxLangs bounds the language ids; a langSet has one bit per language.
const maxLangs = 128

// probScale converts natural-log probabilities to the integer units stored
// and summed: 1/16 nat. A posting stores -ln(p)*probScale in one byte, so
// probabilities down to e^-16 (about 1e-7) are distinct; rarer ones are
// clamped, which only matters for n-grams seen once in lingua's corpora.
const probScale = 16

// model is the read-only, shared inference data, a view of the model file
// (modelfile.go) with no copy: per order, a table from n-gram hash to a
// posting list of (language, quantized log-probability) pairs.
type model struct {
	version string   // lingua-go's module version the file was built from
	codes   []string // language id -> ISO 639-1 code
	nLingua int      // languages of the model file (the first ids of codes)
	ids     map[string]uint8
	tables  [maxOrder + 1]table
	hot     hotTable
	dense   denseTable
	posts   string              // 3 bytes a posting: language id, i16 value (build.go)
	scripts [numScripts]langSet // languages written in each script
	size    int                 // bytes of the model file

	// Galician, scored from the Portuguese and Spanish models and words
	// (galician.go); hasGalician is false if either model is missing.
	hasGalician      bool
	galician, pt, es uint8

	// confusable[id] holds the languages a close call between id and them
	// is left undetermined for (confusable.go).
	confusable [maxLangs]langSet
	// words is the word evidence, looked up once per word (wordtable.go).
	words wordTable
	vecs  string // n-gram scores of short words (wordtable.go, vectors.go)
	// lanes is the language id of each vector lane, and vecWords how
	// many 8-byte words the lanes take (vectors.go).
	lanes    [4 * maxVecWords]uint8
	vecWords int
	// wordPtrs is the word table while BuildWordTable builds it.
	wordPtrs map[string]*wordEntry

	// Nepali and Hinglish, scored from their neighbours' models and
	// words taken from text at build time (derived.go); the ids are
	// valid when hasDerived.
	hasDerived        bool
	nepali, hindi     uint8
	marathi, hinglish uint8
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

// ErrNoModel means the binary was built without the model file (a plain
// `go build` before `make build`): the n-gram detector is unavailable.
var ErrNoModel = errors.New("ngram: language models not built into this binary (run make build, which runs go run ./internal/tools/ngrammodel)")

var (
	sharedOnce  sync.Once
	sharedModel *model
	sharedErr   error
)

// loadShared opens the embedded model file once per process: every
// Detector shares it. Opening reads the header only; the tables are used
// where they lie (in the binary's read-only data, paged in as touched).
func loadShared() (*model, error) {
	sharedOnce.Do(func() {
		if modeldata.File == "" {
			sharedErr = ErrNoModel
			return
		}
		sharedModel, sharedErr = openModel(modeldata.File)
		if sharedErr == nil {
			sharedErr = sharedModel.openWordTable(modeldata.WordTable)
		}
	})
	return sharedModel, sharedErr
}

// ModelVersion says which models this binary carries: lingua-go's module
// version and the model file's size, or the reason there are none.
func ModelVersion() (version string, bytes int, err error) {
	m, err := loadShared()
	if err != nil {
		return "", 0, err
	}
	return m.version, m.size, nil
}

// memoryBytes is the model file's size, for tests and the docs.
func (m *model) memoryBytes() int { return m.size }

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
}
