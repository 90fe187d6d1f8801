package memstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/textindex"
)

// The exploration queries (store/explore.go, docs/explore.md). Posts and
// every query with a keyword search (Q) read the text index (s.keep);
// the others read the columns, deciding whole chunks by their time bounds
// where they can.

// inSpan reports whether t is in [lo, hi); hi math.MaxInt64 is an open end
// and holds every time (deque.Between's rule).
func inSpan(t, lo, hi int64) bool { return t >= lo && (t < hi || hi == math.MaxInt64) }

// addSource counts one point of provenance g.
func addSource(c *store.GeoCounts, g post.GeoSource) {
	switch g {
	case post.GeoExact:
		c.Exact++
	case post.GeoPlace:
		c.Place++
	case post.GeoProfile:
		c.Profile++
	case post.GeoText:
		c.Text++
	}
}

// countsSelected answers a Counts query with a Range or a BBox: per
// language the posts in the range (with a BBox, the posts with a point of
// Geo's provenances inside it), their hashtags and points. Languages with
// nothing selected are left out.
func (s *Store) countsSelected(ctx context.Context, q store.CountsQuery) ([]store.LangCount, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	var box analysis.Box
	withBox := !q.BBox.IsZero()
	if withBox {
		if box, err = analysis.NewBox(q.BBox); err != nil {
			return nil, fmt.Errorf("memstore: %w", err)
		}
	}
	cells := newBoxCells(box)
	lo, hi := q.Range.Nanos()
	spans := spanPool.Get().(*[]span)
	defer spanPool.Put(spans)
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]store.LangCount, 0, len(s.sorted))
	for _, id := range s.sorted {
		l := s.langs[id]
		lc := store.LangCount{Lang: l.key}
		if withBox {
			*spans = l.geo.Between(lo, hi, l.pointTimes().of, (*spans)[:0])
			for _, sp := range *spans {
				l.geo.eachInBox(&cells, sp.from, sp.to, l.tagsOf, nil, func(i int, _ *geoRec, _ uint32, ntag int) bool {
					if src := l.geoMeta.At(i).source; q.Geo.Has(src) {
						lc.Posts++
						addSource(&lc.GeoBySource, src)
						lc.Hashtags += int64(ntag)
					}
					return true
				})
			}
		} else {
			*spans = l.times.Between(lo, hi, timeOfPost, (*spans)[:0])
			for _, sp := range *spans {
				lc.Posts += int64(sp.to - sp.from)
				from, _ := l.tagSpan(sp.from)
				_, to := l.tagSpan(sp.to - 1)
				lc.Hashtags += int64(to - from)
			}
			*spans = l.geo.Between(lo, hi, l.pointTimes().of, (*spans)[:0])
			for _, sp := range *spans {
				l.geoMeta.Segments(sp.from, sp.to, func(seg []geoMeta) bool {
					for _, m := range seg {
						addSource(&lc.GeoBySource, m.source)
					}
					return true
				})
			}
		}
		if lc.Posts == 0 {
			continue
		}
		lc.Geo = lc.GeoBySource.Trusted()
		out = append(out, lc)
	}
	return out, nil
}

// searchFilter is the text index filter of a query's selection. Caller
// checked q with ParseSearch (Normalize).
func searchFilter(lang, tag, q string, bbox store.BBox, geo post.GeoSet, lo, hi int64) textindex.Filter {
	f := textindex.Filter{Lang: lang, Lo: lo, Hi: hi}
	if lo == 0 && hi == 0 {
		// The index reads both zero as "every time"; [0, 0) is empty.
		f.Lo, f.Hi = 1, 0
	}
	if tag != "" {
		f.Tag = pytext.Lower(tag)
	}
	if q != "" {
		f.Words, _ = store.ParseSearch(q)
	}
	if !bbox.IsZero() {
		f.BBox, f.Geo = bbox, geo
	}
	return f
}

