// Package textindex keeps the newest posts' texts and answers keyword
// search over them (docs/explore.md, "Kept text"). Both stores use it: the
// embedded store keeps one live, fed as it records; the Redis store builds
// one per query from the kept records it reads.
//
// # What is held per post
//
// Posts are held in the order they are added (the store's arrival order),
// in chunks of 1024 fixed 56-byte records (sequence, time, point, where the
// strings are, language, provenance) and a byte arena per chunk holding the
// id, handle, text (cut to store.SnippetBytes at a rune boundary), the URL
// when one was given (an X post's link is derived, post.Link) and the
// hashtags. Neither records nor arenas hold pointers, so the garbage
// collector never scans them, and a chunk is freed whole once its posts
// are dropped.
//
// Search is answered from an inverted index: each word (internal/words) of
// a post's snippet and hashtags maps to a sorted list of the post's
// ordinals, 4 bytes per distinct word per post (links, fields starting
// http:// or https://, are not indexed: each would add a word no other
// post has). A query intersects the
// lists of its words, so it costs the length of its rarest word's list, not
// a scan of the texts. Posting lists are not edited when posts drop: every
// Add trims a few lists' dropped prefixes and forgets words whose every
// post is gone, cycling through all words about twice per limit added.
//
// # Bounds
//
// An index holds at most limit posts and, with maxAge > 0, only posts whose
// time is not before the newest time added minus maxAge. Both drop from the
// oldest-added end, like the store's retention: a post added late with an
// old time goes when it reaches the front. DropBefore follows the store's
// own drops.
//
// # Concurrency
//
// An Index is not locked. Add and DropBefore need exclusive access; every
// other method only reads, so readers may share it (the stores hold their
// read-write lock around it).
package textindex

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/words"
)

// Post is what the index keeps of a post.
type Post struct {
	Seq  uint64 // the store's arrival number; increasing across Adds
	Time int64  // unix nanoseconds
	Lang string
	ID   string
	// Handle is the author's handle, Text the post's text (the index cuts
	// it), URL the link to the original when the source gave one (empty
	// for X posts: post.Link derives it from ID and Handle).
	Handle, Text, URL string
	Tags              []string // lower-cased hashtags (pytext.Lower)
	HasPoint          bool
	Lat, Lon          float64
	// Source is the point's provenance; GeoNone with HasPoint counts as
	// GeoExact (store.PointSource's rule).
	Source post.GeoSource
	Conf   uint8 // store.QuantizeConfidence's byte
	// Words, when WordsCut, are the post's words as Cut returned them for
	// this Text and Tags: cut before Add, outside the caller's lock.
	// Otherwise Add cuts them itself.
	Words    []Word
	WordsCut bool
}

// Word is one distinct word of a post and its hash under the index's
// seed (Cut), so that Add's lookup hashes nothing.
type Word struct {
	Text string
	Hash uint64
}

// Bounds on the strings kept, so a record's offsets fit 16 bits. Real ids,
// handles and links are far shorter; longer ones are cut.
const (
	maxIDBytes     = 512
	maxHandleBytes = 512
	maxURLBytes    = 4096
	maxBlobBytes   = math.MaxUint16
	// MaxLimit bounds limit so that 32-bit ordinals stay unambiguous while
	// dropped postings wait to be trimmed.
	MaxLimit = 1 << 30
)

const chunkSize = 1024

// rec is one kept post. Its strings are at chunk.data[off:off+ends[4]]:
// id, handle, text, url, then the tags (each a uvarint length and bytes).
type rec struct {
	seq      uint64
	time     int64
	lat, lon float64
	off      uint32
	ends     [5]uint16 // ends of id, handle, text, url, tags relative to off
	lang     uint16
	source   post.GeoSource // GeoNone: no point
	conf     uint8
}

type chunk struct {
	recs [chunkSize]rec
	n    int
	data []byte
	// minT and maxT bound the times of the chunk's records (dropped ones
	// included: bounds only need to be loose); prefMax bounds every record
	// of this and every earlier chunk, so a newest-first scan knows when
	// nothing older can rank.
	minT, maxT, prefMax int64
}

