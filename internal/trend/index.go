// Package trend finds the hashtags that are rising: per 5-minute bucket it
// counts the distinct authors of each tag, per language and, for posts with
// a point, per country and position, and scores a recent window against
// the level a longer baseline predicts (docs/trends.md has the formula and
// why each parameter is what it is).
//
// Index holds the buckets. The embedded store keeps one, fed as it records
// (and rebuilt from its log on a restart); the Redis store builds one per
// query from the posts it reads. Both answer through the same Query, so
// they agree to the last digit.
//
// # What a bucket holds
//
// Per language and bucket, the tags used with, per tag, the sorted distinct
// authors (4 bytes each) and the post count; the same again for all
// languages together, so that a query over every language reads one list
// per bucket; and per post with a point and tag an event of 32 bytes
// (position, tag, author, country, provenance) for place queries, sorted
// by country with each country's range and bounds (for all languages
// together too, so that every query reads one list per bucket). New posts
// go to a small unsorted tail that is folded in when it grows or when the
// stream moves to the next bucket, so that a query reads sorted runs, not
// posts.
package trend

import (
	"cmp"
	"hash/fnv"
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/geoheat/geoheat/internal/intern"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/spill"
	"github.com/geoheat/geoheat/internal/store"
)

// bucketNanos is store.TrendBucket in nanoseconds.
const bucketNanos = int64(store.TrendBucket)

// compactAt is the unsorted tail a bucket folds in at once: big enough
// that folding is rare, small enough that a query sorting a copy of the
// tail of the bucket still filling costs well under a millisecond.
const compactAt = 4096

// BucketOf is the bucket a time (unix nanoseconds) falls in.
func BucketOf(t int64) int64 {
	b := t / bucketNanos
	if t%bucketNanos < 0 {
		b--
	}
	return b
}

// bucketStart is the start of bucket b, saturating.
func bucketStart(b int64) time.Time {
	const maxB = math.MaxInt64/bucketNanos - 1
	switch {
	case b > maxB:
		b = maxB
	case b < -maxB:
		b = -maxB
	}
	return time.Unix(0, b*bucketNanos).UTC()
}

// AuthorOf is the author id trends count: a 32-bit FNV-1a hash of the
// platform's user id, or, for a post without one, of its post id (so that
// such posts count as distinct authors, not as one). Two authors sharing a
// hash count as one; among a million authors that happens to about a
// hundred pairs, which moves no count that matters. 0 means no id at all.
func AuthorOf(userID, postID string) uint32 {
	var key string
	switch {
	case userID != "":
		key = userID
	case postID != "":
		key = "\x00post " + postID
	default:
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()
}

// CountryCode packs an ISO 3166-1 alpha-2 code into 1..676; 0 for
// anything else.
func CountryCode(cc string) uint16 {
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return 0
	}
	return uint16(cc[0]-'A')*26 + uint16(cc[1]-'A') + 1
}

// Post is what the index needs of a recorded post.
type Post struct {
	Lang     string
	Time     int64    // unix nanoseconds
	Tags     []string // lower-cased; repeats are counted once
	Author   uint32   // AuthorOf
	HasPoint bool
	Lat, Lon float64
	Source   post.GeoSource // when HasPoint
}

// CountryFunc names the country (ISO 3166-1 alpha-2) a point lies in.
type CountryFunc func(lat, lon float64) (string, bool)

// Index holds trend buckets. It is not safe for concurrent use on its own:
// Add and DropBefore need exclusive access, Query shared access (the
// embedded store's lock provides both).
type Index struct {
	countryOf CountryFunc
	tags      *intern.Table
	all       *langIndex            // every language together
	langs     map[string]*langIndex // by language key
	sorted    []string              // language keys, sorted
	newest    int64                 // newest bucket added to
	hasNewest bool
	dirty     []*bucket // buckets with an unsorted tail
	// sinceCompact counts posts added since the dirty buckets were last
	// folded in.
	sinceCompact int
	idBuf        []uint32
	held         int64 // bytes of every bucket (bucket.bytes), kept as they change

	// Cold buckets (cold.go): area holds them when set; warm lists the
	// old buckets still on the heap (brought back by a late post, or not
	// yet folded or taken).
	area        *spill.Area
	warm        []*bucket
	coldBuf     []byte      // freeze's block part, uncompressed
	coldZip     []byte      // and compressed
	coldScratch coldScratch // thaw's and drops' arrays
}

