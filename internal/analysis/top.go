// Package analysis holds the seed notebook's analyses as pure functions over
// data a store hands it: top-N hashtag counting with Python's
// Counter.most_common semantics, and heat-map gridding with bounding-box
// filtering. It knows nothing about transport or storage, so every store
// implementation (memstore, Redis) gives the same answers.
package analysis

import (
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
)

// IDCount is an interned tag id and how often it occurred.
type IDCount struct {
	ID    uint32
	Count int64
}

// Counter counts interned tag ids the way Python's collections.Counter does
// when fed a sequence: MostCommon orders by count descending and keeps tags
// with equal counts in the order they were first seen (Python 3 dicts keep
// insertion order, and most_common sorts stably).
//
// Counts live in a dense slice indexed by id rather than a map: stores
// intern tags into small consecutive ids, so counting a window of millions of
// hashtags is one increment per tag without hashing. A Counter is reusable
// (Reset clears only the ids it touched) and is not safe for concurrent use.
type Counter struct {
	counts []uint32      // by id; zero for ids not seen since the last Reset
	seen   []uint32      // ids in first-seen order
	ranked []rankedCount // scratch for MostCommon
	// first, once AddRanked was called since the last Reset, holds by id
	// the smallest rank it was added with: ties are then ordered by it
	// instead of by the order of the calls.
	first  []uint64
	byRank bool
}

// Grow makes room for ids below n, so that Add never has to grow the dense
// slice in its hot loop. Call it with the interner's size before counting.
func (c *Counter) Grow(n int) {
	if n > len(c.counts) {
		c.counts = append(c.counts, make([]uint32, n-len(c.counts))...)
	}
}

// Add counts one occurrence of id.
func (c *Counter) Add(id uint32) {
	if int(id) >= len(c.counts) {
		c.Grow(int(id) + 1)
	}
	if c.counts[id] == 0 {
		c.seen = append(c.seen, id)
	}
	c.counts[id]++
}

// AddAll counts every id of ids, in order.
func (c *Counter) AddAll(ids []uint32) {
	counts := c.counts
	for _, id := range ids {
		if int(id) >= len(counts) {
			c.Grow(int(id) + 1)
			counts = c.counts
		}
		if counts[id] == 0 {
			c.seen = append(c.seen, id)
		}
		counts[id]++
	}
}

// AddRanked counts n occurrences of id, the first of which is at rank in
// the sequence counted (say a post's position and the tag's place in it).
// For counts that arrive out of order (a block's precomputed counts, then
// posts before them): MostCommon then orders equal counts by their
// smallest rank, as counting the sequence in order would have. Mixing Add
// and AddRanked between Resets is not meaningful.
func (c *Counter) AddRanked(id, n uint32, rank uint64) {
	if int(id) >= len(c.counts) {
		c.Grow(int(id) + 1)
	}
	if len(c.first) < len(c.counts) {
		c.first = append(c.first, make([]uint64, len(c.counts)-len(c.first))...)
	}
	c.byRank = true
	if c.counts[id] == 0 {
		c.seen = append(c.seen, id)
		c.first[id] = rank
	} else if rank < c.first[id] {
		c.first[id] = rank
	}
	c.counts[id] += n
}

// Count reports how often id was counted since the last Reset.
func (c *Counter) Count(id uint32) int64 {
	if int(id) >= len(c.counts) {
		return 0
	}
	return int64(c.counts[id])
}

// Distinct reports how many different ids were counted.
func (c *Counter) Distinct() int { return len(c.seen) }

// Reset forgets all counts. It costs O(distinct ids counted), not O(ids
// the counter has room for).
func (c *Counter) Reset() {
	for _, id := range c.seen {
		c.counts[id] = 0
	}
	c.seen = c.seen[:0]
	c.byRank = false
}

// rankedCount is a candidate for the top list: rank is the tie breaker
// (the position in first-seen order, or the first rank AddRanked was
// given), at the id's index in seen.
type rankedCount struct {
	count uint32
	at    uint32
	rank  uint64
}

// before reports whether a sorts before b in most_common order.
func (a rankedCount) before(b rankedCount) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	return a.rank < b.rank
}

// MostCommon appends to dst the n most common ids (all of them when n is
// larger than Distinct), ordered as Counter.most_common(n) orders them, and
// returns the extended slice. n <= 0 returns dst unchanged.
//
// Selection is O(distinct·log n): a top-3 over a million distinct tags does
// not sort a million entries.
func (c *Counter) MostCommon(n int, dst []IDCount) []IDCount {
	if n <= 0 || len(c.seen) == 0 {
		return dst
	}
	cand := c.ranked[:0]
	for at, id := range c.seen {
		rank := uint64(at)
		if c.byRank {
			rank = c.first[id]
		}
		cand = append(cand, rankedCount{count: c.counts[id], at: uint32(at), rank: rank})
	}
	for _, rc := range selectBest(cand, n, rankedCount.before) {
		dst = append(dst, IDCount{ID: c.seen[rc.at], Count: int64(rc.count)})
	}
	c.ranked = cand[:0]
	return dst
}

// MostCommon is the seed's cell on plain strings: it lower-cases every tag
// with Python's str.lower, counts them, and returns the n most common in
// Counter.most_common order. Stores use Counter over interned ids instead;
// this is the reference they are tested against and a convenience for
// callers holding a few strings.
func MostCommon(tags []string, n int) []store.TagCount {
	ids := make(map[string]uint32, len(tags))
	var names []string
	var c Counter
	for _, t := range tags {
		t = pytext.Lower(t)
		id, ok := ids[t]
		if !ok {
			id = uint32(len(names))
			ids[t] = id
			names = append(names, t)
		}
		c.Add(id)
	}
	top := c.MostCommon(n, nil)
	out := make([]store.TagCount, len(top))
	for i, tc := range top {
		out[i] = store.TagCount{Tag: names[tc.ID], Count: tc.Count}
	}
	return out
}