// Index is a bounded store of post texts with an inverted word index.
// Create it with New.
type Index struct {
	limit  int
	maxAge int64

	chunks []*chunk
	skip   int    // records dropped from chunks[0]
	n      int    // records held
	front  uint32 // ordinal of the oldest held record (wrapping)

	newest    int64
	hasNewest bool

	langs   []string
	langIDs map[string]uint16

	seed maphash.Seed
	// byHash maps a word's hash to its index in lists; the rare word whose
	// hash another held word already has goes to collide instead.
	byHash   map[uint64]int32
	collide  map[string]int32
	keys     []string   // index in lists -> word ("" when free)
	hashes   []uint64   // index in lists -> the word's hash
	lists    [][]uint32 // sorted ordinals of the posts holding the word
	free     []int32    // unused list indexes
	postings int64      // entries in lists, dropped ones included
	sweep    int        // next list index the incremental trim visits

	wordBuf   []Word
	blobBytes int64 // bytes and posts added, for sizing arenas
	blobPosts int64
	// The sizes MemoryBytes sums that a walk would take: the chunks and
	// their arenas, the words' bytes, the lists' capacity. Kept as they
	// change (sized), because the store's status, which every answer
	// cache miss asks for, walked half a million words under its lock.
	chunkBytes, keyBytes, listBytes int64
}

// New returns an index that keeps at most limit posts (clamped to
// MaxLimit) and, when maxAge > 0, only posts not older than the newest time
// added minus maxAge. A limit of 0 keeps nothing.
func New(limit int, maxAge time.Duration) *Index {
	return &Index{
		limit:   min(max(limit, 0), MaxLimit),
		maxAge:  max(int64(maxAge), 0),
		langIDs: make(map[string]uint16),
		seed:    maphash.MakeSeed(),
		byHash:  make(map[uint64]int32),
		collide: make(map[string]int32),
	}
}

// Len is the number of posts held.
func (x *Index) Len() int { return x.n }

// at returns the record at position i (0 = oldest held).
func (x *Index) at(i int) *rec {
	p := x.skip + i
	return &x.chunks[p/chunkSize].recs[p%chunkSize]
}

func (x *Index) chunkOf(i int) *chunk { return x.chunks[(x.skip+i)/chunkSize] }

// Snippet is text as the index keeps it: cut to store.SnippetBytes at a
// rune boundary. A store that logs kept text logs the snippet.
func Snippet(text string) string { return cut(text, store.SnippetBytes) }

// cut shortens s to at most n bytes at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Add keeps p, then drops the oldest posts beyond the bounds. Posts must
// come in increasing Seq; a post whose language would be the 65 537th is
// not kept.
func (x *Index) Add(p Post) {
	if x.limit == 0 {
		return
	}
	li, ok := x.langIDs[p.Lang]
	if !ok {
		if len(x.langs) > math.MaxUint16 {
			return
		}
		li = uint16(len(x.langs))
		key := strings.Clone(p.Lang)
		x.langs = append(x.langs, key)
		x.langIDs[key] = li
	}
	id := cut(p.ID, maxIDBytes)
	handle := cut(p.Handle, maxHandleBytes)
	text := cut(p.Text, store.SnippetBytes)
	url := cut(p.URL, maxURLBytes)
	if url == post.Link(id, handle, "") {
		url = "" // derived again on the way out
	}

	c := x.tail()
	r := &c.recs[c.n]
	*r = rec{seq: p.Seq, time: p.Time, off: uint32(len(c.data)), lang: li}
	if p.HasPoint {
		r.lat, r.lon, r.source, r.conf = p.Lat, p.Lon, p.Source, p.Conf
		if r.source == post.GeoNone {
			r.source = post.GeoExact
		}
	}
	start, capBefore := len(c.data), cap(c.data)
	for i, s := range [4]string{id, handle, text, url} {
		c.data = append(c.data, s...)
		r.ends[i] = uint16(len(c.data) - start)
	}
	tags := p.Tags
	for i, t := range tags {
		if len(c.data)-start+binary.MaxVarintLen64+len(t) > maxBlobBytes {
			tags = tags[:i]
			break // pathological: tens of kilobytes of hashtags
		}
		c.data = binary.AppendUvarint(c.data, uint64(len(t)))
		c.data = append(c.data, t...)
	}
	ws := p.Words
	if !p.WordsCut || len(tags) < len(p.Tags) {
		ws = x.Cut(x.wordBuf[:0], text, tags)
	}
	r.ends[4] = uint16(len(c.data) - start)
	if c.n == 0 || p.Time < c.minT {
		c.minT = p.Time
	}
	if c.n == 0 || p.Time > c.maxT {
		c.maxT = p.Time
	}
	c.prefMax = max(c.prefMax, c.maxT)
	c.n++
	x.blobBytes += int64(len(c.data) - start)
	x.blobPosts++
	if c.n == chunkSize && cap(c.data)-len(c.data) > len(c.data)/16 {
		// Full: give back the arena's growth slack. Views of the old array
		// stay valid; it is freed when the last goes.
		c.data = slices.Clone(c.data)
	}
	x.chunkBytes += int64(cap(c.data) - capBefore)

	ord := x.front + uint32(x.n)
	x.n++
	for _, w := range ws {
		x.post(w, ord)
	}
	if !p.WordsCut {
		clear(ws)
		x.wordBuf = ws[:0]
	}

	if !x.hasNewest || p.Time > x.newest {
		x.newest, x.hasNewest = p.Time, true
	}
	x.enforce()
	x.trimSome()
}