// topTagsOfSearch returns per language the tag ids of the kept posts
// matching a Top query's Q (and BBox, span), in post order. Caller holds
// mu.
func (s *Store) topTagsOfSearch(q store.TopQuery, lo, hi int64) (map[*lang][]uint32, error) {
	out := make(map[*lang][]uint32)
	if s.keep == nil || lo >= hi {
		return out, nil
	}
	f := searchFilter(q.Lang, "", q.Q, q.BBox, q.Geo, lo, hi)
	err := s.keep.Each(f, func(e *textindex.Entry) bool {
		l := s.langs[s.langIDs[e.Lang]]
		e.EachTag(func(tag string) bool {
			// Every kept post is held, so its tags are interned.
			if id, ok := s.tags.Lookup(tag); ok {
				out[l] = append(out[l], id)
			}
			return true
		})
		return true
	})
	return out, err
}

// heatOfSearch bins the points of the kept posts matching a Heat query
// with Q into sc.grid in the order the column scan uses: languages by key,
// each oldest first; with Last the Last newest (by arrival), oldest first.
// Caller holds mu.
func (s *Store) heatOfSearch(q store.HeatQuery, box analysis.Box, tag string, now int64, sc *heatScratch) error {
	if s.keep == nil {
		return nil
	}
	head, hasHead := s.headNanos(now)
	lo, hi := store.TimeSpan(q.Window, q.Range, head, hasHead)
	if lo >= hi {
		return nil
	}
	type hit struct {
		rank     int // the language's position in key order
		seq      uint64
		lat, lon float64
	}
	rank := make(map[string]int, len(s.sorted))
	for i, id := range s.sorted {
		rank[s.langs[id].key] = i
	}
	f := searchFilter(q.Lang, tag, q.Q, box.BBox(), q.Geo, lo, hi)
	f.Geo = q.Geo // points only, of the query's provenances, in the box
	var hits []hit
	err := s.keep.Each(f, func(e *textindex.Entry) bool {
		hits = append(hits, hit{rank[e.Lang], e.Seq, e.Lat, e.Lon})
		return true
	})
	if err != nil {
		return err
	}
	if q.Last > 0 {
		hits = hits[max(len(hits)-q.Last, 0):] // Each goes in arrival order
	} else {
		slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.rank, b.rank) })
	}
	for _, h := range hits {
		sc.grid.AddLatLon(h.lat, h.lon)
	}
	return nil
}

// Histogram implements store.Querier. Without Tag, Q or BBox it counts
// chunk by chunk: a chunk whose time bounds lie in one bucket adds its
// length without reading its times, so posts recorded in time order cost
// one test per chunk. With BBox it counts only points (Posts = Points);
// with Q it counts the kept posts that match.
func (s *Store) Histogram(ctx context.Context, q store.HistogramQuery) (store.HistogramResult, error) {
	q, err := q.Normalize()
	if err != nil {
		return store.HistogramResult{}, fmt.Errorf("memstore: %w", err)
	}
	var box analysis.Box
	if !q.BBox.IsZero() {
		if box, err = analysis.NewBox(q.BBox); err != nil {
			return store.HistogramResult{}, fmt.Errorf("memstore: %w", err)
		}
	}
	now := store.UnixNanos(s.now())
	// Before the lock: the cold chunks a box's histogram takes stay
	// mapped until it is counted.
	defer s.exitCold(s.enterCold())
	if err := s.begin(ctx); err != nil {
		return store.HistogramResult{}, err
	}
	locked := true
	defer func() {
		if locked {
			s.mu.RUnlock()
		}
	}()

	lo, hi := q.Range.Nanos()
	if q.Range.From.IsZero() || q.Range.To.IsZero() {
		// Open ends are the oldest post held and the head (included).
		head, hasHead := s.headNanos(now)
		oldest, hasOldest := s.oldestNanos()
		if !hasHead || !hasOldest {
			return store.HistogramResult{Buckets: []store.HistogramBucket{}}, nil
		}
		if q.Range.From.IsZero() {
			lo = oldest
		}
		if q.Range.To.IsZero() {
			hi = head
			if head < math.MaxInt64 {
				hi = head + 1
			}
		}
	}
	start, step, n := store.HistogramPlan(lo, hi, q.Buckets)
	res := store.HistogramResult{Step: step, Buckets: make([]store.HistogramBucket, n)}
	if lo < hi {
		res.From, res.To = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	}
	posts := make([]int64, n)
	points := make([]int64, n)
	h := histo{lo: lo, hi: hi, start: start, step: int64(step), n: n}
	if n > 0 {
		switch {
		case q.Q != "":
			err = s.histogramOfSearch(q, box, &h, posts, points)
		case !q.BBox.IsZero():
			sc := heatPool.Get().(*heatScratch)
			if tag, found := s.snapshotHistogram(q, h.lo, sc); found {
				if q.Tag == "" {
					s.mu.RUnlock()
					locked = false
				}
				histogramOfBox(q, box, tag, &h, posts, sc)
			}
			sc.release()
			copy(points, posts)
		default:
			s.histogramOfColumns(q, &h, posts, points)
		}
		if err != nil {
			return store.HistogramResult{}, fmt.Errorf("memstore: %w", err)
		}
	}
	for i := range res.Buckets {
		res.Buckets[i] = store.HistogramBucket{
			Start: time.Unix(0, start+int64(i)*int64(step)).UTC(), Posts: posts[i], Points: points[i],
		}
		res.Posts += posts[i]
		res.Points += points[i]
	}
	return res, nil
}

