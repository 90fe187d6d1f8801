package demo

import (
	"unicode/utf8"
)

// Shares that shape a post's text, as fractions of the posts they apply
// to. They are tuned so that the stream's totals match docs/demo.md.
const (
	shareHashtags      = 0.225 // posts with at least one hashtag
	shareURL           = 0.12  // a link (t.co) in the text
	shareMedia         = 0.10  // a photo, linked at the end of the text
	shareEmoji         = 0.35  // emoji after the words
	shareTrailMention  = 0.06  // "... @someone" at the end
	shareReaction      = 0.09  // a short reaction instead of sentences
	shareLong          = 0.10  // allowed up to 280 code points (extended_tweet)
	shareAsAuthored    = 0.45  // left as authored: mostly lower case
	shareShout         = 0.04  // written all in capitals
	shareTagsAtStart   = 0.15
	shareTagsInMiddle  = 0.10
	shareExtraMention  = 0.15 // replies that address a second user
	classicLimit       = 140  // code points of a tweet before 2017
	extendedLimit      = 280
	truncatedTextRunes = 115 // text kept before "… https://t.co/..." when truncated
	tcoURLRunes        = 23  // "https://t.co/" + 10 characters
)

// tagCountCDF: how many hashtags a post with hashtags carries (1 to 6).
var tagCountCDF = []float64{0.58, 0.80, 0.90, 0.95, 0.98, 1}

type caseStyle uint8

const (
	sentenceCase caseStyle = iota
	asAuthored             // sentences are authored mostly in lower case
	shouting
)

var (
	space    = newFrag(" ")
	ellipsis = newFrag("…")
	rtPrefix = newFrag("RT ")
	rtColon  = newFrag(": ")
)

// mark is a position in a status's text to roll back to.
type mark struct{ bytes, runes, ents int }

func (s *status) mark() mark { return mark{len(s.text), s.runes, len(s.ents)} }

func (s *status) rollback(m mark) {
	s.text, s.runes, s.ents = s.text[:m.bytes], m.runes, s.ents[:m.ents]
}

func (s *status) add(f frag) {
	s.text = append(s.text, f.s...)
	s.runes += f.runes
}

// addCased appends f in the given style; capitalize upper-cases its first
// letter. Upper-casing maps a rune to one rune, so f.runes stays exact.
func (s *status) addCased(f frag, style caseStyle, capitalize bool, upper func(rune) rune) {
	switch {
	case style == shouting:
		for _, c := range f.s {
			s.text = utf8.AppendRune(s.text, upper(c))
		}
	case capitalize && f.s != "":
		c, size := utf8.DecodeRuneInString(f.s)
		s.text = utf8.AppendRune(s.text, upper(c))
		s.text = append(s.text, f.s[size:]...)
	default:
		s.text = append(s.text, f.s...)
	}
	s.runes += f.runes
}

func (s *status) addMention(u *user) {
	start := s.runes
	s.text = append(s.text, '@')
	s.text = append(s.text, u.screenName...)
	s.runes += 1 + len(u.screenName) // screen names are ASCII
	s.ents = append(s.ents, entity{kind: entMention, start: start, end: s.runes, user: u})
}

func (s *status) addHashtag(t *tagForm) {
	start := s.runes
	s.text = append(s.text, '#')
	s.text = append(s.text, t.text.s...)
	s.runes += 1 + t.text.runes
	s.ents = append(s.ents, entity{kind: entHashtag, start: start, end: s.runes, tag: t})
}

func (s *status) addTags(tags []*tagForm, leadingSpace bool) {
	for i, t := range tags {
		if i > 0 || leadingSpace {
			s.add(space)
		}
		s.addHashtag(t)
	}
}

// addURL appends a t.co link to a web page.
func (s *status) addURL(g *generator) {
	u := &s.urls[s.nURLs]
	s.nURLs++
	g.randomCode(u.code[:])
	u.site = g.r.IntN(len(linkSites))
	g.randomCode(u.path[:])
	s.addTco(u.code[:], entity{kind: entURL, url: u})
}

// addPhoto appends the t.co link of the post's photo.
func (s *status) addPhoto(g *generator) {
	m := &s.media
	s.hasMedia = true
	g.randomCode(m.code[:])
	g.randomCode(m.key[:])
	m.owner = s
	m.ageMs = 1000 + g.r.Int64N(120000)
	m.sizes = g.r.IntN(len(mediaSizes))
	s.addTco(m.code[:], entity{kind: entMedia, media: m})
}

func (s *status) addTco(code []byte, e entity) {
	e.start = s.runes
	s.text = append(s.text, "https://t.co/"...)
	s.text = append(s.text, code...)
	s.runes += tcoURLRunes
	e.end = s.runes
	s.ents = append(s.ents, e)
}

// endsSentence reports whether text ends with terminal punctuation, after
// which no ender is added and a joiner's own punctuation is dropped.
func endsSentence(text []byte) bool {
	c, _ := utf8.DecodeLastRune(text)
	switch c {
	case '.', '!', '?', '…', '。', '！', '？', ';', '؟':
		return true
	}
	return false
}