// Cut appends to dst the distinct words of a post's text (cut as Add
// keeps it, links left out) and hashtags, hashed for Add. It reads nothing
// Add or a drop changes, so a caller may cut a batch's words outside the
// lock under which it adds them.
func (x *Index) Cut(dst []Word, text string, tags []string) []Word {
	var buf [32]string
	ws := appendWords(buf[:0], cut(text, store.SnippetBytes))
	for _, t := range tags {
		ws = words.Append(ws, t)
	}
	from := len(dst)
	for _, w := range ws {
		dst = append(dst, Word{Text: w, Hash: maphash.String(x.seed, w)})
	}
	// Distinct words: sorted by hash (cheaper to compare than text),
	// equal words are adjacent.
	mine := dst[from:]
	slices.SortFunc(mine, func(a, b Word) int {
		if c := cmp.Compare(a.Hash, b.Hash); c != 0 {
			return c
		}
		return strings.Compare(a.Text, b.Text)
	})
	return append(dst[:from], slices.Compact(mine)...)
}

// appendWords appends the words of text (words.Append) without the
// links in it: "https://t.co/Ab12" would add a word found in no other post
// to the index for every post, and nobody searches for them.
func appendWords(dst []string, text string) []string {
	// Words never span white space, so the text is cut into fields and a
	// field that is a link is left out.
	for len(text) > 0 {
		start := strings.IndexFunc(text, notSpace)
		if start < 0 {
			break
		}
		text = text[start:]
		end := strings.IndexFunc(text, unicode.IsSpace)
		if end < 0 {
			end = len(text)
		}
		field := text[:end]
		text = text[end:]
		if !strings.HasPrefix(field, "https://") && !strings.HasPrefix(field, "http://") {
			dst = words.Append(dst, field)
		}
	}
	return dst
}

func notSpace(r rune) bool { return !unicode.IsSpace(r) }

// tail returns the chunk the next record goes to.
func (x *Index) tail() *chunk {
	if k := len(x.chunks); k > 0 && x.chunks[k-1].n < chunkSize {
		return x.chunks[k-1]
	}
	c := &chunk{data: make([]byte, 0, x.arenaSize())}
	x.chunkBytes += chunkBytes(c)
	if k := len(x.chunks); k > 0 {
		c.prefMax = x.chunks[k-1].prefMax
	} else {
		c.prefMax = math.MinInt64
	}
	x.chunks = append(x.chunks, c)
	return c
}

// arenaSize is the capacity of a new chunk's arena: sized for the posts
// seen so far, a little over, so that it rarely grows.
func (x *Index) arenaSize() int {
	if x.blobPosts == 0 {
		return 64 << 10
	}
	return int(x.blobBytes/x.blobPosts)*chunkSize*17/16 + 1024
}

func (x *Index) post(w Word, ord uint32) {
	li, ok := x.lookup(w)
	if !ok {
		text := strings.Clone(w.Text) // a view of the folded text
		if k := len(x.free); k > 0 {
			li = x.free[k-1]
			x.free = x.free[:k-1]
			x.keys[li], x.hashes[li] = text, w.Hash
		} else {
			li = int32(len(x.lists))
			x.lists = append(x.lists, nil)
			x.keys = append(x.keys, text)
			x.hashes = append(x.hashes, w.Hash)
		}
		x.keyBytes += int64(len(text))
		if _, taken := x.byHash[w.Hash]; taken {
			x.collide[text] = li
		} else {
			x.byHash[w.Hash] = li
		}
	}
	before := cap(x.lists[li])
	x.lists[li] = append(x.lists[li], ord)
	x.listBytes += int64(cap(x.lists[li])-before) * 4
	x.postings++
}

