package ngram

import (
	"errors"
	"fmt"
)

// The model file, written by Build at build time and embedded in the binary
// (package modeldata), is used where it lies: opening it parses the header
// and slices the rest, so a process pays nothing at start and keeps
// resident only the pages its texts touch.
//
// Layout, little-endian:
//
//	magic         "GHNGRAM3"
//	version       u8 length, bytes (lingua-go's module version)
//	languages     u8 count, then per language u8 length, ISO 639-1 code
//	scripts       numScripts langSets (2 x u64 each)
//	per order 1..4:
//	  nb          u32: the order has nb buckets of slotsPerBucket slots
//	  n           u32: n-grams
//	  slots       nb*slotsPerBucket x (u32 fingerprint, u32 first posting
//	              << 8 | posting count); count 0 is an empty slot
//	hot table     u8 k, then 2^k x (u64 n-gram hash, u32 first posting
//	              << 8 | posting count): the hotCount n-grams posts meet
//	              most (build.go, hotNgrams) by their whole hash, open
//	              addressing from bucketOf(hash, k); hash 0 is empty
//	postings      u32 count, then count x u16: the language id in the
//	              low 7 bits, the value in the high 9 (signed; a larger
//	              one is split in two postings, build.go): order 1's
//	              value is the letter's q, higher
//	              orders' the credit over the longest suffix the language
//	              knows (build.go, posting); then postingsPad zero bytes,
//	              so that Detect reads postings 8 bytes at a time
//	dense table   u8 k, u32 n, 2^k hot-table slots (u64 hash, u32
//	              vecRef), then n u64 words: the vectors (vectors.go)
//
// An n-gram's hash picks its home bucket (homeSlot) and its fingerprint;
// the slots are scanned from the bucket's first, wrapping at the end, for
// the fingerprint until an empty slot (linear probing). A slot holds
// where the n-gram's postings are, so a lookup reads one slot run (a
// cache line, mostly: the tables are at most 3/4 full) and then the
// postings: 8 bytes an n-gram at 3/4 load and 2 a posting, 31.7 MB for
// lingua's orders 1 to 4 (35.3 MB with the hot and dense tables). Detect is bound by memory latency (the postings
// a day's posts meet are tens of MB), so the layout is about touching
// few cache lines: the one it replaced (a bucket index, the bucket's
// 5-byte entries, then 3-byte postings; 29.8 MB) took three dependent
// misses a lookup and half again as many bytes of postings.
const modelMagic = "GHNGRAMC"

const (
	slotBytes      = 8
	hotSlotBytes   = 12
	slotsPerBucket = 8
	postingBytes   = 2
	// A posting's value range (9 bits, signed).
	minPostingValue, maxPostingValue = -256, 255
	postingsPad                      = 8
	// slotLoadNum/slotLoadDen bounds the share of used slots: a miss,
	// which ends a position's scan, reads until an empty slot.
	slotLoadNum, slotLoadDen = 3, 4
	// maxPostings is how many postings a slot's 24 bits can address.
	maxPostings = 1 << 24
)

// hotTable is the view of the hot table: 768 kB that stay in cache, holding where the postings of the n-grams that make most of a
// post's lookups are, so that most lookups never touch the orders' tables
// (tens of MB, a cache miss each).
type hotTable struct {
	k     uint
	slots string
}

// lookup returns the slot value (first<<8 | count) of an n-gram hash, or
// 0 when it is not hot.
func (t *hotTable) lookup(h uint64) uint32 {
	if t.slots == "" {
		return 0
	}
	mask := 1<<t.k - 1
	for i, n := int(bucketOf(h, t.k)), 0; n <= mask; i, n = (i+1)&mask, n+1 {
		switch le64(t.slots, i*hotSlotBytes) {
		case h:
			return le32(t.slots, i*hotSlotBytes+8)
		case 0:
			return 0
		}
	}
	return 0
}

// table is one order's view into the model file.
type table struct {
	nb    uint64 // buckets
	slots string // nb*slotsPerBucket slots
}

var errModelFile = errors.New("ngram: malformed model file")

// le32 and le64 read a little-endian value at s[i:]. Slicing first leaves
// one bounds check, and the compiler turns the shifts into one load.
func le32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func le16(s string, i int) uint16 {
	s = s[i : i+2]
	return uint16(s[0]) | uint16(s[1])<<8
}

func le64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// lookup returns the postings of an n-gram hash: the offset of its first
// posting in model.posts (in postings) and how many it has.
func (t *table) lookup(h uint64) (first uint32, count int, ok bool) {
	h = mix(h)
	i := homeSlotMixed(h, t.nb)
	return t.probe(le64(t.slots, i), i, uint32(h))
}

// probe is lookup from the home slot's offset i and its value s, for a
// fingerprint fp.
func (t *table) probe(s uint64, i int, fp uint32) (first uint32, count int, ok bool) {
	end := len(t.slots)
	for range end / slotBytes { // bounded: a full table would loop
		c := int(s >> 32 & 0xff)
		if c == 0 {
			return 0, 0, false
		}
		if uint32(s) == fp {
			return uint32(s >> 40), c, true
		}
		if i += slotBytes; i == end {
			i = 0
		}
		s = le64(t.slots, i)
	}
	return 0, 0, false
}