// compose writes a new post's text and entities into s. A non-nil
// extraTag is carried in addition to (and ahead of) any tags drawn: a
// burst's or a spammer's tag.
func (g *generator) compose(s *status, l *language, author *user, reply bool, extraTag *tagForm) {
	r := g.r
	s.reset(l, author)

	if reply {
		target := g.otherUser(author)
		s.replyTo = target
		s.replyToID = g.pastStatusID()
		s.addMention(target)
		s.add(space)
		if r.Float64() < shareExtraMention {
			s.addMention(g.otherUser(author))
			s.add(space)
		}
		s.displayStart = s.runes
	}

	// Extras are drawn first so that the words can be sized to leave room
	// for them within the post's limit.
	var tagBuf [6]*tagForm
	tags := tagBuf[:0]
	if r.Float64() < shareHashtags {
		tags = g.drawTags(l, tags, 1+pick(tagCountCDF, r.Float64()))
	}
	if extraTag != nil {
		// First in the list, because trimming a long list drops the last.
		if len(tags) == cap(tagBuf) {
			tags = tags[:len(tags)-1]
		}
		tags = append(tags, nil)
		copy(tags[1:], tags)
		tags[0] = extraTag
	}
	withURL := r.Float64() < shareURL
	withMedia := r.Float64() < shareMedia
	var emojiBuf [3]frag
	emojis := emojiBuf[:0]
	if r.Float64() < shareEmoji {
		emojis = g.drawEmoji(emojis)
	}
	var trailing *user
	if r.Float64() < shareTrailMention {
		trailing = g.otherUser(author)
	}
	limit := classicLimit
	if r.Float64() < shareLong {
		limit = extendedLimit
	}
	// Keep the extras within half of the hard limit so that words always
	// fit: drop trailing tags of a long list.
	reserve := l.maxEnderRunes
	for _, t := range tags {
		reserve += 2 + t.text.runes
	}
	for len(tags) > 1 && reserve > extendedLimit/2 {
		reserve -= 2 + tags[len(tags)-1].text.runes
		tags = tags[:len(tags)-1]
	}
	if withURL {
		reserve += 1 + tcoURLRunes
	}
	if withMedia {
		reserve += 1 + tcoURLRunes
	}
	for _, e := range emojis {
		reserve += e.runes
	}
	if trailing != nil {
		reserve += 2 + len(trailing.screenName)
	}
	// budget is the room for words under the post's limit; hardBudget under
	// the 280 code points no post may exceed.
	budget := limit - s.runes - reserve
	hardBudget := extendedLimit - s.runes - reserve

	tagsAt := r.Float64()
	if len(tags) > 0 && tagsAt < shareTagsAtStart {
		s.addTags(tags, false)
		s.add(space)
		tags = nil
	}
	bodyStart := s.runes
	style := sentenceCase
	switch u := r.Float64(); {
	case u < shareAsAuthored:
		style = asAuthored
	case u < shareAsAuthored+shareShout:
		style = shouting
	}
	midTags := len(tags) > 0 && tagsAt < shareTagsAtStart+shareTagsInMiddle

	switch {
	case l == g.cat.und:
		// No words: an emoji string (the language's "sentences"), perhaps
		// more emoji, a link or a photo.
		g.addSentence(s, l, l.sentences[r.IntN(len(l.sentences))], asAuthored, false, author)
	case r.Float64() < shareReaction && len(l.reactions) > 0:
		// Reactions keep their authored case ("lol", "www"), unless shouted.
		s.addCased(l.reactions[r.IntN(len(l.reactions))], style, false, l.upper)
	default:
		n := 1 + pick(sentenceCountCDF(limit), r.Float64())
		capitalize := style == sentenceCase
		for i := 0; i < n; i++ {
			m := s.mark()
			if i > 0 {
				j := r.IntN(len(l.joiners))
				ended := endsSentence(s.text)
				if ended && isPunct(l.joiners[j].s) {
					j = 0 // joiners[0] is the plain separator
				}
				s.add(l.joiners[j])
				capitalize = style == sentenceCase && (ended || terminates(l.joiners[j].s))
			}
			g.addSentence(s, l, l.sentences[r.IntN(len(l.sentences))], style, capitalize, author)
			if words := s.runes - bodyStart; i > 0 && words > budget {
				s.rollback(m)
				break
			} else if words > hardBudget {
				// The first sentence alone is too long next to the
				// extras: say something short instead.
				s.rollback(m)
				s.addCased(l.reactions[r.IntN(len(l.reactions))], style, false, l.upper)
				break
			}
			if i == 0 && midTags && n > 1 {
				before := s.runes
				s.addTags(tags, true)
				budget += s.runes - before // already reserved
				tags = nil
			}
		}
		if !endsSentence(s.text) {
			s.add(l.enders[r.IntN(len(l.enders))])
		}
	}
	for i, e := range emojis {
		if i == 0 && s.runes > bodyStart && !l.spec.emojiTight {
			s.add(space)
		}
		s.add(e)
	}
	if trailing != nil {
		s.add(space)
		s.addMention(trailing)
	}
	if len(tags) > 0 {
		s.addTags(tags, s.runes > 0)
	}
	if withURL {
		if s.runes > 0 {
			s.add(space)
		}
		s.addURL(g)
	}
	if withMedia {
		if s.runes > 0 {
			s.add(space)
		}
		s.addPhoto(g)
	}
}