// lookup returns the list index of word w.
func (x *Index) lookup(w Word) (int32, bool) {
	if li, ok := x.byHash[w.Hash]; ok && x.keys[li] == w.Text {
		return li, true
	}
	if len(x.collide) == 0 {
		return 0, false
	}
	li, ok := x.collide[w.Text]
	return li, ok
}

// forget frees list li.
func (x *Index) forget(li int32) {
	if h := x.hashes[li]; x.byHash[h] == li {
		delete(x.byHash, h)
	} else {
		delete(x.collide, x.keys[li])
	}
	x.keyBytes -= int64(len(x.keys[li]))
	x.listBytes -= int64(cap(x.lists[li])) * 4
	x.keys[li] = ""
	x.lists[li] = nil
	x.free = append(x.free, li)
}

func (x *Index) enforce() {
	for x.n > x.limit {
		x.dropFront()
	}
	if x.maxAge > 0 && x.hasNewest {
		cutoff := x.newest - x.maxAge
		if cutoff < x.newest { // no underflow
			for x.n > 0 && x.at(0).time < cutoff {
				x.dropFront()
			}
		}
	}
}

// DropBefore drops the held posts whose Seq is below seq: the store calls
// it with its oldest held arrival number after it drops posts.
func (x *Index) DropBefore(seq uint64) {
	for x.n > 0 && x.at(0).seq < seq {
		x.dropFront()
	}
}

func (x *Index) dropFront() {
	x.skip++
	x.n--
	x.front++
	if x.skip == chunkSize {
		x.chunkBytes -= chunkBytes(x.chunks[0])
		x.chunks[0] = nil
		x.chunks = x.chunks[1:]
		x.skip = 0
	}
	if x.n == 0 {
		// Nothing held: start afresh so an emptied index costs nothing.
		x.chunks, x.skip, x.chunkBytes = nil, 0, 0
	}
}

// live returns the first index in list of a held ordinal.
func (x *Index) live(list []uint32) int {
	front := x.front
	i, _ := slices.BinarySearchFunc(list, 0, func(v uint32, _ int) int {
		if int32(v-front) < 0 {
			return -1
		}
		return 1
	})
	return i
}

// trimSome visits a few posting lists: it forgets a list whose posts are
// all dropped and copies the held part of a list that is more than half
// dropped. The visit rate keeps one pass over every list within about half
// a limit of Adds, so dropped postings stay a fraction of the held ones.
func (x *Index) trimSome() {
	visits := 2 + 2*len(x.lists)/max(x.n, 1)
	for range visits {
		if len(x.lists) == 0 {
			return
		}
		if x.sweep >= len(x.lists) {
			x.sweep = 0
		}
		li := x.sweep
		x.sweep++
		list := x.lists[li]
		if list == nil {
			continue
		}
		i := x.live(list)
		switch {
		case i == len(list):
			x.forget(int32(li))
			x.postings -= int64(len(list))
		case i > 0 && 2*i >= len(list):
			x.lists[li] = slices.Clone(list[i:])
			x.listBytes += int64(cap(x.lists[li])-cap(list)) * 4
			x.postings -= int64(i)
		}
	}
}

// OldestTime returns the oldest time among the posts held; false when
// none is held.
func (x *Index) OldestTime() (int64, bool) {
	if x.n == 0 {
		return 0, false
	}
	oldest := int64(math.MaxInt64)
	// The first chunk's bounds include dropped records: read it.
	c0 := x.chunks[0]
	for i := x.skip; i < c0.n; i++ {
		oldest = min(oldest, c0.recs[i].time)
	}
	for _, c := range x.chunks[1:] {
		oldest = min(oldest, c.minT)
	}
	return oldest, true
}

