package redisstore

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Times travel to Lua as 20-digit decimal strings of the unix nanoseconds
// shifted by 2^63 (so every int64 is non-negative): equal-length digit
// strings compare like the numbers, and Lua compares strings exactly where
// its doubles would round nanoseconds (2013 in ns needs 61 bits).
const timeWidth = 20

func encodeTime(ns int64) string {
	var b [timeWidth]byte
	u := uint64(ns) ^ (1 << 63)
	for i := timeWidth - 1; i >= 0; i-- {
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[:])
}

func decodeTime(s string) (int64, error) {
	if len(s) != timeWidth {
		return 0, errors.New("bad time width")
	}
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	return int64(u ^ (1 << 63)), nil
}

// encodeDuration writes a non-negative duration as 20 digits, unshifted:
// the retention the record script subtracts from the head.
func encodeDuration(d time.Duration) string {
	s := strconv.FormatUint(uint64(d), 10)
	return strings.Repeat("0", timeWidth-len(s)) + s
}

// A post record, one list element per post (docs/redis.md):
//
//	<time, 20 digits> SP <seq> SP <tag count> SP <provenance> LF
//	[<lat> SP <lon> [SP <confidence>] LF]   when it has a point
//	(<byte length> ":" <tag>)*              lower-cased hashtags
//	[SP <author, lower-case hex>]          when the post has an author
//
// The provenance is the post.GeoSource digit: 0 no point, 1 exact, 2 place,
// 3 profile, 4 text. Records written before provenance existed said 0 or 1
// for "has a point", which reads the same: their points were exact. The
// confidence is the store.QuantizeConfidence byte, written only when it is
// not 255 (confidence 1), so an exact point's record is byte for byte what
// it was.
//
// The author is trend.AuthorOf(user id, post id), the id trends count
// distinct authors by; it follows the tags and is left out when 0 (a post
// without ids), so such a post's record is byte for byte what it was.
// Records written before authors existed read as author 0, one unknown
// author, as the embedded store replays its older log entries. A build from
// before authors reads the tags by their count and never looks past them,
// so it reads newer records as before.
//
// The script writes the header (it assigns seq); Go writes the payload.
// Floats use strconv's shortest round-trip form, so points come back
// bit-exact (-0 included). Tags are length-prefixed because a hashtag given
// to Record may hold any byte.

// appendPayload appends the payload of a record for a post with the given
// (lower-cased) tags, author (0: none) and, when hasPoint, point and its
// confidence byte.
func appendPayload(dst []byte, hasPoint bool, p post.Point, conf uint8, tags []string, author uint32) []byte {
	if hasPoint {
		dst = strconv.AppendFloat(dst, p.Lat, 'g', -1, 64)
		dst = append(dst, ' ')
		dst = strconv.AppendFloat(dst, p.Lon, 'g', -1, 64)
		if conf != 255 {
			dst = append(dst, ' ')
			dst = strconv.AppendUint(dst, uint64(conf), 10)
		}
		dst = append(dst, '\n')
	}
	for _, t := range tags {
		dst = strconv.AppendInt(dst, int64(len(t)), 10)
		dst = append(dst, ':')
		dst = append(dst, t...)
	}
	if author != 0 {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(author), 16)
	}
	return dst
}

// record is a decoded post record. Tags alias the record string.
type record struct {
	time     string // 20-digit encoded time, comparable as a string
	seq      uint64
	hasPoint bool
	point    post.Point
	source   post.GeoSource // GeoNone without a point
	conf     uint8          // store.QuantizeConfidence byte; 255 = 1
	tags     []string
	author   uint32 // trend.AuthorOf; 0 = none (or not parsed: wantTags false)
}

// storePoint is the record's point with its provenance.
func (r *record) storePoint() store.Point {
	return store.Point{Point: r.point, Source: r.source, Confidence: store.ConfidenceOf(r.conf)}
}

var errBadRecord = errors.New("redisstore: malformed post record")

// parseRecord decodes a post record. With wantTags false the tags and the
// author after them are skipped (Points and untagged heat do not need
// them).
func parseRecord(s string, wantTags bool, r *record) error {
	*r = record{tags: r.tags[:0]}
	if len(s) < timeWidth+1 || s[timeWidth] != ' ' {
		return errBadRecord
	}
	r.time = s[:timeWidth]
	hdr, payload, ok := strings.Cut(s[timeWidth+1:], "\n")
	if !ok {
		return errBadRecord
	}
	seqS, rest, ok1 := strings.Cut(hdr, " ")
	ntS, g, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return errBadRecord
	}
	seq, err1 := strconv.ParseUint(seqS, 10, 64)
	nt, err2 := strconv.Atoi(ntS)
	if err1 != nil || err2 != nil || nt < 0 || len(g) != 1 || g[0] < '0' || g[0] > '0'+byte(post.GeoText) {
		return errBadRecord
	}
	r.seq = seq
	if g != "0" {
		line, more, ok := strings.Cut(payload, "\n")
		latS, rest, ok2 := strings.Cut(line, " ")
		if !ok || !ok2 {
			return errBadRecord
		}
		lonS, confS, hasConf := strings.Cut(rest, " ")
		r.conf = 255
		if hasConf {
			c, err := strconv.ParseUint(confS, 10, 8)
			if err != nil || c == 0 {
				return errBadRecord
			}
			r.conf = uint8(c)
		}
		lat, err1 := strconv.ParseFloat(latS, 64)
		lon, err2 := strconv.ParseFloat(lonS, 64)
		if err1 != nil || err2 != nil {
			return errBadRecord
		}
		r.point = post.Point{Lat: lat, Lon: lon}
		r.hasPoint, r.source = true, post.GeoSource(g[0]-'0')
		payload = more
	}
	if !wantTags {
		return nil
	}
	for range nt {
		lenS, rest, ok := strings.Cut(payload, ":")
		n, err := strconv.Atoi(lenS)
		if !ok || err != nil || n < 0 || n > len(rest) {
			return errBadRecord
		}
		r.tags = append(r.tags, rest[:n])
		payload = rest[n:]
	}
	if payload == "" {
		return nil
	}
	field, ok := strings.CutPrefix(payload, " ")
	if !ok {
		return errBadRecord
	}
	a, err := strconv.ParseUint(field, 16, 32)
	if err != nil || a == 0 {
		return errBadRecord
	}
	r.author = uint32(a)
	return nil
}

