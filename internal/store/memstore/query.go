package memstore

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
)

// Queries scan under the read lock and copy out what they return, except
// Heat and the histogram of a box without a hashtag, which count a
// snapshot without it (see Heat). Scratch space (dense
// counters, span lists, chunk pointer buffers, grids) is pooled so that
// a busy API does not allocate per query what it needs for millions of
// posts.
var (
	counterPool = sync.Pool{New: func() any { return new(analysis.Counter) }}
	heatPool    = sync.Pool{New: func() any { return &heatScratch{grid: analysis.NewGrid(0)} }}
	spanPool    = sync.Pool{New: func() any { return new([]span) }}
)

// heatScratch is one Heat query's scratch, or one box histogram's: the
// snapshot of the languages it scans (views or hists, with their chunk
// pointers, bounds and runs) and the grid.
type heatScratch struct {
	views    []heatView
	hists    []histView // a box's histogram's (Histogram)
	bounds   []bounds
	geoPtrs  []*chunk[geoRec]
	cellPtrs []*chunkCells
	aggPtrs  []*summary
	metaPtrs []*chunk[geoMeta]
	u32Ptrs  []*chunk[uint32]
	timePtrs []*chunk[int64]
	recent   []recentPoint
	spans    []span
	grid     *analysis.Grid
}

// recentPoint is a candidate for Heat's Last across languages: age orders
// it (arrival number relative to the oldest held post).
type recentPoint struct {
	age uint32
	p   post.Point
}

// begin checks the context and takes the read lock, failing when closed.
// The caller must RUnlock when err is nil.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// Counts implements store.Querier: one row per language with posts held,
// ordered by key.
func (s *Store) Counts(ctx context.Context, q store.CountsQuery) ([]store.LangCount, error) {
	if q != (store.CountsQuery{}) {
		return s.countsSelected(ctx, q)
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]store.LangCount, 0, len(s.sorted))
	for _, id := range s.sorted {
		l := s.langs[id]
		if l.times.Len() == 0 {
			continue
		}
		by := l.geoBySource()
		out = append(out, store.LangCount{
			Lang:        l.key,
			Posts:       int64(l.times.Len()),
			Geo:         by.Trusted(),
			Hashtags:    int64(l.tags.Len()),
			GeoBySource: by,
		})
	}
	return out, nil
}

// Top implements store.Querier. N defaults to 3, Last to 5000 (when Window
// is 0 too). Lang "" lists every language holding hashtags, by key; a named
// language that holds none gets one entry with no tags (the seed printed
// every language). Window > 0 counts the posts with time > head − Window
// and ignores Last.
func (s *Store) Top(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	now := store.UnixNanos(s.now())
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var langs []*lang
	if q.Lang == "" {
		for _, id := range s.sorted {
			if l := s.langs[id]; l.tags.Len() > 0 {
				langs = append(langs, l)
			}
		}
	} else if id, ok := s.langIDs[q.Lang]; ok {
		langs = append(langs, s.langs[id])
	}
	head, hasHead := s.headNanos(now)
	lo, hi := store.TimeSpan(q.Window, q.Range, head, hasHead)
	var byQ map[*lang][]uint32
	if q.Q != "" {
		if byQ, err = s.topTagsOfSearch(q, lo, hi); err != nil {
			return nil, fmt.Errorf("memstore: %w", err)
		}
	}
	var box analysis.Box
	if !q.BBox.IsZero() {
		if box, err = analysis.NewBox(q.BBox); err != nil {
			return nil, fmt.Errorf("memstore: %w", err)
		}
	}
	cells := newBoxCells(box)
	var sums *topSums
	if ts, ok := newTopSums(box); ok && useSummaries && !q.BBox.IsZero() && q.Q == "" {
		sums = &ts
	}
	out := make([]store.LangTop, len(langs), max(len(langs), 1))
	// Each language's top list is its own: with more than a core's worth
	// of work (every language of a busy box or range), the languages are
	// shared out between the cores, the heaviest first.
	work := make([]int, len(langs))
	total := 0
	for i, l := range langs {
		switch {
		case q.Q != "":
			work[i] = len(byQ[l])
		case !q.BBox.IsZero():
			work[i] = l.geo.Len()
		case q.Window > 0 || !q.Range.IsZero():
			work[i] = l.tags.Len()
		default:
			work[i] = min(q.Last, l.tags.Len())
		}
		total += work[i]
	}
	one := func(shard []int) {
		c := counterPool.Get().(*analysis.Counter)
		defer counterPool.Put(c)
		spans := spanPool.Get().(*[]span)
		defer spanPool.Put(spans)
		var top []analysis.IDCount
		for _, i := range shard {
			l := langs[i]
			s.countTopTags(c, spans, l, q, lo, hi, byQ[l], &cells, sums)
			top = c.MostCommon(q.N, top[:0])
			tags := make([]store.TagCount, len(top))
			for k, tc := range top {
				tags[k] = store.TagCount{Tag: s.tags.Name(tc.ID), Count: tc.Count}
			}
			out[i] = store.LangTop{Lang: l.key, Tags: tags}
		}
	}
	shards := shareOut(work, total)
	var wg sync.WaitGroup
	for _, shard := range shards[1:] {
		wg.Go(func() { one(shard) })
	}
	one(shards[0])
	wg.Wait()
	if q.Lang != "" && len(langs) == 0 {
		out = append(out, store.LangTop{Lang: q.Lang, Tags: []store.TagCount{}})
	}
	return out, nil
}