// MemoryBytes estimates the bytes the index holds: chunks and their
// arenas, posting lists, the word map. It reads sizes kept as they change
// (sized recounts them: the tests hold the two equal).
func (x *Index) MemoryBytes() int64 {
	n := int64(cap(x.chunks))*8 + x.chunkBytes + x.keyBytes + x.listBytes
	// A map entry costs its key and value and the group's share (control
	// word, load factor): ~24 bytes by hash, ~48 by string.
	n += int64(len(x.byHash))*24 + int64(len(x.collide))*48
	n += int64(cap(x.keys))*16 + int64(cap(x.hashes))*8 + int64(cap(x.lists))*24 + int64(cap(x.free))*4
	return n + int64(cap(x.langs))*16
}

// sized sets the sizes MemoryBytes reads by walking the index: after a
// snapshot is read, and in tests against the kept ones.
func (x *Index) sized() {
	x.chunkBytes, x.keyBytes, x.listBytes = 0, 0, 0
	for _, c := range x.chunks {
		x.chunkBytes += chunkBytes(c)
	}
	for _, k := range x.keys {
		x.keyBytes += int64(len(k))
	}
	for _, l := range x.lists {
		x.listBytes += int64(cap(l)) * 4
	}
}

func chunkBytes(c *chunk) int64 { return int64(unsafe.Sizeof(*c)) + int64(cap(c.data)) }

// Filter selects posts. The zero Filter selects every post held.
type Filter struct {
	Lang string // "" means every language
	Tag  string // a lower-cased hashtag (pytext.Lower); "" means any post
	// Words must all be words of the post's snippet or hashtags
	// (store.ParseSearch gives them); links in the text (fields starting
	// http:// or https://) are not searched.
	Words []string
	// Geo, when not zero, keeps only posts with a point of a provenance in
	// it.
	Geo post.GeoSet
	// BBox, when not zero, keeps only posts with a point inside it (of a
	// provenance in Geo when Geo is set).
	BBox store.BBox
	// Lo and Hi select times in [Lo, Hi) (unix nanoseconds); both zero
	// means every time (store.Range.Nanos gives open ends).
	Lo, Hi int64
}

// compiled is a Filter resolved against an index.
type compiled struct {
	none      bool // matches nothing
	anyLang   bool
	lang      uint16
	tag       string
	words     []string
	geo       post.GeoSet
	needPoint bool
	box       analysis.Box
	hasBox    bool
	lo, hi    int64
	allTimes  bool
}

func (x *Index) compile(f Filter) (compiled, error) {
	c := compiled{anyLang: f.Lang == "", tag: f.Tag, geo: f.Geo, lo: f.Lo, hi: f.Hi}
	if f.Lo == 0 && f.Hi == 0 {
		c.lo, c.hi, c.allTimes = math.MinInt64, math.MaxInt64, true
	}
	if c.lo >= c.hi {
		c.none = true
	}
	if !c.anyLang {
		id, ok := x.langIDs[f.Lang]
		c.lang = id
		c.none = c.none || !ok
	}
	if !f.BBox.IsZero() {
		b, err := analysis.NewBox(f.BBox)
		if err != nil {
			return c, err
		}
		c.box, c.hasBox = b, !b.IsWorld()
		c.needPoint = true
	}
	if f.Geo != 0 {
		c.needPoint = true
	}
	c.words = append(c.words, f.Words...)
	if f.Tag != "" {
		// Hashtags' words are indexed: a tag's words narrow the candidates
		// to posts that may carry it, checked exactly below.
		c.words = words.Append(c.words, f.Tag)
	}
	slices.Sort(c.words)
	c.words = slices.Compact(c.words)
	return c, nil
}

// match reports whether r passes c's checks other than the words.
func (c *compiled) match(x *Index, ch *chunk, r *rec) bool {
	if r.time < c.lo || r.time >= c.hi && c.hi != math.MaxInt64 {
		return false // an open end (MaxInt64) holds even saturated times
	}
	if !c.anyLang && r.lang != c.lang {
		return false
	}
	if c.needPoint {
		if r.source == post.GeoNone {
			return false
		}
		if c.geo != 0 && !c.geo.Has(r.source) {
			return false
		}
		if c.hasBox && !c.box.Contains(post.Point{Lat: r.lat, Lon: r.lon}) {
			return false
		}
	}
	if c.tag != "" {
		found := false
		_, _, _, _, tags := x.strs(ch, r)
		eachEncodedTag(tags, func(t string) bool {
			found = t == c.tag
			return !found
		})
		if !found {
			return false
		}
	}
	return true
}

