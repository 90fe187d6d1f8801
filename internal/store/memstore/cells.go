package memstore

import (
	"math"
	"math/bits"
	"unsafe"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
)

// A box query (top, counts or the histogram of a map view) used to read
// every point of every language in its time span, 32 bytes each (24 now): at 10 M
// posts a Western Europe box read 100 MB to keep a fifth of it. Points are
// held in arrival order, so a chunk's points spread over the whole world
// and a bounding box per chunk would not narrow anything. Instead each
// full point chunk gets a small index of its points sorted by a coarse
// grid cell, built once when the chunk fills; a box query reads only the
// points of the cells it overlaps. The last, filling chunk has none and is
// read whole.
const (
	gridRows = 32 // 5.625° of latitude each
	gridCols = 64 // 5.625° of longitude each
	gridDeg  = 180.0 / gridRows
)

// chunkCells orders one full chunk's points by grid cell (row, then
// column, then position, so a cell's points stay in arrival order):
// order[rowStart[r]:rowStart[r+1]] are the offsets of row r's points, by
// column; col parallels order. 9 bytes per point.
type chunkCells struct {
	rowStart [gridRows + 1]uint16
	order    [chunkLen]uint16
	col      [chunkLen]uint8
	// tagAt and ntag are each point's post's hashtags by offset: their
	// absolute position in the language's tags (wrapping like
	// geoRec.post) and count, manyTags for a count that does not fit.
	// Box queries read them for every point inside; dense here, a post
	// without hashtags (most) costs one read and no lookup of its post.
	tagAt [chunkLen]uint32
	ntag  [chunkLen]uint16
	// inferred marks the points whose provenance is inferred (classOf):
	// a query over whole classes (the default map reads the trusted
	// ones) masks the candidates with it instead of reading every
	// point's provenance. inferredAt marks the same points by their
	// place in order, so that a count of a cell's run of points by class
	// is a few popcounts (countWhole).
	inferred   bitmap
	inferredAt bitmap
}

// manyTags marks a post with too many hashtags for ntag: its span is
// looked up through its post.
const manyTags = math.MaxUint16

// tagsOfPost returns where the hashtags of a language's post (absolute
// position, wrapping) start and how many it has.
type tagsOfPost func(post uint32) (at uint32, n int)

func gridRow(lat float64) int { return min(max(int((lat+90)/gridDeg), 0), gridRows-1) }
func gridCol(lon float64) int { return min(max(int((lon+180)/gridDeg), 0), gridCols-1) }

// newChunkCells indexes a full chunk by a counting sort on the cell; meta
// is the chunk's provenances. Slots before live hold dropped points, whose
// posts are gone: they get no hashtags (queries never read them).
func newChunkCells(c *chunk[geoRec], meta *chunk[geoMeta], live int, tags tagsOfPost) *chunkCells {
	var keys [chunkLen]uint16
	var start [gridRows*gridCols + 1]uint16
	for i := range c {
		k := gridRow(c[i].lat)*gridCols + gridCol(c[i].lon)
		keys[i] = uint16(k)
		start[k+1]++
	}
	for k := 1; k < len(start); k++ {
		start[k] += start[k-1]
	}
	cc := new(chunkCells)
	for r := 0; r <= gridRows; r++ {
		cc.rowStart[r] = start[r*gridCols]
	}
	for i := live; i < len(c); i++ {
		at, n := tags(c[i].post)
		cc.tagAt[i], cc.ntag[i] = at, uint16(min(n, manyTags))
		if classOf(meta[i].source) == classInferred {
			cc.inferred.set(uint16(i))
		}
	}
	next := start // the next free slot of each cell
	for i, k := range keys {
		at := next[k]
		next[k]++
		cc.order[at], cc.col[at] = uint16(i), uint8(k%gridCols)
		if cc.inferred.has(uint16(i)) {
			cc.inferredAt.set(at)
		}
	}
	return cc
}

