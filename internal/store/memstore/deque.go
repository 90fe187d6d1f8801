package memstore

import (
	"math"
	"unsafe"

	"github.com/geoheat/geoheat/internal/spill"
)

// Columns are chunked deques: fixed-size chunks so that appending never
// copies what is held (a slice doubling at 10 million posts would briefly
// need twice the memory and stall the writer), and dropping from the front
// frees whole chunks. Chunks are small enough that a language with a few
// posts costs little.
const (
	chunkShift = 10
	chunkLen   = 1 << chunkShift
	chunkMask  = chunkLen - 1
)

// chunk holds chunkLen elements; its size is a power of two, so it fills
// an allocator size class exactly.
type chunk[T any] [chunkLen]T

// bounds bound the times of the elements in a chunk, for deques whose
// elements have a time. A window query skips chunks entirely older than its
// cutoff and takes chunks entirely newer without looking at each element,
// so it stays exact even when posts arrive out of time order. Bounds may be
// wider than the elements held: drops from the front and DropBack leave
// them as they were (recomputing them on every drop cost more than the
// occasional extra scan of the front chunk it saves); never narrower.
// unsorted is set once an element came with a time below an earlier one's
// in its chunk: a chunk without it holds its times in order, so a
// histogram splits it at bucket edges by binary search.
type bounds struct {
	lo, hi   int64
	unsorted bool
}

// deque is a FIFO of T with random access. The zero value is empty.
// Deques filled with PushTimed keep one bounds per chunk; others keep none.
type deque[T any] struct {
	chunks []*chunk[T]
	bounds []bounds // parallel to chunks, for timed deques
	// blocks bound the times of runs of blockChunksT full chunks, aligned
	// on absolute chunk numbers (base + index): blocks[i] is block
	// blockFirst+i, empty (lo > hi) when its chunks were not all there. A
	// query over a year held decides a block at a time what it would
	// otherwise decide per chunk (a million chunks at a billion posts).
	blocks     []bounds
	blockFirst int
	base       int // absolute number of chunks[0]: chunks released before it
	head       int // index of element 0 within chunks[0]
	n          int
	// area, when set, holds the chunks numbered below cold (absolute)
	// in memory-mapped files instead of on the heap (spill, cold.go).
	area *spill.Area
	cold int
}

// blockShiftT: a time block spans 32 chunks.
const (
	blockShiftT  = 5
	blockChunksT = 1 << blockShiftT
)

var noBounds = bounds{lo: math.MaxInt64, hi: math.MinInt64}

// Len reports how many elements are held.
func (d *deque[T]) Len() int { return d.n }

// At returns element i, 0 <= i < Len().
func (d *deque[T]) At(i int) T {
	j := d.head + i
	return d.chunks[j>>chunkShift][j&chunkMask]
}

// Ptr returns a pointer to element i, valid until the element is dropped.
func (d *deque[T]) Ptr(i int) *T {
	j := d.head + i
	return &d.chunks[j>>chunkShift][j&chunkMask]
}

// Push appends v.
func (d *deque[T]) Push(v T) { d.push(v) }

// PushTimed appends v whose time is t, widening its chunk's time bounds.
// A deque must be filled with PushTimed only or Push only.
func (d *deque[T]) PushTimed(v T, t int64) {
	ci := d.push(v)
	if ci == len(d.bounds) {
		d.bounds = append(d.bounds, bounds{lo: t, hi: t})
	} else {
		b := &d.bounds[ci]
		// hi is at least every held element's time (DropBack leaves it):
		// an element at or above it keeps the order.
		b.unsorted = b.unsorted || t < b.hi
		b.lo, b.hi = min(b.lo, t), max(b.hi, t)
	}
	if (d.head+d.n)&chunkMask == 0 && (d.base+ci+1)%blockChunksT == 0 {
		d.closeBlock(ci)
	}
}

// closeBlock records the bounds of the block that chunk ci, just filled,
// completes.
func (d *deque[T]) closeBlock(ci int) {
	blk := noBounds
	if first := ci + 1 - blockChunksT; first >= 0 {
		for _, b := range d.bounds[first : ci+1] {
			blk.lo, blk.hi = min(blk.lo, b.lo), max(blk.hi, b.hi)
		}
	}
	at := (d.base+ci+1)/blockChunksT - 1
	if len(d.blocks) == 0 {
		d.blockFirst = at
	}
	for d.blockFirst+len(d.blocks) < at {
		d.blocks = append(d.blocks, noBounds)
	}
	d.blocks = append(d.blocks, blk)
}