// strs returns r's id, handle, text, url and encoded tags as views of the
// chunk's arena (never overwritten, so the views stay valid).
func (x *Index) strs(c *chunk, r *rec) (id, handle, text, url, tags string) {
	b := c.data[r.off : r.off+uint32(r.ends[4])]
	s := unsafe.String(unsafe.SliceData(b), len(b))
	return s[:r.ends[0]], s[r.ends[0]:r.ends[1]], s[r.ends[1]:r.ends[2]], s[r.ends[2]:r.ends[3]], s[r.ends[3]:]
}

// eachEncodedTag decodes the tags Add wrote: each a uvarint length and
// its bytes.
func eachEncodedTag(tags string, fn func(string) bool) {
	for len(tags) > 0 {
		var n uint64
		k := 0
		for shift := uint(0); k < len(tags); shift += 7 {
			b := tags[k]
			k++
			n |= uint64(b&0x7f) << shift
			if b < 0x80 {
				break
			}
		}
		if uint64(len(tags)-k) < n {
			return // cannot happen: the index wrote it
		}
		if !fn(tags[k : k+int(n)]) {
			return
		}
		tags = tags[k+int(n):]
	}
}

// candidates returns the positions (0 = oldest held) of the posts holding
// every word of c, ascending; all is true when c has no words (every
// position is a candidate).
func (x *Index) candidates(c *compiled) (pos []int32, all bool) {
	if len(c.words) == 0 {
		return nil, true
	}
	lists := make([][]uint32, 0, len(c.words))
	for _, w := range c.words {
		li, ok := x.lookup(Word{Text: w, Hash: maphash.String(x.seed, w)})
		if !ok {
			return nil, false
		}
		l := x.lists[li]
		l = l[x.live(l):]
		if len(l) == 0 {
			return nil, false
		}
		lists = append(lists, l)
	}
	slices.SortFunc(lists, func(a, b []uint32) int { return cmp.Compare(len(a), len(b)) })
	front := x.front
	pos = make([]int32, 0, len(lists[0]))
	for _, v := range lists[0] {
		pos = append(pos, int32(v-front))
	}
	for _, l := range lists[1:] {
		pos = intersect(pos, l, front)
		if len(pos) == 0 {
			break
		}
	}
	return pos, false
}

// intersect keeps the positions of pos that are in l (ordinals relative to
// front), in place. Both are ascending; when l is much longer the next
// match is found by binary search.
func intersect(pos []int32, l []uint32, front uint32) []int32 {
	out := pos[:0]
	j := 0
	gallop := len(l) > 8*len(pos)
	for _, p := range pos {
		if gallop {
			k, _ := slices.BinarySearchFunc(l[j:], p, func(v uint32, p int32) int {
				return cmp.Compare(int32(v-front), p)
			})
			j += k
		} else {
			for j < len(l) && int32(l[j]-front) < p {
				j++
			}
		}
		if j == len(l) {
			break
		}
		if int32(l[j]-front) == p {
			out = append(out, p)
		}
	}
	return out
}

// Entry is a held post as Each shows it. Its strings are views of the
// index's arenas: valid after the call, but holding one keeps its chunk's
// arena alive, so clone what is kept long.
type Entry struct {
	Seq      uint64
	Time     int64
	Lang     string
	HasPoint bool
	Lat, Lon float64
	Source   post.GeoSource // GeoNone without a point
	Conf     uint8
	tags     string
}

// EachTag calls fn with each of the post's hashtags in order until fn
// returns false.
func (e *Entry) EachTag(fn func(tag string) bool) { eachEncodedTag(e.tags, fn) }

// Each calls fn for every post f selects, oldest added first, until fn
// returns false. Errors (a malformed box) wrap store.ErrBadQuery.
func (x *Index) Each(f Filter, fn func(e *Entry) bool) error {
	c, err := x.compile(f)
	if err != nil || c.none || x.n == 0 {
		return err
	}
	var e Entry
	visit := func(i int) bool {
		ch := x.chunkOf(i)
		r := x.at(i)
		if !c.match(x, ch, r) {
			return true
		}
		_, _, _, _, tags := x.strs(ch, r)
		e = Entry{Seq: r.seq, Time: r.time, Lang: x.langs[r.lang], HasPoint: r.source != post.GeoNone,
			Lat: r.lat, Lon: r.lon, Source: r.source, Conf: r.conf, tags: tags}
		return fn(&e)
	}
	pos, all := x.candidates(&c)
	if !all {
		for _, p := range pos {
			if !visit(int(p)) {
				return nil
			}
		}
		return nil
	}
	for i := 0; i < x.n; {
		ch := x.chunkOf(i)
		// Records of this chunk from position i on.
		inChunk := min(ch.n-(x.skip+i)%chunkSize, x.n-i)
		if !c.allTimes && (ch.maxT < c.lo || ch.minT >= c.hi) {
			i += inChunk
			continue
		}
		for k := 0; k < inChunk; k++ {
			if !visit(i + k) {
				return nil
			}
		}
		i += inChunk
	}
	return nil
}