// pointDeque is the deque of a language's points with the cell index of
// each full chunk, kept in step with the chunks: cells[ci] is chunk ci's
// index once the chunk is full, nil before.
type pointDeque struct {
	deque[geoRec]
	cells []*chunkCells
	// cellsCold: the cells of chunks numbered below it (absolute) are in
	// the area, like the chunks below deque.cold.
	cellsCold int
	// agg: the summaries of blocks of chunks (summary.go), numbered like
	// the deque's base.
	agg [maxAggLevels]aggLevel
}

// PushTimed appends g and indexes its chunk when g filled it; tags gives
// the hashtags of the chunk's posts, meta their provenances (in step with
// the points: g's is pushed already).
func (p *pointDeque) PushTimed(g geoRec, t int64, tags tagsOfPost, meta *deque[geoMeta]) {
	p.deque.PushTimed(g, t)
	if end := p.head + p.n; end&chunkMask == 0 { // g filled chunk ci
		ci := end>>chunkShift - 1
		for len(p.cells) < ci {
			p.cells = append(p.cells, nil)
		}
		p.cells = append(p.cells[:ci], newChunkCells(p.chunks[ci], meta.chunks[ci], max(p.head-ci*chunkLen, 0), tags))
	}
}

// classFilter selects a language's points by provenance class (a query's
// provenances that are whole classes of those held: classesFor); nil
// selects every point. meta is the language's provenances, in step with
// its points, read for the points of chunks without a cell index.
type classFilter struct {
	classes [2]bool
	meta    *deque[geoMeta]
}

// selectGeo tells how l's points of the provenances geo are picked out:
// all of them when l holds no others (nil, false); through the cell
// index's class marks when geo is whole classes of those held (cf); else
// by reading each point's provenance (nil, true). Caller holds mu.
func (l *lang) selectGeo(geo post.GeoSet) (cf *classFilter, readEach bool) {
	if l.geoBySource().Covers(geo) {
		return nil, false
	}
	if classes, ok := classesFor(geo, l.heldSources()); ok {
		return &classFilter{classes: classes, meta: &l.geoMeta}, false
	}
	return nil, true
}

// mask returns the offsets of chunk cc's points in the filter's classes.
func (cf *classFilter) mask(cc *chunkCells) (m bitmap) {
	switch {
	case cf.classes[classTrusted] && cf.classes[classInferred]:
		for w := range m {
			m[w] = ^uint64(0)
		}
	case cf.classes[classTrusted]:
		for w := range m {
			m[w] = ^cc.inferred[w]
		}
	case cf.classes[classInferred]:
		m = cc.inferred
	}
	return m
}

// has reports whether point o of chunk ci is in the filter's classes.
func (cf *classFilter) has(ci, o int) bool {
	return cf.classes[classOf(cf.meta.chunks[ci][o].source)]
}

// DropFront drops the first k points with the indexes of released chunks.
func (p *pointDeque) DropFront(k int) {
	before, base := len(p.chunks), p.base
	p.deque.DropFront(k)
	released := before - len(p.chunks)
	gone := min(released, len(p.cells))
	for ci := range min(gone, max(p.cellsCold-base, 0)) {
		releaseCold(p.area, p.cells[ci])
	}
	clear(p.cells[:gone])
	p.cells = p.cells[gone:]
	if len(p.chunks) == 0 {
		p.cells = p.cells[:0]
	}
	if released > 0 {
		for k := range p.agg {
			p.agg[k].dropBefore(p.base, k)
		}
	}
}

// spill moves the chunks and their cells gone cold to the area (see
// deque.spill).
func (p *pointDeque) spill(keep int) error {
	err := p.deque.spill(keep)
	for ci := max(p.cellsCold-p.base, 0); ci < min(p.cold-p.base, len(p.cells)); ci++ {
		if c := p.cells[ci]; c != nil {
			cold, cerr := putCold(p.area, c)
			if cerr != nil {
				return cerr
			}
			p.cells[ci] = cold
		}
		p.cellsCold = p.base + ci + 1
	}
	return err
}

