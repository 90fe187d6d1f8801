package trend

import (
	"fmt"
	"unsafe"

	"github.com/klauspost/compress/zstd"

	"github.com/geoheat/geoheat/internal/spill"
)

// Cold buckets: a trend query reads the buckets of its window and
// baseline, at most a week back from the moment it asks about, almost
// always the newest. Older buckets are read only by a query about a past
// moment (at=), yet at a year held they are nearly all of the index. With
// an area (SetCold), a bucket more than coldAfter behind the newest, whose
// tails are folded in, moves its runs, authors, events and places to one
// block in the area's memory-mapped files; the heap keeps the bucket
// itself. A late post for a cold bucket brings it back to the heap first
// (thaw), and the bucket goes cold again at the next MoveCold.

// coldAfter is how far behind the newest bucket buckets stay on the heap:
// a week (the longest window + baseline) and a day.
const coldAfter = int64(8 * 24 * 60 * 60 * 1e9 / bucketNanos)

// SetCold gives the index an area to move old buckets to (nil keeps them
// on the heap). Call it before adding posts.
func (ix *Index) SetCold(a *spill.Area) { ix.area = a }

// MoveCold moves the buckets gone cold since the last call to the area.
// A bucket the area cannot take stays on the heap and is tried again at
// the next call; the first error is returned.
func (ix *Index) MoveCold() error {
	if ix.area == nil || !ix.hasNewest {
		return nil
	}
	limit := ix.newest - coldAfter
	// After a failure (a full disk) the rest wait for the next call: one
	// failed write per call, not one per bucket.
	var first error
	try := func(bk *bucket) bool {
		if first != nil {
			return false
		}
		first = ix.freeze(bk)
		return first == nil
	}
	// Buckets brought back by late posts, or that could not go before.
	keep := ix.warm[:0]
	for _, bk := range ix.warm {
		switch {
		case bk.dropped || bk.cold != nil:
		case bk.idx >= limit || bk.dirty || !try(bk):
			keep = append(keep, bk)
		}
	}
	clear(ix.warm[len(keep):])
	ix.warm = keep
	scan := func(l *langIndex) {
		for l.coldN < len(l.buckets) && l.buckets[l.coldN].idx < limit {
			if bk := l.buckets[l.coldN]; bk.dirty || !try(bk) {
				ix.warm = append(ix.warm, bk)
			}
			l.coldN++
		}
	}
	scan(ix.all)
	for _, l := range ix.langs {
		scan(l)
	}
	return first
}

// ColdDue reports whether MoveCold has a bucket to consider: one brought
// back to the heap, or one gone more than coldAfter behind the newest
// since the last call. It only reads the index.
func (ix *Index) ColdDue() bool {
	if ix.area == nil || !ix.hasNewest {
		return false
	}
	if len(ix.warm) > 0 {
		return true
	}
	limit := ix.newest - coldAfter
	due := func(l *langIndex) bool { return l.coldN < len(l.buckets) && l.buckets[l.coldN].idx < limit }
	if due(ix.all) {
		return true
	}
	for _, l := range ix.langs {
		if due(l) {
			return true
		}
	}
	return false
}

// coldLayout places a bucket's arrays, of the given lengths, in the two
// parts of a cold block, each array 8-aligned: the runs and their
// authors (what a query of the world reads), then the events and places
// (what a query of a place reads). It returns where each array starts in
// its part and the parts' sizes; it takes lengths so that a snapshot's
// reader can place a block before it has the arrays.
func coldLayout(runs, authors, geo, places int) (authorsAt, runsSize, placesAt, geoSize int) {
	up := func(n int) int { return (n + 7) &^ 7 }
	authorsAt = up(runs * int(unsafe.Sizeof(run{})))
	placesAt = up(geo * int(unsafe.Sizeof(geoEv{})))
	return authorsAt, authorsAt + authors*4, placesAt, placesAt + places*int(unsafe.Sizeof(placeRange{}))
}

func bytesOf[T any](s []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(*new(T))))
}

// sliceAt is the n elements of T at off in the block b.
func sliceAt[T any](b []byte, off, n int) []T {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[off])), n)
}

// A cold block is compressed (zstd at its fastest), each of its two parts
// as a frame of its own, so that a query decompresses only the part it
// reads: at a billion posts the trend buckets were 25 of the cold files'
// 42 bytes per post, the largest part, and the one read least (a query
// about a past moment, a bucket dropped or brought back). They pack to
// about two thirds: most of what they hold is rare tags' ids, authors and
// coordinates, which do not compress (transposing the arrays' bytes and
// their differences, as Blosc does, gained 2 % more; a slower level, 4 %).
var (
	coldEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	coldDec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(1<<31))
)

// What arraysOf is asked for.
const (
	needRuns = 1 << iota // runs and authors
	needGeo              // events and places
	needAll  = needRuns | needGeo
)

// coldScratch is a reader's buffers for a cold block's two parts.
type coldScratch struct{ runs, geo []byte }

// arrays are a bucket's runs, authors, events and places.
type arrays struct {
	runs    []run
	authors []uint32
	geo     []geoEv
	places  []placeRange
}