// Newest returns the n newest posts f selects, newest first: by time, ties
// by the later added first. Errors (a malformed box) wrap
// store.ErrBadQuery.
func (x *Index) Newest(f Filter, n int) ([]store.KeptPost, error) {
	c, err := x.compile(f)
	if err != nil || c.none || x.n == 0 || n <= 0 {
		return nil, err
	}
	// best is a min-heap of positions by (time, position): its root is the
	// weakest of the n best so far.
	best := make([]int, 0, min(n, x.n))
	less := func(a, b int) bool {
		ta, tb := x.at(a).time, x.at(b).time
		return ta < tb || ta == tb && a < b
	}
	offer := func(i int) {
		if len(best) < n {
			best = append(best, i)
			for k := len(best) - 1; k > 0; {
				p := (k - 1) / 2
				if !less(best[k], best[p]) {
					break
				}
				best[k], best[p] = best[p], best[k]
				k = p
			}
			return
		}
		if !less(best[0], i) {
			return
		}
		best[0] = i
		for k := 0; ; {
			l, m := 2*k+1, k
			if l < len(best) && less(best[l], best[m]) {
				m = l
			}
			if l+1 < len(best) && less(best[l+1], best[m]) {
				m = l + 1
			}
			if m == k {
				break
			}
			best[k], best[m] = best[m], best[k]
			k = m
		}
	}
	// done reports that nothing at or before position i can rank: every
	// earlier time is at most its chunk's prefMax, and a tie loses to the
	// later-added posts already held.
	done := func(i int) bool {
		return len(best) == n && x.chunkOf(i).prefMax <= x.at(best[0]).time
	}
	pos, all := x.candidates(&c)
	if !all {
		for k := len(pos) - 1; k >= 0; k-- {
			i := int(pos[k])
			if done(i) {
				break
			}
			if c.match(x, x.chunkOf(i), x.at(i)) {
				offer(i)
			}
		}
	} else {
		for i := x.n - 1; i >= 0; {
			if done(i) {
				break
			}
			ch := x.chunkOf(i)
			first := max(i-(x.skip+i)%chunkSize, 0) // first held position of this chunk
			if !c.allTimes && (ch.maxT < c.lo || ch.minT >= c.hi) {
				i = first - 1
				continue
			}
			for ; i >= first; i-- {
				if c.match(x, ch, x.at(i)) {
					offer(i)
				}
			}
		}
	}
	slices.SortFunc(best, func(a, b int) int {
		if less(a, b) {
			return 1
		}
		return -1
	})
	out := make([]store.KeptPost, len(best))
	for k, i := range best {
		out[k] = x.kept(i)
	}
	return out, nil
}

// kept copies the post at position i out of the index.
func (x *Index) kept(i int) store.KeptPost {
	ch, r := x.chunkOf(i), x.at(i)
	id, handle, text, url, tags := x.strs(ch, r)
	kp := store.KeptPost{
		ID:     strings.Clone(id),
		Lang:   x.langs[r.lang],
		Time:   time.Unix(0, r.time).UTC(),
		Handle: strings.Clone(handle),
		Text:   strings.Clone(text),
	}
	kp.URL = post.Link(kp.ID, kp.Handle, strings.Clone(url))
	eachEncodedTag(tags, func(t string) bool {
		kp.Tags = append(kp.Tags, strings.Clone(t))
		return true
	})
	if r.source != post.GeoNone {
		kp.Point = &store.Point{
			Point:      post.Point{Lat: r.lat, Lon: r.lon},
			Source:     r.source,
			Confidence: store.ConfidenceOf(r.conf),
		}
	}
	return kp
}
