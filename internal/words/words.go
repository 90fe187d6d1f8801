// Package words splits text into the words keyword search matches on, so
// that a query and the posts it searches are cut the same way.
//
// A word is a run of letters and digits, lower-cased and with its accents
// removed ("Café" and "CAFE" are both "cafe"). Scripts written without
// spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer,
// Myanmar, Tibetan) have no runs to cut at, so each run of them becomes its
// overlapping character pairs ("東京都" → "東京", "京都"), the usual way
// search engines index CJK text without a dictionary; a query matches when
// all its pairs occur in the post, which a run of two or more characters
// in the post does. A lone character of such a script is a word by itself.
package words

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// unspaced are the scripts whose words are not separated by spaces.
var unspaced = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
	unicode.Khmer, unicode.Myanmar, unicode.Tibetan,
}

func isUnspaced(r rune) bool {
	if r < 0x0E00 { // below Thai: none of them
		return false
	}
	return unicode.IsOneOf(unspaced, r)
}

// folders are accent removers: a chain holds two 4 KiB buffers, and making
// one per text cost the text index's writer a fifth of its time.
var folders = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// Fold lower-cases s and removes its accents (canonical decomposition,
// nonspacing marks dropped, recomposed). ASCII text is only lower-cased.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	t := folders.Get().(transform.Transformer)
	out, _, err := transform.String(t, s) // resets t first
	folders.Put(t)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// Append appends the words of text to dst, in order, duplicates kept.
func Append(dst []string, text string) []string {
	s := Fold(text)
	start := -1    // start of the current run of letters and digits
	var prev int   // byte offset of the previous unspaced rune in a run, -1 if none
	var unsp bool  // the current run is of an unspaced script
	var pairs bool // the current unspaced run produced a pair
	flush := func(end int) {
		if start < 0 {
			return
		}
		if !unsp || !pairs {
			dst = append(dst, s[start:end])
		}
		start, prev, unsp, pairs = -1, -1, false, false
	}
	prev = -1
	for i, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r)) {
			flush(i)
			continue
		}
		u := isUnspaced(r)
		if start >= 0 && u != unsp {
			flush(i)
		}
		if start < 0 {
			start, unsp = i, u
		}
		if u {
			if prev >= 0 {
				dst = append(dst, s[prev:i+utf8.RuneLen(r)])
				pairs = true
			}
			prev = i
		}
	}
	flush(len(s))
	return dst
}
