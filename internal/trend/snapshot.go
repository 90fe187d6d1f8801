package trend

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/geoheat/geoheat/internal/intern"
	"github.com/geoheat/geoheat/internal/snapshot"
	"github.com/geoheat/geoheat/internal/spill"
)

// A snapshot of the index holds, in order:
//
//	the layout of the types written as bytes, and the bucket width
//	the tags (intern.Table.WriteSnapshot)
//	sorted, newest, hasNewest, sinceCompact
//	per language index, all languages' first, then sorted's: the number
//	  of buckets, their slice's capacity, coldN; then the buckets in
//	  chunks: the chunk's bucketHeads, then its buckets' pending, runs,
//	  authors, geo and places, each kind concatenated (a cold bucket's
//	  runs to places are in its block, named by its head)
//	dirty and warm, as bucketRefs
//
// held is not written: it is the sum of the buckets' bytes, which come
// out the same because the capacities are written too.

// bucketHead is a bucket's fields other than its arrays.
type bucketHead struct {
	idx       int64
	coldFile  int64 // flagCold: the block's place in the area
	coldOff   int64
	coldLen   int64 // its length (compressed)
	coldSplit int64 // where its second part starts
	lens      [numParts]uint32
	caps      [numParts]uint32
	geoSort   uint32
	flags     uint32
}

// The arrays of a bucket, in the order a chunk holds them.
const (
	partPending = iota
	partRuns
	partAuthors
	partGeo
	partPlaces
	numParts
)

const (
	flagDirty = 1 << iota
	flagCold
)

// bucketRef names a bucket of dirty or warm by its language index (0 for
// all languages, i+1 for sorted[i]) and its position there, so that the
// reader points the lists at the same buckets as the language indexes.
type bucketRef struct{ list, pos uint32 }

var snapshotLayout = snapshot.Layout(bucketHead{}, bucketRef{}, pair(0), run{}, geoEv{}, placeRange{}) +
	fmt.Sprintf("/%d", bucketNanos)

// A chunk ends at whichever bound it reaches first: the reader holds one
// chunk's arrays twice (as read, and copied out per bucket), not the
// index's. Variables so that tests can make chunks small.
var (
	chunkBuckets = 4096
	chunkBytes   = 8 << 20
)

// WriteSnapshot writes the index's state for ReadSnapshot. It only reads
// the index.
func (ix *Index) WriteSnapshot(w *snapshot.Writer) {
	w.String(snapshotLayout)
	ix.tags.WriteSnapshot(w)
	w.Strings(ix.sorted)
	w.Int64(ix.newest)
	w.Bool(ix.hasNewest)
	w.Int(ix.sinceCompact)
	lists := make([]*langIndex, 0, 1+len(ix.sorted))
	lists = append(lists, ix.all)
	for _, key := range ix.sorted {
		l := ix.langs[key]
		if l == nil {
			w.Fail(fmt.Errorf("trend: language %q sorted but not indexed", key))
			return
		}
		lists = append(lists, l)
	}
	var c chunkWriter
	for _, l := range lists {
		c.writeList(w, ix.area, l)
	}
	snapshot.Put(w, refsOf(w, lists, ix.dirty))
	snapshot.Put(w, refsOf(w, lists, ix.warm))
}

// chunkWriter gathers a chunk of buckets' heads and arrays.
type chunkWriter struct {
	heads   []bucketHead
	pending []pair
	runs    []run
	authors []uint32
	geo     []geoEv
	places  []placeRange
	bytes   int
}

func (c *chunkWriter) writeList(w *snapshot.Writer, area *spill.Area, l *langIndex) {
	w.Int(len(l.buckets))
	w.Int(cap(l.buckets))
	w.Int(l.coldN)
	for _, bk := range l.buckets {
		h, ok := headOf(w, area, bk)
		if !ok {
			return
		}
		size := len(bk.pending) * int(unsafe.Sizeof(pair(0)))
		if bk.cold == nil { // (a cold one's arrays are a reference)
			_, runsSize, _, geoSize := coldLayout(len(bk.runs), len(bk.authors), len(bk.geo), len(bk.places))
			size += runsSize + geoSize
		}
		if len(c.heads) > 0 && (len(c.heads) >= chunkBuckets || c.bytes+size > chunkBytes) {
			c.flush(w)
		}
		c.heads = append(c.heads, h)
		c.pending = append(c.pending, bk.pending...)
		if bk.cold == nil {
			c.runs = append(c.runs, bk.runs...)
			c.authors = append(c.authors, bk.authors...)
			c.geo = append(c.geo, bk.geo...)
			c.places = append(c.places, bk.places...)
		}
		c.bytes += size
	}
	c.flush(w)
}