// addSentence appends one template with its slots filled.
func (g *generator) addSentence(s *status, l *language, tmpl []piece, style caseStyle, capitalize bool, author *user) {
	for _, p := range tmpl {
		switch p.slot {
		case slotLiteral:
			s.addCased(p.text, style, capitalize, l.upper)
		case slotMention:
			s.addMention(g.otherUser(author))
		case slotName:
			s.addCased(l.names[g.r.IntN(len(l.names))], style, false, l.upper)
		default:
			values := l.slotValues[p.slot]
			s.addCased(values[g.r.IntN(len(values))], style, capitalize, l.upper)
		}
		capitalize = false
	}
}

// sentenceCountCDF: how many sentences a post tries to join (1 to 4);
// posts allowed 280 code points run longer.
func sentenceCountCDF(limit int) []float64 {
	if limit > classicLimit {
		return longSentenceCDF
	}
	return shortSentenceCDF
}

var (
	shortSentenceCDF = []float64{0.62, 0.90, 0.98, 1}
	longSentenceCDF  = []float64{0.05, 0.25, 0.65, 1}
)

// isPunct reports whether a joiner starts with punctuation, which must not
// follow a sentence that already ends with some.
func isPunct(joiner string) bool {
	return joiner != "" && (joiner[0] == '.' || joiner[0] == '!' || joiner[0] == ',' || joiner[0] == '-' ||
		joiner == "。" || joiner == "！" || joiner == "، ")
}

// terminates reports whether a joiner ends the sentence before it, so that
// the next one starts with a capital.
func terminates(joiner string) bool {
	for _, c := range joiner {
		switch c {
		case '.', '!', '?', '\n', '。', '！', '？':
			return true
		}
	}
	return false
}

// drawTags appends n distinct Zipf-ranked tags of l, each in one of its
// spellings: mostly as authored, sometimes lower- or upper-cased.
func (g *generator) drawTags(l *language, tags []*tagForm, n int) []*tagForm {
	for len(tags) < n {
		h := &l.tags[pick(l.tagCDF, g.r.Float64())]
		form := 0
		switch u := g.r.Float64(); {
		case u < 0.10:
			form = 1
		case u < 0.13:
			form = 2
		}
		dup := false
		for _, t := range tags {
			dup = dup || t.text.s == h.forms[form].text.s
		}
		if dup {
			// A repeated draw (likely for the top ranks) ends the list
			// rather than retrying: posts with fewer tags are the norm.
			break
		}
		tags = append(tags, &h.forms[form])
	}
	return tags
}

// drawEmoji appends one to three emoji; people often repeat the same one.
func (g *generator) drawEmoji(out []frag) []frag {
	n := 1 + g.r.IntN(3)
	e := emojiFrags[g.r.IntN(len(emojiFrags))]
	for i := 0; i < n; i++ {
		if i > 0 && g.r.Float64() < 0.4 {
			e = emojiFrags[g.r.IntN(len(emojiFrags))]
		}
		out = append(out, e)
	}
	return out
}

var emojiFrags = frags(emoji)

// deriveRetweet writes into rt the classic retweet of orig by retweeter:
// "RT @author: " and the original text, cut to 140 code points with an
// ellipsis; the entities that still fit are shifted along.
func (g *generator) deriveRetweet(rt, orig *status, retweeter *user) {
	rt.reset(orig.lang, retweeter)
	rt.retweeted = orig
	rt.add(rtPrefix)
	rt.addMention(orig.author)
	rt.add(rtColon)
	prefix := rt.runes
	keep, keepBytes := orig.runes, len(orig.text)
	if prefix+orig.runes > classicLimit {
		keep = classicLimit - 1 - prefix
		keepBytes = byteOffset(orig.text, keep)
	}
	rt.text = append(rt.text, orig.text[:keepBytes]...)
	rt.runes += keep
	if keep < orig.runes {
		rt.add(ellipsis)
	}
	for _, e := range orig.ents {
		if e.end <= keep {
			e.start += prefix
			e.end += prefix
			rt.ents = append(rt.ents, e)
			if e.kind == entMedia {
				rt.hasMedia = true
			}
		}
	}
}

// byteOffset returns the byte offset of the n-th code point of text.
func byteOffset(text []byte, n int) int {
	i := 0
	for ; n > 0 && i < len(text); n-- {
		_, size := utf8.DecodeRune(text[i:])
		i += size
	}
	return i
}
