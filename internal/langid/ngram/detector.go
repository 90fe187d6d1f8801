// Package ngram is geoheat's default language detector: a character n-gram
// model over lingua-go's language models (75 languages, orders 1 to 4),
// with script shortcuts (Hangul is Korean, kana Japanese, Thai Thai, ...)
// and a cleaner that drops what is not language (URLs, @mentions,
// #hashtags, HTML entities, the retweet marker; emoji and digits are never
// scored).
//
// Scoring is a naive-Bayes sum with stupid backoff: at every letter, each
// language is credited with the log-probability of the longest n-gram
// (up to 4 letters, within the word) ending there that its model knows,
// minus a fixed penalty per order backed off; a language that knows none
// gets the floor. Only the languages of the text's dominant script compete.
// The answer is kept when the winner beats the runner-up by a margin
// (Options.MinMargin); otherwise the text counts as undetermined ("und").
//
// Galician (no lingua-go model) is scored from the Portuguese and Spanish
// models plus word lists (galician.go); Tajik by its own Cyrillic letters.
//
// The model's tables are built at build time (build.go, run by
// internal/tools/ngrammodel) and embedded; a process opens them in
// microseconds and shares them between every Detector. Detect does not
// allocate.
package ngram

import (
	"math"
	mbits "math/bits"
	"sort"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/langid"
)

// Options tune the decision; the zero value takes the documented defaults.
type Options struct {
	// MinMargin is how much more likely, in nats of summed log-probability,
	// the winner must be than the runner-up for the answer to be kept when
	// the two are a confusable pair (confusable.go: Indonesian and Malay,
	// Bosnian and Croatian, ...). Default 2.5 nats: a posterior of about
	// 92 % against the runner-up. A negative value keeps every answer
	// that has letters.
	MinMargin float64
	// TieMargin is the margin under which any close call, confusable
	// pair or not, is left undetermined: a near tie is a coin toss.
	// Default 0.3 nats (the winner under 57 % against the runner-up).
	TieMargin float64
	// MinLetters is the fewest letters (after cleaning) a text needs for a
	// kept answer. Default 3.
	MinLetters int
}

const (
	defaultMinMargin  = 2.5
	defaultTieMargin  = 0.3
	defaultMinLetters = 3

	// floorQ is what a language that knows no n-gram ending at a letter
	// pays, in probScale units: about e^-14 (a letter its corpus hardly
	// contains). Known n-grams are credited floorQ - q, so unknown ones
	// cost nothing and the sums stay sparse.
	floorQ = 14 * probScale
	// backoffQ is stupid backoff's 0.4 per order backed off, as -ln(0.4).
	backoffQ = 15 // round(0.916 * probScale)
)

// Detector identifies languages. It is safe for concurrent use.
type Detector struct {
	m          *model
	minMargin  int32 // probScale units
	tieMargin  int32 // probScale units
	minLetters int
	norwegian  uint8 // id of lingua's "nb", reported as "no"
	hasNB      bool
	english    uint8
	hasEN      bool
	prior      [maxLangs]int32 // log prior, probScale units (priors.go)
}

var (
	_ langid.Detector  = (*Detector)(nil)
	_ langid.Explainer = (*Detector)(nil)
)

// New returns a Detector, building the shared model on first use.
func New(opts Options) (*Detector, error) {
	m, err := loadShared()
	if err != nil {
		return nil, err
	}
	d := &Detector{m: m, minLetters: opts.MinLetters}
	margin := opts.MinMargin
	if margin == 0 {
		margin = defaultMinMargin
	}
	d.minMargin = int32(math.Round(margin * probScale))
	tie := opts.TieMargin
	if tie == 0 {
		tie = defaultTieMargin
	}
	d.tieMargin = int32(math.Round(tie * probScale))
	if d.minLetters <= 0 {
		d.minLetters = defaultMinLetters
	}
	d.norwegian, d.hasNB = m.ids["nb"]
	d.english, d.hasEN = m.ids["en"]
	d.prior = m.priors()
	return d, nil
}

// Languages returns the codes the detector can answer, sorted.
func (d *Detector) Languages() []string {
	var out []string
	for _, c := range d.m.codes {
		if c == "nb" {
			c = "no"
		}
		out = append(out, c)
	}
	out = append(out, extraLanguages...)
	sort.Strings(out)
	return out
}

