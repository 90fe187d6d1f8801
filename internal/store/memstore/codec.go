package memstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"unsafe"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/textindex"
	"github.com/geoheat/geoheat/internal/trend"
)

// batch is one Record call reduced to what the store keeps: times resolved,
// hashtags lower-cased, strings tabled once per batch. Record builds it from
// posts and encodes it into the log; replay decodes it; both hand it to the
// same apply, so a restarted store is built exactly as the live one was.
type batch struct {
	langs []string // batch-local language table
	tags  []string // batch-local table of lower-cased hashtags
	posts []batchPost
	refs  []uint32 // tag table indexes; each post's tags are consecutive
	words []textindex.Word
}

type batchPost struct {
	time     int64  // unix nanoseconds
	lang     uint32 // index into batch.langs
	nTags    uint32 // the post's tags are the next nTags of batch.refs
	hasPoint bool
	point    post.Point
	source   post.GeoSource // when hasPoint: never GeoNone
	conf     uint8          // when hasPoint: store.QuantizeConfidence
	id       string         // kept in the log for tracing a post back; not held in memory
	author   uint32         // trend.AuthorOf; 0 when the post has no ids
	// kept: the store keeps text (Options.KeepText) and the entry carries
	// the author's handle, the text's snippet and the given URL.
	kept              bool
	handle, text, url string
	// words is the post's words (batch.words[wFrom:wTo]) when cut before
	// apply (Store.cutWords), so the store's lock is not held for it.
	wFrom, wTo int32
	wordsCut   bool
}

// provenanced reports whether the point carries more than the version 1
// encoding can say (anything but an exact point of confidence 1).
func (p *batchPost) provenanced() bool {
	return p.hasPoint && (p.source != post.GeoExact || p.conf != 255)
}

func (b *batch) reset() {
	b.langs, b.tags, b.posts, b.refs = b.langs[:0], b.tags[:0], b.posts[:0], b.refs[:0]
}

// release drops the batch's references to the caller's strings, so that a
// reused batch does not keep, say, the JSON buffer a hashtag was sliced
// from alive until the next Record.
func (b *batch) release() {
	clear(b.langs)
	clear(b.tags)
	clear(b.posts)
	clear(b.words)
	b.words = b.words[:0]
	b.reset()
}

// batchBuilder turns posts into a batch, reusing its tables between calls.
type batchBuilder struct {
	langIdx map[string]uint32
	tagIdx  map[string]uint32
}

func newBatchBuilder() *batchBuilder {
	return &batchBuilder{langIdx: make(map[string]uint32), tagIdx: make(map[string]uint32)}
}

// release drops the tables' references to the caller's strings.
func (bb *batchBuilder) release() {
	clear(bb.langIdx)
	clear(bb.tagIdx)
}

// build fills b from posts. Posts without a language are skipped (the
// Recorder contract). A zero Time becomes now. A point that is not Valid is
// not recorded (the post is, without its point): a NaN or off-globe point
// cannot be placed on a map and would poison cell means.
//
// With keep set, each post also carries its handle, snippet and URL.
func (bb *batchBuilder) build(b *batch, posts []post.Post, now int64, keep bool) {
	b.reset()
	clear(bb.langIdx)
	clear(bb.tagIdx)
	for i := range posts {
		p := &posts[i]
		if p.Lang == "" {
			continue
		}
		li, ok := bb.langIdx[p.Lang]
		if !ok {
			li = uint32(len(b.langs))
			bb.langIdx[p.Lang] = li
			b.langs = append(b.langs, p.Lang)
		}
		bp := batchPost{time: now, lang: li, nTags: uint32(len(p.Hashtags)), id: p.ID, author: trend.AuthorOf(p.UserID, p.ID)}
		if !p.Time.IsZero() {
			bp.time = store.UnixNanos(p.Time)
		}
		if keep {
			bp.kept, bp.handle, bp.text, bp.url = true, p.ScreenName, textindex.Snippet(p.Text), p.URL
		}
		if src := store.PointSource(p); src != post.GeoNone {
			bp.hasPoint, bp.point = true, p.Point
			bp.source, bp.conf = src, store.QuantizeConfidence(p.GeoConfidence)
		}
		for _, tag := range p.Hashtags {
			tag = pytext.Lower(tag)
			ti, ok := bb.tagIdx[tag]
			if !ok {
				ti = uint32(len(b.tags))
				bb.tagIdx[tag] = ti
				b.tags = append(b.tags, tag)
			}
			b.refs = append(b.refs, ti)
		}
		b.posts = append(b.posts, bp)
	}
}

