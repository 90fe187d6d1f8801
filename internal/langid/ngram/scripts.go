package ngram

import "unicode"

// script is the writing system of a letter. Several scripts belong to one
// language only (Hangul, Thai, ...), so a text written in them needs no
// n-gram model at all; the others narrow the candidates before scoring.
type script uint8

const (
	scriptOther script = iota // letters of scripts no supported language uses
	scriptLatin
	scriptCyrillic
	scriptArabic
	scriptDevanagari
	scriptHan
	scriptKana
	scriptHangul
	scriptThai
	scriptGreek
	scriptHebrew
	scriptGeorgian
	scriptArmenian
	scriptBengali
	scriptGurmukhi
	scriptGujarati
	scriptTamil
	scriptTelugu
	numScripts
)

// ideographWeight is how many letters of an alphabet one Han, kana or
// Hangul character counts for when choosing a text's dominant script: one
// such character carries about a syllable or a word, so a post with a
// product name in Latin letters and a sentence in Chinese is Chinese.
var ideographWeight int32 = 4

// singleLanguage maps scripts that (among the supported languages) only one
// language writes to that language. Han is resolved separately: Chinese,
// or Japanese when the text also has kana.
var singleLanguage = [numScripts]string{
	scriptKana:     "ja",
	scriptHangul:   "ko",
	scriptThai:     "th",
	scriptGreek:    "el",
	scriptHebrew:   "he",
	scriptGeorgian: "ka",
	scriptArmenian: "hy",
	scriptBengali:  "bn",
	scriptGurmukhi: "pa",
	scriptGujarati: "gu",
	scriptTamil:    "ta",
	scriptTelugu:   "te",
}

var scriptTables = [numScripts]*unicode.RangeTable{
	scriptLatin:      unicode.Latin,
	scriptCyrillic:   unicode.Cyrillic,
	scriptArabic:     unicode.Arabic,
	scriptDevanagari: unicode.Devanagari,
	scriptHan:        unicode.Han,
	scriptKana:       nil, // Hiragana or Katakana, see scriptOf
	scriptHangul:     unicode.Hangul,
	scriptThai:       unicode.Thai,
	scriptGreek:      unicode.Greek,
	scriptHebrew:     unicode.Hebrew,
	scriptGeorgian:   unicode.Georgian,
	scriptArmenian:   unicode.Armenian,
	scriptBengali:    unicode.Bengali,
	scriptGurmukhi:   unicode.Gurmukhi,
	scriptGujarati:   unicode.Gujarati,
	scriptTamil:      unicode.Tamil,
	scriptTelugu:     unicode.Telugu,
}

// scriptOf classifies a word character. The common ranges are tested first
// with plain comparisons; unicode.Is is the fallback for the rest.
func scriptOf(r rune) script {
	switch {
	case r < 0x250:
		return scriptLatin // ASCII and Latin-1/Extended-A/B letters (callers pass letters only)
	case r >= 0x400 && r < 0x530:
		return scriptCyrillic
	case r >= 0x600 && r < 0x700:
		return scriptArabic
	case r >= 0x900 && r < 0x980:
		return scriptDevanagari
	case r >= 0x3040 && r < 0x3100: // Hiragana, Katakana
		return scriptKana
	case r >= 0x4E00 && r < 0xA000:
		return scriptHan
	case r >= 0xAC00 && r < 0xD7B0:
		return scriptHangul
	case r >= 0xE00 && r < 0xE80:
		return scriptThai
	case r >= 0x1E00 && r < 0x1F00:
		return scriptLatin // Latin Extended Additional (Vietnamese)
	}
	if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
		return scriptKana
	}
	for s := scriptLatin; s < numScripts; s++ {
		if t := scriptTables[s]; t != nil && unicode.Is(t, r) {
			return s
		}
	}
	return scriptOther
}

// isWordRune reports whether r belongs inside a word: letters and the
// combining marks of scripts such as Devanagari or Thai, whose vowel signs
// are marks (lingua's models keep them inside n-grams).
func isWordRune(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	// Fast paths for blocks that hold nothing but letters and marks
	// (TestIsWordRuneFastPaths checks every rune against the rule).
	switch {
	case r >= 0xC0 && r < 0x250:
		return r != 0xD7 && r != 0xF7 // Latin-1 letters, Latin Extended-A and -B; × and ÷
	case r >= 0x300 && r < 0x370, // combining diacritics
		r >= 0x400 && r < 0x482, r >= 0x48A && r < 0x530, // Cyrillic
		r >= 0x3041 && r < 0x3097, r >= 0x30A1 && r < 0x30FB, // Hiragana, Katakana
		r >= 0x4E00 && r < 0xA000,                        // CJK unified ideographs
		r >= 0xAC00 && r < 0xD7A4,                        // Hangul syllables
		r >= 0x620 && r < 0x660, r >= 0x66E && r < 0x6D4, // Arabic letters and vowel marks
		r >= 0x900 && r < 0x964,                          // Devanagari
		r >= 0xE01 && r < 0xE3B, r >= 0xE40 && r < 0xE4F: // Thai
		return true
	}
	return isWordRuneSlow(r)
}

func isWordRuneSlow(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// toLower lower-cases one rune, with fast paths for ASCII, Latin-1,
// Russian's Cyrillic and blocks without case (TestToLowerFastPaths checks
// every rune against unicode.ToLower).
func toLower(r rune) rune {
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	switch {
	case r >= 0xC0 && r < 0xDF && r != 0xD7, r >= 0x410 && r < 0x430:
		return r + 0x20
	case r >= 0xDF && r < 0x100, r >= 0x430 && r < 0x460,
		r >= 0x600 && r < 0x700, r >= 0x900 && r < 0xE80, // Arabic; Devanagari to Thai
		r >= 0x3040 && r < 0xA000, r >= 0xAC00 && r < 0xD7A4: // kana, CJK, Hangul
		return r
	}
	return unicode.ToLower(r)
}

// isLowerLetter and isUpperLetter tell camelCase boundaries in hashtags,
// with ASCII fast paths.
func isLowerLetter(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z'
	}
	return unicode.IsLower(r)
}

func isUpperLetter(r rune) bool {
	if r < 0x80 {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.IsUpper(r)
}