// homeSlot is the byte offset of the first slot of an n-gram's bucket,
// and fingerprint the 32 bits kept to tell apart the n-grams whose probes
// meet: the two halves of the hash after a murmur3-style finalizer. FNV's
// own bits are too alike between short n-grams (bigrams collide on the
// top 32), and the two must not be correlated.
func homeSlot(h, nb uint64) int { return homeSlotMixed(mix(h), nb) }

func homeSlotMixed(m, nb uint64) int {
	return int((m>>32*nb)>>32) * slotsPerBucket * slotBytes
}

func fingerprint(h uint64) uint32 { return uint32(mix(h)) }

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// openModel checks the header and the sections' sizes and returns a view
// of file; it copies nothing but the language codes. It does not read the
// tables themselves (that would page in all of them at every start): the
// file comes from Build, and TestModelFile checks every entry of it.
func openModel(file string) (*model, error) {
	r := reader{s: file}
	if r.str(len(modelMagic)) != modelMagic {
		return nil, fmt.Errorf("%w: bad magic", errModelFile)
	}
	m := &model{size: len(file)}
	m.version = r.str(int(r.u8()))
	nLangs := int(r.u8())
	if nLangs == 0 || nLangs > maxLangs {
		return nil, fmt.Errorf("%w: %d languages", errModelFile, nLangs)
	}
	m.nLingua = nLangs
	m.ids = make(map[string]uint8, nLangs+1)
	for id := range nLangs {
		c := r.str(int(r.u8()))
		m.codes = append(m.codes, c)
		m.ids[c] = uint8(id)
	}
	for s := range m.scripts {
		for w := range m.scripts[s] {
			m.scripts[s][w] = r.u64()
		}
	}
	var postings uint64
	for order := 1; order <= maxOrder; order++ {
		t := &m.tables[order]
		t.nb = uint64(r.u32())
		n := uint64(r.u32())
		if r.err == nil && (t.nb == 0 || n*slotLoadDen > t.nb*slotsPerBucket*slotLoadNum) {
			return nil, fmt.Errorf("%w: order %d: %d n-grams in %d buckets", errModelFile, order, n, t.nb)
		}
		t.slots = r.str(int(t.nb) * slotsPerBucket * slotBytes)
		postings += n // at least one posting each; checked below
	}
	m.hot.k = uint(r.u8())
	if r.err == nil && (m.hot.k == 0 || m.hot.k > 30) {
		return nil, fmt.Errorf("%w: hot table: 2^%d slots", errModelFile, m.hot.k)
	}
	m.hot.slots = r.str((1 << m.hot.k) * hotSlotBytes)
	n := r.u32()
	if r.err == nil && (uint64(n) < postings || n > maxPostings) {
		return nil, fmt.Errorf("%w: %d postings for %d n-grams", errModelFile, n, postings)
	}
	postings = uint64(n)
	m.posts = r.str(int(postings)*postingBytes + postingsPad)
	if r.err != nil {
		return nil, r.err
	}
	if m.posts[len(m.posts)-postingsPad:] != "\x00\x00\x00\x00\x00\x00\x00\x00" {
		return nil, fmt.Errorf("%w: postings padding", errModelFile)
	}
	var err error
	if m.lanes, m.vecWords, err = laneOrder(&m.scripts, nLangs); err != nil {
		return nil, err
	}
	m.dense.k = uint(r.u8())
	nWords := int(r.u32())
	if r.err == nil && (m.dense.k == 0 || m.dense.k > 30) {
		return nil, fmt.Errorf("%w: dense table: 2^%d slots", errModelFile, m.dense.k)
	}
	m.dense.slots = r.str((1 << m.dense.k) * hotSlotBytes)
	m.dense.vecs = r.str(nWords * 8)
	if r.err != nil {
		return nil, r.err
	}
	if len(r.s) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the dense table", errModelFile, len(r.s))
	}
	return m, nil
}

// denseTable is the view of the dense table: for the denseCount 4-grams
// posts meet most, what a position ending in one is credited (the
// postings of the 4-gram and of its suffixes, and the letter's own
// unigram credit); for the prefixCount hottest 3-grams, what the first
// three letters of a word starting with one are credited (three
// positions, unigrams included): vectors (vectors.go). A position whose
// 4-gram is there costs one lookup and one vector (104 bytes for a Latin
// n-gram) instead of three lookups, three lists of some forty postings
// each and a letter's; a word's start, one instead of three positions.
// The keys are the n-grams' whole hashes, so a 3-gram never answers for
// a 4-gram. Its slots are the hot table's (u64 hash, u32 vecRef).
type denseTable struct {
	hotTable // lookup returns the vector's vecRef, or 0
	vecs     string
}

// reader walks the model file's header; the first short read sets err and
// every later read returns zero values.
type reader struct {
	s   string
	err error
}

func (r *reader) str(n int) string {
	if r.err != nil || n < 0 || n > len(r.s) {
		if r.err == nil {
			r.err = fmt.Errorf("%w: truncated", errModelFile)
		}
		return ""
	}
	v := r.s[:n]
	r.s = r.s[n:]
	return v
}

func (r *reader) u8() uint8 {
	if s := r.str(1); s != "" {
		return s[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if s := r.str(4); s != "" {
		return le32(s, 0)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if s := r.str(8); s != "" {
		return le64(s, 0)
	}
	return 0
}