// analysis is one text's evidence, kept on the stack.
type analysis struct {
	scores  [maxLangs]int32
	letters [numScripts]int32
	total   int32 // letters counted, all scripts
	tajik   int32 // letters only Tajik's Cyrillic alphabet has
	kazakh  int32 // letters of Kazakh's Cyrillic alphabet that Tajik lacks
	// Words for and against Galician (galician.go).
	galicianWords, iberianWords int32
	hashtags                    int32 // #hashtags skipped
	// Words for and against Nepali, and romanised Hindi words (derived.go).
	nepaliWords, notNepaliWords, hinglishWords int32
	// letters scored so far, each distinct one once (scoreLetters).
	hist letterHist
	// pending is the posting lists found but not yet added (first<<8 |
	// count, as a slot holds them; flushPending), npending how many.
	pending  [pendingLists]uint32
	npending int
	// pendingVecs is the dense vectors found but not yet added
	// (flushPending), npendingVecs how many.
	pendingVecs  [pendingLists]uint32
	npendingVecs int
	sink         uint64 // keeps the flushes' touches from being optimised away
	// acc sums the vectors added (dense positions, short words), four
	// 16-bit lanes a word (vectors.go). accUsed bounds the lanes' sums
	// (the caps of the vectors added, at most 65535, so no lane carries
	// into the next); biasDiff counts the vectors that covered each lane
	// word, as differences. flushAcc moves it into scores.
	acc      [32]uint64
	biasDiff [32]int32
	accUsed  int32
	// queued is the n-grams (hash, order) not yet looked up
	// (flushQueue), nqueued how many: a position's orders 2 to top, one
	// after the other; queuedHot is what the hot table says of them.
	queued      [queuedNgrams]uint64
	queuedOrder [queuedNgrams]uint8
	queuedHot   [queuedNgrams]uint32
	nqueued     int
}

// pendingLists is how many posting lists scorePosition collects before
// adding them. Adding postings is bound by memory latency (the lists met
// in a day's posts are tens of MB): collecting them lets flushPending
// touch every list before adding any, so their cache misses overlap, and
// the lookups run ahead without waiting on the adds.
const pendingLists = 48

// queuedNgrams is how many n-grams scorePosition queues before looking
// them up, for the same reason: flushQueue touches every n-gram's home
// slot before probing any. Nearly every n-gram of a post is known (99 % of
// the lookups on the shared tweets find theirs), so touching the slots of
// orders a lookup would not reach wastes little.
const queuedNgrams = 48

// Detect implements langid.Detector. Result.Lang is the best guess ("" when
// the text has no letters); Result.Kept is false ("und") when the guess is
// not confident; Result.Matches is the confidence in percent and Total 100.
func (d *Detector) Detect(text string) langid.Result {
	var a analysis
	d.analyse(text, &a)
	lang, _, conf, kept := d.decide(&a)
	return langid.Result{Lang: lang, Matches: int(math.Round(conf * 100)), Total: 100, Kept: kept}
}