// Log entry encoding, versions 1 to 4. All integers are varints
// (encoding/binary Uvarint; signed ones zig-zag), strings are a length then
// bytes.
//
//	byte     version (1 to 4)
//	byte     flags: bit 0 = times are whole seconds and encoded in seconds
//	uvarint  number of languages, then each language string
//	uvarint  number of distinct tags, then each lower-cased tag string
//	uvarint  number of posts, then per post:
//	  uvarint  nTags<<3 | idKind<<1 | hasPoint
//	           idKind 0: no id, 1: canonical decimal uint64, 2: string
//	  varint   time minus the previous post's time (the first: minus 0)
//	  uvarint  language index
//	  uvarint  × nTags: tag indexes
//	  id       idKind 1: uvarint value; idKind 2: string
//	  8+8 B    latitude and longitude as IEEE-754 bits, little endian, when
//	           hasPoint (so points come back bit-exact)
//	1+1 B    versions 2 and 3, when hasPoint: the provenance (post.GeoSource,
//	           1..4) and the confidence byte (store.QuantizeConfidence, 1..255)
//	4 B      versions 3 and 4: the author (trend.AuthorOf), little endian
//	strings  version 4 only: the author's handle, the text's snippet
//	         (store.SnippetBytes), the given URL
//	4 B      CRC-32C of everything above, little endian
//
// Version 1 entries are points of exact coordinates with confidence 1: that
// is all geoheat stored before provenance. A batch whose points are all such
// is still written as version 1, byte for byte as before, so logs of
// trusted-only streams stay readable by older builds; a batch with any other
// point is written as version 2, which an older build refuses as newer
// (errNewerVersion) instead of misreading or cutting it. A batch with any
// author (a post with a user or post id) is written as version 3, which
// carries the author trends count; posts replayed from versions 1 and 2
// have author 0, one unknown author. A store that keeps text
// (Options.KeepText) writes version 4, as 3 plus each post's handle,
// snippet and URL, so kept text survives a restart; older builds refuse it
// as newer, and posts replayed from versions 1 to 3 have no kept text.
//
// Tweets have second-precision times and decimal ids, so a post without a
// point typically takes 12–14 bytes and one with a point 28–30.
const (
	entryVersion     = 1 // exact points only
	entryVersionProv = 2 // points carry provenance and confidence
	entryVersionAuth = 3 // as 2, and every post carries its author
	entryVersionText = 4 // as 3, and every post carries its handle, snippet and URL
	flagWholeSeconds = 1 << 0
	idNone           = 0
	idDecimal        = 1
	idString         = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadEntry reports a log entry that does not decode: torn, overwritten,
// bit-flipped.
var errBadEntry = errors.New("bad log entry")

// errNewerVersion reports an intact entry (its checksum holds) of a version
// this build does not know: the log was written by a newer geoheat. Replay
// refuses to start rather than treat the entries as damage and cut them.
var errNewerVersion = errors.New("log entry version unknown to this build (written by a newer geoheat?)")

// encode appends b's encoding to dst.
func encode(dst []byte, b *batch) []byte {
	start := len(dst)
	whole := true
	for i := range b.posts {
		if b.posts[i].time%1e9 != 0 {
			whole = false
			break
		}
	}
	version := byte(entryVersion)
	for i := range b.posts {
		if b.posts[i].kept {
			version = entryVersionText
			break
		}
		if b.posts[i].author != 0 {
			version = entryVersionAuth
			break
		}
		if b.posts[i].provenanced() {
			version = entryVersionProv
		}
	}
	var flags byte
	if whole {
		flags |= flagWholeSeconds
	}
	dst = append(dst, version, flags)
	dst = binary.AppendUvarint(dst, uint64(len(b.langs)))
	for _, s := range b.langs {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, uint64(len(b.tags)))
	for _, s := range b.tags {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, uint64(len(b.posts)))
	var prev int64
	refs := b.refs
	for i := range b.posts {
		p := &b.posts[i]
		var idKind uint64 = idNone
		var idNum uint64
		if p.id != "" {
			idKind = idString
			if v, ok := canonicalDecimal(p.id); ok {
				idKind, idNum = idDecimal, v
			}
		}
		var hasPoint uint64
		if p.hasPoint {
			hasPoint = 1
		}
		dst = binary.AppendUvarint(dst, uint64(p.nTags)<<3|idKind<<1|hasPoint)
		t := p.time
		if whole {
			t /= 1e9
		}
		// Wrapping subtraction: the decoder adds it back the same way, so
		// extreme times (saturated to ±MaxInt64) round-trip too.
		dst = binary.AppendVarint(dst, int64(uint64(t)-uint64(prev)))
		prev = t
		dst = binary.AppendUvarint(dst, uint64(p.lang))
		for _, r := range refs[:p.nTags] {
			dst = binary.AppendUvarint(dst, uint64(r))
		}
		refs = refs[p.nTags:]
		switch idKind {
		case idDecimal:
			dst = binary.AppendUvarint(dst, idNum)
		case idString:
			dst = appendString(dst, p.id)
		}
		if p.hasPoint {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.point.Lat))
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.point.Lon))
			if version >= entryVersionProv {
				dst = append(dst, byte(p.source), p.conf)
			}
		}
		if version >= entryVersionAuth {
			dst = binary.LittleEndian.AppendUint32(dst, p.author)
		}
		if version == entryVersionText {
			dst = appendString(dst, p.handle)
			dst = appendString(dst, p.text)
			dst = appendString(dst, p.url)
		}
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// canonicalDecimal parses s as a decimal uint64 if formatting the value
// gives s back (no sign, no leading zeros), so the id round-trips as text.
// Hand-rolled: it runs for every post Record logs.
func canonicalDecimal(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 20 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(c))/10 {
			return 0, false // overflows uint64
		}
		v = v*10 + uint64(c)
	}
	return v, true
}

