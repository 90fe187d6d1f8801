package memstore

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"unsafe"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// A heat map of a large view read every point of its time span: at 100 M
// posts the world map over everything held took 300 ms, ten times what it
// took at 10 M. Summaries make its cost follow the view instead: every run
// of 32 full point chunks of a language (32,768 points) gets the cells
// its points fall in at every zoom 0..aggMaxZoom, with each cell's count
// and integer position sums (analysis.Quantize), per provenance class;
// 32 such blocks make a block of the next level (a million points), 32 of
// those the last (33.5 M). A heat query adds the cells of every whole block
// its runs of points cover (Grid.AddCell) instead of their points, and
// reads point by point only what is left: the newest, filling block, the
// oldest, partly dropped one, chunks that straddle the time span's ends,
// and the points of the finest cells a box's border cuts (heatSums).
// Because Grid sums positions as integers, both give the same answer bit
// for bit.
//
// Blocks follow arrival order, not time buckets: a block is usable when
// every one of its points is in the query's runs (in the time span, not
// dropped), which the runs computed from the chunks' time bounds already
// say. So late posts, drops and any time span stay exact with no
// bookkeeping beyond building a block once, when its last chunk fills.

// aggFanShift: a block holds 32 blocks (chunks) of the level below;
// aggLevels levels: blocks of 32, 1,024 and 32,768 chunks, the last 33.5 M
// points (their sums stay below 2^64). Tests shrink the blocks and add
// levels to reach every level with few points.
var (
	aggFanShift = 5
	aggLevels   = 3
)

const (
	maxAggLevels = 10 // what tests may set aggLevels to
	aggMaxZoom   = 7  // finest zoom summarised (cells of 0.18°)
	// deepZoom: level-1 blocks (a million points) also keep their cells
	// at zoom 10 (0.022°, a city's street zoom), so that a city's map
	// over a long span adds them instead of reading the city's points.
	// Level 0 would hold nearly a cell per point; level 2 adds little
	// over its 32 level-1 parts.
	deepZoom  = 10
	deepLevel = 1
)

// tagZoom is the zoom of the cells a summary counts hashtags in (1.4°):
// finer costs memory (a cell and tag per entry), coarser makes the strips
// along a box's border, read point by point, wider.
const tagZoom = 4

// fineTagLevel is the lowest level whose summaries keep their hashtags
// per finest cell (summary.ftags).
const fineTagLevel = deepLevel

// tagCell is how often a hashtag occurs on the points of one cell (at
// tagZoom) of a block, and where it first occurs: the position in the
// block of its point and its place among the post's hashtags, so that the
// top list keeps Counter's first-seen order for ties.
type tagCell struct {
	key   uint32 // row<<16 | col at tagZoom
	tag   uint32
	n     uint32
	first uint32 // a block holds at most 2^25 points
	idx   uint16 // the place among the post's hashtags, capped
}

// rank is the entry's first occurrence in a language's sequence of point
// hashtags, for Counter.AddRanked; base is the block's first point,
// absolute.
func (c *tagCell) rank(base uint64) uint64 { return tagRank(base+uint64(c.first), int(c.idx)) }

// tagRank orders the hashtag at place idx of the post of the absolute
// point pos as counting the points in order meets it.
func tagRank(pos uint64, idx int) uint64 { return pos<<16 | uint64(min(idx, math.MaxUint16)) }

func tagCellLess(a, b tagCell) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.tag, b.tag)
}

// aggCell is one cell of a summary at one zoom.
type aggCell struct {
	key      uint32 // row<<16 | col at the level's zoom
	n        uint32 // a block holds at most 2^25 points
	lat, lon uint64 // sums of analysis.Quantize: < 2^25 × 3.6e11 < 2^64
}

func (c aggCell) col() uint32 { return c.key & 0xffff }
func (c aggCell) row() uint32 { return c.key >> 16 }

// pyramid is a summary's cells at every zoom 0..aggMaxZoom, each sorted by
// key (row-major).
type pyramid [aggMaxZoom + 1][]aggCell

// summary is a block's pyramids per provenance class (nil: none of its
// points is of the class). A level-0 summary also orders its points by
// finest cell: order[k] holds the positions in the block (0..32,767) of
// class k's points, cell by cell in key order (ascending within a cell),
// and start[k][i] where the i-th finest cell's run begins, so that the
// points of a few cells (a box's border, a city) are read without reading
// the block's others. 2 bytes per point and 4 per finest cell.
type summary struct {
	cls [2]*pyramid
	// order is grouped by tagZoom cell (zkeys[k][i]'s points from
	// zstart[k][i] on), then by finest cell, so that both a finest cell's
	// points and a hashtag cell's are one run.
	order  [2][]uint16
	start  [2][]uint32
	zkeys  [2][]uint32
	zstart [2][]uint32
	// lo and hi bound the times of the block's points.
	lo, hi int64
	level  int
	// deep[k]: class k's cells at deepZoom, sorted by key, at deepLevel
	// only. A level-0 summary holds its own until its level-1 block is
	// merged (queries never read a level-0 summary's).
	deep [2][]aggCell
	// tags[k] counts the hashtags of class k's points per cell at tagZoom
	// (a language's blocks only; sorted by cell, then tag), for the top
	// hashtags of a box (topSums).
	tags [2][]tagCell
	// ftags[k] counts them per finest cell (keys at aggMaxZoom), from
	// level fineTagLevel up; a level-0 summary holds its own until its
	// level-1 block is merged, as deep. A box's top list takes the strips
	// along its border, where its tagZoom cells are cut, from these, and
	// reads only the points of the finest cells its border cuts: at a
	// billion posts, reading the strips' points one by one was most of
	// what a continent's top list over the year cost.
	ftags [2][]tagCell
	// boxes[k][i] bounds the points of class k's i-th finest cell: a
	// cell that the query's box border cuts is read point by point only
	// when its points reach into the box. 16 bytes per finest cell.
	boxes [2][]cellBox
	// rows[k][R] is where finest row R's cells begin among class k's
	// finest cells (indexRows; rows[k][fineRows] is their count). A box
	// reads each of its finest rows in every block it adds, at least its
	// border's (142 rows for Western Europe): a search of the block's
	// cells per row, a cache miss per probe, was most of what a box's
	// histogram cost in a block its bucket holds whole. 4 KiB per class
	// and block, derived from the cells (the snapshot does not hold it).
	rows [2][]uint32
}

// fineRows is how many rows of cells the finest zoom has.
const fineRows = 8 << aggMaxZoom