// parallelWork is the work (points, hashtags or matches to read) below
// which a query runs on one core: sharing out costs tens of microseconds.
// A variable so that tests can share out small stores too.
var parallelWork = 1 << 18

// shareOut splits the indexes of work into one shard per core (at most
// GOMAXPROCS, one when total is small), the heaviest item first to the
// lightest shard, so that the shards finish together.
func shareOut(work []int, total int) [][]int {
	n := 1
	if total >= parallelWork {
		n = min(runtime.GOMAXPROCS(0), len(work), 8)
	}
	order := make([]int, len(work))
	for i := range order {
		order[i] = i
	}
	if n <= 1 {
		return [][]int{order}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(work[b], work[a]) })
	shards, load := make([][]int, n), make([]int, n)
	for _, i := range order {
		k := 0
		for j := range load {
			if load[j] < load[k] {
				k = j
			}
		}
		shards[k] = append(shards[k], i)
		load[k] += work[i]
	}
	return shards
}

// countTopTags counts into c (reset first) the hashtags of l that a Top
// query selects: those of the posts matching its search (matches, in post
// order), of the posts with a point in its box, of its window or range, or
// the Last newest. Caller holds mu.
func (s *Store) countTopTags(c *analysis.Counter, spans *[]span, l *lang, q store.TopQuery, lo, hi int64, matches []uint32, cells *boxCells, sums *topSums) {
	c.Reset()
	c.Grow(s.tags.Size())
	add := func(seg []uint32) bool { c.AddAll(seg); return true }
	switch {
	case q.Q != "":
		c.AddAll(matches)
	case !q.BBox.IsZero():
		// The posts with a point in the box, in post order (points are in
		// post order), so ties keep the first seen first.
		*spans = l.geo.Between(lo, hi, l.pointTimes().of, (*spans)[:0])
		cf, readEach := l.selectGeo(q.Geo)
		if sums != nil {
			if classes, ok := classesFor(q.Geo, l.heldSources()); ok {
				s.countTopBlocks(c, l, *spans, sums, classes, cells, cf)
				return
			}
		}
		tf := uint32(l.tagFront())
		for _, sp := range *spans {
			l.geo.eachInBox(cells, sp.from, sp.to, l.tagsOf, cf, func(i int, _ *geoRec, tagAt uint32, n int) bool {
				if n > 0 && (!readEach || q.Geo.Has(l.geoMeta.At(i).source)) {
					from := int(tagAt - tf)
					l.tags.Segments(from, from+n, add)
				}
				return true
			})
		}
	case q.Window > 0 || !q.Range.IsZero():
		if lo < hi {
			*spans = l.times.Between(lo, hi, timeOfPost, (*spans)[:0])
			for _, sp := range *spans {
				// A run of consecutive posts has consecutive hashtags.
				from, _ := l.tagSpan(sp.from)
				_, to := l.tagSpan(sp.to - 1)
				l.tags.Segments(from, to, add)
			}
		}
	default:
		n := l.tags.Len()
		l.tags.Segments(max(n-q.Last, 0), n, add)
	}
}