// decoder reads entries. It is hand-written (no reflection, no per-post
// allocation) because replay decodes every held post at startup.
type decoder struct {
	data []byte
	pos  int
	err  bool
}

// uvarint and varint return the next varint, or 0 and mark the error when
// it is short or overflows (binary.Uvarint and binary.Varint return 0 then).
func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.data[d.pos:])
	d.skipVarint(n)
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.data[d.pos:])
	d.skipVarint(n)
	return v
}

// skipVarint moves past a varint that binary.(U)varint read in n bytes; n
// <= 0 says it was short or overflowed, which fails the rest of the entry.
func (d *decoder) skipVarint(n int) {
	if n <= 0 {
		d.fail()
		return
	}
	d.pos += n
}

// fail marks the entry bad and ends reading: every later read sees no
// bytes left.
func (d *decoder) fail() {
	d.err = true
	d.pos = len(d.data)
}

// view returns the next n bytes, or nil and marks the error when short.
func (d *decoder) view(n uint64) []byte {
	if n > uint64(len(d.data)-d.pos) {
		d.fail()
		return nil
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b
}

// str returns the next string as a view of the entry, without copying: the
// batch is applied before the entry buffer is reused, and apply clones what
// it keeps (interner, language keys).
func (d *decoder) str() string {
	b := d.view(d.uvarint())
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// decode parses one entry into b (reusing its slices). Strings in b are
// views of data. Post ids are only decoded when withIDs is set (replay
// needs them only to keep text). Any inconsistency, including a checksum mismatch, returns
// errBadEntry.
func decode(data []byte, b *batch, withIDs bool) error {
	b.reset()
	if len(data) < 2+4 {
		return errBadEntry
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return errBadEntry
	}
	version := body[0]
	if version < entryVersion || version > entryVersionText {
		return fmt.Errorf("%w: version %d", errNewerVersion, body[0])
	}
	whole := body[1]&flagWholeSeconds != 0
	d := decoder{data: body, pos: 2}
	// Counts are bounded by the remaining bytes (every element takes at
	// least one byte) before they size anything, so a corrupt count cannot
	// make us allocate gigabytes.
	count := func() int {
		n := d.uvarint()
		if n > uint64(len(d.data)-d.pos) {
			d.err = true
			return 0
		}
		return int(n)
	}
	nLangs := count()
	for range nLangs {
		b.langs = append(b.langs, d.str())
	}
	nTags := count()
	for range nTags {
		b.tags = append(b.tags, d.str())
	}
	nPosts := count()
	if d.err {
		return errBadEntry
	}
	b.posts = append(b.posts, make([]batchPost, nPosts)...)[:nPosts]
	var prev int64
	for i := range b.posts {
		p := &b.posts[i]
		head := d.uvarint()
		prev = int64(uint64(prev) + uint64(d.varint()))
		p.time = prev
		if whole {
			p.time = prev * 1e9
		}
		p.lang = uint32(d.uvarint())
		p.nTags = uint32(head >> 3)
		if uint64(p.lang) >= uint64(nLangs) || head>>3 > uint64(len(d.data)-d.pos) {
			return errBadEntry
		}
		for range p.nTags {
			r := d.uvarint()
			if r >= uint64(nTags) {
				return errBadEntry
			}
			b.refs = append(b.refs, uint32(r))
		}
		p.id = ""
		switch (head >> 1) & 3 {
		case idNone:
		case idDecimal:
			v := d.uvarint()
			if withIDs {
				p.id = strconv.FormatUint(v, 10)
			}
		case idString:
			if s := d.str(); withIDs {
				p.id = s
			}
		default:
			return errBadEntry
		}
		p.hasPoint = head&1 != 0
		if p.hasPoint {
			raw := d.view(16)
			if raw == nil {
				return errBadEntry
			}
			p.point.Lat = math.Float64frombits(binary.LittleEndian.Uint64(raw))
			p.point.Lon = math.Float64frombits(binary.LittleEndian.Uint64(raw[8:]))
			if !p.point.Valid() {
				return errBadEntry
			}
			p.source, p.conf = post.GeoExact, 255
			if version >= entryVersionProv {
				raw := d.view(2)
				if raw == nil || raw[0] < byte(post.GeoExact) || raw[0] > byte(post.GeoText) || raw[1] == 0 {
					return errBadEntry
				}
				p.source, p.conf = post.GeoSource(raw[0]), raw[1]
			}
		} else {
			p.point, p.source, p.conf = post.Point{}, post.GeoNone, 0
		}
		p.author = 0
		if version >= entryVersionAuth {
			raw := d.view(4)
			if raw == nil {
				return errBadEntry
			}
			p.author = binary.LittleEndian.Uint32(raw)
		}
		p.kept, p.handle, p.text, p.url = false, "", "", ""
		if version == entryVersionText {
			p.kept = true
			p.handle, p.text, p.url = d.str(), d.str(), d.str()
		}
		if d.err {
			return errBadEntry
		}
	}
	if d.err || d.pos != len(d.data) {
		return errBadEntry
	}
	return nil
}
