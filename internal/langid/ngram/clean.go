package ngram

import (
	"strings"
	"unicode/utf8"
)

// skipNonLanguage returns how many bytes at text[i:] are not language and
// must not be scored, and what it is: a URL, an @mention, a #hashtag, an HTML entity
// (&amp;), or the retweet marker "RT". prev is the rune before i
// (utf8.RuneError at the start). It returns 0 when text[i:] starts with
// ordinary text.
//
// Hashtags are skipped whole, not only their '#': in tweets they are mostly
// names, brands and English-looking tags whatever the post's language, and
// the eval on the shared tweets agrees (see docs/langid.md). Emoji, digits
// and punctuation need no rule: they are not word characters.
func skipNonLanguage(text string, i int, prev rune) (int, skipKind) {
	c := text[i]
	switch c {
	case '@', '#', 0xEF, 'h', 'H', 'w', 'W', '&', 'R', 'a', 'A':
	default:
		return 0, skipNone // the common case: no rule starts with c
	}
	atWordStart := !isWordRune(prev) && !isDigit(prev) && prev != '_'
	switch {
	case (c == '@' || c == '#' || c == 0xEF) && atWordStart:
		// @user, #tag, and the full-width ＠ ＃ (U+FF20, U+FF03: EF BC A0 / EF BC 83).
		n := 0
		switch {
		case c != 0xEF:
			n = 1
		case strings.HasPrefix(text[i:], "＠"), strings.HasPrefix(text[i:], "＃"):
			n = 3
		default:
			return 0, skipNone
		}
		j := i + n
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			// Screen names are ASCII; hashtags take any letters.
			mention := c == '@' || n == 3 && text[i+2] == 0xA0
			if mention && (r >= 0x80 || !isASCIIAlnum(byte(r)) && r != '_') ||
				!mention && !isWordRune(r) && !isDigit(r) && r != '_' {
				break
			}
			j += size
		}
		if j == i+n {
			return 0, skipNone // a lone '@' or '#' is punctuation
		}
		if c == '@' || n == 3 && text[i+2] == 0xA0 {
			return j - i, skipMention
		}
		return j - i, skipHashtag
	case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && atWordStart:
		if hasPrefixFold(text[i:], "http://") || hasPrefixFold(text[i:], "https://") || hasPrefixFold(text[i:], "www.") {
			return untilSpace(text, i), skipURL
		}
		if n := laughter(text[i:]); n > 0 {
			return n, skipLaughter
		}
	case (c == 'a' || c == 'A') && atWordStart:
		if n := laughter(text[i:]); n > 0 {
			return n, skipLaughter
		}
	case c == '&':
		// &amp; &lt; &gt; &quot; &#39; as Twitter's API escapes them.
		for j := i + 1; j < len(text) && j <= i+8; j++ {
			if text[j] == ';' {
				return j + 1 - i, skipEntity
			}
			if !isASCIIAlnum(text[j]) && text[j] != '#' {
				break
			}
		}
	case c == 'R' && atWordStart:
		// "RT @user: ..." and "... RT" mark retweets in the text itself.
		if strings.HasPrefix(text[i:], "RT") && (len(text) == i+2 || !isWordByte(text[i+2])) {
			return 2, skipRetweet
		}
	}
	return 0, skipNone
}

// skipStarts holds the bytes skipNonLanguage's rules start with: scan
// calls it only at those.
var skipStarts = [256]bool{'@': true, '#': true, 0xEF: true, 'h': true, 'H': true, 'w': true, 'W': true, '&': true, 'R': true, 'a': true, 'A': true}

// asciiLower maps an ASCII letter to its lower case, anything else to 0:
// isWordRune and toLower for ASCII, in one load.
var asciiLower = func() (t [utf8.RuneSelf]byte) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = byte(c), byte(c)
	}
	return t
}()

// skipKind says what skipNonLanguage skipped.
type skipKind uint8

const (
	skipNone skipKind = iota
	skipURL
	skipMention
	skipHashtag
	skipEntity
	skipRetweet
	skipLaughter
)

// laughter returns the length of a written laugh at the start of s
// ("haha", "hehehe", "ahahah", "HAHAHA", "hihi"), 0 if none: a word of at
// least four letters, all of them h, a, e or i, with at least two h and
// two vowels. Posts in every language laugh this way, and some of
// lingua's corpora (Tagalog's, Dutch's) hold more of it than others, so
// it is not scored.
func laughter(s string) int {
	n, hs := 0, 0
	for n < len(s) {
		switch s[n] | 0x20 {
		case 'h':
			hs++
		case 'a', 'e', 'i':
		default:
			if isWordByte(s[n]) {
				return 0
			}
			return laughLen(n, hs)
		}
		n++
	}
	return laughLen(n, hs)
}

func laughLen(n, hs int) int {
	if n >= 4 && hs >= 2 && n-hs >= 2 {
		return n
	}
	return 0
}

// untilSpace returns the length of the run of non-space bytes at text[i:].
func untilSpace(text string, i int) int {
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == 0x3000 || r == 0xA0 {
			break
		}
		j += size
	}
	return j - i
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

func isASCIIAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isWordByte is isWordRune for the byte after an ASCII token: any non-ASCII
// byte may start a letter, so it counts as one.
func isWordByte(c byte) bool { return c >= 0x80 || isASCIIAlnum(c) || c == '_' }
