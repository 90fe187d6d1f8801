package demo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// languageSpec is the authored material for one language: what its posts
// say, which tags they use, where they are posted from and who posts them.
// Everything here is written for this package; none of it is taken from
// real posts or accounts.
type languageSpec struct {
	code     string // the post's "lang", as Twitter wrote it (Indonesian: "in")
	userLang string // user.lang, the account's interface language
	permille int    // share of posts

	// sentences are complete, idiomatic sentences or clauses. A post joins
	// one to four of them. They may hold slots: {@} a mention of another
	// user, {n} a first name from firstNames, and {key} a value of slots[key]
	// (every value must read correctly in every sentence using the key).
	sentences []string
	slots     map[string][]string
	// reactions are the short posts that carry no function words at all
	// ("lol", "www"): the undetectable part of real traffic.
	reactions []string
	// joiners go between two sentences, enders after the last one.
	joiners []string
	enders  []string
	// turkishCase selects Turkish upper-casing (i → İ) for capitals.
	turkishCase bool
	// emojiTight: emoji follow the words without a space (Japanese).
	emojiTight bool

	// tags are the language's own hashtags (without '#'), most used first;
	// tagStems × tagSuffixes, when given, extend them with a long tail of
	// compound tags as real vocabularies have.
	tags        []string
	tagStems    []string
	tagSuffixes []string

	cities    []city
	zones     []timeZone
	locations []string // free-text profile locations besides city names
	bios      []string // profile descriptions ("" = none)

	firstNames []string
	surnames   []string
	// handleStems romanise firstNames for screen names when they are not in
	// Latin script; otherwise screen names fold the names' diacritics.
	handleStems []string
	// nameOrder: how display names combine names and surnames.
	nameOrder nameOrder
}

type nameOrder uint8

const (
	givenFirst  nameOrder = iota // "María García"
	familyFirst                  // "Nagy Anna"
	familyJoin                   // "김지민": family name then given, no space
	givenOnly                    // no surnames (nicknames, gendered surnames)
)

// city is a place posts cluster around. The place object Twitter attached
// is built from it: full_name is "name, region".
type city struct {
	name, region         string
	countryCode, country string
	lat, lon             float64
	// weight is the city's share of its language's geotagged posts,
	// roughly its metro population in millions.
	weight float64
	// spreadKm is the standard deviation of posts around the centre; the
	// place's bounding box is placeBoxSigmas of it wide on each side.
	spreadKm float64

	// Derived once.
	placeJSON                      string // the complete "place" object
	minLat, maxLat, minLon, maxLon float64
}

type timeZone struct {
	name   string
	offset int // seconds east of UTC, as utc_offset
}

// frag is a piece of text with its length in code points, the unit of
// v1.1 entity indices, precomputed because every post sums them.
type frag struct {
	s     string
	runes int
}

func newFrag(s string) frag { return frag{s, utf8.RuneCountInString(s)} }

// Slot kinds of a template piece; values >= 0 index language.slotValues.
const (
	slotLiteral = -1
	slotMention = -2
	slotName    = -3
)

type piece struct {
	text frag // the literal; empty for slots
	slot int
}

// hashtag holds a tag's spellings: as authored, lower-case, upper-case.
// People type the same tag in several casings, which analyses must fold.
type hashtag struct {
	forms [3]tagForm
}

type tagForm struct {
	text frag   // without '#'
	json string // `{"text":"...",` prefix of the entity, escaped once
}

// language is a languageSpec compiled for fast generation.
type language struct {
	index    int // in catalog.langs
	spec     *languageSpec
	code     string
	codeJSON string // the escaped code, quoted
	weight   float64
	upper    func(rune) rune

	sentences  [][]piece
	slotValues [][]frag
	names      []frag
	reactions  []frag
	joiners    []frag
	enders     []frag
	// maxEnderRunes is the longest ender, reserved when sizing a post.
	maxEnderRunes int

	tags   []hashtag // ranked: shared and own tags interleaved, then the tail
	tagCDF []float64 // Zipf over tags

	cities  []*city
	cityCDF []float64
}

// catalog is every compiled language, in a fixed order, with the CDF used
// to draw a post's language. It does not depend on the seed, so it is built
// once per process.
type catalog struct {
	langs   []*language
	langCDF []float64
	und     *language // posts with no linguistic content
	byCode  map[string]*language
	// posting lists the languages that have their own users and cities
	// (all but und), with their CDF: und posts borrow an author from them.
	posting    []*language
	postingCDF []float64
}