func (c *chunkWriter) flush(w *snapshot.Writer) {
	if len(c.heads) == 0 {
		return
	}
	snapshot.Put(w, c.heads)
	snapshot.Put(w, c.pending)
	snapshot.Put(w, c.runs)
	snapshot.Put(w, c.authors)
	snapshot.Put(w, c.geo)
	snapshot.Put(w, c.places)
	c.heads, c.pending, c.runs, c.authors = c.heads[:0], c.pending[:0], c.runs[:0], c.authors[:0]
	c.geo, c.places, c.bytes = c.geo[:0], c.places[:0], 0
}

func headOf(w *snapshot.Writer, area *spill.Area, bk *bucket) (bucketHead, bool) {
	h := bucketHead{idx: bk.idx}
	sizes := [numParts][2]int{
		{len(bk.pending), cap(bk.pending)},
		{len(bk.runs), cap(bk.runs)},
		{len(bk.authors), cap(bk.authors)},
		{len(bk.geo), cap(bk.geo)},
		{len(bk.places), cap(bk.places)},
	}
	if bk.cold != nil {
		nRuns, nAuthors, nGeo, nPlaces := bk.lens()
		for k, n := range [...]int{nRuns, nAuthors, nGeo, nPlaces} {
			sizes[partRuns+k] = [2]int{n, n}
		}
	}
	for k, s := range sizes {
		if s[1] > math.MaxUint32 {
			w.Fail(fmt.Errorf("trend: bucket %d holds an array of %d elements", bk.idx, s[1]))
			return h, false
		}
		h.lens[k], h.caps[k] = uint32(s[0]), uint32(s[1])
	}
	h.geoSort = uint32(bk.geoSort)
	if bk.dirty {
		h.flags |= flagDirty
	}
	if bk.cold != nil {
		ref := area.Ref(bk.cold)
		h.flags |= flagCold
		h.coldFile, h.coldOff, h.coldLen, h.coldSplit = ref.File, ref.Off, ref.Len, int64(bk.coldSplit)
	}
	return h, true
}

// refsOf names the buckets of a dirty or warm list. Dropped buckets are
// left out: DropBefore takes them out of dirty, and MoveCold passes over
// them in warm and takes them out, so the lists behave the same without.
func refsOf(w *snapshot.Writer, lists []*langIndex, bks []*bucket) []bucketRef {
	refs := make([]bucketRef, 0, len(bks))
	for _, bk := range bks {
		if bk.dropped {
			continue
		}
		ref, ok := locate(lists, bk)
		if !ok {
			w.Fail(fmt.Errorf("trend: listed bucket %d is in no language index", bk.idx))
			return nil
		}
		refs = append(refs, ref)
	}
	return refs
}

// locate finds bk in the language indexes by its idx: the lists are short
// next to the buckets, so searching beats mapping every bucket.
func locate(lists []*langIndex, bk *bucket) (bucketRef, bool) {
	for i, l := range lists {
		pos, ok := slices.BinarySearchFunc(l.buckets, bk.idx, func(b *bucket, idx int64) int { return cmp.Compare(b.idx, idx) })
		if ok && l.buckets[pos] == bk {
			return bucketRef{list: uint32(i), pos: uint32(pos)}, true
		}
	}
	return bucketRef{}, false
}