// wholeBlock returns the bounds of the block starting at chunk ci when
// every element of its chunks is held, false otherwise.
func (d *deque[T]) wholeBlock(ci int) (bounds, bool) {
	abs := d.base + ci
	if abs%blockChunksT != 0 || ci+blockChunksT > len(d.bounds) || ci == 0 && d.head > 0 {
		return bounds{}, false
	}
	i := abs/blockChunksT - d.blockFirst
	if i < 0 || i >= len(d.blocks) || d.blocks[i].lo > d.blocks[i].hi {
		return bounds{}, false
	}
	return d.blocks[i], true
}

// firstChunkFrom returns the index of the first chunk whose time bounds
// reach t (len(bounds) when none does): every chunk before it holds
// only times below t. The deque must be timed.
func (d *deque[T]) firstChunkFrom(t int64) int {
	for ci := 0; ci < len(d.bounds); ci++ {
		if blk, ok := d.wholeBlock(ci); ok && blk.hi < t {
			ci += blockChunksT - 1
			continue
		}
		if d.bounds[ci].hi >= t {
			return ci
		}
	}
	return len(d.bounds)
}

// push appends v and returns the index of the chunk it went to.
func (d *deque[T]) push(v T) int {
	j := d.head + d.n
	ci := j >> chunkShift
	if ci == len(d.chunks) {
		d.chunks = append(d.chunks, new(chunk[T]))
	}
	d.chunks[ci][j&chunkMask] = v
	d.n++
	return ci
}

// DropFront drops the first k elements (all when k >= Len), releasing the
// chunks they emptied.
func (d *deque[T]) DropFront(k int) {
	if k >= d.n {
		d.releaseCold(0, len(d.chunks))
		d.base += len(d.chunks)
		clear(d.chunks)
		d.chunks, d.bounds, d.blocks, d.head, d.n = d.chunks[:0], d.bounds[:0], d.blocks[:0], 0, 0
		return
	}
	d.head += k
	d.n -= k
	if full := d.head >> chunkShift; full > 0 {
		d.releaseCold(0, full)
		// Nil the released slots so the chunks can be collected before
		// append reallocates the slice.
		clear(d.chunks[:full])
		d.chunks = d.chunks[full:]
		if len(d.bounds) > 0 {
			d.bounds = d.bounds[full:]
		}
		d.head &= chunkMask
		d.base += full
		gone := 0
		for gone < len(d.blocks) && (d.blockFirst+gone+1)*blockChunksT <= d.base {
			gone++
		}
		d.blocks, d.blockFirst = d.blocks[gone:], d.blockFirst+gone
	}
}

// DropBack drops the last k elements (all when k >= Len). Time bounds of
// the last chunk are left as they were: wider than needed, still correct.
func (d *deque[T]) DropBack(k int) {
	if k >= d.n {
		d.DropFront(d.n)
		return
	}
	d.n -= k
	keep := (d.head + d.n + chunkMask) >> chunkShift
	d.releaseCold(keep, len(d.chunks))
	d.cold = min(d.cold, d.base+keep)
	clear(d.chunks[keep:])
	d.chunks = d.chunks[:keep]
	if len(d.bounds) > keep {
		d.bounds = d.bounds[:keep]
	}
}

// Segments calls fn with the elements [from, to) as consecutive slices of
// the chunks that hold them, stopping early if fn returns false.
func (d *deque[T]) Segments(from, to int, fn func(seg []T) bool) {
	for from < to {
		j := d.head + from
		c := d.chunks[j>>chunkShift]
		off := j & chunkMask
		n := min(to-from, chunkLen-off)
		if !fn(c[off : off+n]) {
			return
		}
		from += n
	}
}

// Run returns the elements [from, from+n) as one slice; they must lie in
// one chunk, as a segment Segments yields does. A deque filled and dropped
// in step with another (geoMeta with geo) has the same chunk boundaries,
// so Run gives the slice parallel to the other's segment.
func (d *deque[T]) Run(from, n int) []T {
	j := d.head + from
	off := j & chunkMask
	return d.chunks[j>>chunkShift][off : off+n]
}

// span is a run [from, to) of element indexes.
type span struct{ from, to int }

// After appends to dst the runs of elements whose time (per timeOf) is
// greater than cutoff, in order, and returns the extended slice (Between
// from cutoff+1 on).
func (d *deque[T]) After(cutoff int64, timeOf func(*T) int64, dst []span) []span {
	if cutoff == math.MaxInt64 {
		return dst
	}
	return d.Between(cutoff+1, math.MaxInt64, timeOf, dst)
}

