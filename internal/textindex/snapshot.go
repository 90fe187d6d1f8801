package textindex

import (
	"hash/maphash"
	"math"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/snapshot"
)

// A snapshot holds, in order:
//
//	the layout of the types written as bytes (rec, chunkHead)
//	the writer's limit and maxAge
//	skip, n, front, newest, hasNewest, sweep, blobBytes, blobPosts
//	langs
//	a chunkHead per chunk, then per chunk its recs array and its arena
//	keys ("" for a free slot), free, the lists' lengths
//	the lists' ordinals concatenated, in groups of whole lists
//
// The word hashes are not written: maphash seeds do not outlive a process,
// so the reader hashes the keys again under its own seed.

// chunkHead is a chunk's fields other than its records and arena.
type chunkHead struct {
	n, minT, maxT, prefMax int64
}

var snapshotLayout = snapshot.Layout(rec{}, chunkHead{})

// listGroup bounds the ordinals written per group: the writer copies
// lists into one buffer of this size rather than the whole index's worth.
const listGroup = 1 << 20

// WriteSnapshot writes the index's state for ReadSnapshot. It only reads
// the index, so it may share it with other readers.
func (x *Index) WriteSnapshot(w *snapshot.Writer) {
	w.String(snapshotLayout)
	w.Int(x.limit)
	w.Int64(x.maxAge)
	w.Int(x.skip)
	w.Int(x.n)
	w.Uint32(x.front)
	w.Int64(x.newest)
	w.Bool(x.hasNewest)
	w.Int(x.sweep)
	w.Int64(x.blobBytes)
	w.Int64(x.blobPosts)
	w.Strings(x.langs)

	heads := make([]chunkHead, len(x.chunks))
	for i, c := range x.chunks {
		heads[i] = chunkHead{n: int64(c.n), minT: c.minT, maxT: c.maxT, prefMax: c.prefMax}
	}
	snapshot.Put(w, heads)
	for _, c := range x.chunks {
		// The whole array: the reader decodes it in place. Records before
		// skip go too, as skip counts them.
		snapshot.PutValue(w, &c.recs)
		snapshot.Put(w, c.data)
	}

	w.Strings(x.keys)
	snapshot.Put(w, x.free)
	lens := make([]uint32, len(x.lists))
	for i, l := range x.lists {
		lens[i] = uint32(len(l))
	}
	snapshot.Put(w, lens)
	buf := make([]uint32, 0, min(x.postings, listGroup))
	for _, l := range x.lists {
		if len(buf)+len(l) > listGroup && len(buf) > 0 {
			snapshot.Put(w, buf)
			buf = buf[:0]
		}
		if len(l) >= listGroup {
			snapshot.Put(w, l) // alone: no copy
			continue
		}
		buf = append(buf, l...)
	}
	if len(buf) > 0 {
		snapshot.Put(w, buf)
	}
}

// ReadSnapshot reads an index WriteSnapshot wrote. Errors are recorded in r
// (sticky; r.Fail for inconsistent data); the caller checks r.Close(), as
// only the checksum finds damage to texts and times. On an error it
// returns an empty index.
//
// limit and maxAge are this process's. Tighter than the writer's, the
// index drops what they exclude as Add does, and then holds what
// New(limit, maxAge) would after the same posts (but when the writer's
// last call was DropBefore: a post that index would drop at its next Add
// goes now). Looser bounds cannot bring back what the writer dropped.
func ReadSnapshot(r *snapshot.Reader, limit int, maxAge time.Duration) *Index {
	x := New(limit, maxAge)
	wLimit, wAge, ok := x.read(r)
	if !ok || r.Err() != nil || x.limit == 0 {
		return New(limit, maxAge)
	}
	x.sized()
	// Only when tighter: after a DropBefore the writer may hold a front
	// post older than its maxAge until its next Add, and so must we.
	if x.limit < wLimit || x.maxAge > 0 && (wAge == 0 || x.maxAge < wAge) {
		x.enforce()
	}
	return x
}

// read fills x (fresh from New) from r and returns the writer's bounds;
// false when the data is inconsistent (recorded in r). It checks
// everything a query indexes with, so that even a damaged snapshot whose
// checksum is not yet checked never makes the index panic.
func (x *Index) read(r *snapshot.Reader) (limit int, maxAge int64, ok bool) {
	if l := r.String(); l != snapshotLayout && r.Err() == nil {
		r.Fail("textindex: layout %q, this build's is %q", l, snapshotLayout)
	}
	limit = r.Int()
	maxAge = r.Int64()
	x.skip = r.Int()
	x.n = r.Int()
	x.front = r.Uint32()
	x.newest = r.Int64()
	x.hasNewest = r.Bool()
	x.sweep = r.Int()
	x.blobBytes = r.Int64()
	x.blobPosts = r.Int64()
	if r.Err() != nil {
		return 0, 0, false
	}
	if x.blobPosts < 0 || x.blobBytes < 0 || x.blobPosts == 0 && x.blobBytes != 0 ||
		x.blobPosts > 0 && x.blobBytes/x.blobPosts > maxBlobBytes {
		// Bounded so that arenaSize stays sane.
		r.Fail("textindex: %d blob bytes for %d posts", x.blobBytes, x.blobPosts)
		return 0, 0, false
	}

	x.langs = r.Strings()
	if len(x.langs) > math.MaxUint16+1 {
		r.Fail("textindex: %d languages", len(x.langs))
		return 0, 0, false
	}
	for i, l := range x.langs {
		if _, dup := x.langIDs[l]; dup {
			r.Fail("textindex: language %q twice", l)
			return 0, 0, false
		}
		x.langIDs[l] = uint16(i)
	}

	if !x.readChunks(r) || !x.readWords(r) {
		return 0, 0, false
	}
	return limit, maxAge, r.Err() == nil
}