// histo is a histogram's plan: times in [lo, hi) go to bucket
// (t − start) / step of n.
type histo struct {
	lo, hi, start, step int64
	n                   int
}

// bucket returns the bucket of t, or -1 when t is outside [lo, hi).
func (h *histo) bucket(t int64) int {
	if t < h.lo || t >= h.hi {
		return -1
	}
	// t - start may overflow int64 only for spans beyond 292 years, which
	// HistogramPlan answers with a stretched step; use unsigned math.
	return int(uint64(t-h.start) / uint64(h.step))
}

// countDeque adds to counts the elements of d (indexes [from, to) only
// when from >= 0) whose time is in the plan, per bucket; a chunk whose
// bounds fall in one bucket is added whole. keep, when set, filters
// elements (and forces reading them).
func countDeque[T any](d *deque[T], timeOf func(*T) int64, h *histo, counts []int64, keep func(i int) bool) {
	for ci := 0; ci < len(d.bounds); ci++ {
		if blk, ok := d.wholeBlock(ci); ok {
			if blk.hi < h.lo || blk.lo >= h.hi {
				ci += blockChunksT - 1
				continue
			}
			if k := h.bucket(blk.lo); keep == nil && k >= 0 && k == h.bucket(blk.hi) {
				counts[k] += blockChunksT * chunkLen
				ci += blockChunksT - 1
				continue
			}
		}
		b := d.bounds[ci]
		first := max(ci*chunkLen-d.head, 0)
		last := min((ci+1)*chunkLen-d.head, d.n)
		if first >= last || b.hi < h.lo || b.lo >= h.hi {
			continue
		}
		if keep == nil {
			if k := h.bucket(b.lo); k >= 0 && k == h.bucket(b.hi) {
				counts[k] += int64(last - first)
				continue
			}
		}
		// Posts mostly come in time order: remember the last bucket's
		// bounds and divide only when a time leaves it.
		k, kLo, kHi := -1, int64(0), int64(0)
		seg := d.chunks[(d.head+first)>>chunkShift][(d.head+first)&chunkMask : (d.head+last-1)&chunkMask+1]
		for j := range seg {
			t := timeOf(&seg[j])
			if t < kLo || t >= kHi || k < 0 {
				if k = h.bucket(t); k < 0 {
					continue
				}
				kLo = h.start + int64(k)*h.step
				kHi = max(kLo+h.step, kLo) // saturate: never below kLo
				kLo, kHi = max(kLo, h.lo), min(kHi, h.hi)
			}
			if keep == nil || keep(first+j) {
				counts[k]++
			}
		}
	}
}