var loadCatalog = sync.OnceValue(func() *catalog {
	c, err := buildCatalog(allLanguageSpecs())
	if err != nil {
		panic("demo: invalid authored content: " + err.Error())
	}
	return c
})

// allLanguageSpecs lists the languages in catalog order.
func allLanguageSpecs() []*languageSpec {
	return []*languageSpec{
		&english, &japanese, &spanish, &arabic, &portuguese, &korean, &thai,
		&russian, &indonesian, &turkish, &french, &undetermined, &german,
		&italian, &dutch, &swedish, &greek, &catalan, &danish, &norwegian,
		&finnish, &hungarian,
	}
}

// zipfExponent is the hashtag rank-frequency exponent: tag k is used
// proportionally to k^-1.1, as measured on Twitter hashtag samples.
const zipfExponent = 1.1

// placeBoxSigmas is the half-width of a place's bounding box in spreads;
// points are drawn within placePointSigmas so that they fall inside it.
const (
	placeBoxSigmas   = 3.2
	placePointSigmas = 3.0
)

func buildCatalog(specs []*languageSpec) (*catalog, error) {
	c := &catalog{byCode: make(map[string]*language)}
	shared := compileTags(sharedTags)
	var total float64
	for _, spec := range specs {
		l, err := compileLanguage(spec, shared)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.code, err)
		}
		if _, dup := c.byCode[l.code]; dup {
			return nil, fmt.Errorf("%s: duplicate language", spec.code)
		}
		c.byCode[l.code] = l
		l.index = len(c.langs)
		c.langs = append(c.langs, l)
		total += l.weight
		c.langCDF = append(c.langCDF, total)
		if len(l.cities) == 0 {
			c.und = l
			continue
		}
		c.posting = append(c.posting, l)
		c.postingCDF = append(c.postingCDF, l.weight)
	}
	if c.und == nil {
		return nil, fmt.Errorf("no language without cities (und)")
	}
	normalize(c.langCDF)
	cumulate(c.postingCDF)
	return c, nil
}

func compileLanguage(spec *languageSpec, shared []hashtag) (*language, error) {
	l := &language{
		spec:     spec,
		code:     spec.code,
		codeJSON: quoted(spec.code),
		weight:   float64(spec.permille),
		upper:    unicode.ToUpper,
	}
	if spec.turkishCase {
		l.upper = unicode.TurkishCase.ToUpper
	}
	if len(spec.sentences) == 0 || len(spec.joiners) == 0 || len(spec.enders) == 0 {
		return nil, fmt.Errorf("needs sentences, joiners and enders")
	}
	keys := make([]string, 0, len(spec.slots))
	for k := range spec.slots {
		keys = append(keys, k)
	}
	sort.Strings(keys) // map order must not leak into the output
	slotIndex := make(map[string]int, len(keys))
	for i, k := range keys {
		slotIndex[k] = i
		l.slotValues = append(l.slotValues, frags(spec.slots[k]))
	}
	used := make(map[string]bool)
	for _, s := range spec.sentences {
		p, err := parseTemplate(s, slotIndex, used)
		if err != nil {
			return nil, err
		}
		l.sentences = append(l.sentences, p)
	}
	for _, k := range keys {
		if !used[k] {
			return nil, fmt.Errorf("slot {%s} is never used", k)
		}
	}
	if used["n"] && len(spec.firstNames) == 0 {
		return nil, fmt.Errorf("{n} needs firstNames")
	}
	l.names = frags(spec.firstNames)
	l.reactions = frags(spec.reactions)
	l.joiners = frags(spec.joiners)
	l.enders = frags(spec.enders)
	for _, e := range l.enders {
		l.maxEnderRunes = max(l.maxEnderRunes, e.runes)
	}
	if len(spec.cities) > 0 && len(spec.reactions) == 0 {
		return nil, fmt.Errorf("needs reactions (also the fallback for over-long posts)")
	}

	l.tags = rankTags(shared, compileTags(ownTags(spec)))
	l.tagCDF = zipfCDF(len(l.tags), zipfExponent)

	var cityTotal float64
	for i := range spec.cities {
		ct := &spec.cities[i]
		if err := finishCity(ct); err != nil {
			return nil, err
		}
		l.cities = append(l.cities, ct)
		cityTotal += ct.weight
		l.cityCDF = append(l.cityCDF, cityTotal)
	}
	normalize(l.cityCDF)
	if len(l.cities) > 0 && (len(spec.firstNames) == 0 || len(spec.zones) == 0) {
		return nil, fmt.Errorf("a language with cities needs names and time zones for its users")
	}
	return l, nil
}

