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
//	magic         "GHNGRAM2"
//	version       u8 length, bytes (lingua-go's module version)
//	languages     u8 count, then per language u8 length, ISO 639-1 code
//	scripts       numScripts langSets (2 x u64 each)
//	per order 1..4:
//	  k           u8: the order has 2^k buckets
//	  n           u32: n-grams
//	  buckets     2^k+1 x (u32 first entry, u32 first posting); the last
//	              is a sentinel, so bucket b's entries end where b+1's start
//	  entries     n x (u32 fingerprint, u8 posting count), sorted by bucket
//	postings      u32 count, then count x (u8 language id, i16 value):
//	              order 1's value is the letter's q, higher orders' the
//	              credit over the longest suffix the language knows
//	              (build.go, posting)
//
// An n-gram's hash picks its bucket (bucketOf) and its fingerprint; the
// bucket's entries are scanned for the fingerprint, summing the counts
// before it to find the postings. That is 7 bytes an n-gram and 2 a
// posting, about 25 MB for lingua's orders 1 to 4, against 74 MB for the
// open-addressing tables with whole 64-bit keys that it replaced.
const modelMagic = "GHNGRAM2"

const (
	bucketBytes  = 8
	entryBytes   = 5
	postingBytes = 3
)

// table is one order's view into the model file.
type table struct {
	k       uint   // log2 of the bucket count
	buckets string // 2^k+1 records
	entries string
}

var errModelFile = errors.New("ngram: malformed model file")

// le32 reads a little-endian uint32 at s[i:]; the compiler turns it into
// one load.
func le32(s string, i int) uint32 {
	_ = s[i+3]
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

func le64(s string, i int) uint64 {
	return uint64(le32(s, i)) | uint64(le32(s, i+4))<<32
}

// lookup returns the postings of an n-gram hash: the offset of its first
// posting in model.posts (in postings) and how many it has.
func (t *table) lookup(h uint64) (first uint32, count int, ok bool) {
	b := int(bucketOf(h, t.k)) * bucketBytes
	e, end := int(le32(t.buckets, b)), int(le32(t.buckets, b+bucketBytes))
	p := le32(t.buckets, b+4)
	fp := fingerprint(h)
	for ; e < end; e++ {
		c := t.entries[e*entryBytes+4]
		if le32(t.entries, e*entryBytes) == fp {
			return p, int(c), true
		}
		p += uint32(c)
	}
	return 0, 0, false
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
	var postings uint32
	for order := 1; order <= maxOrder; order++ {
		t := &m.tables[order]
		t.k = uint(r.u8())
		n := int(r.u32())
		if t.k == 0 || t.k > 30 {
			return nil, fmt.Errorf("%w: order %d: 2^%d buckets", errModelFile, order, t.k)
		}
		t.buckets = r.str(((1 << t.k) + 1) * bucketBytes)
		t.entries = r.str(n * entryBytes)
		if r.err != nil {
			break
		}
		if last := len(t.buckets) - bucketBytes; int(le32(t.buckets, last)) != n {
			return nil, fmt.Errorf("%w: order %d: buckets end at entry %d of %d", errModelFile, order, le32(t.buckets, last), n)
		}
		postings = le32(t.buckets, len(t.buckets)-bucketBytes+4)
	}
	if n := r.u32(); r.err == nil && n != postings {
		return nil, fmt.Errorf("%w: %d postings, the buckets index %d", errModelFile, n, postings)
	}
	m.posts = r.str(int(postings) * postingBytes)
	if r.err != nil {
		return nil, r.err
	}
	if len(r.s) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the postings", errModelFile, len(r.s))
	}
	return m, nil
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