// histogramLangs returns the languages a selection reads. Caller holds mu.
func (s *Store) histogramLangs(key string) []*lang {
	if key == "" {
		return s.langs
	}
	if id, ok := s.langIDs[key]; ok {
		return []*lang{s.langs[id]}
	}
	return nil
}

// histogramOfColumns counts posts and points, with a tag filter per post.
// Caller holds mu.
func (s *Store) histogramOfColumns(q store.HistogramQuery, h *histo, posts, points []int64) {
	var tag uint32
	if q.Tag != "" {
		var ok bool
		if tag, ok = s.tags.Lookup(pytext.Lower(q.Tag)); !ok {
			return
		}
	}
	for _, l := range s.histogramLangs(q.Lang) {
		var hasTag func(post int) bool
		if q.Tag != "" {
			hasTag = func(i int) bool {
				from, to := l.tagSpan(i)
				for k := from; k < to; k++ {
					if l.tags.At(k) == tag {
						return true
					}
				}
				return false
			}
		}
		countDeque(&l.times, timeOfPost, h, posts, hasTag)
		var keep func(i int) bool
		if !l.geoBySource().Covers(q.Geo) {
			keep = func(i int) bool { return q.Geo.Has(l.geoMeta.At(i).source) }
		}
		if hasTag != nil {
			pf, geoKeep := uint32(l.postFront()), keep
			keep = func(i int) bool {
				return (geoKeep == nil || geoKeep(i)) && hasTag(int(l.geo.Ptr(i).post-pf))
			}
		}
		countDeque(&l.geo.deque, l.pointTimes().of, h, points, keep)
	}
}

// histView is what a box's histogram counts of one language, taken under
// the read lock (snapshotHistogram) and counted without it, as Heat does
// with heatView: the points' chunks and cell indexes are shared (copies of
// their pointer lists), their time bounds and summary lists copied. Only a
// histogram of a hashtag counts with the lock held, reading its posts'
// hashtags through l.
type histView struct {
	l        *lang
	geo      pointDeque
	times    deque[int64]   // the points' times are their posts' (pointTimes)
	postFt   uint32         // l.postFront() at the snapshot, wrapping
	meta     deque[geoMeta] // with cf or readEach
	cf       classFilter    // used when byClass
	byClass  bool
	readEach bool
	classes  [2]bool // the summaries' classes, when useSums
	useSums  bool
}

// snapshotHistogram fills sc.hists with the languages a box's histogram
// counts and returns the tag's number (found false when the tag was never
// seen: nothing to count); lo is where its time span starts. Caller holds
// mu for reading.
func (s *Store) snapshotHistogram(q store.HistogramQuery, lo int64, sc *heatScratch) (tag uint32, found bool) {
	if q.Tag != "" {
		if tag, found = s.tags.Lookup(pytext.Lower(q.Tag)); !found {
			return 0, false
		}
	}
	useSums := useSummaries && q.Tag == ""
	for _, l := range s.histogramLangs(q.Lang) {
		v := histView{l: l}
		cf, readEach := l.selectGeo(q.Geo)
		if useSums {
			v.classes, v.useSums = classesFor(q.Geo, l.heldSources())
		}
		v.geo = sc.snapshotPoints(&l.geo, true, v.useSums)
		// Counting reads the times of points in chunks that reach lo only
		// (the others are skipped by their bounds): a histogram of the
		// last day need not copy a year of the times' chunk pointers.
		if first := max(l.geo.firstChunkFrom(lo)*chunkLen-l.geo.head, 0); first < l.geo.Len() {
			at := int(l.geo.Ptr(first).post - uint32(l.postFront()))
			v.times, sc.timePtrs = snapshotDequeFrom(&l.times, at, sc.timePtrs)
			v.postFt = uint32(l.postFront()) + uint32(at)
		}
		if v.byClass, v.readEach = cf != nil, readEach; cf != nil || readEach {
			v.meta, sc.metaPtrs = snapshotDeque(&l.geoMeta, sc.metaPtrs)
		}
		if cf != nil {
			v.cf.classes = cf.classes
		}
		sc.hists = append(sc.hists, v)
	}
	return tag, true
}

