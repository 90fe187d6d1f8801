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
type tagPoints struct {
	byTag map[uint32]*posting
	bytes int64 // the lists' capacity and the map's entries, kept as they change
}

// posting is one hashtag's points. Its array is never written below len
// once appended, so a query may read a copy of the slice without the lock
// while Record appends: shrinking allocates a new array.
type posting struct{ pos []uint32 }

// postingEntryBytes estimates a map entry and its posting.
const postingEntryBytes = 48 + int64(unsafe.Sizeof(posting{}))

// add records that the point at abs carries tag (a post naming a tag
// twice is recorded once).
func (tp *tagPoints) add(tag, abs uint32) {
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
		return
	}
	before := cap(p.pos)
	p.pos = append(p.pos, abs)
	tp.bytes += int64(cap(p.pos)-before) * 4
}

// dropFront forgets the point at abs, the oldest held, from tag's list.
func (tp *tagPoints) dropFront(tag, abs uint32) {
	p := tp.byTag[tag]
	if p == nil || len(p.pos) == 0 || p.pos[0] != abs {
		return // a tag the post named twice: gone with its first mention
	}
	p.pos = p.pos[1:]
	switch {
	case len(p.pos) == 0:
		delete(tp.byTag, tag)
		tp.bytes -= postingEntryBytes + int64(cap(p.pos)+1)*4
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

// of returns tag's positions (ascending), nil when none.
func (tp *tagPoints) of(tag uint32) []uint32 {
	if p := tp.byTag[tag]; p != nil {
		return p.pos
	}
	return nil
}