// Explain implements langid.Explainer: the result, and the candidates whose
// score is within the keep margin of the winner's, best first (just the
// winner when it is clear; none when the text has no letters).
func (d *Detector) Explain(text string) (langid.Result, []string) {
	var a analysis
	d.analyse(text, &a)
	lang, cands, conf, kept := d.decide(&a)
	res := langid.Result{Lang: lang, Matches: int(math.Round(conf * 100)), Total: 100, Kept: kept}
	if lang == "" {
		return res, nil
	}
	if cands.empty() {
		return res, []string{lang}
	}
	type cand struct {
		id    uint8
		score int32
	}
	var all []cand
	for id := range d.m.codes {
		if cands.has(uint8(id)) {
			all = append(all, cand{uint8(id), a.scores[id]})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	var near []string
	for _, c := range all {
		if all[0].score-c.score >= d.minMargin && len(near) > 0 {
			break
		}
		near = append(near, d.code(c.id))
	}
	return res, near
}

func (d *Detector) code(id uint8) string {
	if d.hasNB && id == d.norwegian {
		return "no"
	}
	return d.m.codes[id]
}

// analyse scans text once: it skips what is not language, counts letters
// per script and accumulates every language's n-gram score.
func (d *Detector) analyse(text string, a *analysis) {
	d.scan(text, a, false)
	if int(a.total) < d.minLetters && a.hashtags > 0 {
		// Too little text outside the hashtags: the tags are the only
		// evidence left ("#TheDecision"), so score them, split at their
		// inner capitals, rather than answer nothing.
		*a = analysis{}
		d.scan(text, a, true)
	}
	d.finish(a)
}

// finish adds what scan left queued: the n-grams and posting lists not
// yet looked up or added, the letters' credits and the vectors' sums.
func (d *Detector) finish(a *analysis) {
	d.flushQueue(a)
	d.flushPending(a)
	d.scoreLetters(a)
	a.flushAcc(d.m)
}

// scan is analyse's single pass; with tags, the words of #hashtags are
// scored too, split where a capital follows a small letter.
func (d *Detector) scan(text string, a *analysis, tags bool) {
	var window [maxOrder]rune // the word's last letters, newest last
	wordLen := 0              // letters in window, at most maxOrder
	wordHash := uint64(hashSeed)
	// A word's n-grams lie within it, so its score does not depend on its
	// neighbours: the letters of a short word are held back until it
	// ends, and a word the table has scored already (words.go,
	// wordEntry.vec) is credited in one pass instead of position by
	// position. Longer words, and words with letters that are not scored,
	// are scored as they come.
	var held [vecMaxLetters]rune
	nHeld, streaming := 0, false
	flushHeld := func() {
		i := 0
		if nHeld >= 3 {
			// The word's first three letters, in one vector when the
			// dense table has them.
			if v := d.m.dense.lookup(hashRunes(held[:3])); v != 0 {
				d.pendVec(a, v)
				i = 3
			}
		}
		for ; i < nHeld; i++ {
			d.scorePosition(a, held[max(0, i+1-maxOrder):i+1])
		}
		nHeld = 0
	}
	endWord := func() {
		if wordLen > 0 {
			if e, ok := d.m.words.lookup(wordHash | 1); ok {
				if nHeld > 0 && e.vec != 0 && d.m.vecs != "" {
					a.addVec(d.m.vecs, e.vec, wordVecCap, d.m)
					nHeld = 0
				}
				a.addWord(&e)
			}
		}
		flushHeld()
		wordLen, wordHash, streaming = 0, hashSeed, false
	}
	prev := utf8.RuneError
	for i := 0; i < len(text); {
		c := text[i]
		if skipStarts[c] {
			if n, kind := skipNonLanguage(text, i, prev); n > 0 {
				if kind == skipHashtag {
					a.hashtags++
					if tags {
						i++ // the '#' (or the first byte of '＃', not a letter either)
						prev = '#'
						endWord()
						continue
					}
				}
				i += n
				endWord()
				prev = ' '
				continue
			}
		}
		var r rune
		if c < utf8.RuneSelf {
			// ASCII: a table says whether c is a letter and lower-cases it.
			i++
			before := prev
			prev = rune(c)
			l := asciiLower[c]
			if l == 0 {
				if wordLen > 0 {
					endWord()
				}
				continue
			}
			if tags && c <= 'Z' && isLowerLetter(before) {
				endWord() // camelCase inside a hashtag
			}
			r = rune(l)
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
			before := prev
			prev = r
			if !isWordRune(r) {
				if wordLen > 0 {
					endWord()
				}
				continue
			}
			if tags && isLowerLetter(before) && isUpperLetter(r) {
				endWord() // camelCase inside a hashtag
			}
			r = toLower(r)
		}
		if wordLen >= 2 && r == window[maxOrder-1] && r == window[maxOrder-2] {
			continue // elongation ("sooooo"): score a letter at most twice in a row
		}
		wordHash = (wordHash ^ uint64(r)) * hashPrime
		s := scriptOf(r)
		a.letters[s]++
		a.total++
		if s == scriptCyrillic {
			a.countCyrillic(r)
		}
		copy(window[:], window[1:])
		window[maxOrder-1] = r
		if wordLen < maxOrder {
			wordLen++
		}
		if s == scriptHan || s == scriptKana || s == scriptHangul || s == scriptThai {
			// Decided by script alone: no need to score; the word is
			// scored as it comes from here on.
			flushHeld()
			streaming = true
			continue
		}
		if !streaming {
			if nHeld < len(held) {
				held[nHeld] = r
				nHeld++
				continue
			}
			flushHeld()
			streaming = true
		}
		d.scorePosition(a, window[maxOrder-wordLen:])
	}
	endWord()
}

// scorePosition credits every language for the longest n-gram ending at
// the last letter of ngram that its model knows: the letter's credit with
// all orders backed off, plus each known longer n-gram's gain over its
// suffix (build.go, posting). Every posting met is added: there is no
// per-language bookkeeping. Orders are scanned upwards, and the first
// n-gram no language knows ends the scan: a language that knew a longer
// one would know this one too. The work is queued (flushQueue,
// flushPending); a 4-gram of the dense table stands for its whole
// position.
func (d *Detector) scorePosition(a *analysis, ngram []rune) {
	top := len(ngram)
	if top == maxOrder {
		// The 4-gram is known, so are its suffixes: the dense vector is
		// the position's whole credit, the three lists the lookups below
		// would find and the letter's own.
		if v := d.m.dense.lookup(hashRunes(ngram)); v != 0 {
			d.pendVec(a, v)
			return
		}
	}
	// The letter's own credit depends on the letter and on how many
	// orders lie above it (top-1), not on the rest of the window: the
	// histogram sums it per distinct letter, to be credited once.
	if !a.hist.add(ngram[top-1], int32(top-1)) {
		d.creditLetter(a, ngram[top-1], 1, int32(top-1))
	}
	if top < 2 {
		return
	}
	if a.nqueued+top-1 > len(a.queued) {
		d.flushQueue(a)
	}
	for n := 2; n <= top; n++ {
		a.queued[a.nqueued] = hashRunes(ngram[top-n:])
		a.queuedOrder[a.nqueued] = uint8(n)
		a.nqueued++
	}
}

// pendVec queues a dense vector (its vecRef) for flushPending.
func (d *Detector) pendVec(a *analysis, ref uint32) {
	a.pendingVecs[a.npendingVecs] = ref
	if a.npendingVecs++; a.npendingVecs == len(a.pendingVecs) {
		d.flushPending(a)
	}
}

// flushQueue looks the queued n-grams up: first in the hot table (in
// cache), touching the home slots of the others in their orders' tables,
// then probing those, and queues the posting lists found for
// flushPending. A position's scan stops at its first n-gram no language
// knows.
func (d *Detector) flushQueue(a *analysis) {
	m := d.m
	var sink uint64
	for i, h := range a.queued[:a.nqueued] {
		v := m.hot.lookup(h)
		a.queuedHot[i] = v
		if v == 0 {
			t := &m.tables[a.queuedOrder[i]]
			sink += uint64(t.slots[homeSlot(h, t.nb)])
		}
	}
	a.sink += sink
	skip := false // a missed order: skip the position's higher ones
	for i, h := range a.queued[:a.nqueued] {
		n := a.queuedOrder[i]
		if n == 2 {
			skip = false
		}
		if skip {
			continue
		}
		v := a.queuedHot[i]
		if v == 0 {
			t := &m.tables[n]
			mh := mix(h)
			j := homeSlotMixed(mh, t.nb)
			first, cnt, ok := t.probe(le64(t.slots, j), j, uint32(mh))
			if !ok {
				skip = true
				continue
			}
			v = first<<8 | uint32(cnt)
		}
		a.pending[a.npending] = v
		if a.npending++; a.npending == len(a.pending) {
			d.flushPending(a)
		}
	}
	a.nqueued = 0
}

// flushPending adds the pending posting lists: first it reads one byte of
// each list's first and last cache lines (independent loads, whose misses
// the processor overlaps), then it adds them, by then mostly in cache.
// Sums do not depend on the order of their terms, so the scores are
// those of adding each list as it is found.
func (d *Detector) flushPending(a *analysis) {
	p := d.m.posts
	var sink uint64
	for _, v := range a.pending[:a.npending] {
		i := postingBytes * int(v>>8)
		sink += uint64(p[i]) + uint64(p[i+postingBytes*int(v&0xff)-1])
	}
	vecs := d.m.dense.vecs
	for _, v := range a.pendingVecs[:a.npendingVecs] {
		i, n := 8*int(v>>10), 8*int(v&31)
		sink += uint64(vecs[i]) + uint64(vecs[i+n-1])
	}
	a.sink += sink
	for _, v := range a.pending[:a.npending] {
		d.m.addPostings(&a.scores, v>>8, int(v&0xff))
	}
	a.npending = 0
	for _, v := range a.pendingVecs[:a.npendingVecs] {
		a.addVec(vecs, v, denseVecCap, d.m)
	}
	a.npendingVecs = 0
}

// addPostings adds cnt postings from the first-th to scores, four at a
// time with one 8-byte load (the file pads the postings with postingsPad
// bytes so that the last load stays inside). A language id is masked to
// the scores' length, which lets the compiler drop the bounds check.
func (m *model) addPostings(scores *[maxLangs]int32, first uint32, cnt int) {
	p := m.posts
	i, end := postingBytes*int(first), postingBytes*(int(first)+cnt)
	for ; i+4*postingBytes <= end; i += 4 * postingBytes {
		x := le64(p, i)
		scores[x&(maxLangs-1)] += int32(int16(x) >> 7)
		scores[x>>16&(maxLangs-1)] += int32(int16(x>>16) >> 7)
		scores[x>>32&(maxLangs-1)] += int32(int16(x>>32) >> 7)
		scores[x>>48&(maxLangs-1)] += int32(int16(x>>48) >> 7)
	}
	for ; i < end; i += postingBytes {
		x := le16(p, i)
		scores[x&(maxLangs-1)] += int32(int16(x) >> 7)
	}
}

// creditLetter credits every language that knows letter r with count
// occurrences of its unigram credit, back being the sum over them of the
// orders backed off above it.
func (d *Detector) creditLetter(a *analysis, r rune, count, back int32) {
	first, cnt, ok := d.m.tables[1].lookup(hashRunes([]rune{r}))
	if !ok {
		return
	}
	p := d.m.posts
	base := count*floorQ - back*backoffQ
	s := &a.scores
	i, end := postingBytes*int(first), postingBytes*(int(first)+cnt)
	for ; i+4*postingBytes <= end; i += 4 * postingBytes {
		x := le64(p, i)
		s[x&(maxLangs-1)] += base - count*int32(int16(x)>>7)
		s[x>>16&(maxLangs-1)] += base - count*int32(int16(x>>16)>>7)
		s[x>>32&(maxLangs-1)] += base - count*int32(int16(x>>32)>>7)
		s[x>>48&(maxLangs-1)] += base - count*int32(int16(x>>48)>>7)
	}
	for ; i < end; i += postingBytes {
		x := le16(p, i)
		s[x&(maxLangs-1)] += base - count*int32(int16(x)>>7)
	}
}

// scoreLetters credits the letters the histogram holds.
func (d *Detector) scoreLetters(a *analysis) {
	for i := range a.hist.slots {
		if e := &a.hist.slots[i]; e.count > 0 {
			d.creditLetter(a, e.r, e.count, e.back)
			*e = hist{}
		}
	}
}

// letterHist counts a text's scored letters: a post has a few dozen
// distinct letters, so crediting each once instead of at every position
// saves most of the unigram work. Open addressing on the rune; add
// reports false when the table is full, and the caller credits the
// letter at once.
type letterHist struct {
	slots [64]hist
}

type hist struct {
	r           rune
	count, back int32
}

func (h *letterHist) add(r rune, back int32) bool {
	for i, j := 0, int(uint32(r)*0x9E3779B9>>26); i < len(h.slots); i, j = i+1, (j+1)&63 {
		e := &h.slots[j]
		if e.count == 0 {
			e.r, e.count, e.back = r, 1, back
			return true
		}
		if e.r == r {
			e.count++
			e.back += back
			return true
		}
	}
	return false
}

// decide turns the evidence into an answer: the language, the candidate
// set it was chosen from (empty when a script decided), the confidence in
// [0, 1], and whether it is kept.
func (d *Detector) decide(a *analysis) (string, langSet, float64, bool) {
	var none langSet
	if a.total == 0 {
		return "", none, 0, false
	}
	// Han counts as Japanese when the text has kana, else as Chinese.
	dominant, count := script(0), int32(-1)
	for s := script(1); s < numScripts; s++ {
		c := a.letters[s]
		if s == scriptKana && c > 0 {
			c += a.letters[scriptHan]
		}
		if s == scriptHan || s == scriptKana || s == scriptHangul {
			c *= ideographWeight
		}
		if c > count {
			dominant, count = s, c
		}
	}
	share := min(1, float64(count)/float64(a.total))
	enough := int(a.total) >= d.minLetters
	if count == 0 {
		return "", none, 0, false // letters of no supported script
	}
	if dominant == scriptHan {
		return "zh", none, share, enough
	}
	if l := singleLanguage[dominant]; l != "" {
		return l, none, share, enough
	}
	if dominant == scriptCyrillic && a.tajik > 0 && a.kazakh == 0 {
		return "tg", none, share, enough
	}
	cands := d.m.scripts[dominant]
	// Only the candidates' scores are read from here on (Galician's,
	// Nepali's and Hinglish's come from candidates of their script).
	for w, bits := range cands {
		for ; bits != 0; bits &= bits - 1 {
			id := w*64 + mbits.TrailingZeros64(bits)
			a.scores[id] += d.prior[id]
		}
	}
	if m := d.m; m.hasGalician && dominant == scriptLatin {
		a.scores[m.galician] = max(a.scores[m.pt], a.scores[m.es]) - galicianPenalty +
			galicianWord*(a.galicianWords-a.iberianWords)
	}
	d.scoreDerived(a, dominant)
	best, second := -1, -1
	for w, bits := range cands {
		for ; bits != 0; bits &= bits - 1 {
			id := w*64 + mbits.TrailingZeros64(bits)
			switch {
			case best < 0 || a.scores[id] > a.scores[best]:
				best, second = id, best
			case second < 0 || a.scores[id] > a.scores[second]:
				second = id
			}
		}
	}
	if best < 0 {
		return "", none, 0, false
	}
	margin := int32(math.MaxInt32 / 2)
	if second >= 0 {
		margin = a.scores[best] - a.scores[second]
	}
	// Against the runner-up alone, a log-likelihood margin of x nats is a
	// posterior of 1/(1+e^-x) under equal priors.
	conf := 1 / (1 + math.Exp(-float64(margin)/probScale))
	// A close call between two languages that real texts do mix up (one
	// is often written like the other) is left undetermined; any other
	// close call is still the best guess: the runner-up is then usually
	// a language the text is not in at all, merely one whose letters the
	// text's few words happen to fit (calibration in docs/langid.md).
	close := margin < d.minMargin && (second < 0 || d.m.confusable[best].has(uint8(second))) ||
		margin < d.tieMargin
	kept := enough && (d.minMargin < 0 || !close)
	return d.code(uint8(best)), cands, conf, kept
}

// countCyrillic tallies the letters that tell Tajik (which lingua-go has
// no model for) from Kazakh, the other Cyrillic alphabet with extra letters.
func (a *analysis) countCyrillic(r rune) {
	switch r {
	case 'ӣ', 'ӯ', 'ҷ', 'ҳ':
		a.tajik++
	case 'ә', 'ө', 'ү', 'ұ', 'ң', 'і', 'һ':
		a.kazakh++
	}
}

// extraLanguages are answered by rules, without an n-gram model.
var extraLanguages = []string{"tg"}

// DetectHint returns Detect's result and whether hint, a language key (a
// post's own tag), is a plausible answer for the text: it is the answer,
// or within the keep margin of it, or the text is too short or ambiguous to
// say. It does not allocate; platform.Auto uses it.
func (d *Detector) DetectHint(text, hint string) (langid.Result, bool) {
	var a analysis
	d.analyse(text, &a)
	lang, cands, conf, kept := d.decide(&a)
	res := langid.Result{Lang: lang, Matches: int(math.Round(conf * 100)), Total: 100, Kept: kept}
	if !kept || hint == lang {
		return res, true
	}
	if hint == "no" {
		hint = "nb"
	}
	id, ok := d.m.ids[hint]
	if !ok || !cands.has(id) {
		return res, false
	}
	best := lang
	if best == "no" {
		best = "nb"
	}
	return res, a.scores[d.m.ids[best]]-a.scores[id] < d.minMargin
}