// histogramOfBox counts the points in the box (with the tag) of the views
// snapshotHistogram took, chunk by chunk so that the provenances are read
// in step, and through the chunks' cell indexes: a box over a busy region
// holds millions of points, and reading the world's to find them cost
// more than counting them. Without a tag, a summarised block whose points'
// times all fall in one bucket adds its count in the box from its summary
// instead (as a heat map at zoom 0 reads it), largest blocks first, and a
// level-0 block across one bucket edge too (countAcross). With a tag,
// caller holds mu.
func histogramOfBox(q store.HistogramQuery, box analysis.Box, tag uint32, h *histo, counts []int64, sc *heatScratch) {
	cells := newBoxCells(box)
	var f heatFilter
	useSums := false
	if useSummaries && q.Tag == "" {
		f.box = box
		f.sums, useSums = newHeatSums(box, 0)
	}
	var g analysis.Grid
	// A block is counted from its summary when its times fall in one
	// bucket, or (a level-0 block) in two: over a year in weeks, every
	// language has a block across each week's edge, and counting its 32
	// chunks one by one was most of what the histogram cost.
	useBlock := func(sum *summary) bool {
		k := h.bucket(sum.lo)
		if k < 0 {
			return false
		}
		k1 := h.bucket(sum.hi)
		return k1 == k || k1 == k+1 && sum.level == 0
	}
	for i := range sc.hists {
		v := &sc.hists[i]
		if v.byClass {
			v.cf.meta = &v.meta
		}
		d := &v.geo
		run := func(from, to int) bool {
			v.countChunks(q, tag, &cells, h, counts, from, to)
			return true
		}
		if !useSums || !v.useSums {
			run(0, d.Len())
			continue
		}
		hv := heatView{geo: v.geo, classes: v.classes}
		blockRuns(&d.agg, d.base, d.head, 0, d.Len(), useBlock,
			func(sum *summary, from, to int) bool {
				g.Reset(0)
				f.sums.addSummary(sum, v.classes, &g)
				f.scanEdges(&hv, f.sums.edges, &d.agg, d.base*chunkLen+d.head, sum, &g, from, to, func(i int) int { return i })
				if k := h.bucket(sum.lo); k == h.bucket(sum.hi) {
					counts[k] += g.Points()
				} else {
					v.countAcross(q, tag, &cells, h, counts, from, to, k, g.Points())
				}
				if histogramBlockHook != nil {
					histogramBlockHook()
				}
				return true
			}, run)
	}
}

// countAcross counts a block [from, to) of the view whose points' times
// fall in buckets k and k+1 and of which total lie in the box: the chunks
// on the side with fewer chunks, and those across the edge, are counted
// one by one (countChunks); the rest, all in the other bucket, are the
// total less what those counted. Chunk bounds are never narrower than
// their times, so a chunk they place wholly in a bucket is in it.
func (v *histView) countAcross(q store.HistogramQuery, tag uint32, cells *boxCells, h *histo, counts []int64, from, to, k int, total int64) {
	d := &v.geo
	ci0, ci1 := (d.head+from)>>chunkShift, (d.head+to-1)>>chunkShift
	left, right := 0, 0
	for _, b := range d.bounds[ci0 : ci1+1] {
		switch {
		case h.bucket(b.hi) == k:
			left++
		case h.bucket(b.lo) == k+1:
			right++
		}
	}
	far := k + 1 // the bucket of the chunks not counted one by one
	if left > right {
		far = k
	}
	// The chunks' times lie in buckets k and k+1, and so does what
	// counting them adds.
	before := counts[k] + counts[k+1]
	for ci := ci0; ci <= ci1; ci++ {
		b := d.bounds[ci]
		if far == k && h.bucket(b.hi) == k || far == k+1 && h.bucket(b.lo) == k+1 {
			continue
		}
		v.countChunks(q, tag, cells, h, counts, max(ci*chunkLen-d.head, from), min((ci+1)*chunkLen-d.head, to))
	}
	counts[far] += total - (counts[k] + counts[k+1] - before)
}