// Between appends to dst the runs of elements whose time (per timeOf) is
// in [lo, hi) (hi math.MaxInt64 includes it too: no time lies beyond), in
// order, and returns the extended slice. Chunks whose bounds say all or
// none qualify are decided without reading their elements, so for posts
// recorded in time order the cost is one test per chunk plus one pass over
// each boundary chunk. The deque must be timed.
func (d *deque[T]) Between(lo, hi int64, timeOf func(*T) int64, dst []span) []span {
	add := func(from, to int) {
		if n := len(dst); n > 0 && dst[n-1].to == from {
			dst[n-1].to = to
			return
		}
		dst = append(dst, span{from, to})
	}
	in := func(t int64) bool { return t >= lo && (t < hi || hi == math.MaxInt64) }
	for ci := 0; ci < len(d.bounds); ci++ {
		if blk, ok := d.wholeBlock(ci); ok {
			switch {
			case blk.hi < lo || !in(blk.lo) && blk.lo >= hi:
				ci += blockChunksT - 1
				continue
			case in(blk.lo) && in(blk.hi):
				first := ci*chunkLen - d.head
				add(first, min(first+blockChunksT*chunkLen, d.n))
				ci += blockChunksT - 1
				continue
			}
		}
		b := d.bounds[ci]
		// Element indexes held by this chunk.
		first := max(ci*chunkLen-d.head, 0)
		last := min((ci+1)*chunkLen-d.head, d.n)
		if first >= last || b.hi < lo || !in(b.lo) && b.lo >= hi {
			continue
		}
		if in(b.lo) && in(b.hi) {
			add(first, last)
			continue
		}
		for i := first; i < last; i++ {
			if in(timeOf(d.Ptr(i))) {
				add(i, i+1)
			}
		}
	}
	return dst
}

// memBytes reports the bytes allocated on the heap for the deque: its
// chunks not in the area and the slices pointing at them.
func (d *deque[T]) memBytes() int64 {
	return int64(len(d.chunks)-d.coldChunks())*int64(unsafe.Sizeof(chunk[T]{})) + int64(cap(d.chunks))*8 +
		int64(cap(d.bounds))*int64(unsafe.Sizeof(bounds{}))
}

// coldChunks is how many of the chunks held are in the area.
func (d *deque[T]) coldChunks() int { return min(max(d.cold-d.base, 0), len(d.chunks)) }

// spill moves the full chunks more than keep chunks behind the newest
// to the area. A chunk the area cannot take (a write error) stays on the
// heap and is tried again next time; the error is returned.
func (d *deque[T]) spill(keep int) error {
	if d.area == nil {
		return nil
	}
	full := (d.head + d.n) >> chunkShift // chunks[:full] are full
	for ci := d.coldChunks(); ci < full-keep; ci++ {
		c, err := putCold(d.area, d.chunks[ci])
		if err != nil {
			return err
		}
		d.chunks[ci], d.cold = c, d.base+ci+1
	}
	return nil
}

// releaseCold gives the area back the chunks [from, to) of those held
// that it holds.
func (d *deque[T]) releaseCold(from, to int) {
	cold := d.coldChunks()
	for ci := from; ci < min(to, cold); ci++ {
		releaseCold(d.area, d.chunks[ci])
	}
}

// MinTime returns the lowest time held, and false when the deque is empty
// or not timed. The front chunk's bounds may be stale after drops, so its
// held elements are read, or only its first when its times are in order;
// the other chunks' bounds are exact, taken 32 at a time from their
// block's. Every histogram over everything held asks it of every
// language: reading the front chunks and every chunk's bounds was a fifth
// of what a box's histogram cost at a million posts.
func (d *deque[T]) MinTime(timeOf func(*T) int64) (int64, bool) {
	if d.n == 0 || len(d.bounds) == 0 {
		return 0, false
	}
	lo := int64(math.MaxInt64)
	front := d.chunks[0]
	if d.bounds[0].unsorted {
		for i := d.head; i < min(chunkLen, d.head+d.n); i++ {
			lo = min(lo, timeOf(&front[i]))
		}
	} else {
		lo = timeOf(&front[d.head])
	}
	for ci := 1; ci < len(d.bounds); ci++ {
		if blk, ok := d.wholeBlock(ci); ok {
			lo = min(lo, blk.lo)
			ci += blockChunksT - 1
			continue
		}
		lo = min(lo, d.bounds[ci].lo)
	}
	return lo, true
}