// countTopBlocks counts into c the hashtags of l's points in the box and
// runs, through the summaries of the whole blocks they cover (topSums)
// and point by point elsewhere (those cf selects: classes are whole
// classes of the provenances held, so selectGeo gave a filter or none),
// every count with its rank. Caller holds mu.
func (s *Store) countTopBlocks(c *analysis.Counter, l *lang, runs []span, ts *topSums, classes [2]bool, cells *boxCells, cf *classFilter) {
	front := l.geoNext - uint64(l.geo.Len()) // absolute position of point 0
	tf := uint32(l.tagFront())
	add := func(i int, tagAt uint32, n int) {
		for j := range n {
			c.AddRanked(l.tags.At(int(tagAt-tf)+j), 1, tagRank(front+uint64(i), j))
		}
	}
	var read, fineEntries, finePoints int64
	var border borderScratch
	bb := cells.box.BBox()
	for _, sp := range runs {
		blockRuns(&l.geo.agg, l.geo.base, l.geo.head, sp.from, sp.to, nil,
			func(sum *summary, from, to int) bool {
				read += ts.addBlock(c, sum, classes, front+uint64(from))
				if ts.world {
					return true
				}
				// The border's points, through the level-0 parts: only
				// the finest cells the border cuts when the block counts
				// its hashtags per finest cell, else every point of the
				// tagZoom cells it cuts.
				fine := ts.usesFine(sum)
				if fine {
					n := ts.borderFine(c, sum, classes, front+uint64(from), &bb, &border)
					read += n
					fineEntries += n
					if len(border.cut) == 0 {
						return true
					}
				}
				eachPart(&l.geo.agg, l.geo.base*chunkLen+l.geo.head, from, to, func(part *summary, at int) {
					each := func(pos int) {
						i := at + pos
						read++
						if g := l.geo.Ptr(i); cells.box.Contains(g.point()) {
							tagAt, n := l.tagsOf(g.post)
							add(i, tagAt, n)
						}
					}
					if fine {
						before := read
						read += eachInCut(part, border.cut, &bb, each)
						finePoints += read - before
					} else {
						read += ts.eachOnBorder(part, classes, each)
					}
				})
				return true
			},
			func(from, to int) bool {
				l.geo.eachInBox(cells, from, to, l.tagsOf, cf, func(i int, _ *geoRec, tagAt uint32, n int) bool {
					read++
					if n > 0 {
						add(i, tagAt, n)
					}
					return true
				})
				return true
			})
	}
	if topWorkHook != nil {
		topWorkHook(read)
	}
	if topFineHook != nil {
		topFineHook(fineEntries, finePoints)
	}
}

// topWorkHook, when set by a test, gets what each language's top list of
// a box read through summaries (points, hashtag cells and border cells
// looked up): a measure of cost that does not depend on the machine.
var topWorkHook func(read int64)

// topFineHook, when set by a test, gets what each language's top list of
// a box read through fine hashtag cells: their entries, and the cells
// looked up and points read around them.
var topFineHook func(entries, points int64)

// geoBySource is Counts' per-provenance breakdown.
func (l *lang) geoBySource() store.GeoCounts {
	b := &l.geoBySrc
	return store.GeoCounts{Exact: b[post.GeoExact], Place: b[post.GeoPlace], Profile: b[post.GeoProfile], Text: b[post.GeoText]}
}

// heldSources returns the provenances of the points held.
func (l *lang) heldSources() post.GeoSet {
	var set post.GeoSet
	for src, n := range l.geoBySrc {
		if n > 0 {
			set |= 1 << src
		}
	}
	return set
}

// storePoint returns the point g with its provenance m.
func storePoint(g *geoRec, m geoMeta) store.Point {
	return store.Point{Point: g.point(), Source: m.source, Confidence: store.ConfidenceOf(m.conf)}
}

// exportPoint is storePoint with the post's time and hashtags. Caller
// holds mu.
func (s *Store) exportPoint(l *lang, g *geoRec, m geoMeta) store.Point {
	p := storePoint(g, m)
	p.Time = time.Unix(0, l.pointTimes().of(g)).UTC()
	from, to := l.tagSpan(int(g.post - uint32(l.postFront())))
	if to > from {
		p.Tags = make([]string, 0, to-from)
		for i := from; i < to; i++ {
			p.Tags = append(p.Tags, s.tags.Name(l.tags.At(i)))
		}
	}
	return p
}

// Points implements store.Querier: the language's last N points of the
// query's provenances (N defaults to 400, provenances to exact and place),
// oldest first, bit-exact as recorded.
func (s *Store) Points(ctx context.Context, q store.PointsQuery) ([]store.Point, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	id, ok := s.langIDs[q.Lang]
	if !ok {
		return []store.Point{}, nil
	}
	l := s.langs[id]
	n := l.geo.Len()
	if l.geoBySource().Covers(q.Geo) {
		out := make([]store.Point, 0, min(q.N, n))
		at := max(n-q.N, 0)
		l.geo.Segments(at, n, func(seg []geoRec) bool {
			meta := l.geoMeta.Run(at, len(seg))
			for i := range seg {
				out = append(out, s.exportPoint(l, &seg[i], meta[i]))
			}
			at += len(seg)
			return true
		})
		return out, nil
	}
	// Some points held are excluded: walk back from the newest until N
	// match, then restore oldest-first order.
	out := make([]store.Point, 0, min(q.N, n))
	for i := n - 1; i >= 0 && len(out) < q.N; i-- {
		if m := l.geoMeta.At(i); q.Geo.Has(m.source) {
			out = append(out, s.exportPoint(l, l.geo.Ptr(i), m))
		}
	}
	slices.Reverse(out)
	return out, nil
}

// heatFilter is what a point must pass besides the window.
type heatFilter struct {
	box   analysis.Box
	world bool
	// latOnly: the box spans every longitude (the dashboard's world view,
	// -180,-85,180,85, is such a box but not the world), so a point is in
	// it when its latitude is: two comparisons inline instead of a call.
	latOnly      bool
	south, north float64
	// cells: the box through the points' cell index, for a box small
	// enough that reading only its cells' points beats reading all.
	cells    boxCells
	useCells bool
	// sums: how the query reads block summaries (summary.go); useSums
	// when it can (no Last, a zoom and box summaries serve).
	sums    heatSums
	useSums bool
	// work counts what the scan read: points, one by one, and summary
	// cells (heatWorkHook).
	work  int64
	byTag bool
	tag   uint32
	geo   post.GeoSet
}