// indexRows returns the row index (summary.rows) of finest cells.
func indexRows(fine []aggCell) []uint32 {
	if len(fine) == 0 {
		return nil
	}
	rows := make([]uint32, fineRows+1)
	at := 0
	for r := range rows {
		for at < len(fine) && int(fine[at].row()) < r {
			at++
		}
		rows[r] = uint32(at)
	}
	return rows
}

// fineRowCells returns the range of class k's finest cells in row r and
// columns c0..c1 (empty when the class has none).
func (s *summary) fineRowCells(k int, r, c0, c1 uint32) (from, to int) {
	rows := s.rows[k]
	if int(r) >= fineRows || len(rows) == 0 || c0 > c1 {
		return 0, 0
	}
	fine := s.cls[k][aggMaxZoom]
	lo, hi := int(rows[r]), int(rows[r+1])
	return searchColIn(fine, lo, hi, c0), searchColIn(fine, lo, hi, c1+1)
}

// searchColIn returns the first index in [lo, hi) of cells (one row's,
// sorted by column) whose column is at least c, or hi.
func searchColIn(cells []aggCell, lo, hi int, c uint32) int {
	for n := hi - lo; n > 0; {
		half := n >> 1
		if cells[lo+half].col() < c {
			lo += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return lo
}

// cellBox bounds points, rounded outwards to float32.
type cellBox struct{ s, w, n, e float32 }

func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

func boxOfPoint(lat, lon float64) cellBox {
	return cellBox{s: down32(lat), w: down32(lon), n: up32(lat), e: up32(lon)}
}

func (b cellBox) union(o cellBox) cellBox {
	return cellBox{s: min(b.s, o.s), w: min(b.w, o.w), n: max(b.n, o.n), e: max(b.e, o.e)}
}

// meets reports whether the bounded points may lie in q (which does not
// cross the antimeridian).
func (b cellBox) meets(q *store.BBox) bool {
	return float64(b.n) >= q.South && float64(b.s) <= q.North && float64(b.e) >= q.West && float64(b.w) <= q.East
}

// Provenance classes: a summary keeps the default map's points (exact,
// place) apart from the inferred ones (profile, text), so that the default
// map, inferred points alone and everything are each sums of classes.
const (
	classTrusted = iota
	classInferred
)

func classOf(s post.GeoSource) int {
	if post.GeoSetTrusted.Has(s) {
		return classTrusted
	}
	return classInferred
}

// classSets are the provenances of each class.
var classSets = [2]post.GeoSet{post.GeoSetTrusted, post.GeoSetInferred}

// aggLevel holds the summaries of one level: s[i] is block first+i, nil
// when it was not built (its chunks were dropped before it filled).
type aggLevel struct {
	first int
	s     []*summary
}

// blockChunks is how many chunks a block of level k spans.
func blockChunks(k int) int { return 1 << (aggFanShift * (k + 1)) }

func (lv *aggLevel) at(b int) *summary {
	if b < lv.first || b-lv.first >= len(lv.s) {
		return nil
	}
	return lv.s[b-lv.first]
}

func (lv *aggLevel) set(b int, s *summary) {
	if len(lv.s) == 0 {
		lv.first = b
	}
	for lv.first+len(lv.s) < b {
		lv.s = append(lv.s, nil)
	}
	lv.s = append(lv.s, s)
}

// dropBefore forgets the blocks that end at or before chunk c (absolute)
// and returns the bytes they held.
func (lv *aggLevel) dropBefore(c, k int) (freed int64) {
	n := 0
	for n < len(lv.s) && (lv.first+n+1)*blockChunks(k) <= c {
		if lv.s[n] != nil {
			freed += lv.s[n].memBytes()
		}
		n++
	}
	if n > 0 {
		clear(lv.s[:n])
		lv.s = lv.s[n:]
		lv.first += n
	}
	return freed
}

// summaryJob is a block of points that filled, to be summarised once
// apply has released the lock: building a summary reads tens of thousands
// of points, merging one of the last level millions of cells, and queries
// should not wait for that. Points never change once appended, so the job
// reads them without the lock; the writer holds writeMu throughout, so
// nothing is appended, dropped or summarised meanwhile.
//
// A job is a language's block (p set: 32 full chunks of its points) or a
// hashtag's (tag set: 32 × 1,024 of the tag's point positions, whose
// points are l's).
type summaryJob struct {
	p    *pointDeque
	abs  int // absolute number of the block's last chunk (for a tag, of its list's)
	geo  []*chunk[geoRec]
	meta []*chunk[geoMeta]

	l     *lang
	tag   *posting
	tagID uint32
	pos   []uint32 // the tag block's point positions (absolute, wrapping)
}

// blockFilled returns the job of the level-0 block that chunk ci, just
// filled, completes, if it does and all its chunks are held. Caller holds
// mu.
func (p *pointDeque) blockFilled(ci int, meta *deque[geoMeta]) (summaryJob, bool) {
	size := blockChunks(0)
	abs := p.base + ci
	if (abs+1)%size != 0 || ci+1 < size {
		return summaryJob{}, false
	}
	return summaryJob{p: p, abs: abs,
		geo:  slices.Clone(p.chunks[ci+1-size : ci+1]),
		meta: slices.Clone(meta.chunks[ci+1-size : ci+1]),
	}, true
}

// runSummaryJobs builds the queued blocks and the blocks of higher levels
// they complete, publishing each under mu. Caller holds writeMu, not mu.
func (s *Store) runSummaryJobs() {
	for i, job := range s.sumJobs {
		s.sumJobs[i] = summaryJob{}
		if job.p != nil {
			p := job.p
			sum := summarizeChunks(job.l, job.abs, job.geo, job.meta)
			if sum == nil {
				continue // partly dropped meanwhile: never used
			}
			s.publishLevels(job.abs, sum, aggOwner{
				levels: func() *[maxAggLevels]aggLevel { return &p.agg },
				held:   func(end int) bool { return end > p.base },
			})
			continue
		}
		if uint32(job.l.geoNext)-job.pos[0] > tagBlockReach {
			// Its points are spread too far back for the page cache to
			// hold them: reading them would be random disk reads in
			// Record. The tag's map reads the block's points instead.
			continue
		}
		sum := summarizeTagBlock(job.l, job.pos)
		if s.area != nil {
			// The tag's 32,768 points lie anywhere in its language's
			// history: reading them maps up to 64 KiB of cold file
			// around each (the kernel's fault-around), gigabytes at a
			// billion posts, which the budget check then unmaps.
			s.area.Trim()
		}
		if sum == nil {
			continue // its points were dropped meanwhile
		}
		tp, l := job.tag, job.l
		s.publishLevels(job.abs, sum, aggOwner{
			levels: func() *[maxAggLevels]aggLevel {
				if tp.sums == nil {
					tp.sums = new([maxAggLevels]aggLevel)
				}
				return tp.sums
			},
			// Not dropped meanwhile, nor the tag's list forgotten.
			held:  func(end int) bool { return end > int(tp.front>>chunkShift) && l.tagPts.byTag[job.tagID] == tp },
			added: func(sum *summary) { l.tagPts.bytes += sum.memBytes() },
		})
	}
	s.sumJobs = s.sumJobs[:0]
}

// aggOwner is what holds a block's summaries: a language's points or a
// hashtag's list. Its functions run under mu.
type aggOwner struct {
	levels func() *[maxAggLevels]aggLevel
	// held reports whether the chunks before end (absolute) are not all
	// dropped.
	held  func(end int) bool
	added func(*summary) // nil, or told of every summary published
}

// publishLevels publishes sum, the level-0 summary of the block ending at
// absolute chunk abs, and merges the blocks of higher levels it completes.
// Caller holds writeMu, not mu.
func (s *Store) publishLevels(abs int, sum *summary, o aggOwner) {
	var parts []*summary // sum's, when merged
	for k := 0; ; k++ {
		size := blockChunks(k)
		b := (abs+1)/size - 1
		s.mu.Lock()
		held := o.held((b + 1) * size)
		if held {
			o.levels()[k].set(b, sum)
			if o.added != nil {
				o.added(sum)
			}
			if k == deepLevel {
				// The parts' deep cells and fine hashtag cells are in
				// sum now.
				for _, p := range parts {
					p.deep, p.ftags = [2][]aggCell{}, [2][]tagCell{}
				}
			}
		}
		s.mu.Unlock()
		if !held || k+1 == aggLevels || (abs+1)%blockChunks(k+1) != 0 {
			return
		}
		// Reading the levels without mu is safe here: only this writer
		// changes them, and it holds writeMu.
		lv := &o.levels()[k]
		parts = make([]*summary, 0, 1<<aggFanShift)
		for c := (b + 1 - 1<<aggFanShift); c <= b; c++ {
			part := lv.at(c)
			if part == nil {
				break
			}
			parts = append(parts, part)
		}
		if len(parts) < 1<<aggFanShift {
			return
		}
		sum = mergeSummaries(parts, size*chunkLen)
	}
}

// summarizeChunks summarises full chunks of l's points (a level-0 block
// ending at absolute chunk abs) with their hashtags, or returns nil when
// some were dropped. Caller holds writeMu.
func summarizeChunks(l *lang, abs int, chunks []*chunk[geoRec], metas []*chunk[geoMeta]) *summary {
	p := &l.geo
	if (abs+1-len(chunks)-p.base)*chunkLen-p.head < 0 {
		return nil
	}
	tf, pt := uint32(l.tagFront()), l.pointTimes()
	return summarize(len(chunks)*chunkLen, func(i int) (*geoRec, int64, post.GeoSource) {
		g := &chunks[i>>chunkShift][i&chunkMask]
		return g, pt.of(g), metas[i>>chunkShift][i&chunkMask].source
	}, func(g *geoRec, fn func(tag uint32, idx int)) {
		at, n := l.tagsOf(g.post)
		for j := range n {
			fn(l.tags.At(int(at-tf)+j), j)
		}
	})
}

// tagBlockReach is how far back (in points of its language) a hashtag's
// block may begin and still be summarised: 8 M points, 256 MiB of the
// language's points, what the page cache keeps of the newest cold files.
// A hashtag with at least 32,768 of those (0.4 %) has its blocks; a rarer
// one's points lie all over the year. Tests shrink it.
var tagBlockReach uint32 = 1 << 23

// summarizeTagBlock summarises a hashtag's block of points (positions in
// l's points), or returns nil when its first point was dropped. Caller
// holds writeMu.
func summarizeTagBlock(l *lang, pos []uint32) *summary {
	front := uint32(l.geoNext - uint64(l.geo.Len()))
	if int(pos[0]-front) >= l.geo.Len() {
		return nil // wrapped below the front: dropped
	}
	pt := l.pointTimes()
	return summarize(len(pos), func(i int) (*geoRec, int64, post.GeoSource) {
		at := int(pos[i] - front)
		g := l.geo.Ptr(at)
		return g, pt.of(g), l.geoMeta.At(at).source
	}, nil)
}

// summarize summarises the n points point returns, with their times (n ≤ 65,536: the order
// holds 2-byte positions). A language's block (tagsOf not nil) also counts
// their hashtags and keeps their deep cells until its level-1 block is
// built; a hashtag's block needs neither.
func summarize(n int, point func(i int) (*geoRec, int64, post.GeoSource), tagsOf func(g *geoRec, fn func(tag uint32, idx int))) *summary {
	var cells [2][]aggCell
	var boxes [2][]cellBox
	var idx [2]map[uint32]int32
	var tags, ftags [2][]tagCell
	var tagIdx, ftagIdx [2]map[uint64]int32
	var deep [2][]aggCell     // one per point, sorted and added up below
	keys := make([]uint32, n) // per position: class<<31 | finest key
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range n {
		g, t, src := point(i)
		k := classOf(src)
		lo, hi = min(lo, t), max(hi, t)
		col, row := analysis.CellIndex(g.point(), aggMaxZoom)
		key := row<<16 | col
		if tagsOf != nil {
			tc, tr := analysis.CellIndex(g.point(), tagZoom)
			zkey := tr<<16 | tc
			tagsOf(g, func(tag uint32, j int) {
				countTag(&tags[k], &tagIdx[k], zkey, tag, i, j)
				countTag(&ftags[k], &ftagIdx[k], key, tag, i, j)
			})
		}
		if idx[k] == nil {
			idx[k] = make(map[uint32]int32, 1024)
		}
		keys[i] = uint32(k)<<31 | key
		pb := boxOfPoint(g.lat, g.lon)
		at, ok := idx[k][key]
		if !ok {
			at = int32(len(cells[k]))
			idx[k][key] = at
			cells[k] = append(cells[k], aggCell{key: key})
			boxes[k] = append(boxes[k], pb)
		}
		qLat, qLon := analysis.Quantize(g.lat, g.lon)
		if tagsOf != nil {
			dc, dr := analysis.CellIndex(g.point(), deepZoom)
			deep[k] = append(deep[k], aggCell{key: dr<<16 | dc, n: 1, lat: qLat, lon: qLon})
		}
		a := &cells[k][at]
		a.n++
		a.lat += qLat
		a.lon += qLon
		boxes[k][at] = boxes[k][at].union(pb)
	}
	s := &summary{lo: lo, hi: hi}
	for k := range cells {
		slices.SortFunc(tags[k], tagCellLess)
		slices.SortFunc(ftags[k], tagCellLess)
		s.tags[k], s.ftags[k] = tags[k], ftags[k]
		if len(deep[k]) > 0 {
			s.deep[k] = sortMerge(deep[k])
		}
		if len(cells[k]) == 0 {
			continue
		}
		py, bx := buildPyramid(cells[k], boxes[k])
		s.cls[k], s.boxes[k], s.rows[k] = py, bx, indexRows(py[aggMaxZoom])
		// Order the class's points by tagZoom cell, then finest cell: a
		// counting sort over the finest cells in that order.
		fine := py[aggMaxZoom]
		byZ := make([]int32, len(fine))
		for i := range byZ {
			byZ[i] = int32(i)
		}
		const zs = aggMaxZoom - tagZoom
		zkeyOf := func(c aggCell) uint32 { return c.row()>>zs<<16 | c.col()>>zs }
		slices.SortStableFunc(byZ, func(a, b int32) int { return cmp.Compare(zkeyOf(fine[a]), zkeyOf(fine[b])) })
		start := make([]uint32, len(fine))
		var zkeys, zstart []uint32
		var n uint32
		for _, i := range byZ {
			c := fine[i]
			if z := zkeyOf(c); len(zkeys) == 0 || zkeys[len(zkeys)-1] != z {
				zkeys, zstart = append(zkeys, z), append(zstart, n)
			}
			idx[k][c.key] = i
			start[i] = n
			n += c.n
		}
		s.zkeys[k], s.zstart[k] = zkeys, zstart
		next := slices.Clone(start)
		order := make([]uint16, n)
		for pos, key := range keys {
			if int(key>>31) != k {
				continue
			}
			i := idx[k][key&^(1<<31)]
			order[next[i]] = uint16(pos)
			next[i]++
		}
		s.order[k], s.start[k] = order, start
	}
	return s
}

// countTag counts the hashtag tag of the block's point i (its j-th) in
// the cell key of list, whose entries idx finds by cell and tag.
func countTag(list *[]tagCell, idx *map[uint64]int32, key, tag uint32, i, j int) {
	if *idx == nil {
		*idx = make(map[uint64]int32, 1024)
	}
	mk := uint64(key)<<32 | uint64(tag)
	at, ok := (*idx)[mk]
	if !ok {
		at = int32(len(*list))
		(*idx)[mk] = at
		*list = append(*list, tagCell{key: key, tag: tag, first: uint32(i), idx: uint16(min(j, math.MaxUint16))})
	}
	(*list)[at].n++
}

// eachInCells calls fn with the position in the block of every point of
// the classes wanted in finest rows r0..r1, columns c0..c1; s must be a
// level-0 summary. It returns how many cells it read.
func (s *summary) eachInCells(classes [2]bool, cr cellRange, box *store.BBox, fn func(pos int)) (read int64) {
	r0, r1, c0, c1 := cr.r0, cr.r1, cr.c0, cr.c1
	for k, py := range s.cls {
		if py == nil || !classes[k] {
			continue
		}
		fine := py[aggMaxZoom]
		for r := r0; r <= r1 && r >= r0; r++ {
			from, to := s.fineRowCells(k, r, c0, c1)
			for at := from; at < to; at++ {
				read++
				if !s.boxes[k][at].meets(box) {
					continue
				}
				first := s.start[k][at]
				for _, pos := range s.order[k][first : first+fine[at].n] {
					fn(int(pos))
				}
			}
		}
	}
	return read
}

// buildPyramid sorts the finest cells (with their boxes), adds up those
// of one key, and derives the coarser zooms.
func buildPyramid(finest []aggCell, boxes []cellBox) (*pyramid, []cellBox) {
	perm := make([]int32, len(finest))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int { return cmp.Compare(finest[a].key, finest[b].key) })
	cells := make([]aggCell, 0, len(finest))
	bx := make([]cellBox, 0, len(finest))
	for _, i := range perm {
		c := finest[i]
		if n := len(cells); n > 0 && cells[n-1].key == c.key {
			cells[n-1].n += c.n
			cells[n-1].lat += c.lat
			cells[n-1].lon += c.lon
			bx[n-1] = bx[n-1].union(boxes[i])
			continue
		}
		cells = append(cells, c)
		bx = append(bx, boxes[i])
	}
	py := new(pyramid)
	py[aggMaxZoom] = slices.Clip(cells)
	for z := aggMaxZoom - 1; z >= 0; z-- {
		parents := make([]aggCell, len(py[z+1]))
		for i, c := range py[z+1] {
			parents[i] = aggCell{key: c.row()>>1<<16 | c.col()>>1, n: c.n, lat: c.lat, lon: c.lon}
		}
		py[z] = sortMerge(parents)
	}
	return py, slices.Clip(bx)
}

// sortMerge sorts cells by key and adds up those with equal keys, in place.
func sortMerge(cells []aggCell) []aggCell {
	slices.SortFunc(cells, func(a, b aggCell) int { return cmp.Compare(a.key, b.key) })
	out := cells[:0]
	for _, c := range cells {
		if n := len(out); n > 0 && out[n-1].key == c.key {
			out[n-1].n += c.n
			out[n-1].lat += c.lat
			out[n-1].lon += c.lon
			continue
		}
		out = append(out, c)
	}
	return slices.Clip(out)
}

// mergeSummaries adds up the summaries of a block's parts, each of
// partLen points.
func mergeSummaries(parts []*summary, partLen int) *summary {
	s := &summary{lo: parts[0].lo, hi: parts[0].hi, level: parts[0].level + 1}
	for _, p := range parts {
		s.lo, s.hi = min(s.lo, p.lo), max(s.hi, p.hi)
	}
	for k := range s.cls {
		s.tags[k] = mergeTagCells(parts, partLen, func(p *summary) []tagCell { return p.tags[k] })
		if s.level >= fineTagLevel {
			s.ftags[k] = mergeTagCells(parts, partLen, func(p *summary) []tagCell { return p.ftags[k] })
		}
		if s.level == deepLevel {
			var all []aggCell
			for _, p := range parts {
				all = append(all, p.deep[k]...)
			}
			if len(all) > 0 {
				s.deep[k] = sortMerge(all)
			}
		}
		var all []aggCell
		var boxes []cellBox
		for _, part := range parts {
			if py := part.cls[k]; py != nil {
				all = append(all, py[aggMaxZoom]...)
				boxes = append(boxes, part.boxes[k]...)
			}
		}
		if len(all) > 0 {
			s.cls[k], s.boxes[k] = buildPyramid(all, boxes)
			s.rows[k] = indexRows(s.cls[k][aggMaxZoom])
		}
	}
	return s
}

// mergeTagCells merges the parts' hashtag cells that list returns (each
// sorted) into one sorted list: counts add up, the first occurrence is
// the earliest part's. A k-way merge rather than a sort: a last-level
// block merges tens of millions of entries.
func mergeTagCells(parts []*summary, partLen int, list func(*summary) []tagCell) []tagCell {
	lists := make([][]tagCell, len(parts))
	total := 0
	for j, p := range parts {
		lists[j] = list(p)
		total += len(lists[j])
	}
	if total == 0 {
		return nil
	}
	out := make([]tagCell, 0, total)
	at := make([]int, len(parts))
	// heap of part indexes by their next entry, ties to the earlier part.
	h := make([]int, 0, len(parts))
	less := func(a, b int) bool {
		if c := tagCellLess(lists[a][at[a]], lists[b][at[b]]); c != 0 {
			return c < 0
		}
		return a < b
	}
	down := func(i int) {
		for {
			m := i
			if l := 2*i + 1; l < len(h) && less(h[l], h[m]) {
				m = l
			}
			if r := 2*i + 2; r < len(h) && less(h[r], h[m]) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for j, l := range lists {
		if len(l) > 0 {
			h = append(h, j)
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		j := h[0]
		c := lists[j][at[j]]
		c.first += uint32(j * partLen)
		if n := len(out); n > 0 && out[n-1].key == c.key && out[n-1].tag == c.tag {
			out[n-1].n += c.n // an earlier part's: its first stays
		} else {
			out = append(out, c)
		}
		if at[j]++; at[j] == len(lists[j]) {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return slices.Clip(out)
}

func (s *summary) memBytes() int64 {
	n := int64(unsafe.Sizeof(*s))
	for k := range s.order {
		n += int64(cap(s.order[k]))*2 + int64(cap(s.start[k]))*4 + int64(cap(s.boxes[k]))*int64(unsafe.Sizeof(cellBox{}))
		n += int64(cap(s.zkeys[k]))*4 + int64(cap(s.zstart[k]))*4 + int64(cap(s.tags[k])+cap(s.ftags[k]))*int64(unsafe.Sizeof(tagCell{}))
		n += int64(cap(s.deep[k]))*int64(unsafe.Sizeof(aggCell{})) + int64(cap(s.rows[k]))*4
	}
	for _, py := range s.cls {
		if py == nil {
			continue
		}
		n += int64(unsafe.Sizeof(*py))
		for _, lv := range py {
			n += int64(cap(lv)) * int64(unsafe.Sizeof(aggCell{}))
		}
	}
	return n
}

// heatSums is how a heat query reads summaries. The query's cells whose
// points all lie in its box come whole from the summary at the query's
// zoom; the cells the box's border cuts come from the summary's finest
// cells (zoom aggMaxZoom, 0.18°) that lie in the box, each added to the
// query's cell holding it; only the points of the finest cells the border
// cuts are read one by one, through the level-0 summaries' order, and
// only in blocks that hold any there. A box whose edges follow the finest
// cells (multiples of 0.17578125°) reads no point one by one. A map finer
// than the summaries (a city at street zoom) reads the points of the
// finest cells its box overlaps the same way (pointsOnly).
type heatSums struct {
	zoom       int
	world      bool
	pointsOnly bool // zoom > aggMaxZoom: no summary cell is added
	// coarse: rows r0..r1 and columns c0..c1 of the query's zoom lie in
	// the box (hasCoarse); fine: rows R0..R1, columns C0..C1 of the
	// finest zoom do.
	hasCoarse      bool
	r0, r1, c0, c1 uint32
	R0, R1, C0, C1 uint32
	// edges are the finest cells of the box that are not whole: their
	// points are read one by one.
	edges []cellRange
	// deep: a map at zoom 8..deepZoom whose box holds whole finest cells
	// (R0..R1, C0..C1) takes them from level-1 blocks' deep cells, and
	// reads only the points of the finest cells around them (rim) there.
	deep bool
	rim  []cellRange
}

// cellRange is rows r0..r1, columns c0..c1 of the finest zoom.
type cellRange struct{ r0, r1, c0, c1 uint32 }

// maxPointCells bounds the finest cells a map finer than the summaries
// reads through them (a city's box is a few); beyond, it reads points.
const maxPointCells = 4096

// wholeCells returns the rows (or columns) lo..hi of the given zoom's
// cells lying wholly inside [lo, hi] (coordinates offset by off, 90 or
// 180), by a margin that covers CellIndex's rounding; the first row and
// column also hold -90 and -180, the last 90 and 180.
func wholeCells(lo, hi, off float64, zoom int, n uint32) (from, to uint32, ok bool) {
	deg := analysis.CellDegrees(zoom)
	whole := func(i uint32) bool {
		return (i == 0 && lo <= -off || lo <= float64(i)*deg-off-edgeMargin) &&
			(i == n-1 && hi >= off || float64(i+1)*deg-off+edgeMargin <= hi)
	}
	first := uint32(min(max((lo+off)/deg-1, 0), float64(n-1)))
	for i := first; i < n && float64(i)*deg-off <= hi; i++ {
		if whole(i) {
			if !ok {
				from, ok = i, true
			}
			to = i
		}
	}
	return from, to, ok
}

// newHeatSums returns how a heat query at zoom over box reads summaries,
// or false when it cannot: a box crossing the antimeridian, one holding
// no whole finest cell, or (finer than the summaries) too many.
func newHeatSums(box analysis.Box, zoom int) (heatSums, bool) {
	if box.CrossesAntimeridian() {
		return heatSums{}, false
	}
	hs := heatSums{zoom: zoom, world: box.IsWorld(), pointsOnly: zoom > aggMaxZoom}
	if hs.world && !hs.pointsOnly {
		return hs, true
	}
	b := box.BBox()
	f := newFinestCells(b)
	hs.R0, hs.R1, hs.C0, hs.C1 = f.whole.r0, f.whole.r1, f.whole.c0, f.whole.c1
	if hs.pointsOnly {
		if (f.all.r1-f.all.r0+1)*(f.all.c1-f.all.c0+1) > maxPointCells {
			return heatSums{}, false
		}
		hs.edges = []cellRange{f.all}
		hs.deep, hs.rim = f.hasWhole && zoom <= deepZoom, f.around
		return hs, true
	}
	if !f.hasWhole {
		return heatSums{}, false
	}
	var okR, okC bool
	hs.r0, hs.r1, okR = wholeCells(b.South, b.North, 90, zoom, 8<<zoom)
	hs.c0, hs.c1, okC = wholeCells(b.West, b.East, 180, zoom, 16<<zoom)
	hs.hasCoarse = okR && okC
	hs.edges = f.around
	return hs, true
}

// finestCells is how a box (not crossing the antimeridian) meets the
// finest cells: all of them, those wholly inside it (when hasWhole), and
// the ones around those, which its border cuts.
type finestCells struct {
	all, whole cellRange
	hasWhole   bool
	// around: rows below and above the whole cells, then their rows'
	// columns west and east of them.
	around []cellRange
}

func newFinestCells(b store.BBox) finestCells {
	var f finestCells
	f.all.c0, f.all.r0 = analysis.CellIndex(post.Point{Lat: b.South, Lon: b.West}, aggMaxZoom)
	f.all.c1, f.all.r1 = analysis.CellIndex(post.Point{Lat: b.North, Lon: b.East}, aggMaxZoom)
	var okR, okC bool
	f.whole.r0, f.whole.r1, okR = wholeCells(b.South, b.North, 90, aggMaxZoom, 8<<aggMaxZoom)
	f.whole.c0, f.whole.c1, okC = wholeCells(b.West, b.East, 180, aggMaxZoom, 16<<aggMaxZoom)
	f.hasWhole = okR && okC
	if !f.hasWhole {
		return f
	}
	add := func(r0, r1, c0, c1 uint32, ok bool) {
		if ok && r0 <= r1 && c0 <= c1 {
			f.around = append(f.around, cellRange{r0, r1, c0, c1})
		}
	}
	a, w := f.all, f.whole
	add(a.r0, w.r0-1, a.c0, a.c1, w.r0 > 0)
	add(w.r1+1, a.r1, a.c0, a.c1, true)
	add(w.r0, w.r1, a.c0, w.c0-1, w.c0 > 0)
	add(w.r0, w.r1, w.c1+1, a.c1, true)
	return f
}

// hasDeep reports whether a heat query reads s's deep cells: a level-1
// block of a language's points (a hashtag's blocks keep none).
func (hs *heatSums) hasDeep(s *summary) bool {
	return hs.deep && s.level == deepLevel && (s.deep[0] != nil || s.deep[1] != nil)
}

// useBlock says which blocks a heat query may add: with deep cells, none
// above their level (its level-1 parts are added instead).
func (hs *heatSums) useBlock() func(*summary) bool {
	if !hs.deep {
		return nil
	}
	return func(s *summary) bool { return s.level <= deepLevel }
}

// addDeep adds to g the deep cells (of the classes wanted) of the whole
// finest cells of the box, and returns how many cells it read.
func (hs *heatSums) addDeep(s *summary, classes [2]bool, g *analysis.Grid) (read int64) {
	const fine = deepZoom - aggMaxZoom // deep cells per finest cell, as a shift
	sh := uint32(deepZoom - hs.zoom)
	for k, deep := range s.deep {
		if !classes[k] {
			continue
		}
		at := 0
		for r := hs.R0 << fine; r < (hs.R1+1)<<fine; r++ {
			at = rowCells(deep, at, r, hs.C0<<fine, (hs.C1+1)<<fine-1, func(c aggCell) {
				g.AddCell(c.col()>>sh, c.row()>>sh, int64(c.n), c.lat, c.lon)
				read++
			})
		}
	}
	return read
}

// rowCells calls fn with the cells of row among cells (sorted by key) in
// columns c0..c1, searching from at (no cell before it is in them), and
// returns where the next search of a later row or columns may start.
func rowCells(cells []aggCell, at int, row, c0, c1 uint32, fn func(c aggCell)) int {
	if c0 > c1 {
		return at
	}
	lo := row<<16 | c0
	at = gallop(len(cells), at, func(i int) bool { return cells[i].key < lo })
	for ; at < len(cells) && cells[at].key <= row<<16|c1; at++ {
		fn(cells[at])
	}
	return at
}

// gallop returns the first index in [from, n) for which before is false
// (n when none), before being true up to some index and false after it.
// It probes from, from+1, from+3, from+7... and then searches between
// the last two probes: a box's rows are looked up in order, each a few
// cells past the last, where a binary search over all the block's cells
// for every row cost a cache miss per probe.
func gallop(n, from int, before func(i int) bool) int {
	if from >= n || !before(from) {
		return from
	}
	lo, step := from+1, 1 // before(lo-1) holds
	hi := n
	for lo < n {
		probe := lo + step - 1
		if probe >= n {
			break
		}
		if !before(probe) {
			hi = probe
			break
		}
		lo, step = probe+1, step*2
	}
	return lo + sort.Search(hi-lo, func(i int) bool { return !before(lo + i) })
}

// addSummary adds to g the summary's cells (of the classes wanted) that
// lie in the box, and returns how many cells it read.
func (hs *heatSums) addSummary(s *summary, classes [2]bool, g *analysis.Grid) (read int64) {
	add := func(c aggCell) {
		g.AddCell(c.col(), c.row(), int64(c.n), c.lat, c.lon)
		read++
	}
	sh := uint32(aggMaxZoom - hs.zoom) // finest cells per query cell, as a shift
	addFine := func(c aggCell) {
		g.AddCell(c.col()>>sh, c.row()>>sh, int64(c.n), c.lat, c.lon)
		read++
	}
	if hs.pointsOnly {
		return 0
	}
	for k, py := range s.cls {
		if py == nil || !classes[k] {
			continue
		}
		if hs.world {
			for _, c := range py[hs.zoom] {
				add(c)
			}
			continue
		}
		if hs.hasCoarse {
			at := 0
			for r := hs.r0; r <= hs.r1; r++ {
				at = rowCells(py[hs.zoom], at, r, hs.c0, hs.c1, add)
			}
		}
		// The finest whole cells outside the query's whole cells.
		fine := py[aggMaxZoom]
		addRow := func(R, c0, c1 uint32) {
			from, to := s.fineRowCells(k, R, c0, c1)
			for _, c := range fine[from:to] {
				addFine(c)
			}
		}
		for R := hs.R0; R <= hs.R1; R++ {
			if r := R >> sh; hs.hasCoarse && r >= hs.r0 && r <= hs.r1 {
				if hs.c0<<sh > 0 {
					addRow(R, hs.C0, hs.c0<<sh-1)
				}
				addRow(R, (hs.c1+1)<<sh, hs.C1)
				continue
			}
			addRow(R, hs.C0, hs.C1)
		}
	}
	return read
}

// has reports whether the summary may hold a point of the classes wanted
// in the finest cells of cr and in box.
func (cr cellRange) has(s *summary, classes [2]bool, box *store.BBox) bool {
	for k, py := range s.cls {
		if py == nil || !classes[k] {
			continue
		}
		for r := cr.r0; r <= cr.r1 && r >= cr.r0; r++ {
			from, to := s.fineRowCells(k, r, cr.c0, cr.c1)
			for _, b := range s.boxes[k][from:to] {
				if b.meets(box) {
					return true
				}
			}
		}
	}
	return false
}

// blockRuns splits the positions [from, to) of a view's points (base and
// head as the deque's) into the blocks it covers whole, largest first,
// and the runs between them, in order; either callback returns false to
// stop. use, when not nil, says which summaries may be used (a smaller
// block inside a refused one may be).
func blockRuns(agg *[maxAggLevels]aggLevel, base, head, from, to int, use func(*summary) bool, block func(s *summary, from, to int) bool, run func(from, to int) bool) bool {
	rawFrom, i := from, from
	for i < to {
		a := base*chunkLen + head + i // absolute position
		if a&chunkMask == 0 {
			if s, n := blockAt(agg, a>>chunkShift, to-i, use); s != nil {
				if rawFrom < i && !run(rawFrom, i) {
					return false
				}
				if !block(s, i, i+n) {
					return false
				}
				i += n
				rawFrom = i
				continue
			}
		}
		i = min(to, i+chunkLen-a&chunkMask)
	}
	return rawFrom >= to || run(rawFrom, to)
}

// eachPart calls fn with each level-0 summary of the summarised block at
// positions [from, to) of a view (abs: the absolute number of position
// 0) and the position where it starts. A block in use is wholly held, so
// are its parts: drops forget only blocks that end before the first
// chunk.
func eachPart(agg *[maxAggLevels]aggLevel, abs, from, to int, fn func(part *summary, at int)) {
	size := blockChunks(0) * chunkLen
	for at := from; at < to; at += size {
		fn(agg[0].at((abs+at)>>chunkShift/blockChunks(0)), at)
	}
}

// blockAt returns the largest summarised block starting at absolute chunk
// c that fits in room positions (and that use accepts, when not nil), and
// its length in positions.
func blockAt(agg *[maxAggLevels]aggLevel, c, room int, use func(*summary) bool) (*summary, int) {
	for k := aggLevels - 1; k >= 0; k-- {
		size := blockChunks(k)
		if c%size != 0 || size*chunkLen > room {
			continue
		}
		if s := agg[k].at(c / size); s != nil && (use == nil || use(s)) {
			return s, size * chunkLen
		}
	}
	return nil, 0
}

// useSummaries lets tests compare answers through summaries with answers
// from reading every point.
var useSummaries = true

// classesFor returns which provenance classes' summaries make up the
// points of provenances in set, for a language holding the provenances
// held; false when neither a class nor a sum of classes does (a set that
// splits a class the language holds, say exact points without place ones).
func classesFor(set, held post.GeoSet) (classes [2]bool, ok bool) {
	for k, cs := range classSets {
		switch h := held & cs; {
		case h&set == 0:
		case h&set == h:
			classes[k] = true
		default:
			return classes, false
		}
	}
	return classes, true
}

// topSums is how the top hashtags of a box read summaries: the hashtags
// of the cells at tagZoom (1.4°) wholly in the box come from each whole
// block's hashtag cells; the points of the cells the box's border cuts
// are read one by one, through the level-0 summaries' order grouped by
// those cells, and tested against the box. Counts add up with ranks
// (Counter.AddRanked), so the list and its ties are the ones counting
// the points in order gives.
type topSums struct {
	world          bool
	hasWhole       bool
	r0, r1, c0, c1 uint32 // the whole cells at tagZoom
	R0, R1, C0, C1 uint32 // every cell the box meets at tagZoom
	// fine: the box's finest cells, for the blocks that count hashtags
	// per finest cell (ftags, level fineTagLevel up) when the box holds
	// whole finest cells (hasFine): the strips of whole finest cells
	// outside the whole tagZoom cells come from those, and only the
	// points of the finest cells around them are read.
	fine    finestCells
	hasFine bool
}

// newTopSums returns how a top list of box reads summaries, or false for
// a box crossing the antimeridian.
func newTopSums(box analysis.Box) (topSums, bool) {
	if box.CrossesAntimeridian() {
		return topSums{}, false
	}
	ts := topSums{world: box.IsWorld()}
	if ts.world {
		return ts, true
	}
	b := box.BBox()
	ts.C0, ts.R0 = analysis.CellIndex(post.Point{Lat: b.South, Lon: b.West}, tagZoom)
	ts.C1, ts.R1 = analysis.CellIndex(post.Point{Lat: b.North, Lon: b.East}, tagZoom)
	var okR, okC bool
	ts.r0, ts.r1, okR = wholeCells(b.South, b.North, 90, tagZoom, 8<<tagZoom)
	ts.c0, ts.c1, okC = wholeCells(b.West, b.East, 180, tagZoom, 16<<tagZoom)
	ts.hasWhole = okR && okC
	ts.fine = newFinestCells(b)
	ts.hasFine = ts.fine.hasWhole
	return ts, true
}

// usesFine reports whether a top list reads the block's border through
// its fine hashtag cells (borderFine) rather than the points of
// its border's tagZoom cells (eachOnBorder): blocks from fineTagLevel up,
// and level-0 blocks not yet merged into one (whose lists are nil only
// when their points have no hashtag, which either way counts right).
func (ts *topSums) usesFine(sum *summary) bool {
	return ts.hasFine && !ts.world && (sum.level >= fineTagLevel || sum.ftags[0] != nil || sum.ftags[1] != nil)
}

// borderFine counts into c the hashtags of the block's points (of the
// classes wanted) in the box's whole finest cells that lie in the tagZoom
// cells its border cuts, from the block's fine hashtag cells, and appends
// to cut the finest cells the border cuts where the block holds points
// that may lie in the box: those are read one by one in its level-0 parts
// (eachInCut). Only the tagZoom cells where the block holds points are
// visited. base is the absolute position of the block's first point;
// sc.cut is reset and filled, sc.zcs is scratch. It returns the fine
// hashtag cells read.
func (ts *topSums) borderFine(c *analysis.Counter, s *summary, classes [2]bool, base uint64, box *store.BBox, sc *borderScratch) (read int64) {
	const sh = aggMaxZoom - tagZoom // finest cells per tagZoom cell, as a shift
	a, w := ts.fine.all, ts.fine.whole
	sc.cut = sc.cut[:0]
	for k, py := range s.cls {
		if py == nil || !classes[k] {
			continue
		}
		tags, fine := s.ftags[k], py[aggMaxZoom]
		at, zat := 0, 0
		cutRange := func(R, c0, c1 uint32) {
			if c0 > c1 {
				return
			}
			from, to := s.fineRowCells(k, R, c0, c1)
			for i := from; i < to; i++ {
				if s.boxes[k][i].meets(box) {
					sc.cut = append(sc.cut, cutCell{k, fine[i].key})
				}
			}
		}
		for zr := ts.R0; zr <= ts.R1; zr++ {
			// The cells of row zr the border cuts where the block holds
			// points, west to east.
			sc.zcs = sc.zcs[:0]
			collect := func(c0, c1 uint32) {
				zat = rowCells(py[tagZoom], zat, zr, c0, c1, func(c aggCell) { sc.zcs = append(sc.zcs, c.col()) })
			}
			if ts.hasWhole && zr >= ts.r0 && zr <= ts.r1 {
				if ts.c0 > ts.C0 {
					collect(ts.C0, ts.c0-1)
				}
				collect(ts.c1+1, ts.C1)
			} else {
				collect(ts.C0, ts.C1)
			}
			for R := max(zr<<sh, a.r0); R <= min(zr<<sh|(1<<sh-1), a.r1) && len(sc.zcs) > 0; R++ {
				wholeRow := R >= w.r0 && R <= w.r1
				for _, zc := range sc.zcs {
					c0, c1 := max(zc<<sh, a.c0), min(zc<<sh|(1<<sh-1), a.c1)
					wc0, wc1 := max(c0, w.c0), min(c1, w.c1)
					if !wholeRow || wc0 > wc1 {
						cutRange(R, c0, c1)
						continue
					}
					if wc0 > c0 {
						cutRange(R, c0, wc0-1)
					}
					lo := R<<16 | wc0
					at = gallop(len(tags), at, func(i int) bool { return tags[i].key < lo })
					for ; at < len(tags) && tags[at].key <= R<<16|wc1; at++ {
						c.AddRanked(tags[at].tag, tags[at].n, tags[at].rank(base))
						read++
					}
					cutRange(R, wc1+1, c1)
				}
			}
		}
	}
	return read
}

// cutCell is a finest cell (key at aggMaxZoom) of class k.
type cutCell struct {
	k   int
	key uint32
}

// borderScratch is what borderFine fills and uses, kept by the caller
// across a top list's blocks so that none allocates its own.
type borderScratch struct {
	cut []cutCell // the cells the border cuts, for eachInCut
	zcs []uint32  // one row's tagZoom columns
}

// eachInCut calls fn with the position in the block of every point of
// the level-0 summary s in the cells cut (from borderFine), and returns how
// many cells it looked up.
func eachInCut(s *summary, cut []cutCell, box *store.BBox, fn func(pos int)) (read int64) {
	for _, cc := range cut {
		r, col := cc.key>>16, cc.key&0xffff
		from, to := s.fineRowCells(cc.k, r, col, col)
		read++
		if from == to || !s.boxes[cc.k][from].meets(box) {
			continue
		}
		first := s.start[cc.k][from]
		for _, pos := range s.order[cc.k][first : first+s.cls[cc.k][aggMaxZoom][from].n] {
			fn(int(pos))
		}
	}
	return read
}

func (ts *topSums) whole(key uint32) bool {
	r, c := key>>16, key&0xffff
	return ts.hasWhole && r >= ts.r0 && r <= ts.r1 && c >= ts.c0 && c <= ts.c1
}

// addBlock counts into c the hashtags of the block's points (of the
// classes wanted) in the whole cells; base is the absolute position of
// the block's first point. It returns the entries read.
func (ts *topSums) addBlock(c *analysis.Counter, sum *summary, classes [2]bool, base uint64) (read int64) {
	for k, tags := range sum.tags {
		if !classes[k] {
			continue
		}
		if ts.world {
			for i := range tags {
				c.AddRanked(tags[i].tag, tags[i].n, tags[i].rank(base))
			}
			read += int64(len(tags))
			continue
		}
		if !ts.hasWhole {
			continue
		}
		at := 0
		for r := ts.r0; r <= ts.r1; r++ {
			lo := r<<16 | ts.c0
			at = gallop(len(tags), at, func(i int) bool { return tags[i].key < lo })
			for ; at < len(tags) && tags[at].key <= r<<16|ts.c1; at++ {
				c.AddRanked(tags[at].tag, tags[at].n, tags[at].rank(base))
				read++
			}
		}
	}
	return read
}

// eachOnBorder calls fn with the position in the block of every point of
// the classes wanted in the cells the box's border cuts; s must be a
// level-0 summary. It returns how many cells it looked up.
func (ts *topSums) eachOnBorder(s *summary, classes [2]bool, fn func(pos int)) (read int64) {
	if ts.world {
		return 0
	}
	for k, zkeys := range s.zkeys {
		if !classes[k] {
			continue
		}
		at := 0
		for r := ts.R0; r <= ts.R1; r++ {
			lo := r<<16 | ts.C0
			at = gallop(len(zkeys), at, func(i int) bool { return zkeys[i] < lo })
			for ; at < len(zkeys) && zkeys[at] <= r<<16|ts.C1; at++ {
				read++
				if ts.whole(zkeys[at]) {
					continue
				}
				end := uint32(len(s.order[k]))
				if at+1 < len(zkeys) {
					end = s.zstart[k][at+1]
				}
				for _, pos := range s.order[k][s.zstart[k][at]:end] {
					fn(int(pos))
				}
			}
		}
	}
	return read
}
