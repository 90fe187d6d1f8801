package ngram

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"unicode/utf8"
)

// Build turns lingua-go's model files (src is the module's directory, as
// `go mod download -json` reports it; version is the module's version,
// recorded in the result) into the model file that the detector uses as
// loaded (modelfile.go describes its layout). It is deterministic: the same
// lingua-go files give the same bytes.
//
// It runs at build time (internal/tools/ngrammodel), never in geoheat: it
// decompresses about 60 MB of protobufs and takes a few seconds.
func Build(src fs.FS, version string) ([]byte, error) {
	codes, err := linguaLanguages(src)
	if err != nil {
		return nil, err
	}
	if len(codes) > maxLangs {
		return nil, fmt.Errorf("%w: %d languages, at most %d supported", errModelLayout, len(codes), maxLangs)
	}
	scripts, err := assignScripts(src, codes)
	if err != nil {
		return nil, err
	}
	var raw [maxOrder + 1]rawOrder
	for order := 1; order <= maxOrder; order++ {
		if raw[order], err = readOrder(src, codes, order); err != nil {
			return nil, err
		}
	}
	var orders [maxOrder + 1]builtOrder
	for order := 1; order <= maxOrder; order++ {
		if orders[order], err = buildOrder(&raw, order); err != nil {
			return nil, err
		}
	}
	return encodeModel(version, codes, &scripts, &orders)
}

// assignScripts puts each language in the scripts that carry at least a
// tenth of its letters' frequency in lingua's unigram model (Serbian is
// both Cyrillic and Latin there, for example).
func assignScripts(src fs.FS, codes []string) ([numScripts]langSet, error) {
	var scripts [numScripts]langSet
	for id, code := range codes {
		var mass [numScripts]float64
		ok, err := readLinguaModel(src, code, 1, func(ng []byte, p float64) {
			r, _ := utf8.DecodeRune(ng)
			mass[scriptOf(r)] += p
		})
		if err != nil {
			return scripts, err
		}
		if !ok {
			return scripts, fmt.Errorf("%w: no unigram model for %s", errModelLayout, code)
		}
		var total float64
		for _, v := range mass {
			total += v
		}
		for s, v := range mass {
			if script(s) != scriptOther && v >= total/10 {
				scripts[s].add(uint8(id))
			}
		}
	}
	return scripts, nil
}

// rawOrder is one order's n-grams as read: each one's (language, quantized
// -log p) list, and for orders above 1 the hash of its suffix (the n-gram
// without its first letter), which the order below files.
type rawOrder struct {
	lists  map[uint64][]uint16 // lang<<8 | q
	suffix map[uint64]uint64
}

// builtOrder is one order's n-grams: their hashes, sorted by bucket, and
// each one's postings.
type builtOrder struct {
	hashes []uint64
	posts  [][]posting
}

// posting is what Detect adds for a language that knows an n-gram. For
// order 1 it is the letter's q; above, it is the difference between the
// credit of this order and that of its suffix, which the language always
// knows too: backoffQ - q + q(suffix). Summing a language's
// postings over the orders of a position then gives exactly the credit of
// the longest n-gram it knows there, stupid backoff included, without
// tracking which languages a longer n-gram already resolved: Detect adds
// every posting it meets.
type posting struct {
	lang uint8
	v    int16
}