// heatView is what Heat scans of one language once the lock is released:
// copies of the column deques whose chunk pointer slices are copies too,
// plus the runs of points to look at (computed under the lock, since the
// chunk time bounds they read are written by Record).
//
// Why reading them without the lock is safe: Record only ever appends
// (writing elements at index >= the length seen here, and the bounds of the
// last chunk, which the view never reads) and drops (DropFront nils
// released pointers in the live deque's own chunks slice, never in the
// copy, and never writes a chunk's elements). A chunk is never reused:
// push allocates a fresh one, a dropped one is only unreferenced (the view
// keeps it alive until the scan ends), and DropBack, which would let a
// later push overwrite held slots, is only used on the log's span list. So
// the elements [0, Len) of a view do not change while it is scanned; the
// race tests of heat_lock_test.go exercise this with drops.
type heatView struct {
	geo      pointDeque     // its cells: the chunks' indexes, immutable once built
	geoMeta  deque[geoMeta] // only when checkGeo
	tagEnds  deque[uint32]  // only with a tag filter
	tags     deque[uint32]  // only with a tag filter
	postFt   uint32         // l.postFront() at the snapshot, wrapping
	tagFt    uint32         // l.tagFront() at the snapshot, wrapping
	checkGeo bool           // the language holds points outside the query's provenances
	// byClass: with checkGeo, the query's provenances are whole classes
	// of those held (classesFor), those of cls: the cell index's class
	// marks select its points.
	byClass  bool
	cls      [2]bool
	useCells bool   // read the box's points through the cell index (heatFilter.useCells, sparse enough)
	spans    []span // into heatScratch.spans
	// classes: the summaries' provenance classes that make up the query's
	// points in this language; useSums when some do (heatFilter.useSums).
	classes [2]bool
	useSums bool
	// tagPos: with a tag filter and no Last, the positions of the tag's
	// points (tagPoints, absolute) and geoFt the absolute position of the
	// view's first point; tagFront the list's index of tagPos[0] (counted
	// from its first entry ever) and tagAgg copies of its summary lists.
	tagPos   []uint32
	geoFt    uint32
	byPos    bool
	tagFront uint64
	tagAgg   [maxAggLevels]aggLevel
}

// snapshotDeque returns a view of d sharing its chunks (not its slice of
// chunk pointers) and no bounds; ptrs is a reusable buffer, extended.
func snapshotDeque[T any](d *deque[T], ptrs []*chunk[T]) (deque[T], []*chunk[T]) {
	return snapshotDequeFrom(d, 0, ptrs)
}

// snapshotDequeFrom is snapshotDeque of d's elements from i on (its
// element 0 is d's i), copying only their chunks' pointers.
func snapshotDequeFrom[T any](d *deque[T], i int, ptrs []*chunk[T]) (deque[T], []*chunk[T]) {
	j := d.head + i
	at := len(ptrs)
	ptrs = append(ptrs, d.chunks[j>>chunkShift:]...)
	return deque[T]{chunks: ptrs[at:len(ptrs):len(ptrs)], head: j & chunkMask, n: d.n - i}, ptrs
}

// snapshotPoints returns a view of p sharing its chunks and cell indexes
// (copies of their pointer lists), with copies of its chunks' time bounds
// (withBounds: the newest chunk's widen as points come) and of its
// summary lists (withSums). Caller holds mu for reading.
func (sc *heatScratch) snapshotPoints(p *pointDeque, withBounds, withSums bool) (v pointDeque) {
	v.deque, sc.geoPtrs = snapshotDeque(&p.deque, sc.geoPtrs)
	at := len(sc.cellPtrs)
	sc.cellPtrs = append(sc.cellPtrs, p.cells...)
	v.cells = sc.cellPtrs[at:len(sc.cellPtrs):len(sc.cellPtrs)]
	if withBounds {
		at := len(sc.bounds)
		sc.bounds = append(sc.bounds, p.bounds...)
		v.bounds = sc.bounds[at:len(sc.bounds):len(sc.bounds)]
	}
	if withSums {
		v.base = p.base
		sc.copyLevels(&v.agg, &p.agg)
	}
	return v
}

// tagSpan is lang.tagSpan over the view.
func (v *heatView) tagSpan(i int) (from, to int) {
	if i > 0 {
		from = int(v.tagEnds.At(i-1) - v.tagFt)
	}
	return from, int(v.tagEnds.At(i) - v.tagFt)
}