// histogramBlockHook, when set by a test, runs for every block a box's
// histogram counts from its summary; histogramScanHook before every chunk
// it counts otherwise.
var histogramBlockHook, histogramScanHook func()

// countChunks counts the points [from, to) of the view in the box (with
// the tag, when tagged, under mu), chunk by chunk, of the provenances its
// class filter selects or, with readEach, those q.Geo has, read point by
// point (selectGeo).
func (v *histView) countChunks(q store.HistogramQuery, tag uint32, cells *boxCells, h *histo, counts []int64, from, to int) {
	d := &v.geo
	pt := timesOf(&v.times, v.postFt)
	var cf *classFilter
	if v.byClass {
		cf = &v.cf
	}
	tags := noTags
	if q.Tag != "" {
		tags = v.l.tagsOf
	}
	for ci := (d.head + from) >> chunkShift; ci < len(d.bounds) && ci*chunkLen-d.head < to; ci++ {
		if histogramScanHook != nil {
			histogramScanHook()
		}
		b := d.bounds[ci]
		first := max(ci*chunkLen-d.head, from)
		last := min((ci+1)*chunkLen-d.head, to)
		if first >= last || b.hi < h.lo || b.lo >= h.hi {
			continue
		}
		if !v.readEach && q.Tag == "" {
			if k := h.bucket(b.lo); k >= 0 && k == h.bucket(b.hi) {
				// The whole chunk falls in one bucket (the common
				// case: a chunk spans minutes, a bucket hours): count
				// the points inside without reading their times.
				if n, ok := d.countInBox(cells, first, last, cf); ok {
					counts[k] += int64(n)
					continue
				}
			} else if !b.unsorted && d.countByBucket(cells, pt, first, last, cf, h, counts) {
				continue
			}
		}
		var meta []geoMeta
		if v.readEach {
			meta = v.meta.Run(first, last-first)
		}
		k, kLo, kHi := -1, int64(0), int64(0)
		d.eachInBox(cells, first, last, tags, cf, func(i int, g *geoRec, tagAt uint32, ntag int) bool {
			if v.readEach && !q.Geo.Has(meta[i-first].source) {
				return true
			}
			if t := pt.of(g); t < kLo || t >= kHi || k < 0 {
				if k = h.bucket(t); k < 0 {
					return true
				}
				kLo = h.start + int64(k)*h.step
				kHi = max(kLo+h.step, kLo)
				kLo, kHi = max(kLo, h.lo), min(kHi, h.hi)
			}
			if q.Tag == "" || v.l.hasTagAt(tagAt, ntag, tag) {
				counts[k]++
			}
			return true
		})
	}
}

// countByBucket counts the points in the box (in cf's classes, when not
// nil) among positions [from, to) of one chunk whose times never decrease,
// per bucket of h: from each candidate in the box (its cells' points), a
// binary search on the times finds where its bucket ends, and the part up
// to there is counted through the cell index. Buckets without a candidate
// cost nothing: a small box has none in most chunks, and searching every
// bucket edge of every chunk was most of what such a box's histogram cost
// under load. false when the chunk has no index.
func (p *pointDeque) countByBucket(bc *boxCells, pt *pointTimes, from, to int, cf *classFilter, h *histo, counts []int64) bool {
	j := p.head + from
	ci, off := j>>chunkShift, j&chunkMask
	if ci >= len(p.cells) || p.cells[ci] == nil {
		return false
	}
	var in, edge bitmap
	bc.candidatesOf(p.cells[ci], cf, &in, &edge)
	c := p.chunks[ci]
	end := off + (to - from)
	for {
		if off = nextMarked(&in, &edge, off, end); off >= end {
			break
		}
		t := pt.of(&c[off])
		if t >= h.hi {
			break // and so are all after it
		}
		if t < h.lo {
			off = searchTime(c, pt, off+1, end, h.lo)
			continue
		}
		k := h.bucket(t)
		kHi := h.start + int64(k)*h.step + h.step
		if kHi <= t || kHi > h.hi {
			kHi = h.hi // the last bucket, or a step past the int64 range
		}
		split := searchTime(c, pt, off+1, end, kHi)
		counts[k] += int64(bc.countMarked(&in, &edge, c, off, split))
		off = split
	}
	return true
}