// readOrder reads every language's model of one order.
func readOrder(src fs.FS, codes []string, order int) (rawOrder, error) {
	ro := rawOrder{lists: make(map[uint64][]uint16), suffix: make(map[uint64]uint64)}
	var runes [maxOrder]rune
	for id, code := range codes {
		_, err := readLinguaModel(src, code, order, func(ng []byte, p float64) {
			n := 0
			for len(ng) > 0 {
				r, size := utf8.DecodeRune(ng)
				ng = ng[size:]
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
			ro.lists[h] = append(ro.lists[h], uint16(id)<<8|uint16(q))
			if order > 1 {
				ro.suffix[h] = hashRunes(runes[1:n])
			}
		})
		if err != nil {
			return rawOrder{}, err
		}
	}
	return ro, nil
}

// buildOrder sorts one order's n-grams by bucket and turns their lists
// into postings. A posting list holds the languages in reverse reading
// order, as the tables this layout replaced did.
func buildOrder(raw *[maxOrder + 1]rawOrder, order int) (builtOrder, error) {
	lists := raw[order].lists
	b := builtOrder{hashes: make([]uint64, 0, len(lists))}
	for h := range lists {
		b.hashes = append(b.hashes, h)
	}
	bucketBits := bucketBitsFor(len(b.hashes))
	sort.Slice(b.hashes, func(i, j int) bool {
		bi, bj := bucketOf(b.hashes[i], bucketBits), bucketOf(b.hashes[j], bucketBits)
		if bi != bj {
			return bi < bj
		}
		return b.hashes[i] < b.hashes[j]
	})
	b.posts = make([][]posting, len(b.hashes))
	for i, h := range b.hashes {
		l := lists[h]
		ps := make([]posting, len(l))
		for j := range l {
			p := l[len(l)-1-j]
			lang, q := uint8(p>>8), int32(p&0xff)
			v := q
			if order > 1 {
				// A language that knows an n-gram knows its suffix (lingua
				// counts every n-gram of its corpus): Detect relies on it,
				// scanning orders upwards and stopping at the first n-gram
				// no language knows.
				ql, found := findQ(raw[order-1].lists[raw[order].suffix[h]], lang)
				if !found {
					return builtOrder{}, fmt.Errorf("ngram: order %d: language %d knows an n-gram but not its suffix", order, lang)
				}
				v = backoffQ - q + ql
			}
			ps[j] = posting{lang, int16(v)}
		}
		b.posts[i] = ps
	}
	// A lookup matches on (bucket, fingerprint), not on the whole hash: two
	// n-grams sharing both would merge. It does not happen with lingua-go
	// 1.4.0; fail loudly if a new version makes it happen.
	for i := 1; i < len(b.hashes); i++ {
		p, h := b.hashes[i-1], b.hashes[i]
		if bucketOf(p, bucketBits) == bucketOf(h, bucketBits) && fingerprint(p) == fingerprint(h) {
			return builtOrder{}, fmt.Errorf("ngram: order %d: n-gram hashes %x and %x share bucket and fingerprint", order, p, h)
		}
	}
	return b, nil
}

// findQ returns a language's q in a list.
func findQ(list []uint16, lang uint8) (int32, bool) {
	for _, p := range list {
		if uint8(p>>8) == lang {
			return int32(p & 0xff), true
		}
	}
	return 0, false
}

// bucketBitsFor picks 2^k buckets for n n-grams so that a bucket holds
// 4 to 8 of them: small enough to scan within a cache line or two, large
// enough that the bucket index costs at most 2 bytes an n-gram.
func bucketBitsFor(n int) uint {
	k := uint(0)
	for (n >> (k + 1)) >= 4 {
		k++
	}
	return max(k, 1)
}

func encodeModel(version string, codes []string, scripts *[numScripts]langSet, orders *[maxOrder + 1]builtOrder) ([]byte, error) {
	var w bytes.Buffer
	put32 := func(v uint32) { w.Write(binary.LittleEndian.AppendUint32(nil, v)) }
	put64 := func(v uint64) { w.Write(binary.LittleEndian.AppendUint64(nil, v)) }
	w.WriteString(modelMagic)
	if len(version) > 255 {
		return nil, fmt.Errorf("ngram: version %q too long", version)
	}
	w.WriteByte(byte(len(version)))
	w.WriteString(version)
	w.WriteByte(byte(len(codes)))
	for _, c := range codes {
		if len(c) == 0 || len(c) > 255 {
			return nil, fmt.Errorf("%w: language code %q", errModelLayout, c)
		}
		w.WriteByte(byte(len(c)))
		w.WriteString(c)
	}
	for s := range scripts {
		for _, word := range scripts[s] {
			put64(word)
		}
	}
	var postings uint32
	for order := 1; order <= maxOrder; order++ {
		o := &orders[order]
		k := bucketBitsFor(len(o.hashes)) // at least 1, even for no n-grams
		w.WriteByte(byte(k))
		put32(uint32(len(o.hashes)))
		// Buckets: 2^k+1 records of (first entry, first posting), the
		// last a sentinel.
		e := 0
		for b := uint64(0); b <= 1<<k; b++ {
			for e < len(o.hashes) && bucketOf(o.hashes[e], k) < b {
				postings += uint32(len(o.posts[e]))
				e++
			}
			put32(uint32(e))
			put32(postings)
		}
		if e != len(o.hashes) {
			return nil, fmt.Errorf("ngram: order %d: %d of %d n-grams outside the buckets", order, len(o.hashes)-e, e)
		}
		// Entries: fingerprint, then the posting count.
		for i, h := range o.hashes {
			if len(o.posts[i]) > 255 {
				return nil, fmt.Errorf("ngram: order %d: %d postings for one n-gram", order, len(o.posts[i]))
			}
			put32(fingerprint(h))
			w.WriteByte(byte(len(o.posts[i])))
		}
	}
	put32(postings)
	for order := 1; order <= maxOrder; order++ {
		for _, l := range orders[order].posts {
			for _, p := range l {
				w.WriteByte(p.lang)
				w.WriteByte(byte(uint16(p.v)))
				w.WriteByte(byte(uint16(p.v) >> 8))
			}
		}
	}
	return w.Bytes(), nil
}

// bucketOf and fingerprint split an n-gram hash into the bucket it is
// filed under (top bits of a Fibonacci-hashed value, which spreads FNV's
// weak low bits) and the 32 bits kept to tell the bucket's n-grams apart.
func bucketOf(h uint64, k uint) uint64 { return (h * 0x9E3779B97F4A7C15) >> (64 - k) }
func fingerprint(h uint64) uint32      { return uint32(h >> 32) }