// hasTag reports whether the post of point g carries tag.
func (v *heatView) hasTag(g *geoRec, tag uint32) bool {
	from, to := v.tagSpan(int(g.post - v.postFt))
	for i := from; i < to; i++ {
		if v.tags.At(i) == tag {
			return true
		}
	}
	return false
}

// matchPlace reports whether the point g passes the box and tag filters;
// callers check the provenance first, where it is cheapest (a run of
// provenances in step with the points, or none when checkGeo is off).
func (f *heatFilter) matchPlace(v *heatView, g *geoRec) bool {
	if !f.world && !f.box.Contains(post.Point{Lat: g.lat, Lon: g.lon}) {
		return false
	}
	return !f.byTag || v.hasTag(g, f.tag)
}

// yieldChunks is how many runs of up to a chunk a heat scan reads between
// yields to the scheduler.
const yieldChunks = 16

// heatScanHook, when set by a test, runs after the lock is released and
// before every run of up to a chunk of points is scanned.
var heatScanHook func()

// Heat implements store.Querier. Points are filtered by language, tag
// (lower-cased like recorded tags), window, bbox, then Last keeps the most
// recent matches across the chosen languages, and the grid aggregates them
// (see analysis.Grid for the cell order and the limit's tie rule).
//
// The read lock is held only to take a snapshot (heatView) of each
// language: a copy of its chunk pointers and the runs to scan, tens of
// microseconds at ten million posts. The scan, linear in the points in the
// window, runs without it, so Record never waits for it, and bins each
// point into the grid as it goes (no copy of the points). The context is
// checked before every chunk, so a query whose client has gone stops.
func (s *Store) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	if err := analysis.ValidateZoom(q.Zoom); err != nil {
		return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
	}
	q, err := q.Normalize()
	if err != nil {
		return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
	}
	box, err := analysis.NewBox(q.BBox)
	if err != nil {
		return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
	}
	f := heatFilter{box: box, world: box.IsWorld(), geo: q.Geo}
	if bb := box.BBox(); !box.CrossesAntimeridian() && bb.West <= -180 && bb.East >= 180 {
		f.latOnly, f.south, f.north = true, bb.South, bb.North
	}
	f.cells, f.useCells = heatCells(box)
	if useSummaries && q.Last == 0 && (q.Tag == "" || useTagPoints) {
		f.sums, f.useSums = newHeatSums(box, q.Zoom)
	}
	tag := ""
	if q.Tag != "" {
		tag = pytext.Lower(q.Tag)
	}
	now := store.UnixNanos(s.now())
	sc := heatPool.Get().(*heatScratch)
	defer sc.release()
	sc.grid.Reset(q.Zoom)

	// Before the snapshot: the cold chunks it takes stay mapped until the
	// scan is done.
	defer s.exitCold(s.enterCold())
	if err := s.begin(ctx); err != nil {
		return store.HeatResult{}, err
	}
	if q.Q != "" {
		// Searches read the kept posts under the read lock: their points
		// are in the text index, not in chunks a snapshot could share.
		err := s.heatOfSearch(q, box, tag, now, sc)
		s.mu.RUnlock()
		if err != nil {
			return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
		}
		return sc.grid.Result(q.Limit), nil
	}
	found := true
	if tag != "" {
		f.byTag = true
		f.tag, found = s.tags.Lookup(tag)
	}
	var seqFront uint32
	if found {
		seqFront = s.snapshotHeat(q, &f, now, sc)
	}
	s.mu.RUnlock()

	if err := s.scanHeat(ctx, q, &f, seqFront, sc); err != nil {
		return store.HeatResult{}, err
	}
	if heatWorkHook != nil {
		heatWorkHook(f.work)
	}
	return sc.grid.Result(q.Limit), nil
}

// copyLevels copies summary lists into dst: a drop clears the live ones'
// front entries. The summaries themselves never change.
func (sc *heatScratch) copyLevels(dst, src *[maxAggLevels]aggLevel) {
	for k, lv := range src {
		at := len(sc.aggPtrs)
		sc.aggPtrs = append(sc.aggPtrs, lv.s...)
		dst[k] = aggLevel{first: lv.first, s: sc.aggPtrs[at:len(sc.aggPtrs):len(sc.aggPtrs)]}
	}
}

// release empties the scratch's chunk pointer buffers, so a pooled scratch
// does not keep dropped chunks alive, and returns it to the pool.
func (sc *heatScratch) release() {
	clear(sc.geoPtrs)
	clear(sc.cellPtrs)
	clear(sc.aggPtrs)
	clear(sc.metaPtrs)
	clear(sc.u32Ptrs)
	clear(sc.timePtrs)
	clear(sc.views)
	clear(sc.hists)
	sc.geoPtrs, sc.cellPtrs, sc.metaPtrs, sc.u32Ptrs, sc.views = sc.geoPtrs[:0], sc.cellPtrs[:0], sc.metaPtrs[:0], sc.u32Ptrs[:0], sc.views[:0]
	sc.hists, sc.bounds = sc.hists[:0], sc.bounds[:0]
	sc.aggPtrs, sc.timePtrs = sc.aggPtrs[:0], sc.timePtrs[:0]
	sc.recent, sc.spans = sc.recent[:0], sc.spans[:0]
	heatPool.Put(sc)
}