func (p *pointDeque) memBytes() int64 {
	n := p.deque.memBytes() + int64(cap(p.cells))*8
	for ci, c := range p.cells {
		if c != nil && p.base+ci >= p.cellsCold {
			n += int64(unsafe.Sizeof(*c))
		}
	}
	for _, lv := range p.agg {
		n += int64(cap(lv.s)) * 8
		for _, s := range lv.s {
			if s != nil {
				n += s.memBytes()
			}
		}
	}
	return n
}

// boxCells is a box as the grid's rows and columns it overlaps (a box
// crossing the antimeridian overlaps two column ranges), and which of them
// lie wholly inside it: their points need no test.
type boxCells struct {
	box    analysis.Box
	r0, r1 int
	rowIn  [gridRows]bool
	cols   [2][2]int // [from, to] inclusive; cols[1] only when two
	two    bool
	colIn  [gridCols]bool
	// inner are the columns of each of cols wholly inside the box, [from,
	// to] inclusive (from > to when none): one run, since cols is.
	inner [2][2]int
}

// edgeMargin keeps a row or column whose border lies within rounding of
// the box's out of the interior: gridRow may place a point a hair across a
// band's border.
const edgeMargin = 1e-9

func newBoxCells(box analysis.Box) boxCells {
	b := box.BBox()
	bc := boxCells{box: box, r0: gridRow(b.South), r1: gridRow(b.North)}
	for r := bc.r0; r <= bc.r1; r++ {
		lo := float64(r)*gridDeg - 90
		bc.rowIn[r] = b.South <= lo-edgeMargin && lo+gridDeg+edgeMargin <= b.North
	}
	lons := [2][2]float64{{b.West, b.East}}
	if b.West > b.East {
		lons = [2][2]float64{{b.West, 180}, {-180, b.East}}
		bc.two = true
	}
	for k, l := range lons[:1+b2i(bc.two)] {
		bc.cols[k] = [2]int{gridCol(l[0]), gridCol(l[1])}
		bc.inner[k] = [2]int{bc.cols[k][1] + 1, bc.cols[k][1]}
		for c := bc.cols[k][0]; c <= bc.cols[k][1]; c++ {
			lo := float64(c)*gridDeg - 180
			if l[0] <= lo-edgeMargin && lo+gridDeg+edgeMargin <= l[1] {
				bc.colIn[c] = true
				bc.inner[k][0] = min(bc.inner[k][0], c)
			}
		}
		if bc.inner[k][0] <= bc.cols[k][1] {
			// The interior is one run: its last column is the last
			// whose right border lies inside.
			for c := bc.inner[k][0]; c <= bc.cols[k][1] && bc.colIn[c]; c++ {
				bc.inner[k][1] = c
			}
		}
	}
	return bc
}

// useCellIndex lets tests compare answers through the cell index with
// answers from reading every point.
var useCellIndex = true

// share is the fraction of the grid's cells the box overlaps.
func (bc *boxCells) share() float64 {
	cols := bc.cols[0][1] - bc.cols[0][0] + 1
	if bc.two {
		cols += bc.cols[1][1] - bc.cols[1][0] + 1
	}
	return float64((bc.r1-bc.r0+1)*cols) / (gridRows * gridCols)
}

// heatCells returns the box's cells and whether a heat map reads the box
// through the index: when it overlaps at most half the grid (beyond that,
// marking candidates costs more than reading every point).
func heatCells(box analysis.Box) (boxCells, bool) {
	bc := newBoxCells(box)
	return bc, useCellIndex && !box.IsWorld() && bc.share() <= 0.5
}

// denseShare is the share of a language's points in a box's cells above
// which its heat map reads every point: reading the points through the
// index costs several times more per point than reading them in order,
// so a box over a busy region (Western Europe holds a sixth of the
// demo's points in 1.5 % of the grid) is read whole.
const denseShare = 0.05

// candidateShare estimates the share of the deque's points in the box's
// cells from its newest indexed chunk (1 without one).
func (p *pointDeque) candidateShare(bc *boxCells) float64 {
	for ci := len(p.cells) - 1; ci >= 0; ci-- {
		cc := p.cells[ci]
		if cc == nil {
			continue
		}
		n := 0
		for r := bc.r0; r <= bc.r1; r++ {
			lo, hi := int(cc.rowStart[r]), int(cc.rowStart[r+1])
			row := cc.col[lo:hi]
			for k := 0; k <= b2i(bc.two); k++ {
				c0, c1 := bc.cols[k][0], bc.cols[k][1]
				n += searchCol(row, c1+1) - searchCol(row, c0)
			}
		}
		return float64(n) / chunkLen
	}
	return 1
}