// parseTemplate splits a sentence into literals and slots.
func parseTemplate(s string, slotIndex map[string]int, used map[string]bool) ([]piece, error) {
	var out []piece
	for s != "" {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			out = append(out, piece{text: newFrag(s), slot: slotLiteral})
			break
		}
		if open > 0 {
			out = append(out, piece{text: newFrag(s[:open]), slot: slotLiteral})
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("unclosed slot in %q", s)
		}
		key := s[open+1 : open+end]
		switch key {
		case "@":
			out = append(out, piece{slot: slotMention})
		case "n":
			out = append(out, piece{slot: slotName})
		default:
			i, ok := slotIndex[key]
			if !ok {
				return nil, fmt.Errorf("unknown slot {%s} in %q", key, s)
			}
			out = append(out, piece{slot: i})
		}
		used[key] = true
		s = s[open+end+1:]
	}
	return out, nil
}

// ownTags is the language's authored tags followed by its compound tail.
func ownTags(spec *languageSpec) []string {
	tags := slices.Clone(spec.tags)
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		seen[t] = true
	}
	// Suffix-major order interleaves the stems, so that the tail's first
	// (most used) tags are varied rather than one stem with every suffix.
	for _, suf := range spec.tagSuffixes {
		for _, stem := range spec.tagStems {
			t := stem + suf
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	return tags
}

func compileTags(tags []string) []hashtag {
	out := make([]hashtag, len(tags))
	for i, t := range tags {
		forms := [3]string{t, strings.ToLower(t), strings.ToUpper(t)}
		for j, f := range forms {
			out[i].forms[j] = tagForm{
				text: newFrag(f),
				json: `{"text":` + quoted(f) + `,`,
			}
		}
	}
	return out
}

// rankTags interleaves the shared tags into a language's own ranking: the
// shared ones take ranks 2, 4, 7, 11, 16... so that each language keeps its
// own favourite on top while the shared ones accumulate across languages
// into the global head of the distribution, as event tags do.
func rankTags(shared, own []hashtag) []hashtag {
	out := make([]hashtag, 0, len(shared)+len(own))
	nextShared, gap := 1, 2
	si, oi := 0, 0
	for si < len(shared) || oi < len(own) {
		if si < len(shared) && (len(out) == nextShared || oi >= len(own)) {
			out = append(out, shared[si])
			si++
			nextShared += gap
			gap++
			continue
		}
		out = append(out, own[oi])
		oi++
	}
	return out
}

// zipfCDF returns the cumulative distribution of ranks 1..n under P(k) ∝
// k^-s, normalised so that the last entry is 1.
func zipfCDF(n int, s float64) []float64 {
	cdf := make([]float64, n)
	var total float64
	for k := 1; k <= n; k++ {
		total += math.Pow(float64(k), -s)
		cdf[k-1] = total
	}
	normalize(cdf)
	return cdf
}

func frags(ss []string) []frag {
	out := make([]frag, len(ss))
	for i, s := range ss {
		out[i] = newFrag(s)
	}
	return out
}

// normalize scales a cumulative table so that it ends at exactly 1.
func normalize(cdf []float64) {
	if len(cdf) == 0 {
		return
	}
	total := cdf[len(cdf)-1]
	for i := range cdf {
		cdf[i] /= total
	}
	cdf[len(cdf)-1] = 1
}

// cumulate turns weights into a normalised cumulative table in place.
func cumulate(w []float64) {
	var total float64
	for i, v := range w {
		total += v
		w[i] = total
	}
	normalize(w)
}

// pick returns the index of the bucket [cdf[i-1], cdf[i]) holding u, for u
// in [0, 1): the first entry greater than u.
func pick(cdf []float64, u float64) int {
	lo, hi := 0, len(cdf)-1 // the last bucket ends at 1 > u
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cdf[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