// lens returns the lengths of bk's arrays, on the heap or cold.
func (bk *bucket) lens() (runs, authors, geo, places int) {
	if bk.cold != nil {
		return int(bk.coldLens[0]), int(bk.coldLens[1]), int(bk.coldLens[2]), int(bk.coldLens[3])
	}
	return len(bk.runs), len(bk.authors), len(bk.geo), len(bk.places)
}

// arraysOf returns bk's arrays: its own while on the heap, else the parts
// of its cold block that need names, decompressed into sc (valid until
// sc's next use; the others are nil). An error is a damaged block.
func arraysOf(bk *bucket, sc *coldScratch, need int) (arrays, error) {
	if bk.cold == nil {
		return arrays{bk.runs, bk.authors, bk.geo, bk.places}, nil
	}
	nRuns, nAuthors, nGeo, nPlaces := bk.lens()
	authorsAt, runsSize, placesAt, geoSize := coldLayout(nRuns, nAuthors, nGeo, nPlaces)
	split := int(bk.coldSplit)
	if split > len(bk.cold) {
		return arrays{}, fmt.Errorf("trend: cold bucket %d: parts split at %d of %d bytes", bk.idx, split, len(bk.cold))
	}
	var a arrays
	if need&needRuns != 0 && runsSize > 0 {
		out, err := decode(bk, bk.cold[:split], &sc.runs, runsSize)
		if err != nil {
			return arrays{}, err
		}
		a.runs, a.authors = sliceAt[run](out, 0, nRuns), sliceAt[uint32](out, authorsAt, nAuthors)
	}
	if need&needGeo != 0 && geoSize > 0 {
		out, err := decode(bk, bk.cold[split:], &sc.geo, geoSize)
		if err != nil {
			return arrays{}, err
		}
		a.geo, a.places = sliceAt[geoEv](out, 0, nGeo), sliceAt[placeRange](out, placesAt, nPlaces)
	}
	return a, nil
}

// decode decompresses the frame z of bk, size bytes, into *buf.
func decode(bk *bucket, z []byte, buf *[]byte, size int) ([]byte, error) {
	if cap(*buf) < size {
		// Fresh, so 8-aligned for the arrays' fields; DecodeAll then
		// writes into it without growing it.
		*buf = make([]byte, 0, max(size, 64))
	}
	out, err := coldDec.DecodeAll(z, (*buf)[:0])
	if err != nil || len(out) != size || &out[0] != &(*buf)[:1][0] {
		return nil, fmt.Errorf("trend: cold bucket %d: %d bytes decompressed of %d (%v)", bk.idx, len(out), size, err)
	}
	return out, nil
}

// freeze moves a folded bucket's arrays to one compressed block in the
// area.
func (ix *Index) freeze(bk *bucket) error {
	authorsAt, runsSize, placesAt, geoSize := coldLayout(len(bk.runs), len(bk.authors), len(bk.geo), len(bk.places))
	if runsSize+geoSize == 0 {
		return nil
	}
	plain := append(ix.coldBuf[:0], make([]byte, max(runsSize, geoSize))...)
	// pack appends a part (first at 0, second at secondAt) compressed.
	pack := func(z []byte, size int, first, second []byte, secondAt int) []byte {
		if size == 0 {
			return z
		}
		p := plain[:size]
		clear(p)
		copy(p, first)
		copy(p[secondAt:], second)
		return coldEnc.EncodeAll(p, z)
	}
	z := pack(ix.coldZip[:0], runsSize, bytesOf(bk.runs), bytesOf(bk.authors), authorsAt)
	split := len(z)
	z = pack(z, geoSize, bytesOf(bk.geo), bytesOf(bk.places), placesAt)
	ix.coldBuf, ix.coldZip = plain[:0], z[:0]
	b, err := ix.area.Put(z)
	if err != nil {
		return err
	}
	ix.held -= bk.bytes()
	bk.cold, bk.coldSplit = b, uint32(split)
	bk.coldLens = [4]uint32{uint32(len(bk.runs)), uint32(len(bk.authors)), uint32(len(bk.geo)), uint32(len(bk.places))}
	bk.runs, bk.authors, bk.geo, bk.places = nil, nil, nil, nil
	ix.held += bk.bytes()
	return nil
}

// thaw brings a cold bucket's arrays back to the heap, so that a late
// post can be folded in, and releases its block. A block that does not
// decompress (damaged on disk) leaves the bucket empty: its counts are
// lost, which the cold files' check reports.
func (ix *Index) thaw(bk *bucket) {
	if bk.cold == nil {
		return
	}
	ix.held -= bk.bytes()
	a, err := arraysOf(bk, &ix.coldScratch, needAll)
	if err != nil {
		a = arrays{}
	}
	bk.runs, bk.authors = clone(a.runs), clone(a.authors)
	bk.geo, bk.places = clone(a.geo), clone(a.places)
	ix.area.Release(bk.cold)
	bk.cold, bk.coldLens, bk.coldSplit = nil, [4]uint32{}, 0
	ix.held += bk.bytes()
	ix.warm = append(ix.warm, bk)
}

func clone[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}