// ReadSnapshot replaces the state of ix, an index made by New (with the
// same CountryFunc as the one that wrote it) and given its area by
// SetCold when the writer had one, with what WriteSnapshot wrote. Errors
// are recorded in r (r.Fail for inconsistent data); the caller checks
// r.Close(), as only the checksum finds damage to counts and points. On
// an error found here ix is left as it was; blocks adopted before it stay
// adopted, as after an error found at Close: the caller discards the
// area's adoption (the store closes the area and opens it afresh).
//
// It checks what reading and folding index or write with (lengths,
// positions, that a cold bucket has nothing to fold), so that a damaged
// snapshot never makes it panic; the cold blocks' contents are the
// area's, which the snapshot's checksum does not cover.
func (ix *Index) ReadSnapshot(r *snapshot.Reader) {
	if l := r.String(); l != snapshotLayout && r.Err() == nil {
		r.Fail("trend: layout %q, this build's is %q", l, snapshotLayout)
	}
	tags := intern.ReadSnapshot(r)
	sorted := r.Strings()
	newest, hasNewest, sinceCompact := r.Int64(), r.Bool(), r.Int()
	for i := 1; i < len(sorted); i++ {
		if sorted[i-1] >= sorted[i] {
			r.Fail("trend: languages %q and %q out of order", sorted[i-1], sorted[i])
			break
		}
	}
	var lists []*langIndex
	if r.Err() == nil {
		lists = make([]*langIndex, 0, 1+len(sorted))
		var c chunkReader
		for range 1 + len(sorted) {
			l := &langIndex{}
			lists = append(lists, l)
			if !c.readList(r, ix.area, l) {
				break
			}
		}
	}
	dirty := resolve(r, lists, snapshot.Get[bucketRef](r))
	warm := resolve(r, lists, snapshot.Get[bucketRef](r))
	if r.Err() != nil {
		return
	}
	ix.tags, ix.sorted = tags, sorted
	ix.newest, ix.hasNewest, ix.sinceCompact = newest, hasNewest, sinceCompact
	ix.all = lists[0]
	ix.langs = make(map[string]*langIndex, len(sorted))
	for i, key := range sorted {
		ix.langs[key] = lists[i+1]
	}
	ix.dirty, ix.warm = dirty, warm
	ix.held = 0
	for _, l := range lists {
		for _, bk := range l.buckets {
			ix.held += bk.bytes()
		}
	}
}

// chunkReader holds what is left of a chunk's arrays as its buckets take
// theirs.
type chunkReader struct {
	pending []pair
	runs    []run
	authors []uint32
	geo     []geoEv
	places  []placeRange
}

// readList reads a language index into l; false on an error (in r).
func (c *chunkReader) readList(r *snapshot.Reader, area *spill.Area, l *langIndex) bool {
	n := r.Len(unsafe.Sizeof(bucketHead{}))
	capacity, coldN := r.Int(), r.Int()
	if r.Err() != nil {
		return false
	}
	if capacity < n || coldN < 0 || coldN > n {
		r.Fail("trend: %d buckets, capacity %d, %d considered cold", n, capacity, coldN)
		return false
	}
	// The capacity left after dropping the oldest buckets can be far
	// above their number; the bound only keeps damage from allocating
	// without end.
	l.buckets = make([]*bucket, 0, min(capacity, 2*n+1<<17))
	l.coldN = coldN
	for len(l.buckets) < n {
		heads := snapshot.Get[bucketHead](r)
		if len(heads) == 0 || len(heads) > n-len(l.buckets) {
			r.Fail("trend: a chunk of %d buckets, %d of %d read", len(heads), len(l.buckets), n)
			return false
		}
		c.pending, c.runs, c.authors = snapshot.Get[pair](r), snapshot.Get[run](r), snapshot.Get[uint32](r)
		c.geo, c.places = snapshot.Get[geoEv](r), snapshot.Get[placeRange](r)
		if r.Err() != nil {
			return false
		}
		var want [numParts]int
		for i := range heads {
			h := &heads[i]
			want[partPending] += int(h.lens[partPending])
			if h.flags&flagCold == 0 {
				for k := partRuns; k < numParts; k++ {
					want[k] += int(h.lens[k])
				}
			}
		}
		if got := [numParts]int{len(c.pending), len(c.runs), len(c.authors), len(c.geo), len(c.places)}; got != want {
			r.Fail("trend: a chunk's arrays hold %v elements, its buckets %v", got, want)
			return false
		}
		for i := range heads {
			h := &heads[i]
			if n := len(l.buckets); n > 0 && l.buckets[n-1].idx >= h.idx {
				r.Fail("trend: bucket %d after %d", h.idx, l.buckets[n-1].idx)
				return false
			}
			bk, ok := c.bucket(r, area, h)
			if !ok {
				return false
			}
			l.buckets = append(l.buckets, bk)
		}
	}
	return true
}

