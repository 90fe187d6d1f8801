package ngram

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"slices"
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
	hot, dense := hotNgrams(&raw, codes)
	file, err := encodeModel(version, codes, &scripts, &orders, hot)
	if err != nil {
		return nil, err
	}
	// The dense vectors: what Detect credits at a position whose 4-gram
	// is one of them, or for the first three letters of a word that
	// starts with one of the 3-grams, scored by Detect itself.
	return withDense(file, dense, &raw)
}

// hotCount is how many n-grams (orders 2 to 4) the hot table holds,
// denseCount how many 4-grams the dense table holds, and prefixCount how
// many 3-grams it holds as a word's first three letters.
const (
	hotCount    = 32768
	denseCount  = 16384
	prefixCount = 8192
)

// hotNgrams returns the hotCount n-grams of orders 2 to maxOrder most
// likely in posts, most likely first: by their probability in each
// language's text (lingua's models hold an n-gram's probability given its
// prefix; chaining them gives its share of all n-grams of its order)
// weighted by the language's prior (priors.go). Which n-grams a post meets
// is very skewed: on the shared tweets, 4,000 n-grams make 80 % of the
// lookups. The choice uses nothing but lingua's models and the priors.
//
// It also returns, for the dense table (modelfile.go), the denseCount
// hottest n-grams of order maxOrder, then the prefixCount hottest of
// order 3, each group most likely first.
func hotNgrams(raw *[maxOrder + 1]rawOrder, codes []string) (hot, dense []uint64) {
	m := &model{codes: codes, ids: map[string]uint8{}}
	for id, c := range codes {
		m.ids[c] = uint8(id)
	}
	prior := m.priors()
	var weight [maxLangs]float64
	for id := range codes {
		weight[id] = math.Exp(float64(prior[id]) / probScale)
	}
	// cost[order][hash][i]: -ln of the n-gram's share, in probScale
	// units, for the i-th language of raw[order].lists[hash].
	type scored struct {
		h     uint64
		heat  float64
		order int
	}
	var all []scored
	prev := map[uint64][]int32{}
	for h, l := range raw[1].lists {
		c := make([]int32, len(l))
		for i, p := range l {
			c[i] = int32(p & 0xff)
		}
		prev[h] = c
	}
	for order := 2; order <= maxOrder; order++ {
		cur := make(map[uint64][]int32, len(raw[order].lists))
		for h, l := range raw[order].lists {
			pl := raw[order-1].lists[raw[order].prefix[h]]
			pc := prev[raw[order].prefix[h]]
			c := make([]int32, len(l))
			heat := 0.0
			for i, p := range l {
				lang := uint8(p >> 8)
				c[i] = math.MaxInt32 / 2
				for j, q := range pl {
					if uint8(q>>8) == lang {
						c[i] = pc[j] + int32(p&0xff)
						heat += weight[lang] * math.Exp(-float64(c[i])/probScale)
						break
					}
				}
			}
			cur[h] = c
			all = append(all, scored{h, heat, order})
		}
		prev = cur
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].heat != all[j].heat {
			return all[i].heat > all[j].heat
		}
		return all[i].h < all[j].h
	})
	hot = make([]uint64, 0, hotCount)
	for _, s := range all[:min(hotCount, len(all))] {
		hot = append(hot, s.h)
	}

	var prefixes []uint64
	for _, s := range all {
		if s.order == maxOrder && len(dense) < denseCount {
			dense = append(dense, s.h)
		}
		if s.order == 3 && len(prefixes) < prefixCount {
			prefixes = append(prefixes, s.h)
		}
	}
	return hot, append(dense, prefixes...)
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
	prefix map[uint64]uint64 // the n-gram without its last letter (hotNgrams)
	runes  map[uint64]string // the n-gram itself (fillDense)
}

// builtOrder is one order's n-grams: their hashes, sorted, and
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
	ro := rawOrder{lists: make(map[uint64][]uint16), suffix: make(map[uint64]uint64),
		prefix: make(map[uint64]uint64), runes: make(map[uint64]string)}
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
			ro.runes[h] = string(runes[:n])
			if order > 1 {
				ro.suffix[h] = hashRunes(runes[1:n])
				ro.prefix[h] = hashRunes(runes[:n-1])
			}
		})
		if err != nil {
			return rawOrder{}, err
		}
	}
	return ro, nil
}