// nextMarked returns the first offset in [off, end) marked in in or edge,
// or end.
func nextMarked(in, edge *bitmap, off, end int) int {
	for w := off >> 6; w<<6 < end; w++ {
		word := in[w] | edge[w]
		if w == off>>6 {
			word &^= 1<<(off&63) - 1
		}
		if word != 0 {
			return min(w<<6|bits.TrailingZeros64(word), end)
		}
	}
	return end
}

// searchTime returns the first offset in [lo, hi) of c whose time (per
// pt) is at least t, or hi; the times there never decrease. (sort.Search's closure
// call per probe cost more than the comparison; an interpolation search
// measured no faster on BenchmarkExplore/histogram/views.)
func searchTime(c *chunk[geoRec], pt *pointTimes, lo, hi int, t int64) int {
	for n := hi - lo; n > 0; {
		half := n >> 1
		if pt.of(&c[lo+half]) < t {
			lo += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return lo
}

// hasTagAt reports whether the n hashtags at absolute position at of l
// include tag. Caller holds mu.
func (l *lang) hasTagAt(at uint32, n int, tag uint32) bool {
	from := int(at - uint32(l.tagFront()))
	for k := from; k < from+n; k++ {
		if l.tags.At(k) == tag {
			return true
		}
	}
	return false
}

// histogramOfSearch counts the kept posts matching Q. Caller holds mu.
func (s *Store) histogramOfSearch(q store.HistogramQuery, box analysis.Box, h *histo, posts, points []int64) error {
	if s.keep == nil {
		return nil
	}
	var bbox store.BBox
	if !q.BBox.IsZero() {
		bbox = box.BBox()
	}
	f := searchFilter(q.Lang, q.Tag, q.Q, bbox, q.Geo, h.lo, h.hi)
	return s.keep.Each(f, func(e *textindex.Entry) bool {
		k := h.bucket(e.Time)
		if k < 0 {
			return true
		}
		posts[k]++
		if e.HasPoint && q.Geo.Has(e.Source) {
			points[k]++
		}
		return true
	})
}

// Posts implements store.Querier from the text index: the newest kept
// posts of the selection, newest first (ties: the later recorded first).
// A store keeping no text answers no posts and Kept 0.
func (s *Store) Posts(ctx context.Context, q store.PostsQuery) (store.PostsResult, error) {
	q, err := q.Normalize()
	if err != nil {
		return store.PostsResult{}, fmt.Errorf("memstore: %w", err)
	}
	if !q.BBox.IsZero() {
		// Checked here too: a store keeping nothing still refuses a bad box.
		if _, err := analysis.NewBox(q.BBox); err != nil {
			return store.PostsResult{}, fmt.Errorf("memstore: %w", err)
		}
	}
	if err := s.begin(ctx); err != nil {
		return store.PostsResult{}, err
	}
	defer s.mu.RUnlock()
	res := store.PostsResult{Posts: []store.KeptPost{}}
	if s.keep == nil {
		return res, nil
	}
	res.Kept = int64(s.keep.Len())
	if t, ok := s.keep.OldestTime(); ok {
		res.KeptFrom = time.Unix(0, t).UTC()
	}
	lo, hi := q.Range.Nanos()
	f := searchFilter(q.Lang, q.Tag, q.Q, q.BBox, q.Geo, lo, hi)
	posts, err := s.keep.Newest(f, q.N)
	if err != nil {
		return store.PostsResult{}, fmt.Errorf("memstore: %w", err)
	}
	if posts != nil {
		res.Posts = posts
	}
	return res, nil
}