// noTags is the hashtags of posts for a caller that needs none.
func noTags(uint32) (uint32, int) { return 0, 0 }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bitmap marks offsets of one chunk.
type bitmap [chunkLen / 64]uint64

func (m *bitmap) set(o uint16) { m[o>>6] |= 1 << (o & 63) }

func (m *bitmap) has(o uint16) bool { return m[o>>6]&(1<<(o&63)) != 0 }

// countRange counts the marks among [from, to).
func (m *bitmap) countRange(from, to int) (n int) {
	for w := from >> 6; w<<6 < to; w++ {
		word := m[w]
		if lo := from - w<<6; lo > 0 {
			word &^= 1<<lo - 1
		}
		if hi := to - w<<6; hi < 64 {
			word &= 1<<hi - 1
		}
		n += bits.OnesCount64(word)
	}
	return n
}

// searchCol returns the first index of row (columns in order) whose
// column is at least c, or len(row); without sort.Search's closure call
// per probe, which cost more than the comparison.
func searchCol(row []uint8, c int) int {
	lo := 0
	for n := len(row); n > 0; {
		half := n >> 1
		if int(row[lo+half]) < c {
			lo += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return lo
}

// candidatesOf is candidates of the points in cf's classes (every point
// when cf is nil).
func (bc *boxCells) candidatesOf(cc *chunkCells, cf *classFilter, in, edge *bitmap) {
	bc.candidates(cc, in, edge)
	if cf != nil {
		m := cf.mask(cc)
		for w := range in {
			in[w] &= m[w]
			edge[w] &= m[w]
		}
	}
}

// candidates marks the offsets of chunk cc's points in the box's cells:
// in those of cells wholly inside the box, edge those of cells the box's
// border crosses.
func (bc *boxCells) candidates(cc *chunkCells, in, edge *bitmap) {
	for r := bc.r0; r <= bc.r1; r++ {
		lo, hi := int(cc.rowStart[r]), int(cc.rowStart[r+1])
		row := cc.col[lo:hi]
		for k := 0; k <= b2i(bc.two); k++ {
			c0, c1 := bc.cols[k][0], bc.cols[k][1]
			at := lo + searchCol(row, c0)
			for ; at < hi && int(cc.col[at]) <= c1; at++ {
				if bc.rowIn[r] && bc.colIn[cc.col[at]] {
					in.set(cc.order[at])
				} else {
					edge.set(cc.order[at])
				}
			}
		}
	}
}

// eachInBox calls fn, in position order, with the position of each point
// in the box among positions [from, to) of the deque and where its post's
// hashtags are (tagAt, absolute) and how many: through the cell index for
// full chunks (reading only the points on the box's border), reading
// every point of the others (their hashtags through tags). cf, when not
// nil, leaves out the points outside its classes. fn also gets the
// point's record; it returns false to stop.
func (p *pointDeque) eachInBox(bc *boxCells, from, to int, tags tagsOfPost, cf *classFilter, fn func(i int, g *geoRec, tagAt uint32, ntag int) bool) bool {
	for from < to {
		j := p.head + from
		ci, off := j>>chunkShift, j&chunkMask
		n := min(to-from, chunkLen-off)
		c := p.chunks[ci]
		base := from - off // position of the chunk's slot 0
		if ci >= len(p.cells) || p.cells[ci] == nil {
			for o := off; o < off+n; o++ {
				if g := &c[o]; bc.box.Contains(g.point()) && (cf == nil || cf.has(ci, o)) {
					if at, k := tags(g.post); !fn(base+o, g, at, k) {
						return false
					}
				}
			}
			from += n
			continue
		}
		var in, edge bitmap
		cc := p.cells[ci]
		bc.candidatesOf(cc, cf, &in, &edge)
		for w := off >> 6; w <= (off+n-1)>>6; w++ {
			word := in[w] | edge[w]
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &= word - 1
				o := w<<6 | b
				if o < off || o >= off+n {
					continue
				}
				if in[w]&(1<<b) == 0 && !bc.box.Contains(c[o].point()) {
					continue
				}
				at, k := cc.tagAt[o], int(cc.ntag[o])
				if k == manyTags {
					at, k = tags(c[o].post)
				}
				if !fn(base+o, &c[o], at, k) {
					return false
				}
			}
		}
		from += n
	}
	return true
}

// countInBox counts the points in the box among positions [from, to) of
// one chunk (to-from <= chunkLen, not crossing chunks), reading only those
// on the box's border, and with cf not nil only those in its classes; ok
// is false when the chunk has no index.
func (p *pointDeque) countInBox(bc *boxCells, from, to int, cf *classFilter) (n int, ok bool) {
	j := p.head + from
	ci, off := j>>chunkShift, j&chunkMask
	if ci >= len(p.cells) || p.cells[ci] == nil {
		return 0, false
	}
	if off == 0 && to-from == chunkLen {
		return bc.countWhole(p.cells[ci], p.chunks[ci], cf), true
	}
	var in, edge bitmap
	bc.candidatesOf(p.cells[ci], cf, &in, &edge)
	return bc.countMarked(&in, &edge, p.chunks[ci], off, off+(to-from)), true
}

// countWhole counts the points of a whole chunk c in the box (with cf not
// nil, those in its classes) without marking each candidate, as a box's
// histogram asks for every chunk that falls in one bucket: a row's run of
// points in cells wholly inside the box (the index's order groups them)
// adds its length (or the inferred marks' count in it, by class), and only
// the points of cells the box's border crosses are read. Marking a bit
// per candidate was most of what a continent's histogram cost.
func (bc *boxCells) countWhole(cc *chunkCells, c *chunk[geoRec], cf *classFilter) (n int) {
	classes := [2]bool{true, true}
	if cf != nil {
		classes = cf.classes
	}
	edges := func(from, to int) {
		for at := from; at < to; at++ {
			o := cc.order[at]
			if classes[b2i(cc.inferredAt.has(uint16(at)))] && bc.box.Contains(c[o].point()) {
				n++
			}
		}
	}
	for r := bc.r0; r <= bc.r1; r++ {
		lo, hi := int(cc.rowStart[r]), int(cc.rowStart[r+1])
		row := cc.col[lo:hi]
		for k := 0; k <= b2i(bc.two); k++ {
			from, to := lo+searchCol(row, bc.cols[k][0]), lo+searchCol(row, bc.cols[k][1]+1)
			if !bc.rowIn[r] || bc.inner[k][0] > bc.inner[k][1] {
				edges(from, to)
				continue
			}
			inFrom, inTo := lo+searchCol(row, bc.inner[k][0]), lo+searchCol(row, bc.inner[k][1]+1)
			edges(from, inFrom)
			inferred := cc.inferredAt.countRange(inFrom, inTo)
			n += b2i(classes[classTrusted])*(inTo-inFrom-inferred) + b2i(classes[classInferred])*inferred
			edges(inTo, to)
		}
	}
	return n
}

// countMarked counts the candidates among offsets [off, end) of chunk c:
// those marked in, and those marked edge that lie in the box.
func (bc *boxCells) countMarked(in, edge *bitmap, c *chunk[geoRec], off, end int) (n int) {
	for w := off >> 6; w <= (end-1)>>6; w++ {
		mask := ^uint64(0)
		if lo := off - w<<6; lo > 0 {
			mask &^= 1<<lo - 1
		}
		if hi := end - w<<6; hi < 64 {
			mask &= 1<<hi - 1
		}
		n += bits.OnesCount64(in[w] & mask)
		for word := edge[w] & mask; word != 0; word &= word - 1 {
			if bc.box.Contains(c[w<<6|bits.TrailingZeros64(word)].point()) {
				n++
			}
		}
	}
	return n
}
