package trend

import (
	"cmp"
	"errors"
	"slices"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

// ErrNoCountries is returned for a country query when the index places no
// point in a country (it was built without the country outlines).
var ErrNoCountries = errors.New("trend: no country index (the binary lacks the country outlines: run `make build`)")

// Query scores the tags of the selection q. head is the store's head time
// and oldest the time of the oldest post it holds (unix nanoseconds);
// empty says the store holds nothing.
func (ix *Index) Query(q store.TrendsQuery, head, oldest int64, empty bool) (store.TrendsResult, error) {
	q, err := q.Normalize()
	if err != nil {
		return store.TrendsResult{}, err
	}
	if q.Country != "" && ix.countryOf == nil {
		return store.TrendsResult{}, ErrNoCountries
	}
	if !q.At.IsZero() {
		head = min(head, store.UnixNanos(q.At))
	}
	nw := ceilBuckets(q.Window)
	nb := ceilBuckets(q.Baseline)
	hb := BucketOf(head)
	winLo := hb - nw + 1
	baseLo := winLo - nb
	lo := baseLo
	if held := BucketOf(oldest); held > lo {
		lo = held
	}
	if empty {
		lo = winLo
	}
	res := store.TrendsResult{
		Trends:        []store.Trend{},
		From:          bucketStart(winLo),
		To:            bucketStart(hb + 1),
		BaselineFrom:  bucketStart(min(lo, winLo)),
		BaselineShort: lo > baseLo,
		Bucket:        store.TrendBucket,
	}
	if lo < winLo {
		res.BaselineHeld = time.Duration(winLo-lo) * store.TrendBucket
	}
	if empty {
		return res, nil
	}

	sel := ix.selector(q)
	acc := newAccumulator(ix.tags.Size())
	windows := make([]view, nw)
	for b := lo; b <= hb; b++ {
		v := sel.view(b, b >= winLo)
		if b < winLo {
			acc.baseline(v, b)
			continue
		}
		acc.window(v, b)
		windows[b-winLo] = v
	}
	if sel.err != nil {
		return res, sel.err
	}
	res.WindowActivity, res.BaselineActivity = acc.winTotal, acc.baseTotal
	if res.BaselineHeld < q.Window {
		// A fresh store: with less than a window of baseline every tag
		// of the window looks new (a replayed demo day lists over a
		// hundred steady tags an hour in its first hour: BENCHMARKS.md).
		res.WarmingUp = true
		return res, nil
	}

	var (
		trends []store.Trend
		all    []uint32
	)
	for _, tag := range acc.touched {
		observed := int64(acc.win[tag])
		if observed < int64(q.MinAuthors) {
			continue
		}
		res.Candidates++
		expected := 0.0
		if acc.baseTotal > 0 {
			expected = float64(acc.base[tag]) * float64(acc.winTotal) / float64(acc.baseTotal)
		}
		expected = max(expected, 1)
		if float64(observed) <= expected {
			continue
		}
		score := (float64(observed) - expected) * (float64(observed) - expected) / expected
		if q.MinScore >= 0 && score < q.MinScore {
			continue
		}
		// The window's distinct authors: one account posting in every
		// bucket adds to observed once per bucket, but counts once here.
		all = all[:0]
		for _, v := range windows {
			if r, ok := v.find(tag); ok {
				all = append(all, v.authorsOf(r)...)
			}
		}
		slices.Sort(all)
		authors := int64(len(slices.Compact(all)))
		if authors < int64(q.MinAuthors) {
			continue
		}
		trends = append(trends, store.Trend{
			Tag: ix.tags.Name(tag), Score: score, Authors: authors, Posts: int64(acc.posts[tag]),
			Observed: observed, Expected: expected, FirstSeen: bucketStart(acc.first[tag]),
		})
	}
	trends = rank(trends, q.N)
	for i := range trends {
		tag, _ := ix.tags.Lookup(trends[i].Tag)
		series := make([]int64, nw)
		for j, v := range windows {
			if r, ok := v.find(tag); ok {
				series[j] = int64(r.authors)
			}
		}
		trends[i].Series = series
	}
	if trends != nil {
		res.Trends = trends
	}
	return res, nil
}

// rank orders trends best first (score, then authors, then tag) and keeps
// the first n.
func rank(trends []store.Trend, n int) []store.Trend {
	slices.SortFunc(trends, func(a, b store.Trend) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Authors, a.Authors); c != 0 {
			return c
		}
		return cmp.Compare(a.Tag, b.Tag)
	})
	return trends[:min(len(trends), n)]
}

func ceilBuckets(d time.Duration) int64 {
	return (int64(d) + bucketNanos - 1) / bucketNanos
}

// accumulator sums activity per tag over a query's buckets, in slices
// indexed by tag id (ids are dense), touching only the tags it sees.
type accumulator struct {
	base, win, posts    []uint32
	first               []int64
	seen                []bool
	touched             []uint32
	baseTotal, winTotal int64
}

func newAccumulator(n int) *accumulator {
	return &accumulator{
		base: make([]uint32, n), win: make([]uint32, n), posts: make([]uint32, n),
		first: make([]int64, n), seen: make([]bool, n),
	}
}

