package pytext

import (
	"iter"
	"unicode"
	"unicode/utf8"
)

// Class is how the regular expression `\w+|[^\w\s]+` of NLTK's
// wordpunct_tokenize sees one character under Python 3's re module.
type Class uint8

const (
	// Punct is every character that is neither Word nor Space; runs of them
	// form the `[^\w\s]+` tokens. Bytes that are not valid UTF-8 count as
	// Punct (Python strings cannot hold them; U+FFFD, which Go decodes them
	// to, is a symbol).
	Punct Class = iota
	// Word is Python's `\w`: c.isalnum() or c == "_". In Python 3.11 that is
	// exactly the letter (L*) and number (Nd, Nl, No) categories plus "_";
	// combining marks (Mn, Mc, Me) are not Word, which is why Devanagari,
	// Thai or Arabic words split at vowel signs.
	Word
	// Space is Python's `\s`, i.e. str.isspace: category Zs or bidirectional
	// class WS, B or S. Unlike Go's unicode.IsSpace it includes the
	// separators U+001C..U+001F.
	Space
)

// String names the class as the golden files do (w, s, p).
func (c Class) String() string {
	switch c {
	case Word:
		return "w"
	case Space:
		return "s"
	}
	return "p"
}

// asciiClass classifies the ASCII range with a single load.
var asciiClass = func() (t [utf8.RuneSelf]Class) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_':
			t[c] = Word
		case '\t' <= c && c <= '\r', 0x1c <= c && c <= ' ':
			t[c] = Space
		}
	}
	return t
}()

// wordTableLimit bounds the Word bitset: it covers the BMP and the SMP (the
// latter holds emoji, which tweets are full of, and math digits), so that the
// common case never reaches the unicode package's binary searches. Above it
// (CJK extensions, tags, private use) the unicode package answers.
const wordTableLimit = 0x20000

// wordBits has bit r set when rune r < wordTableLimit is Word. It is built
// from the unicode package's L and N tables, so it agrees with ClassOf's
// fallback above the limit by construction; the exhaustive test checks both
// against Python.
var wordBits = func() *[wordTableLimit / 64]uint64 {
	var bits [wordTableLimit / 64]uint64
	for _, table := range []*unicode.RangeTable{unicode.L, unicode.N} {
		for _, rg := range table.R16 {
			setBits(&bits, rune(rg.Lo), rune(rg.Hi), rune(rg.Stride))
		}
		for _, rg := range table.R32 {
			if rune(rg.Lo) < wordTableLimit {
				setBits(&bits, rune(rg.Lo), min(rune(rg.Hi), wordTableLimit-1), rune(rg.Stride))
			}
		}
	}
	setBits(&bits, '_', '_', 1)
	return &bits
}()

// setBits sets the bits lo, lo+stride, ... up to hi. Stride-1 ranges (most
// of the code points: CJK, Hangul) are set a word at a time, which keeps
// package initialisation short.
func setBits(bits *[wordTableLimit / 64]uint64, lo, hi, stride rune) {
	r := lo
	if stride == 1 {
		for ; r <= hi && r&63 != 0; r++ {
			bits[r>>6] |= 1 << (r & 63)
		}
		for ; r+63 <= hi; r += 64 {
			bits[r>>6] = ^uint64(0)
		}
	}
	for ; r <= hi; r += stride {
		bits[r>>6] |= 1 << (r & 63)
	}
}

// ClassOf returns how Python's re classifies r in `\w+|[^\w\s]+`.
//
// It agrees with Python 3.11 (Unicode 14) for every code point Unicode 14
// assigns; code points assigned only in Go's newer Unicode tables may be Word
// here and Punct in Python (see the exhaustive test).
func ClassOf(r rune) Class {
	if r < utf8.RuneSelf {
		if r < 0 {
			return Punct
		}
		return asciiClass[r]
	}
	if r < wordTableLimit {
		if wordBits[r>>6]&(1<<(r&63)) != 0 {
			return Word
		}
		if isSpaceNonASCII(r) {
			return Space
		}
		return Punct
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return Word
	}
	return Punct
}

// isSpaceNonASCII lists the non-ASCII code points for which Python's
// str.isspace is true (Unicode 14; the set has not changed since Unicode 6.3
// moved U+180E out of it).
func isSpaceNonASCII(r rune) bool {
	switch {
	case r == 0x85, r == 0xA0, r == 0x1680:
		return true
	case 0x2000 <= r && r <= 0x200A:
		return true
	case r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// classAt classifies the character starting at s[i] and returns its width in
// bytes; an invalid byte is one Punct byte.
func classAt(s string, i int) (Class, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	return classAtNonASCII(s, i)
}

// classAtNonASCII is classAt's slow path, kept out of line so that classAt
// inlines into the scanning loops.
func classAtNonASCII(s string, i int) (Class, int) {
	r, size := utf8.DecodeRuneInString(s[i:])
	return ClassOf(r), size
}

// NextToken finds the first wordpunct token of s at or after byte offset
// from: the maximal run of Word characters or of Punct characters, skipping
// Space. It returns the token's byte range s[start:end]; start == end ==
// len(s) when no token is left. This is the allocation-free primitive the
// other functions build on; a scan is
//
//	for start, end := NextToken(s, 0); start < end; start, end = NextToken(s, end) {
//		tok := s[start:end]
//	}
//
// Matching `\w+|[^\w\s]+` leftmost-first is exactly this: at a Word
// character the first alternative matches greedily; at a Punct character the
// second does; Space characters start no match.
func NextToken(s string, from int) (start, end int) {
	// The ASCII tests are spelled out rather than left to classAt, which
	// the compiler does not inline here; they are most of the characters.
	i := from
	var class Class
	size := 1
	for ; i < len(s); i += size {
		if c := s[i]; c < utf8.RuneSelf {
			class, size = asciiClass[c], 1
		} else {
			class, size = classAtNonASCII(s, i)
		}
		if class != Space {
			break
		}
	}
	if i >= len(s) {
		return len(s), len(s)
	}
	start = i
	for i += size; i < len(s); i += size {
		var next Class
		if c := s[i]; c < utf8.RuneSelf {
			next, size = asciiClass[c], 1
		} else {
			next, size = classAtNonASCII(s, i)
		}
		if next != class {
			break
		}
	}
	return start, i
}

// WordPunct yields the tokens of NLTK's wordpunct_tokenize(s) in order, as
// substrings of s (no copies). It does not lower-case: the seed tokenized
// Lower(text).
func WordPunct(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for start, end := NextToken(s, 0); start < end; start, end = NextToken(s, end) {
			if !yield(s[start:end]) {
				return
			}
		}
	}
}

// Tokens returns wordpunct_tokenize(s) as a slice of substrings of s.
func Tokens(s string) []string {
	var toks []string
	for tok := range WordPunct(s) {
		toks = append(toks, tok)
	}
	return toks
}