// snapshotHeat fills sc.views with the languages a heat query reads and
// returns the arrival number of the oldest post held (for Last's order).
// Caller holds mu for reading.
func (s *Store) snapshotHeat(q store.HeatQuery, f *heatFilter, now int64, sc *heatScratch) uint32 {
	ids := s.sorted
	if q.Lang != "" {
		id, ok := s.langIDs[q.Lang]
		one := [1]uint16{id}
		ids = one[:0]
		if ok {
			ids = one[:]
		}
	}
	head, hasHead := s.headNanos(now)
	lo, hi := store.TimeSpan(q.Window, q.Range, head, hasHead)
	for _, id := range ids {
		l := s.langs[id]
		var v heatView
		// The points to look at: the window's or range's runs, or all.
		from := len(sc.spans)
		if q.Window > 0 || !q.Range.IsZero() {
			if lo >= hi {
				continue
			}
			// A fresh dst: Between merges a run with the last one of dst,
			// which here would be another language's.
			runs := l.geo.Between(lo, hi, l.pointTimes().of, sc.spans[from:from])
			sc.spans = append(sc.spans, runs...)
		} else if l.geo.Len() > 0 {
			sc.spans = append(sc.spans, span{0, l.geo.Len()})
		}
		if len(sc.spans) == from {
			continue
		}
		v.spans = sc.spans[from:len(sc.spans):len(sc.spans)]
		v.useCells = f.useCells && l.geo.candidateShare(&f.cells) <= denseShare
		if f.useSums {
			v.classes, v.useSums = classesFor(f.geo, l.heldSources())
		}
		v.geo = sc.snapshotPoints(&l.geo, false, v.useSums && !f.byTag)
		if v.checkGeo = !l.geoBySource().Covers(f.geo); v.checkGeo {
			v.geoMeta, sc.metaPtrs = snapshotDeque(&l.geoMeta, sc.metaPtrs)
			v.cls, v.byClass = classesFor(f.geo, l.heldSources())
		}
		if f.byTag && q.Last == 0 && useTagPoints {
			// The tag's list is appended to, never written below its
			// length, so this copy of its slice stays valid.
			v.byPos, v.geoFt = true, uint32(l.geoNext-uint64(l.geo.Len()))
			if tp := l.tagPts.of(f.tag); tp != nil {
				v.tagPos, v.tagFront = tp.pos, tp.front
				if v.useSums && tp.sums != nil {
					sc.copyLevels(&v.tagAgg, tp.sums)
				}
			}
		} else if f.byTag {
			v.tagEnds, sc.u32Ptrs = snapshotDeque(&l.tagEnds, sc.u32Ptrs)
			v.tags, sc.u32Ptrs = snapshotDeque(&l.tags, sc.u32Ptrs)
			v.postFt, v.tagFt = uint32(l.postFront()), uint32(l.tagFront())
		}
		sc.views = append(sc.views, v)
	}
	return uint32(s.seqFront())
}

