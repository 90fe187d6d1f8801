package demo

import (
	"strconv"
	"time"
)

// The Twitter v1.1 stream serialised strings ASCII-only: every non-ASCII
// character as \uXXXX (astral ones, i.e. most emoji, as a UTF-16 surrogate
// pair), "/" as "\/" and the HTML-sensitive "<", ">", "&" as \u003c... .
// Reproducing that byte for byte makes the demo exercise the same decoding
// work (escape handling, surrogate pairs) as a real capture, and it also
// means a message is pure ASCII, so a malformed one can be cut at any byte.

const hexDigits = "0123456789abcdef"

// asciiVerbatim marks the ASCII bytes that are copied as they are.
var asciiVerbatim = func() (t [128]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range `"\/<>&` {
		t[c] = false
	}
	return t
}()

// appendEscaped appends s, escaped as Twitter did, without quotes.
//
// s must be valid UTF-8: every string the generator escapes is authored in
// this package (checked by the tests) or assembled from such strings.
func appendEscaped[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			// Copy the longest run of verbatim bytes in one append: most
			// of a European text, every URL and name, is such a run.
			j := i
			for j < len(s) && s[j] < 0x80 && asciiVerbatim[s[j]] {
				j++
			}
			if j > i {
				dst = append(dst, s[i:j]...)
				i = j
				continue
			}
			switch c {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\':
				dst = append(dst, '\\', '\\')
			case '/':
				dst = append(dst, '\\', '/')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = appendU16(dst, rune(c))
			}
			i++
			continue
		}
		// Decode by hand: valid UTF-8 is guaranteed, and this keeps the
		// function generic over string and []byte without conversions.
		var r rune
		switch {
		case c < 0xe0:
			r = rune(c&0x1f)<<6 | rune(s[i+1]&0x3f)
			i += 2
		case c < 0xf0:
			r = rune(c&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
			i += 3
		default:
			r = rune(c&0x07)<<18 | rune(s[i+1]&0x3f)<<12 | rune(s[i+2]&0x3f)<<6 | rune(s[i+3]&0x3f)
			i += 4
		}
		if r >= 0x10000 {
			r -= 0x10000
			dst = appendU16(dst, 0xd800+(r>>10))
			dst = appendU16(dst, 0xdc00+(r&0x3ff))
			continue
		}
		dst = appendU16(dst, r)
	}
	return dst
}

// appendU16 appends the \uXXXX escape of one UTF-16 code unit.
func appendU16(dst []byte, u rune) []byte {
	return append(dst, '\\', 'u',
		hexDigits[u>>12&0xf], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
}

// appendQuoted appends s as a JSON string literal.
func appendQuoted[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// quoted returns s as a JSON string literal; for the static parts built once.
func quoted(s string) string { return string(appendQuoted(nil, s)) }

// escaped returns s escaped without quotes; for the static parts built once.
func escaped(s string) string { return string(appendEscaped(nil, s)) }

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

func appendInt(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) }

// appendIDPair appends `"id":N,"id_str":"N"` with the given key prefix
// ("" for id/id_str, "user_" for user_id/user_id_str...).
func appendIDPair(dst []byte, prefix string, id uint64) []byte {
	dst = append(dst, '"')
	dst = append(dst, prefix...)
	dst = append(dst, `id":`...)
	dst = appendUint(dst, id)
	dst = append(dst, `,"`...)
	dst = append(dst, prefix...)
	dst = append(dst, `id_str":"`...)
	dst = appendUint(dst, id)
	return append(dst, '"')
}

// appendIndices appends `"indices":[a,b]`.
func appendIndices(dst []byte, start, end int) []byte {
	dst = append(dst, `"indices":[`...)
	dst = appendInt(dst, start)
	dst = append(dst, ',')
	dst = appendInt(dst, end)
	return append(dst, ']')
}

// twitterTimeLayout is created_at's format in every v1.1 payload.
const twitterTimeLayout = "Mon Jan 02 15:04:05 +0000 2006"

// timeCache formats created_at, caching the current second: at the
// synthetic 1 ms spacing a thousand posts share the string. Retweeted
// originals are hours older, so misses are common too and are formatted
// by hand, several times faster than time.Format.
type timeCache struct {
	sec  int64
	text []byte
}

func (c *timeCache) append(dst []byte, ms int64) []byte {
	sec := ms / 1000
	if ms < 0 && ms%1000 != 0 {
		sec-- // floor: the second the instant lies in
	}
	if c.text != nil && c.sec == sec {
		return append(dst, c.text...)
	}
	start := len(dst)
	dst = appendTwitterTime(dst, sec)
	if c.text == nil || sec > c.sec {
		// Keep the newest second: the posts' own times only move forward.
		c.sec = sec
		c.text = append(c.text[:0], dst[start:]...)
	}
	return dst
}

const (
	weekdayNames = "SunMonTueWedThuFriSat"
	monthNames   = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// appendTwitterTime appends Unix second sec in twitterTimeLayout.
func appendTwitterTime(dst []byte, sec int64) []byte {
	t := time.Unix(sec, 0).UTC()
	year, month, day := t.Date()
	if year < 1000 || year > 9999 {
		return t.AppendFormat(dst, twitterTimeLayout) // not four digits
	}
	hour, minute, second := t.Clock()
	wd := int(t.Weekday())
	dst = append(dst, weekdayNames[3*wd:3*wd+3]...)
	dst = append(dst, ' ')
	dst = append(dst, monthNames[3*(month-1):3*month]...)
	dst = append(dst, ' ')
	dst = append2(dst, day)
	dst = append(dst, ' ')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, minute)
	dst = append(dst, ':')
	dst = append2(dst, second)
	dst = append(dst, " +0000 "...)
	return append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10))
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }
