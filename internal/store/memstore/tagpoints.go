package memstore

import "unsafe"

// A heat map of one hashtag used to read every point of its languages and
// look up each point's hashtags: at 10 M posts over a year, 60 ms for a
// tag on one post in a hundred, growing with everything held. Each
// language keeps, per hashtag, the positions of its points that carry
// it, so that such a map reads only those.
//
// Positions are absolute (points ever appended to the language, wrapping
// at 2^32 like geoRec.post), ascending. Points drop from the front in
// order, so a dropped point is the first entry of each of its tags'
// lists.
//
// A busy tag's list is itself summarised like a language's points
// (summary.go): every 32 × 1,024 entries of the list (counted from the
// list's first ever entry) make a level-0 block, 32 of those a level-1
// one, and so on, so that a busy tag's map over a long span adds the
// cells of whole blocks instead of reading their points. A tag on fewer
// than 32,768 held points has none.
type tagPoints struct {
	byTag map[uint32]*posting
	// bytes: the lists' capacity, the map's entries and the summaries,
	// kept as they change.
	bytes int64
}

// posting is one hashtag's points. Its array is never written below len
// once appended, so a query may read a copy of the slice without the lock
// while Record appends: shrinking allocates a new array.
type posting struct {
	pos   []uint32
	front uint64                  // entries dropped: the list's absolute index of pos[0]
	sums  *[maxAggLevels]aggLevel // the list's block summaries; nil before the first
}

// postingEntryBytes estimates a map entry and its posting.
const postingEntryBytes = 48 + int64(unsafe.Sizeof(posting{}))

// add records that the point at abs carries tag (a post naming a tag
// twice is recorded once). It returns the posting and true when the entry
// filled a level-0 block of the list.
func (tp *tagPoints) add(tag, abs uint32) (*posting, bool) {
	if tp.byTag == nil {
		tp.byTag = make(map[uint32]*posting)
	}
	p := tp.byTag[tag]
	if p == nil {
		p = &posting{}
		tp.byTag[tag] = p
		tp.bytes += postingEntryBytes
	}
	if n := len(p.pos); n > 0 && p.pos[n-1] == abs {
		return p, false
	}
	before := cap(p.pos)
	p.pos = append(p.pos, abs)
	tp.bytes += int64(cap(p.pos)-before) * 4
	size := blockChunks(0) * chunkLen
	return p, len(p.pos) >= size && (p.front+uint64(len(p.pos)))%uint64(size) == 0
}

// blockJob returns the job that summarises p's block just filled by add.
func (p *posting) blockJob(l *lang, tag uint32) summaryJob {
	size := blockChunks(0) * chunkLen
	end := p.front + uint64(len(p.pos))
	return summaryJob{abs: int(end>>chunkShift) - 1, l: l, tag: p, tagID: tag, pos: p.pos[len(p.pos)-size:]}
}

// dropFront forgets the point at abs, the oldest held, from tag's list.
func (tp *tagPoints) dropFront(tag, abs uint32) {
	p := tp.byTag[tag]
	if p == nil || len(p.pos) == 0 || p.pos[0] != abs {
		return // a tag the post named twice: gone with its first mention
	}
	p.pos = p.pos[1:]
	p.front++
	if p.sums != nil && p.front&chunkMask == 0 {
		for k := range p.sums {
			tp.bytes -= p.sums[k].dropBefore(int(p.front>>chunkShift), k)
		}
	}
	switch {
	case len(p.pos) == 0:
		delete(tp.byTag, tag)
		tp.bytes -= postingEntryBytes + int64(cap(p.pos)+1)*4 + tagSumBytes(p)
	case cap(p.pos) > 64 && len(p.pos) < cap(p.pos)/4:
		// Give back the dropped front: a fresh array, so that readers of
		// the old one are not disturbed.
		before := cap(p.pos) + 1
		p.pos = append(make([]uint32, 0, len(p.pos)*2), p.pos...)
		tp.bytes -= int64(before-cap(p.pos)) * 4
	default:
		tp.bytes -= 4 // the slice's capacity, as counted
	}
}

// tagSumBytes is what p's summaries hold.
func tagSumBytes(p *posting) (n int64) {
	if p.sums == nil {
		return 0
	}
	for _, lv := range p.sums {
		for _, s := range lv.s {
			if s != nil {
				n += s.memBytes()
			}
		}
	}
	return n
}

// of returns tag's list, nil when none.
func (tp *tagPoints) of(tag uint32) *posting { return tp.byTag[tag] }