// New returns an empty index. countryOf may be nil: country queries then
// find nothing (the store reports that the country index is missing).
func New(countryOf CountryFunc) *Index {
	return &Index{
		countryOf: countryOf,
		tags:      intern.New(),
		all:       &langIndex{},
		langs:     make(map[string]*langIndex),
	}
}

// HasCountries reports whether the index places points in countries.
func (ix *Index) HasCountries() bool { return ix.countryOf != nil }

type langIndex struct {
	buckets []*bucket // by idx, ascending
	// coldN: buckets[:coldN] have been considered by MoveCold.
	coldN int
}

// bucket is one language's (or all languages') posts in one time bucket.
type bucket struct {
	idx     int64
	pending []pair   // (tag, author) per post and tag not yet in runs
	runs    []run    // by tag
	authors []uint32 // runs' authors, each run's sorted and distinct
	geo     []geoEv  // posts with a point, per tag; geo[:geoSort] by (cc, tag, author)
	geoSort int
	// places indexes geo[:geoSort] by country: each country's range and
	// the box round its points, so that a query for a circle or a box
	// reads only the countries it overlaps.
	places []placeRange
	dirty  bool
	// cold is the block in the index's area holding runs, authors, geo
	// and places compressed (cold.go), nil while they are on the heap;
	// coldLens are their lengths then (the slices are nil), coldSplit
	// where the second part's frame starts.
	cold      []byte
	coldLens  [4]uint32
	coldSplit uint32
	dropped   bool
}

// pair is a (tag, author) occurrence packed so that pairs sort as plain
// integers, by tag then author: sorting is most of what folding costs.
type pair uint64

func pairOf(tag, author uint32) pair { return pair(tag)<<32 | pair(author) }
func (p pair) tag() uint32           { return uint32(p >> 32) }
func (p pair) author() uint32        { return uint32(p) }

type run struct {
	tag     uint32
	authors uint32 // distinct authors: authors[off:off+authors]
	posts   uint32
	off     uint32
}

type placeRange struct {
	cc                       uint16
	from, to                 uint32
	south, west, north, east float64
}

type geoEv struct {
	lat, lon float64
	tag      uint32
	author   uint32
	cc       uint16
	src      post.GeoSource
}

func (l *langIndex) find(idx int64) (*bucket, bool) {
	i, ok := slices.BinarySearchFunc(l.buckets, idx, func(b *bucket, idx int64) int { return cmp.Compare(b.idx, idx) })
	if !ok {
		return nil, false
	}
	return l.buckets[i], true
}

// bucket returns the bucket idx, adding it (and its bytes to *held) when
// new.
func (l *langIndex) bucket(idx int64, held *int64, warm *[]*bucket) *bucket {
	if n := len(l.buckets); n > 0 && l.buckets[n-1].idx == idx {
		return l.buckets[n-1]
	}
	i, ok := slices.BinarySearchFunc(l.buckets, idx, func(b *bucket, idx int64) int { return cmp.Compare(b.idx, idx) })
	if ok {
		return l.buckets[i]
	}
	b := &bucket{idx: idx}
	l.buckets = slices.Insert(l.buckets, i, b)
	if i < l.coldN {
		// A late post's bucket among the old ones: MoveCold finds it
		// through the index's warm list.
		l.coldN++
		*warm = append(*warm, b)
	}
	*held += b.bytes()
	return b
}