func (a *accumulator) see(tag uint32, b int64) {
	if !a.seen[tag] {
		a.seen[tag] = true
		a.first[tag] = b
		a.touched = append(a.touched, tag)
	}
}

func (a *accumulator) baseline(v view, b int64) {
	for i := range v.runs {
		r := &v.runs[i]
		a.see(r.tag, b)
		a.base[r.tag] += r.authors
		a.baseTotal += int64(r.authors)
	}
}

func (a *accumulator) window(v view, b int64) {
	for i := range v.runs {
		r := &v.runs[i]
		a.see(r.tag, b)
		a.win[r.tag] += r.authors
		a.posts[r.tag] += r.posts
		a.winTotal += int64(r.authors)
	}
}

// selector turns a bucket into the runs of the posts a query selects. Every
// selection reads one language index: the language's, or all languages'.
type selector struct {
	q     store.TrendsQuery
	li    *langIndex // nil: the language has no posts
	cc    uint16
	pairs []pair
	runs  []run       // scratch for views not kept
	auth  []uint32    // scratch for views not kept
	cold  coldScratch // a cold bucket's arrays, decompressed
	err   error       // a cold bucket that did not decompress
}

func (ix *Index) selector(q store.TrendsQuery) *selector {
	s := &selector{q: q, cc: CountryCode(q.Country), li: ix.all}
	if q.Lang != "" {
		s.li = ix.langs[q.Lang]
	}
	if q.Country != "" && s.cc == 0 {
		s.li = nil // not a country code: nothing lies in it
	}
	return s
}

// view returns bucket b's runs for the selection. Views of stored runs
// are the index's own slices; the rest are built for the query, in
// scratch space reused by the next call unless keep is set.
func (s *selector) view(b int64, keep bool) view {
	if s.li == nil {
		return view{}
	}
	bk, ok := s.li.find(b)
	if !ok {
		return view{}
	}
	var runs []run
	var authors []uint32
	if !keep {
		runs, authors = s.runs[:0], s.auth[:0]
		defer func() { s.runs, s.auth = runs, authors }()
	}
	need := needRuns
	if s.q.HasArea() {
		need = needGeo
	}
	a, err := arraysOf(bk, &s.cold, need)
	if err != nil {
		s.err = err
		return view{}
	}
	if !s.q.HasArea() {
		stored := view{a.runs, a.authors}
		if len(bk.pending) == 0 {
			if keep && bk.cold != nil {
				// s.cold is reused by the next view.
				return view{clone(a.runs), clone(a.authors)}
			}
			return stored
		}
		s.pairs = append(s.pairs[:0], bk.pending...)
		sortPairs(s.pairs)
		tail := view{}
		tail.runs, tail.authors = buildRuns(s.pairs, nil, nil)
		runs, authors = mergeRuns(stored, tail, runs, authors, nil)
		return view{runs, authors}
	}
	s.pairs = s.pairs[:0]
	ranges := 0
	places := a.places
	if s.cc != 0 {
		i, ok := slices.BinarySearchFunc(places, s.cc, func(r placeRange, cc uint16) int { return cmp.Compare(r.cc, cc) })
		places = places[i:i]
		if ok {
			places = a.places[i : i+1]
		}
	}
	for i := range places {
		r := &places[i]
		if s.cc == 0 && !s.overlaps(r) {
			continue
		}
		ranges++
		for j := r.from; j < r.to; j++ {
			if g := &a.geo[j]; s.keep(g) {
				s.pairs = append(s.pairs, pairOf(g.tag, g.author))
			}
		}
	}
	// Events of one country come sorted by tag and author; several
	// countries' or the unsorted tail's need sorting.
	sorted := len(s.pairs)
	for _, g := range a.geo[bk.geoSort:] {
		if (s.cc == 0 || g.cc == s.cc) && s.keep(&g) {
			s.pairs = append(s.pairs, pairOf(g.tag, g.author))
		}
	}
	if len(s.pairs) == 0 {
		return view{}
	}
	if ranges > 1 || len(s.pairs) > sorted {
		sortPairs(s.pairs)
	}
	runs, authors = buildRuns(s.pairs, runs, authors)
	return view{runs, authors}
}

// overlaps reports whether a country's points may lie in the query's
// Bounds (the zero box says nothing, so every country may).
func (s *selector) overlaps(r *placeRange) bool {
	bb := s.q.Bounds
	if bb.IsZero() {
		return true
	}
	if r.north < bb.South || r.south > bb.North {
		return false
	}
	if bb.West <= bb.East {
		return r.east >= bb.West && r.west <= bb.East
	}
	return r.east >= bb.West || r.west <= bb.East // across the antimeridian
}

func (s *selector) keep(g *geoEv) bool {
	if !s.q.Geo.Has(g.src) {
		return false
	}
	if s.cc != 0 {
		return g.cc == s.cc
	}
	if bb := &s.q.Bounds; !bb.IsZero() {
		if g.lat < bb.South || g.lat > bb.North {
			return false
		}
		if bb.West <= bb.East && (g.lon < bb.West || g.lon > bb.East) {
			return false
		}
	}
	return s.q.Within(g.lat, g.lon)
}
