package bskyprofile

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bluesky profiles have no location field: people write where they are
// into the display name or the description ("📍 Berlin", "Lisboa 🇵🇹",
// "NYC-based", "she/her · Toronto"). Candidates cuts out the pieces that
// may name a place; the geo resolver decides which one does.

// maxInput bounds the text Candidates reads of each field, whatever the
// caller passes: the lexicon's limits (640 and 2560 bytes) with room.
const maxInput = 4096

// maxCandidate bounds one candidate: longer pieces are sentences, not
// places (the resolver also stops at 200 bytes).
const maxCandidate = 60

// maxCandidates bounds the resolver calls one profile can cost.
const maxCandidates = 12

// pins are the emoji people put before a place.
var pins = []string{"📍", "📌", "🏠", "🏡", "🌍", "🌎", "🌏", "🗺"}

// phrases introduce a place in prose ("based in Lisbon", "living in Oslo").
var phrases = []string{"based in ", "living in ", "lives in ", "live in ", "located in ", "currently in ", "born in "}

// separators split a name or description into segments. "/" alone is not
// one: "she/her" is one segment (and no place), and "Berlin/Paris" is left
// for the resolver's own splitting.
var separators = []string{"\n", "|", "·", "•", "｜", " / ", " - ", " — ", " – ", ";", "⋅", "∙"}

// Candidates returns the pieces of a profile that may name a place, most
// telling first: after a pin emoji, after "based in"-like phrases, before
// "-based", then short segments of the display name (not its first, which
// is the person's name) and of the description. At most maxCandidates,
// each at most maxCandidate bytes, valid UTF-8, deduplicated.
func Candidates(displayName, description string) []string {
	displayName, description = clip(displayName), clip(description)
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimFunc(s, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '.' || r == utf8.RuneError
		})
		if s == "" || len(s) > maxCandidate || seen[s] || len(out) >= maxCandidates {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	for _, text := range []string{displayName, description} {
		for _, pin := range pins {
			for rest := text; ; {
				i := strings.Index(rest, pin)
				if i < 0 {
					break
				}
				rest = rest[i+len(pin):]
				add(firstSegment(strings.TrimPrefix(rest, "\uFE0F")))
			}
		}
	}
	for _, text := range []string{description, displayName} {
		lower := strings.ToLower(text)
		for _, ph := range phrases {
			for off := 0; ; {
				i := strings.Index(lower[off:], ph)
				if i < 0 {
					break
				}
				start := off + i + len(ph)
				add(sentence(text[start:]))
				off = start
			}
		}
		for off := 0; ; {
			i := strings.Index(lower[off:], "-based")
			if i < 0 {
				break
			}
			end := off + i
			add(lastWords(text[:end], 2))
			add(lastWords(text[:end], 1))
			off = end + len("-based")
		}
	}
	if segs := split(displayName); len(segs) > 1 {
		for _, s := range segs[1:] {
			addShort(add, s)
		}
	}
	for _, s := range split(description) {
		addShort(add, s)
	}
	return out
}

// addShort adds a segment of at most three words: "Toronto", "Lisboa 🇵🇹",
// "Austin, TX"; longer ones are prose.
func addShort(add func(string), s string) {
	if n := len(strings.Fields(s)); n > 0 && n <= 3 {
		add(s)
	}
}

// clip cuts s to maxInput bytes on a character boundary.
func clip(s string) string {
	if len(s) <= maxInput {
		return strings.ToValidUTF8(s, "")
	}
	// A character cut in two becomes invalid bytes, which this drops.
	return strings.ToValidUTF8(s[:maxInput], "")
}

// split cuts text at every separator.
func split(text string) []string {
	segs := []string{text}
	for _, sep := range separators {
		var next []string
		for _, s := range segs {
			next = append(next, strings.Split(s, sep)...)
		}
		segs = next
	}
	return segs
}

// firstSegment is text up to the first separator.
func firstSegment(text string) string { return split(text)[0] }

// sentence is text up to the end of its clause: a separator, or ".", "!",
// "?", "(" and " and "/" & " (keeping "Austin, TX" whole).
func sentence(text string) string {
	text = firstSegment(text)
	if i := strings.IndexAny(text, ".!?("); i >= 0 {
		text = text[:i]
	}
	for _, stop := range []string{" and ", " & ", " with ", " where ", " since "} {
		if i := strings.Index(strings.ToLower(text), stop); i >= 0 {
			text = text[:i]
		}
	}
	return text
}

// lastWords is the last n words of text ("New York" of "I'm a New York").
func lastWords(text string, n int) string {
	text = split(text)[len(split(text))-1]
	f := strings.Fields(text)
	if len(f) < n {
		return ""
	}
	return strings.Join(f[len(f)-n:], " ")
}