// scanHeat bins the points of sc.views into sc.grid, oldest first within a
// language and languages in key order (the order the grid's sums have
// always been taken in, so answers stay bit-identical), or with Last the
// Last newest across languages, oldest first. It runs without the lock.
func (s *Store) scanHeat(ctx context.Context, q store.HeatQuery, f *heatFilter, seqFront uint32, sc *heatScratch) error {
	g := sc.grid
	var err error
	// check runs once per run of up to a chunk of points: cheap next to
	// the 1024 points, frequent enough to stop within microseconds.
	chunks := 0
	check := func() bool {
		if heatScanHook != nil {
			heatScanHook()
		}
		// Yield now and then (every ~100 µs of scan): a Record woken
		// when it got the lock is queued on this P, behind a scan that
		// is otherwise only preempted after 10 ms, when every P is busy
		// with heat scans (many dashboards). Measured by
		// BenchmarkRecordUnderHeat.
		if chunks++; chunks%yieldChunks == 0 {
			runtime.Gosched()
		}
		err = ctx.Err()
		return err == nil
	}
	if q.Last == 0 {
		for i := range sc.views {
			v := &sc.views[i]
			if v.byPos {
				f.scanTagged(v, g, check)
				if err != nil {
					return err
				}
				continue
			}
			for _, sp := range v.spans {
				if v.useSums {
					blockRuns(&v.geo.agg, v.geo.base, v.geo.head, sp.from, sp.to, f.sums.useBlock(),
						func(sum *summary, from, to int) bool {
							if !check() {
								return false
							}
							abs := v.geo.base*chunkLen + v.geo.head
							if f.sums.hasDeep(sum) {
								f.work += f.sums.addDeep(sum, v.classes, g)
								return f.scanEdges(v, f.sums.rim, &v.geo.agg, abs, sum, g, from, to, func(i int) int { return i })
							}
							f.work += f.sums.addSummary(sum, v.classes, g)
							return f.scanEdges(v, f.sums.edges, &v.geo.agg, abs, sum, g, from, to, func(i int) int { return i })
						},
						func(from, to int) bool { return f.scanRun(v, g, from, to, check) })
				} else {
					f.scanRun(v, g, sp.from, sp.to, check)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Newest first, up to Last from each language; the merge below keeps
	// the Last newest over all languages.
	for i := range sc.views {
		v := &sc.views[i]
		taken, scanned := 0, 0
	runs:
		for k := len(v.spans) - 1; k >= 0; k-- {
			sp := v.spans[k]
			for i := sp.to - 1; i >= sp.from; i-- {
				if scanned++; scanned&chunkMask == 1 && !check() {
					return err
				}
				if v.checkGeo && !f.geo.Has(v.geoMeta.Ptr(i).source) {
					continue
				}
				p := v.geo.Ptr(i)
				if !f.matchPlace(v, p) {
					continue
				}
				sc.recent = append(sc.recent, recentPoint{age: p.seq - seqFront, p: p.point()})
				if taken++; taken == q.Last {
					break runs
				}
			}
		}
	}
	// Oldest first, so that cell means are summed in arrival order.
	slices.SortFunc(sc.recent, func(a, b recentPoint) int { return cmp.Compare(a.age, b.age) })
	recent := sc.recent
	if n := len(recent); n > q.Last {
		recent = recent[n-q.Last:]
	}
	for _, r := range recent {
		g.AddLatLon(r.p.Lat, r.p.Lon)
	}
	return nil
}

// scanRun bins the points [from, to) of a view that pass the filter,
// calling check before every run of up to a chunk; false when check
// stopped it.
func (f *heatFilter) scanRun(v *heatView, g *analysis.Grid, from, to int, check func() bool) bool {
	if v.useCells && (!v.checkGeo || v.byClass) && !f.byTag {
		// A small box: only its cells' points, in the same order.
		var cf *classFilter
		if v.checkGeo {
			cf = &classFilter{classes: v.cls, meta: &v.geoMeta}
		}
		for from < to {
			if !check() {
				return false
			}
			end := min(to, from+chunkLen-(v.geo.head+from)&chunkMask)
			v.geo.eachInBox(&f.cells, from, end, noTags, cf, func(_ int, p *geoRec, _ uint32, _ int) bool {
				f.work++
				g.AddLatLon(p.lat, p.lon)
				return true
			})
			from = end
		}
		return true
	}
	at, ok := from, true
	v.geo.Segments(from, to, func(seg []geoRec) bool {
		if ok = check(); !ok {
			return false
		}
		f.work += int64(len(seg))
		switch {
		case v.checkGeo:
			// The parallel run of provenances, read in step rather than
			// looked up per point.
			meta := v.geoMeta.Run(at, len(seg))
			for i := range seg {
				if f.geo.Has(meta[i].source) && f.matchPlace(v, &seg[i]) {
					g.AddLatLon(seg[i].lat, seg[i].lon)
				}
			}
		case f.world && !f.byTag:
			// The usual dashboard query: every point counts.
			for i := range seg {
				g.AddLatLon(seg[i].lat, seg[i].lon)
			}
		case !f.byTag && f.latOnly:
			for i := range seg {
				if lat := seg[i].lat; lat >= f.south && lat <= f.north {
					g.AddLatLon(lat, seg[i].lon)
				}
			}
		case !f.byTag:
			for i := range seg {
				if f.box.Contains(post.Point{Lat: seg[i].lat, Lon: seg[i].lon}) {
					g.AddLatLon(seg[i].lat, seg[i].lon)
				}
			}
		default:
			for i := range seg {
				if f.matchPlace(v, &seg[i]) {
					g.AddLatLon(seg[i].lat, seg[i].lon)
				}
			}
		}
		at += len(seg)
		return true
	})
	return ok
}

// useTagPoints lets tests compare tag maps read through the tags' point
// lists with maps read point by point.
var useTagPoints = true

// heatWorkHook, when set by a test, gets what each heat query read
// (heatFilter.work): a measure of cost that does not depend on the
// machine or its load.
var heatWorkHook func(work int64)

// scanTagged bins the points of the view's tag list that lie in its runs
// and pass the filter, adding the summaries of the list's whole blocks
// that lie in one run instead of their points; false when check stopped
// it.
func (f *heatFilter) scanTagged(v *heatView, g *analysis.Grid, check func() bool) bool {
	if len(v.spans) == 0 {
		return true
	}
	// Skip the list's points older than the first run in one search.
	first := v.spans[0].from
	n := sort.Search(len(v.tagPos), func(n int) bool { return int(v.tagPos[n]-v.geoFt) >= first })
	index := func(n int) int { return int(v.tagPos[n] - v.geoFt) }
	blocks := v.useSums && len(v.tagAgg[0].s) > 0
	k := 0
	for read := 0; n < len(v.tagPos); n++ {
		if read&chunkMask == 0 && !check() {
			return false
		}
		read++
		i := int(v.tagPos[n] - v.geoFt)
		for k < len(v.spans) && v.spans[k].to <= i {
			k++
		}
		if k == len(v.spans) {
			break
		}
		if a := v.tagFront + uint64(n); blocks && a&chunkMask == 0 {
			sum, size := blockAt(&v.tagAgg, int(a>>chunkShift), len(v.tagPos)-n, nil)
			if sum != nil && i >= v.spans[k].from && index(n+size-1) < v.spans[k].to {
				if !check() {
					return false
				}
				f.work += f.sums.addSummary(sum, v.classes, g)
				f.scanEdges(v, f.sums.edges, &v.tagAgg, int(a)-n, sum, g, n, n+size, index)
				n += size - 1
				continue
			}
		}
		f.work++
		if i < v.spans[k].from || v.checkGeo && !f.geo.Has(v.geoMeta.At(i).source) {
			continue
		}
		p := v.geo.Ptr(i)
		if f.world || f.box.Contains(p.point()) {
			g.AddLatLon(p.lat, p.lon)
		}
	}
	return true
}

// scanEdges bins the points [from, to) of a summarised block that lie in
// the box in the finest cells that are not whole (the box's border; the
// whole box for a map finer than the summaries): through the level-0
// summaries' order (agg's), only in blocks holding any point there. The
// block is of the view's points (index is the identity) or of its tag's
// list (index maps an entry to its point); abs is the absolute number of
// entry 0.
func (f *heatFilter) scanEdges(v *heatView, edges []cellRange, agg *[maxAggLevels]aggLevel, abs int, sum *summary, g *analysis.Grid, from, to int, index func(int) int) bool {
	box := f.box.BBox()
	for _, cr := range edges {
		if !cr.has(sum, v.classes, &box) {
			continue
		}
		eachPart(agg, abs, from, to, func(part *summary, at int) {
			f.work += part.eachInCells(v.classes, cr, &box, func(pos int) {
				i := index(at + pos)
				f.work++
				if v.checkGeo && !f.geo.Has(v.geoMeta.At(i).source) {
					return
				}
				if p := v.geo.Ptr(i); f.box.Contains(p.point()) {
					g.AddLatLon(p.lat, p.lon)
				}
			})
		})
	}
	return true
}

// Stats implements store.Querier.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	now := store.UnixNanos(s.now())
	if err := s.begin(ctx); err != nil {
		return store.Stats{}, err
	}
	defer s.mu.RUnlock()
	st := store.Stats{
		Posts:       int64(s.order.Len()),
		MemoryBytes: s.memoryBytes(),
		Dropped:     s.dropped,
		Written:     s.written,
		LogRepair:   s.logRepair(),
		Snapshot:    s.snapshotMsg,
		Checkpoint:  s.checkpointStatus(),
	}
	if s.area != nil {
		cs := s.area.Stats()
		st.ColdBytes, st.ColdErrors = cs.HeldBytes, cs.PutErrors
		if cs.Damaged > 0 {
			st.ColdDamaged = fmt.Sprintf("%d files: %s", cs.Damaged, cs.DamagedMsg)
		}
	}
	for _, l := range s.langs {
		if l.times.Len() == 0 {
			continue
		}
		st.Languages++
		st.Points += int64(l.geo.Len())
		st.InferredPoints += l.geoBySource().Inferred()
		st.Hashtags += int64(l.tags.Len())
	}
	oldest, hasOldest := s.oldestNanos()
	if head, ok := s.headNanos(now); ok {
		st.Head = time.Unix(0, head).UTC()
	}
	if hasOldest {
		st.Oldest = time.Unix(0, oldest).UTC()
	}
	return st, nil
}

// Trends implements store.Querier from the trend index Record keeps, read
// under the read lock: a query reads buckets, not posts.
func (s *Store) Trends(ctx context.Context, q store.TrendsQuery) (store.TrendsResult, error) {
	now := store.UnixNanos(s.now())
	if err := s.begin(ctx); err != nil {
		return store.TrendsResult{}, err
	}
	defer s.mu.RUnlock()
	head, ok := s.headNanos(now)
	oldest, _ := s.oldestNanos()
	if s.hasDrop {
		oldest = max(oldest, s.trendFloor())
	}
	return s.trends.Query(q, head, oldest, !ok || s.order.Len() == 0)
}

// oldestNanos returns the oldest post time held. Caller holds mu.
func (s *Store) oldestNanos() (oldest int64, ok bool) {
	for _, l := range s.langs {
		if t, has := l.times.MinTime(timeOfPost); has && (!ok || t < oldest) {
			oldest, ok = t, true
		}
	}
	return oldest, ok
}