// pyFloatRepr formats f as Python 3's repr(float) does, which is what
// json.dumps writes: the shortest round-trip digits, positional notation
// for decimal exponents in [-4, 16) with ".0" added to integral values,
// scientific otherwise with a signed exponent of at least two digits
// (1e-05, 1.5e+16). Non-finite values never reach it (points are valid).
func pyFloatRepr(f float64) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// d.ddde±XX: the shortest digits and the decimal exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	mant, expS, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expS)
	digits := strings.Replace(mant, ".", "", 1)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case exp >= 16 || exp < -4:
		b.WriteByte(digits[0])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
	case exp < 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -exp-1))
		b.WriteString(digits)
	default:
		intLen := exp + 1
		if len(digits) <= intLen {
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", intLen-len(digits)))
			b.WriteString(".0")
		} else {
			b.WriteString(digits[:intLen])
			b.WriteByte('.')
			b.WriteString(digits[intLen:])
		}
	}
	return b.String()
}

// seedGeo is the seed's stored point: json.dumps([lat, lon]).
func seedGeo(p post.Point) string {
	return "[" + pyFloatRepr(p.Lat) + ", " + pyFloatRepr(p.Lon) + "]"
}

// parseSeedGeo reads a seed point, "[lat, lon]" as json.dumps wrote it (or
// any JSON array of two numbers).
func parseSeedGeo(s string) (post.Point, error) {
	s = strings.TrimSpace(s)
	inner, ok1 := strings.CutPrefix(s, "[")
	inner, ok2 := strings.CutSuffix(inner, "]")
	if !ok1 || !ok2 {
		return post.Point{}, errors.New("redisstore: seed point is not a JSON pair")
	}
	latS, lonS, ok := strings.Cut(inner, ",")
	if !ok {
		return post.Point{}, errors.New("redisstore: seed point is not a JSON pair")
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(latS), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lonS), 64)
	if err1 != nil || err2 != nil {
		return post.Point{}, errors.New("redisstore: seed point holds a non-number")
	}
	return post.Point{Lat: lat, Lon: lon}, nil
}

// A kept record, one element of the ":k" list per post whose text is kept
// (docs/redis.md):
//
//	<length of the fields> ":" <fields> <post record>
//	fields: (<byte length> ":" <string>) for lang, id, handle and the
//	given URL (empty when post.Link derives it), then the text snippet
//
// The post record is the one in the language's ":p:" list, so a kept
// record answers a query by itself (time, tags, point), and the record
// script finds its time and seq right after the fields to trim the list.

// snippet cuts text to store.SnippetBytes at a rune boundary.
func snippet(text string) string { return cutRunes(text, store.SnippetBytes) }

// Bounds on a kept record's strings, as textindex cuts them (it keeps
// their lengths in 16 bits), so both stores serve the same strings.
const (
	maxKeptID     = 512
	maxKeptHandle = 512
	maxKeptURL    = 4096
)

// cutRunes cuts s to at most n bytes at a rune boundary.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// appendKeptFields appends a kept record's fields for a post. A URL that
// post.Link derives from the id and handle is left out.
func appendKeptFields(dst []byte, lang, id, handle, url, text string) []byte {
	id, handle, url = cutRunes(id, maxKeptID), cutRunes(handle, maxKeptHandle), cutRunes(url, maxKeptURL)
	if url == post.Link(id, handle, "") {
		url = ""
	}
	for _, f := range []string{lang, id, handle, url} {
		dst = strconv.AppendInt(dst, int64(len(f)), 10)
		dst = append(dst, ':')
		dst = append(dst, f...)
	}
	return append(dst, snippet(text)...)
}

// keptRecord is a decoded kept record; its strings alias the record.
type keptRecord struct {
	lang, id, handle, url, text string
	rec                         string // the post record
}

var errBadKept = errors.New("redisstore: malformed kept record")

// cutLen reads "<n>:" and the n bytes after it.
func cutLen(s string) (field, rest string, ok bool) {
	lenS, rest, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(lenS)
	if !ok || err != nil || n < 0 || n > len(rest) {
		return "", s, false
	}
	return rest[:n], rest[n:], true
}

func parseKept(s string, k *keptRecord) error {
	fields, rec, ok := cutLen(s)
	if !ok {
		return errBadKept
	}
	k.rec = rec
	for _, dst := range []*string{&k.lang, &k.id, &k.handle, &k.url} {
		if *dst, fields, ok = cutLen(fields); !ok {
			return errBadKept
		}
	}
	k.text = fields
	return nil
}