// buildOrder sorts one order's n-grams by hash and turns their lists
// into postings. A posting list holds the languages in reverse reading
// order, as the tables this layout replaced did.
func buildOrder(raw *[maxOrder + 1]rawOrder, order int) (builtOrder, error) {
	lists := raw[order].lists
	b := builtOrder{hashes: make([]uint64, 0, len(lists))}
	for h := range lists {
		b.hashes = append(b.hashes, h)
	}
	slices.Sort(b.hashes) // the same file from the same lingua-go files
	b.posts = make([][]posting, len(b.hashes))
	for i, h := range b.hashes {
		l := lists[h]
		ps := make([]posting, 0, len(l))
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
			// A posting's value has 9 bits (modelfile.go): a value
			// beyond them (a few dozen of lingua-go's millions, credits
			// up to 270) is split into two postings of the same
			// language, whose sum Detect adds all the same. Order 1's
			// values (0 to 255) always fit: creditLetter scales them.
			for v > maxPostingValue || v < minPostingValue {
				part := min(max(v, minPostingValue), maxPostingValue)
				if order == 1 {
					return builtOrder{}, fmt.Errorf("ngram: letter posting (%d, %d) does not fit", lang, v)
				}
				ps = append(ps, posting{lang, int16(part)})
				v -= part
			}
			ps = append(ps, posting{lang, int16(v)})
		}
		b.posts[i] = ps
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

// bucketsFor picks the bucket count for n n-grams: the table at most
// slotLoadNum/slotLoadDen full.
func bucketsFor(n int) int {
	return max(1, (n*slotLoadDen/slotLoadNum+slotsPerBucket-1)/slotsPerBucket)
}

func encodeModel(version string, codes []string, scripts *[numScripts]langSet, orders *[maxOrder + 1]builtOrder, hot []uint64) ([]byte, error) {
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
	// Where each n-gram's postings go: the hot n-grams' first, hottest
	// first, so that the lists most posts meet share as few cache lines
	// as possible; then every other n-gram's, order by order, in hash
	// order.
	type ref struct{ order, i int }
	where := map[uint64]ref{}
	for order := 2; order <= maxOrder; order++ {
		for i, h := range orders[order].hashes {
			where[h] = ref{order, i}
		}
	}
	var first [maxOrder + 1][]uint32
	for order := 1; order <= maxOrder; order++ {
		first[order] = make([]uint32, len(orders[order].hashes))
	}
	placed := map[uint64]bool{}
	var seq []ref
	for _, h := range hot {
		r, ok := where[h]
		if !ok || placed[h] {
			return nil, fmt.Errorf("ngram: hot n-gram %x not in the tables", h)
		}
		placed[h] = true
		seq = append(seq, r)
	}
	for order := 1; order <= maxOrder; order++ {
		for i, h := range orders[order].hashes {
			if order == 1 || !placed[h] {
				seq = append(seq, ref{order, i})
			}
		}
	}
	var postings uint32
	for _, r := range seq {
		c := len(orders[r.order].posts[r.i])
		if c == 0 || c > 255 {
			return nil, fmt.Errorf("ngram: order %d: %d postings for one n-gram", r.order, c)
		}
		if int(postings)+c > maxPostings {
			return nil, fmt.Errorf("ngram: more than %d postings", maxPostings)
		}
		first[r.order][r.i] = postings
		postings += uint32(c)
	}
	for order := 1; order <= maxOrder; order++ {
		o := &orders[order]
		nb := bucketsFor(len(o.hashes))
		put32(uint32(nb))
		put32(uint32(len(o.hashes)))
		// Slots: each n-gram in the first empty slot from its home
		// bucket's first, in hash order.
		slots := make([]byte, nb*slotsPerBucket*slotBytes)
		t := table{nb: uint64(nb)}
		for i, h := range o.hashes {
			j := homeSlot(h, t.nb)
			for slots[j+4] != 0 {
				if j += slotBytes; j == len(slots) {
					j = 0
				}
			}
			binary.LittleEndian.PutUint32(slots[j:], fingerprint(h))
			binary.LittleEndian.PutUint32(slots[j+4:], first[order][i]<<8|uint32(len(o.posts[i])))
		}
		// A lookup matches on the fingerprint alone: two n-grams with the
		// same one on the same probe run would merge. It does not happen
		// with lingua-go 1.4.0; fail loudly if a new version makes it.
		t.slots = string(slots)
		for i, h := range o.hashes {
			if f, c, ok := t.lookup(h); !ok || f != first[order][i] || c != len(o.posts[i]) {
				return nil, fmt.Errorf("ngram: order %d: n-gram hash %x is shadowed by another with its fingerprint", order, h)
			}
		}
		w.Write(slots)
	}
	// The hot table: the hot n-grams by their whole hash.
	k := uint(1)
	for 1<<k < 2*len(hot) {
		k++
	}
	w.WriteByte(byte(k))
	hotSlots := make([]byte, (1<<k)*hotSlotBytes)
	for _, h := range hot {
		r := where[h]
		j := int(bucketOf(h, k))
		for binary.LittleEndian.Uint64(hotSlots[j*hotSlotBytes:]) != 0 {
			j = (j + 1) & (1<<k - 1)
		}
		binary.LittleEndian.PutUint64(hotSlots[j*hotSlotBytes:], h)
		binary.LittleEndian.PutUint32(hotSlots[j*hotSlotBytes+8:], first[r.order][r.i]<<8|uint32(len(orders[r.order].posts[r.i])))
	}
	w.Write(hotSlots)
	put32(postings)
	for _, r := range seq {
		for _, p := range orders[r.order].posts[r.i] {
			if p.lang >= maxLangs || p.v < minPostingValue || p.v > maxPostingValue {
				return nil, fmt.Errorf("ngram: order %d: posting (%d, %d) does not fit 16 bits", r.order, p.lang, p.v)
			}
			w.Write(binary.LittleEndian.AppendUint16(nil, uint16(p.v)<<7|uint16(p.lang)))
		}
	}
	w.Write(make([]byte, postingsPad))
	w.Write(emptyDense)
	return w.Bytes(), nil
}

// emptyDense is a dense table with no vectors (2 empty slots): what
// encodeModel writes, for withDense to replace.
var emptyDense = append([]byte{1, 0, 0, 0, 0}, make([]byte, 2*hotSlotBytes)...)

// withDense returns file (encodeModel's, with an empty dense table) with
// the dense table of the n-grams of dense and their vectors, scored by
// Detect's own code on the other tables: for a 4-gram, what a position
// ending in it is credited (the n-gram's and its suffixes' postings and
// its last letter's unigram credit); for a 3-gram, what the first three
// letters of a word that starts with it are credited, as scan would score
// them one by one.
func withDense(file []byte, dense []uint64, raw *[maxOrder + 1]rawOrder) ([]byte, error) {
	m, err := openModel(string(file))
	if err != nil {
		return nil, err
	}
	d := &Detector{m: m}
	k := uint(1)
	for 1<<k < 2*len(dense) {
		k++
	}
	slots := make([]byte, (1<<k)*hotSlotBytes)
	mask := 1<<k - 1
	var vecs []byte
	for _, h := range dense {
		var rs []rune
		for _, o := range []int{maxOrder, 3} {
			if s, ok := raw[o].runes[h]; ok {
				rs = []rune(s)
				break
			}
		}
		var a analysis
		switch len(rs) {
		case maxOrder:
			d.scorePosition(&a, rs)
		case 3:
			for j := range rs {
				d.scorePosition(&a, rs[:j+1])
			}
		default:
			return nil, fmt.Errorf("ngram: dense n-gram %x: not a 3- or 4-gram", h)
		}
		d.finish(&a)
		var ref uint32
		if vecs, ref, err = m.appendVec(vecs, &a.scores, denseVecCap); err != nil {
			return nil, fmt.Errorf("dense n-gram %q: %w", string(rs), err)
		}
		j := int(bucketOf(h, k))
		for binary.LittleEndian.Uint64(slots[j*hotSlotBytes:]) != 0 {
			j = (j + 1) & mask
		}
		binary.LittleEndian.PutUint64(slots[j*hotSlotBytes:], h)
		binary.LittleEndian.PutUint32(slots[j*hotSlotBytes+8:], ref)
	}
	out := append(file[:len(file)-len(emptyDense):len(file)-len(emptyDense)], byte(k))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(vecs)/8))
	out = append(out, slots...)
	return append(out, vecs...), nil
}

// bucketOf is the top k bits of a Fibonacci-hashed value, which spreads
// FNV's weak low bits: the home slot of the hot table and the word table.
func bucketOf(h uint64, k uint) uint64 { return (h * 0x9E3779B97F4A7C15) >> (64 - k) }