// bytes estimates what the bucket holds. The index keeps the sum over its
// buckets up to date (Index.held) as they change, so that MemoryBytes does
// not walk a year of 5-minute buckets per language (tens of milliseconds
// that every status request paid).
func (bk *bucket) bytes() int64 {
	if bk.cold != nil {
		return int64(unsafe.Sizeof(*bk)) + int64(cap(bk.pending))*int64(unsafe.Sizeof(pair(0)))
	}
	return int64(unsafe.Sizeof(*bk)) + int64(cap(bk.pending))*int64(unsafe.Sizeof(pair(0))) +
		int64(cap(bk.runs))*int64(unsafe.Sizeof(run{})) + int64(cap(bk.authors))*4 +
		int64(cap(bk.geo))*int64(unsafe.Sizeof(geoEv{})) + int64(cap(bk.places))*int64(unsafe.Sizeof(placeRange{}))
}

// Add counts one post. Posts without a language or a hashtag are not
// counted (a trend is a hashtag).
func (ix *Index) Add(p *Post) {
	if p.Lang == "" || len(p.Tags) == 0 {
		return
	}
	ids := ix.idBuf[:0]
	for _, tag := range p.Tags {
		if tag == "" {
			continue
		}
		id := ix.tags.Intern(tag)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	ix.idBuf = ids
	if len(ids) == 0 {
		return
	}
	b := BucketOf(p.Time)
	ix.sinceCompact++
	switch {
	case !ix.hasNewest || b > ix.newest:
		// The stream moved on: fold in the tails of the buckets behind it,
		// which now fill only with late posts.
		ix.newest, ix.hasNewest = b, true
		ix.compactDirty()
	case ix.sinceCompact >= compactAt:
		// Streams out of time order (merged archives) move on rarely:
		// folding every compactAt posts bounds what a query sorts.
		ix.compactDirty()
	}
	l := ix.langs[p.Lang]
	if l == nil {
		l = &langIndex{}
		ix.langs[p.Lang] = l
		at, _ := slices.BinarySearch(ix.sorted, p.Lang)
		ix.sorted = slices.Insert(ix.sorted, at, p.Lang)
	}
	var cc uint16
	if p.HasPoint && ix.countryOf != nil {
		if code, ok := ix.countryOf(p.Lat, p.Lon); ok {
			cc = CountryCode(code)
		}
	}
	for _, li := range [2]*langIndex{l, ix.all} {
		bk := li.bucket(b, &ix.held, &ix.warm)
		ix.thaw(bk)
		ix.held -= bk.bytes()
		for _, id := range ids {
			bk.pending = append(bk.pending, pairOf(id, p.Author))
			ix.tags.Ref(id)
			if p.HasPoint {
				bk.geo = append(bk.geo, geoEv{lat: p.Lat, lon: p.Lon, tag: id, author: p.Author, cc: cc, src: p.Source})
				ix.tags.Ref(id)
			}
		}
		switch {
		case len(bk.pending) >= compactAt || len(bk.geo)-bk.geoSort >= compactAt:
			ix.compact(bk)
		case !bk.dirty:
			bk.dirty = true
			ix.dirty = append(ix.dirty, bk)
		}
		ix.held += bk.bytes()
	}
}

// compactDirty folds in the tails of the buckets before the newest; the
// newest folds its own when its tail reaches compactAt.
func (ix *Index) compactDirty() {
	keep := ix.dirty[:0]
	for _, bk := range ix.dirty {
		switch {
		case !bk.dirty:
		case ix.hasNewest && bk.idx >= ix.newest:
			keep = append(keep, bk)
		default:
			ix.held -= bk.bytes()
			ix.compact(bk)
			ix.held += bk.bytes()
		}
	}
	clear(ix.dirty[len(keep):])
	ix.dirty = keep
	ix.sinceCompact = 0
}

// compact folds a bucket's unsorted tails into its sorted runs and events.
func (ix *Index) compact(bk *bucket) {
	bk.dirty = false
	if len(bk.pending) > 0 {
		sortPairs(bk.pending)
		newRuns, newAuthors := buildRuns(bk.pending, nil, nil)
		for _, r := range newRuns {
			ix.tags.Ref(r.tag)
		}
		for _, p := range bk.pending {
			ix.tags.Unref(p.tag())
		}
		old := view{bk.runs, bk.authors}
		runs := make([]run, 0, len(old.runs)+len(newRuns))
		authors := make([]uint32, 0, len(old.authors)+len(newAuthors))
		runs, authors = mergeRuns(old, view{newRuns, newAuthors}, runs, authors, ix.tags.Unref)
		bk.runs, bk.authors = slices.Clip(runs), slices.Clip(authors)
		// Most buckets are never written again: a kept tail buffer would
		// cost its capacity in every one of them.
		bk.pending = nil
	}
	if bk.geoSort < len(bk.geo) {
		// Sort the tail and merge: re-sorting the whole bucket at every
		// fold would make filling a bucket quadratic.
		tail := bk.geo[bk.geoSort:]
		slices.SortFunc(tail, cmpGeo)
		if bk.geoSort > 0 {
			bk.geo = mergeGeo(bk.geo[:bk.geoSort], tail)
		}
		bk.geoSort = len(bk.geo)
		bk.places = indexPlaces(bk.places[:0], bk.geo)
	}
}

// mergeGeo merges two sorted runs of events into a new slice.
func mergeGeo(a, b []geoEv) []geoEv {
	out := make([]geoEv, 0, len(a)+len(b)+len(b)/2)
	for len(a) > 0 && len(b) > 0 {
		if cmpGeo(b[0], a[0]) < 0 {
			out = append(out, b[0])
			b = b[1:]
		} else {
			out = append(out, a[0])
			a = a[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// indexPlaces appends the ranges of sorted events per country.
func indexPlaces(dst []placeRange, evs []geoEv) []placeRange {
	for i := 0; i < len(evs); {
		g := &evs[i]
		r := placeRange{cc: g.cc, from: uint32(i), south: g.lat, north: g.lat, west: g.lon, east: g.lon}
		for ; i < len(evs) && evs[i].cc == r.cc; i++ {
			e := &evs[i]
			r.south, r.north = min(r.south, e.lat), max(r.north, e.lat)
			r.west, r.east = min(r.west, e.lon), max(r.east, e.lon)
		}
		r.to = uint32(i)
		dst = append(dst, r)
	}
	return slices.Clip(dst)
}

func cmpGeo(a, b geoEv) int {
	if c := cmp.Compare(a.cc, b.cc); c != 0 {
		return c
	}
	if c := cmp.Compare(a.tag, b.tag); c != 0 {
		return c
	}
	return cmp.Compare(a.author, b.author)
}

func sortPairs(ps []pair) { slices.Sort(ps) }

// buildRuns appends to runs and authors the runs of sorted pairs: one run
// per tag with its distinct authors, posts counting every pair.
func buildRuns(ps []pair, runs []run, authors []uint32) ([]run, []uint32) {
	for i := 0; i < len(ps); {
		r := run{tag: ps[i].tag(), off: uint32(len(authors))}
		for ; i < len(ps) && ps[i].tag() == r.tag; i++ {
			r.posts++
			if a := ps[i].author(); r.authors == 0 || authors[len(authors)-1] != a {
				authors = append(authors, a)
				r.authors++
			}
		}
		runs = append(runs, r)
	}
	return runs, authors
}

// view is a bucket's runs as a query reads them.
type view struct {
	runs    []run
	authors []uint32
}

func (v view) authorsOf(r *run) []uint32 { return v.authors[r.off : r.off+r.authors] }

// find returns the run of tag, if any.
func (v view) find(tag uint32) (*run, bool) {
	i, ok := slices.BinarySearchFunc(v.runs, tag, func(r run, t uint32) int { return cmp.Compare(r.tag, t) })
	if !ok {
		return nil, false
	}
	return &v.runs[i], true
}

// mergeRuns merges two views into runs and authors (appended to the ones
// given); merged holds a tag's run once, so dup is called for the tag of
// every run of b that a run of a already had (the caller's reference
// count drops one), if dup is not nil.
func mergeRuns(a, b view, runs []run, authors []uint32, dup func(uint32)) ([]run, []uint32) {
	if len(b.runs) == 0 {
		return append(runs, a.runs...), append(authors, a.authors...)
	}
	i, j := 0, 0
	for i < len(a.runs) || j < len(b.runs) {
		var r run
		switch {
		case j == len(b.runs) || (i < len(a.runs) && a.runs[i].tag < b.runs[j].tag):
			src := a.runs[i]
			r = run{tag: src.tag, posts: src.posts, off: uint32(len(authors)), authors: src.authors}
			authors = append(authors, a.authorsOf(&src)...)
			i++
		case i == len(a.runs) || b.runs[j].tag < a.runs[i].tag:
			src := b.runs[j]
			r = run{tag: src.tag, posts: src.posts, off: uint32(len(authors)), authors: src.authors}
			authors = append(authors, b.authorsOf(&src)...)
			j++
		default:
			ra, rb := a.runs[i], b.runs[j]
			r = run{tag: ra.tag, posts: ra.posts + rb.posts, off: uint32(len(authors))}
			authors = unionSorted(authors, a.authorsOf(&ra), b.authorsOf(&rb))
			r.authors = uint32(len(authors)) - r.off
			if dup != nil {
				dup(rb.tag)
			}
			i++
			j++
		}
		runs = append(runs, r)
	}
	return runs, authors
}

// unionSorted appends the union of two sorted distinct lists to dst.
func unionSorted(dst, a, b []uint32) []uint32 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			dst = append(dst, a[i])
			i++
		case b[j] < a[i]:
			dst = append(dst, b[j])
			j++
		default:
			dst = append(dst, a[i])
			i++
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// DropBefore forgets the buckets that start before the bucket of t: the
// embedded store calls it with the time of the oldest post it holds, so
// the index reaches back as far as the posts do.
func (ix *Index) DropBefore(t int64) {
	cut := BucketOf(t)
	ix.held -= ix.all.dropBefore(cut, ix)
	for key, l := range ix.langs {
		ix.held -= l.dropBefore(cut, ix)
		if len(l.buckets) == 0 {
			delete(ix.langs, key)
			if at, ok := slices.BinarySearch(ix.sorted, key); ok {
				ix.sorted = slices.Delete(ix.sorted, at, at+1)
			}
		}
	}
	if len(ix.dirty) > 0 {
		ix.dirty = slices.DeleteFunc(ix.dirty, func(b *bucket) bool { return b.idx < cut })
	}
}

// dropBefore forgets the buckets before cut and returns their bytes.
func (l *langIndex) dropBefore(cut int64, ix *Index) (bytes int64) {
	tags := ix.tags
	n := 0
	for n < len(l.buckets) && l.buckets[n].idx < cut {
		bk := l.buckets[n]
		bytes += bk.bytes()
		// A cold block that does not decompress (damaged; the cold
		// files' check reports it) leaves its tags referenced.
		a, _ := arraysOf(bk, &ix.coldScratch, needAll)
		for _, r := range a.runs {
			tags.Unref(r.tag)
		}
		for _, p := range bk.pending {
			tags.Unref(p.tag())
		}
		for _, g := range a.geo {
			tags.Unref(g.tag)
		}
		bk.dirty, bk.dropped = false, true
		if bk.cold != nil {
			ix.area.Release(bk.cold)
			bk.cold, bk.coldLens, bk.coldSplit = nil, [4]uint32{}, 0
		}
		n++
	}
	if n > 0 {
		clear(l.buckets[:n])
		l.buckets = l.buckets[n:]
		l.coldN = max(l.coldN-n, 0)
	}
	return bytes
}

// Size reports the buckets held (of all languages together) and the
// distinct tags they hold.
func (ix *Index) Size() (buckets, tags int) { return len(ix.all.buckets), ix.tags.Distinct() }

// MemoryBytes estimates the bytes the index holds.
func (ix *Index) MemoryBytes() int64 {
	n := ix.tags.MemoryBytes() + ix.held + int64(cap(ix.all.buckets))*8
	for _, l := range ix.langs {
		n += int64(cap(l.buckets)) * 8
	}
	return n
}