func (x *Index) readChunks(r *snapshot.Reader) bool {
	heads := snapshot.Get[chunkHead](r)
	if r.Err() != nil {
		return false
	}
	total := 0
	for i, h := range heads {
		if h.n < 1 || h.n > chunkSize || h.n < chunkSize && i < len(heads)-1 {
			r.Fail("textindex: chunk %d of %d holds %d records", i, len(heads), h.n)
			return false
		}
		total += int(h.n)
	}
	// Empty means no chunks (dropFront starts afresh); else skip is within
	// the first chunk and n counts the rest.
	if len(heads) == 0 && (x.n != 0 || x.skip != 0) ||
		len(heads) > 0 && (x.skip < 0 || x.skip >= int(heads[0].n) || x.n != total-x.skip) {
		r.Fail("textindex: %d records held, %d skipped of %d in %d chunks", x.n, x.skip, total, len(heads))
		return false
	}
	x.chunks = make([]*chunk, 0, len(heads))
	for i, h := range heads {
		c := &chunk{n: int(h.n), minT: h.minT, maxT: h.maxT, prefMax: h.prefMax}
		snapshot.GetValue(r, &c.recs)
		c.data = snapshot.Get[byte](r)
		if r.Err() != nil {
			return false
		}
		for k := range c.n {
			rc := &c.recs[k]
			e := rc.ends
			if e[0] > e[1] || e[1] > e[2] || e[2] > e[3] || e[3] > e[4] ||
				uint64(rc.off)+uint64(e[4]) > uint64(len(c.data)) || int(rc.lang) >= len(x.langs) {
				r.Fail("textindex: chunk %d record %d: strings at %d+%v of %d bytes, language %d of %d",
					i, k, rc.off, e, len(c.data), rc.lang, len(x.langs))
				return false
			}
		}
		x.chunks = append(x.chunks, c)
	}
	if k := len(x.chunks); k > 0 && x.chunks[k-1].n < chunkSize {
		// The tail gets the room tail() gives a new arena, so that it
		// rarely grows.
		c := x.chunks[k-1]
		if size := x.arenaSize(); cap(c.data) < size {
			c.data = append(make([]byte, 0, size), c.data...)
		}
	}
	return true
}

func (x *Index) readWords(r *snapshot.Reader) bool {
	keys := r.Strings()
	x.free = snapshot.Get[int32](r)
	lens := snapshot.Get[uint32](r)
	if r.Err() != nil {
		return false
	}
	if len(lens) != len(keys) || len(x.free) > len(keys) || x.sweep < 0 || x.sweep > len(keys) {
		r.Fail("textindex: %d words, %d lists, %d free, sweep at %d", len(keys), len(lens), len(x.free), x.sweep)
		return false
	}
	isFree := make([]bool, len(keys))
	for _, li := range x.free {
		if li < 0 || int(li) >= len(keys) || isFree[li] || keys[li] != "" || lens[li] != 0 {
			r.Fail("textindex: free list %d of %d words, twice or in use", li, len(keys))
			return false
		}
		isFree[li] = true
	}

	// The lists are views of their group (capped, so an append copies):
	// a group is freed once every list has grown, been trimmed or been
	// forgotten, within about a limit of Adds.
	x.lists = make([][]uint32, len(keys))
	for li := 0; ; {
		for li < len(lens) && lens[li] == 0 {
			li++
		}
		if li == len(lens) {
			break
		}
		g := snapshot.Get[uint32](r)
		if r.Err() != nil {
			return false
		}
		if len(g) == 0 {
			r.Fail("textindex: empty group of ordinals")
			return false
		}
		for off := 0; off < len(g) && li < len(lens); li++ {
			end := off + int(lens[li])
			if end > len(g) {
				r.Fail("textindex: list %d of %d ordinals overruns its group", li, lens[li])
				return false
			}
			if end > off {
				x.lists[li] = g[off:end:end]
			}
			off = end
		}
	}

	// A held word has postings, ascending from front, none past the
	// newest held: what live and intersect rely on.
	for li, l := range x.lists {
		if isFree[li] {
			continue
		}
		if len(l) == 0 {
			r.Fail("textindex: word %d has no postings", li)
			return false
		}
		prev := int32(l[0] - x.front)
		for _, v := range l[1:] {
			d := int32(v - x.front)
			if d <= prev {
				r.Fail("textindex: word %d's postings out of order", li)
				return false
			}
			prev = d
		}
		if int64(prev) >= int64(x.n) {
			r.Fail("textindex: word %d has posting %d of %d held", li, prev, x.n)
			return false
		}
		x.postings += int64(len(l))
	}

	// The keys own their bytes, as Add's do: a word held for good would
	// otherwise keep every word's bytes of the snapshot alive.
	x.hashes = make([]uint64, len(keys))
	x.byHash = make(map[uint64]int32, len(keys)-len(x.free))
	for li, k := range keys {
		if isFree[li] {
			continue
		}
		k = strings.Clone(k)
		keys[li] = k
		h := maphash.String(x.seed, k)
		x.hashes[li] = h
		if other, taken := x.byHash[h]; taken {
			if _, dup := x.collide[k]; dup || keys[other] == k {
				r.Fail("textindex: word %q twice", k)
				return false
			}
			x.collide[k] = int32(li)
		} else {
			x.byHash[h] = int32(li)
		}
	}
	x.keys = keys
	return true
}