// bucket makes the bucket h describes, taking its arrays from the chunk
// or, when cold, adopting its block from the area.
func (c *chunkReader) bucket(r *snapshot.Reader, area *spill.Area, h *bucketHead) (*bucket, bool) {
	if h.flags&^(flagDirty|flagCold) != 0 || h.geoSort > h.lens[partGeo] {
		r.Fail("trend: bucket %d: flags %#x, %d of %d events sorted", h.idx, h.flags, h.geoSort, h.lens[partGeo])
		return nil, false
	}
	for k := range numParts {
		if h.caps[k] < h.lens[k] {
			r.Fail("trend: bucket %d: array of %d elements in a capacity of %d", h.idx, h.lens[k], h.caps[k])
			return nil, false
		}
	}
	bk := &bucket{idx: h.idx, geoSort: int(h.geoSort), dirty: h.flags&flagDirty != 0}
	bk.pending = take(&c.pending, h, partPending)
	if h.flags&flagCold == 0 {
		bk.runs = take(&c.runs, h, partRuns)
		bk.authors = take(&c.authors, h, partAuthors)
		bk.geo = take(&c.geo, h, partGeo)
		bk.places = take(&c.places, h, partPlaces)
		return bk, true
	}
	nRuns, nAuthors, nGeo, nPlaces := int(h.lens[partRuns]), int(h.lens[partAuthors]), int(h.lens[partGeo]), int(h.lens[partPlaces])
	_, runsSize, _, geoSize := coldLayout(nRuns, nAuthors, nGeo, nPlaces)
	size := runsSize + geoSize
	switch {
	case area == nil:
		r.Fail("trend: the snapshot has cold buckets, the index no area")
		return nil, false
	case bk.dirty || len(bk.pending) > 0 || bk.geoSort != nGeo:
		// Folding writes into the arrays, which a block's are not.
		r.Fail("trend: cold bucket %d has a tail to fold", h.idx)
		return nil, false
	case size == 0 || h.coldLen <= 0 || h.coldSplit < 0 || h.coldSplit > h.coldLen:
		r.Fail("trend: cold bucket %d: a block of %d bytes (split at %d) for arrays of %d", h.idx, h.coldLen, h.coldSplit, size)
		return nil, false
	}
	b, err := area.Adopt(spill.Ref{File: h.coldFile, Off: h.coldOff, Len: h.coldLen})
	if err != nil {
		r.Fail("trend: cold bucket %d: %v", h.idx, err)
		return nil, false
	}
	bk.cold = b
	bk.coldLens = [4]uint32{h.lens[partRuns], h.lens[partAuthors], h.lens[partGeo], h.lens[partPlaces]}
	bk.coldSplit = uint32(h.coldSplit)
	return bk, true
}

// take moves a bucket's array of kind k off the front of *src (which the
// caller checked holds it) into one of its own, with the capacity it had:
// the bucket's bytes count its capacity. Growing by append leaves at most
// about 2.5 times the length; the bound keeps damage from allocating more.
func take[T any](src *[]T, h *bucketHead, k int) []T {
	n, c := int(h.lens[k]), int(h.caps[k])
	if c == 0 {
		return nil
	}
	s := make([]T, n, min(c, 4*n+64))
	copy(s, *src)
	*src = (*src)[n:]
	return s
}

// resolve points refs at the buckets of lists.
func resolve(r *snapshot.Reader, lists []*langIndex, refs []bucketRef) []*bucket {
	if r.Err() != nil || len(refs) == 0 {
		return nil
	}
	bks := make([]*bucket, len(refs))
	for i, ref := range refs {
		if int(ref.list) >= len(lists) || int(ref.pos) >= len(lists[ref.list].buckets) {
			r.Fail("trend: listed bucket %d of language index %d is not there", ref.pos, ref.list)
			return nil
		}
		bks[i] = lists[ref.list].buckets[ref.pos]
	}
	return bks
}
