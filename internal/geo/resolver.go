package geo

import (
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
)

// Options tunes a Resolver.
type Options struct {
	// Threshold is the confidence below which the resolver refuses to
	// guess; 0 means DefaultThreshold.
	Threshold float64
	// CacheSize bounds the number of cached profile strings; 0 means
	// DefaultCacheSize, negative disables the cache.
	CacheSize int
	// NoProfile and NoText turn off Locate's profile and text methods
	// (--geo-infer); ResolveProfile and ResolveText are unaffected.
	NoProfile, NoText bool
}

const (
	// DefaultThreshold is the confidence a match needs by default: a
	// place that takes more than half the weight of its namesakes with no
	// confirming country, or a small one with a country or state given.
	DefaultThreshold = 0.5
	// DefaultCacheSize holds the profile locations of a busy stream's
	// recent authors; repeated strings are the common case.
	DefaultCacheSize = 1 << 16
)

// Match is a resolved place.
type Match struct {
	Point      post.Point
	Confidence float32 // in (0, 1]
	Name       string  // the gazetteer's name of the place
	Country    string  // ISO 3166-1 alpha-2
}

// Resolver turns place names into points. It is safe for concurrent use.
type Resolver struct {
	g          *Gazetteer
	threshold  float64
	noProfile  bool // Options.NoProfile
	noText     bool // Options.NoText
	regions    map[string]regionHint
	stateCodes map[string]regionHint
	cache      *cache
}

// NewResolver returns a resolver over g.
func NewResolver(g *Gazetteer, opts Options) *Resolver {
	r := &Resolver{g: g, threshold: opts.Threshold, noProfile: opts.NoProfile, noText: opts.NoText}
	if r.threshold <= 0 {
		r.threshold = DefaultThreshold
	}
	r.regions, r.stateCodes = buildRegions()
	size := opts.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		r.cache = newCache(size)
	}
	return r
}

// maxProfile bounds the strings the resolver looks at: a profile location
// is at most 30 characters on X; a longer one is not a place name.
const maxProfile = 200

// Locate fills in a point for a post that has none, in the order of trust:
// the platform's own point (exact or place) is kept; else the author's
// profile location; else a place named in the hashtags or text. The post's
// detected language (else the platform's) is the language prior.
func (r *Resolver) Locate(p *post.Post) {
	if p.HasPoint {
		return
	}
	lang := p.Lang
	if lang == "" {
		lang = p.PlatformLang
	}
	if !r.noProfile && p.UserLocation != "" {
		if m, ok := r.ResolveProfileIn(p.UserLocation, lang, p.UserCountry); ok {
			p.Point, p.HasPoint, p.GeoSource, p.GeoConfidence = m.Point, true, post.GeoProfile, m.Confidence
			return
		}
	}
	if r.noText {
		return
	}
	if m, ok := r.ResolveText(p.Text, p.Hashtags, lang); ok {
		p.Point, p.HasPoint, p.GeoSource, p.GeoConfidence = m.Point, true, post.GeoText, m.Confidence
	}
}

// ResolveProfile resolves a free-text profile location ("Madrid, España",
// "NYC 🗽", "Austin, TX") with the post's language as a prior. ok is false
// for non-places and when the best guess is below the threshold.
func (r *Resolver) ResolveProfile(loc, lang string) (Match, bool) {
	return r.ResolveProfileIn(loc, lang, "")
}

// ResolveProfileIn is ResolveProfile with a country prior (ISO 3166-1
// alpha-2, upper case; "" for none), such as a Mastodon instance's
// country. The prior only settles ambiguous names, as the language does
// (weight countryPriorWeight among namesakes): it never makes a place of a
// string that names none, never confirms a name as a written country does,
// and never outweighs a country or state the string itself gives.
func (r *Resolver) ResolveProfileIn(loc, lang, country string) (Match, bool) {
	if loc == "" || len(loc) > maxProfile {
		return Match{}, false
	}
	if len(country) != 2 {
		country = ""
	}
	if r.cache != nil {
		key := cacheKey(loc, lang, country)
		if e, ok := r.cache.get(key); ok {
			return e.m, e.ok
		}
		m, ok := r.resolveProfile(loc, lang, country)
		r.cache.put(key, entry{m, ok})
		return m, ok
	}
	return r.resolveProfile(loc, lang, country)
}

// cacheKey joins the language, the prior and the raw string: the raw
// string, not the folded one, so a hit costs no normalisation.
func cacheKey(loc, lang, country string) string {
	if country == "" {
		return lang + "\x00" + loc
	}
	return lang + "\x01" + country + "\x00" + loc
}

// hintSet collects what a string says about the country: names and codes
// of countries, regions, US states, flag emoji.
type hintSet struct {
	countries []string
	states    []regionHint
	// prior is a country the context suggests (ResolveProfileIn), not one
	// the string names: it weighs like the language, and empty() ignores it.
	prior string
}

func (h *hintSet) empty() bool { return len(h.countries) == 0 && len(h.states) == 0 }

func (h *hintSet) matches(p *Place) bool { return h.score(p) > 1 }

// agrees reports whether a country is among the hinted ones.
func (h *hintSet) agrees(country string) bool {
	for _, c := range h.countries {
		if c == country {
			return true
		}
	}
	for _, s := range h.states {
		if s.country == country {
			return true
		}
	}
	return false
}

// score is the weight a place gets from the hints: a state that matches
// ("Westminster, Colorado, USA") outweighs a country that matches, which
// outweighs nothing.
func (h *hintSet) score(p *Place) float64 {
	for _, s := range h.states {
		if p.Country == s.country && s.admin != "" && p.Admin == s.admin {
			return hintWeight * 10
		}
	}
	for _, s := range h.states {
		if p.Country == s.country && s.admin == "" {
			return hintWeight
		}
	}
	for _, c := range h.countries {
		if p.Country == c {
			return hintWeight
		}
	}
	return 1
}

// hint records what a folded part says about the country, and reports
// whether it said anything. codes allows two-letter codes (US states,
// ISO countries), which are trusted only after a separator.
func (r *Resolver) hint(h *hintSet, part string, codes bool) bool {
	found := false
	if reg, ok := r.regions[part]; ok {
		h.states = append(h.states, reg)
		found = true
	}
	if len(part) <= 3 && !codes {
		return found
	}
	if st, ok := r.stateCodes[part]; ok && codes {
		h.states = append(h.states, st)
		found = true
	}
	if cc, ok := r.g.countries[part]; ok {
		h.countries = append(h.countries, cc)
		found = true
	}
	return found
}

func (r *Resolver) resolveProfile(loc, lang, country string) (Match, bool) {
	// "ÜT: 33.871559,-117.917107", "iPhone: 39.98,-105.11": clients of
	// the early 2010s wrote the phone's position into the profile.
	if pt, ok := profileCoordinates(loc); ok {
		return Match{Point: pt, Confidence: profileCoordConfidence, Name: "coordinates"}, profileCoordConfidence >= r.threshold
	}
	h := hintSet{prior: country}
	h.countries = append(h.countries, flagCountries(loc)...)
	raw := splitParts(stripPronouns(loc))
	parts := make([]string, 0, len(raw))
	for _, p := range raw {
		f := fold(p)
		if f == "" || stopList[f] {
			continue
		}
		parts = append(parts, f)
	}
	if len(parts) == 0 {
		return Match{}, false
	}
	// The whole string may be a nickname ("NY, NY", "Washington, D.C.").
	if whole := strings.Join(parts, " "); len(parts) > 1 {
		if i, ok := r.g.aliases[whole]; ok {
			return r.accept(i, 0.95)
		}
	}
	// Parts after the first say where the first is: "Paris, TX".
	for _, p := range parts[1:] {
		r.hint(&h, p, true)
	}
	for idx, p := range parts {
		if idx > 0 && r.isHint(p) {
			continue
		}
		if m, ok, tried := r.resolveName(p, &h, lang, idx == 0); tried {
			return m, ok
		}
	}
	return Match{}, false
}

// isHint reports whether a folded part names only a country or region.
func (r *Resolver) isHint(p string) bool {
	var h hintSet
	return r.hint(&h, p, true)
}

// resolveName resolves one folded part naming a place, with hints from the
// rest of the string. tried reports that the part named something (a
// place, or a country alone), so later parts are not tried.
func (r *Resolver) resolveName(p string, h *hintSet, lang string, first bool) (Match, bool, bool) {
	if i, ok := r.g.aliases[p]; ok {
		conf := 0.95
		if !h.empty() && !h.matches(&r.g.places[i]) {
			conf = 0.5
		}
		m, ok := r.accept(i, conf)
		return m, ok, true
	}
	if _, ok := r.regions[p]; ok {
		// A state or region alone ("Virginia", "California") is too
		// coarse to place, whatever town shares its name.
		return Match{}, false, true
	}
	if ids, ok := r.g.byName[p]; ok && (!r.countryOnly(p, ids) || r.hintedAny(ids, h)) {
		// A name that is also a country's ("Salvador") is the city when
		// the string's other parts place one of its namesakes ("Salvador,
		// Bahia").
		m, ok := r.choose(ids, h, lang, 1)
		return m, ok, true
	}
	if _, ok := r.g.countries[p]; ok && len(p) > 3 {
		return Match{}, false, true // a country alone: too coarse to place
	}
	if m, ok := r.variants(p, h, lang); ok {
		return m, true, true
	}
	if i, ok := r.cjkAlias(p); ok {
		m, ok := r.accept(i, 0.9)
		return m, ok, true
	}
	// "living in Berlin", "from Lima"
	tokens := strings.Fields(p)
	for n := min(3, len(tokens)-1); n >= 1; n-- {
		if leadingWords[strings.Join(tokens[:n], " ")] {
			rest := strings.Join(tokens[n:], " ")
			if stopList[rest] {
				return Match{}, false, true
			}
			return r.resolveName(rest, h, lang, first)
		}
	}
	// "Brooklyn NY", "London UK", "Madrid España": a trailing country or
	// region without a separator.
	for n := 1; n <= 2 && n < len(tokens); n++ {
		tail := strings.Join(tokens[len(tokens)-n:], " ")
		h2 := *h
		h2.countries = append([]string(nil), h.countries...)
		h2.states = append([]regionHint(nil), h.states...)
		if r.hint(&h2, tail, true) {
			head := strings.Join(tokens[:len(tokens)-n], " ")
			if i, ok := r.g.aliases[head]; ok {
				m, ok := r.accept(i, 0.95)
				return m, ok, true
			}
			if ids, ok := r.g.byName[head]; ok {
				m, ok := r.choose(ids, &h2, lang, 1)
				return m, ok, true
			}
		}
	}
	// "NYC-based", "Boston-based designer", "Seattle-ish": the name before
	// a suffix that says "around here".
	for i, t := range tokens {
		if i > 0 && placeSuffixes[t] {
			return r.resolveName(strings.Join(tokens[:i], " "), h, lang, first)
		}
	}
	// "Berlin-Neukölln", "Stuttgart-West", "Roma Nord", "Paris 11e": a
	// large city, then a district the gazetteer lacks. Only a city of
	// districtCityPopulation or more is read this way: a small town's name
	// leading a phrase is more likely a word.
	if len(tokens) > 1 {
		for n := min(2, len(tokens)-1); n >= 1; n-- {
			head := strings.Join(tokens[:n], " ")
			if i, ok := r.g.aliases[head]; ok && utf8.RuneCountInString(head) > 3 {
				m, ok := r.accept(i, 0.9)
				return m, ok, true
			}
			if ids := r.g.byName[head]; len(ids) > 0 && r.g.places[ids[0]].Population >= districtCityPopulation && !r.countryOnly(head, ids) {
				m, ok := r.choose(ids, h, lang, 0.9)
				return m, ok, true
			}
		}
	}
	return Match{}, false, false
}

// districtCityPopulation is the size a city needs for its name, leading a
// longer part, to be read as the city ("Roma Nord").
const districtCityPopulation = 200000

// placeSuffixes follow a place's name and mean "around there" ("NYC-based",
// "Seattle-ish"); folding has turned the hyphen into a space.
var placeSuffixes = map[string]bool{"based": true, "ish": true, "basiert": true}

// hintedAny reports whether a hint in h confirms one of the places.
func (r *Resolver) hintedAny(ids []int32, h *hintSet) bool {
	if h.empty() {
		return false
	}
	for _, i := range ids {
		if h.matches(&r.g.places[i]) {
			return true
		}
	}
	return false
}

// countryOnly reports whether a name that is also a country's name should
// be read as the country ("Mexico", "Brasil"), not as a namesake town:
// unless the country has a city of that name (Singapore, Luxembourg).
func (r *Resolver) countryOnly(p string, ids []int32) bool {
	cc, ok := r.g.countries[p]
	if !ok || len(p) <= 3 {
		return false
	}
	for _, i := range ids {
		if r.g.places[i].Country == cc {
			return false
		}
	}
	return true
}

// Weights of the priors in choose. A confirming country or state outweighs
// any population difference between namesakes (Paris, TX against Paris,
// FR); the language prior settles close calls (Córdoba, AR against
// Córdoba, ES for Spanish) but not lopsided ones.
const (
	hintWeight = 1000
	langWeight = 4
	// countryPriorWeight is the context's country (a Mastodon instance's):
	// a little stronger than the language, which many countries share,
	// far weaker than a country the author wrote.
	countryPriorWeight = 8
	// popSmoothing keeps a town of 1,000 from being certain just because
	// it has no namesakes.
	popSmoothing = 5000
)

// choose picks among the places bearing one name. scale lowers the
// confidence for weaker cues (text against profile).
func (r *Resolver) choose(ids []int32, h *hintSet, lang string, scale float64) (Match, bool) {
	langCC := langCountries[baseLang(lang)]
	var total, bestW float64
	best := -1
	hinted := false
	for _, i := range ids {
		p := &r.g.places[i]
		w := float64(p.Population) + popSmoothing
		if hs := h.score(p); hs > 1 {
			w *= hs
			hinted = true
		}
		for _, c := range langCC {
			if p.Country == c {
				w *= langWeight
				break
			}
		}
		if h.prior != "" && p.Country == h.prior {
			w *= countryPriorWeight
		}
		total += w
		if w > bestW {
			best, bestW = int(i), w
		}
	}
	if best < 0 {
		return Match{}, false
	}
	p := &r.g.places[best]
	conf := bestW / total
	if hinted && h.matches(p) {
		// A country or state confirms the name: size no longer matters.
	} else {
		conf *= sizeFactor(p.Population)
		if !h.empty() {
			conf *= 0.6 // the string names a country none of the candidates is in
		}
	}
	return r.accept(int32(best), conf*scale)
}

// sizeFactor is how much a bare name is believed for its population: a
// million-people city named alone is meant; a town of a few thousand
// named alone is more likely a word, a surname or a joke.
func sizeFactor(pop int32) float64 {
	f := (math.Log10(float64(pop)+1) - 2.5) / 3
	return min(1, max(0.2, f))
}

func (r *Resolver) accept(i int32, conf float64) (Match, bool) {
	if conf < r.threshold || conf <= 0 {
		return Match{}, false
	}
	p := &r.g.places[i]
	return Match{
		Point:      post.Point{Lat: deg(p.Lat), Lon: deg(p.Lon)},
		Confidence: float32(min(conf, 1)),
		Name:       p.Name,
		Country:    p.Country,
	}, true
}

// baseLang maps "pt-BR" or "pt" to "pt", and an NLTK language name
// ("spanish", as a detector or the seed's static posts may give) to its
// ISO 639-1 code when it has one.
func baseLang(lang string) string {
	if len(lang) <= 3 {
		return strings.ToLower(lang)
	}
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		return strings.ToLower(lang[:i])
	}
	if l, ok := langid.Lookup(lang); ok && l.Code != "" {
		return l.Code
	}
	return strings.ToLower(lang)
}

// Text cues. Text is untrusted and full of ordinary words that are also
// the names of small towns, so a place in the text must come with a cue: a
// preposition before a capitalised name ("en Buenos Aires", "in Berlin"),
// a ", ST" after it ("Pleasanton, CA"), or be a hashtag naming a large
// city (#Madrid). Each cue scales the confidence.
const (
	scaleComma   = 0.95
	scalePrep    = 0.9
	scaleHashtag = 0.8
	// Population a place named after a preposition or in a hashtag needs
	// when nothing confirms its country.
	minTextPopulation    = 20000
	minHashtagPopulation = 100000
	maxText              = 4096
)

// prepositions before place names, folded, in the languages geoheat sees
// most.
var prepositions = map[string]bool{
	"in": true, "en": true, "em": true, "a": true, "nach": true, "au": true, "aux": true, "no": true,
	"na": true, "в": true, "во": true, "из": true, "from": true, "desde": true, "da": true, "di": true,
	"aus": true, "to": true, "at": true, "near": true, "visiting": true, "w": true, "we": true,
}

// hashtagStop are hashtags that name large places but are mostly used as
// words (#Mobile, #Orange, #Surprise, #Independence, #Victoria, #Temple).
var hashtagStop = map[string]bool{
	"mobile": true, "orange": true, "surprise": true, "independence": true, "victoria": true,
	"temple": true, "mission": true, "aurora": true, "concord": true, "columbia": true, "hollywood": true,
	"jobs": true, "job": true, "hiring": true, "news": true, "love": true, "music": true, "god": true,
	"best": true, "bar": true, "moon": true, "sale": true, "deal": true, "split": true, "nice": true,
	"reading": true, "bath": true, "batman": true, "media": true, "university": true, "college": true,
	"marina": true, "nature": true, "union": true, "trump": true, "obama": true, "york": true, "bristol": true,
}

// ResolveText resolves a place named in a post's text or hashtags. It is
// deliberately conservative: see the cue constants. ok is false when no
// cue names a place above the threshold.
func (r *Resolver) ResolveText(text string, hashtags []string, lang string) (Match, bool) {
	var best Match
	found := false
	keep := func(m Match, ok bool) {
		if ok && (!found || m.Confidence > best.Confidence) {
			best, found = m, true
		}
	}
	if len(text) > maxText {
		text = text[:maxText]
	}
	keep(r.textCues(text, lang))
	for _, tag := range hashtags {
		keep(r.hashtag(tag, lang))
	}
	return best, found
}

// hashtag resolves one hashtag: a nickname (#NYC, #CDMX; short ones only
// when written in capitals), else a large city's name, CamelCase or not
// (#BuenosAires, #buenosaires).
func (r *Resolver) hashtag(tag, lang string) (Match, bool) {
	k := fold(tag)
	if k == "" || stopList[k] || hashtagStop[k] {
		return Match{}, false
	}
	if i, ok := r.g.aliases[k]; ok && (utf8.RuneCountInString(k) > 3 || isUpper(tag) || !isLatin(tag)) {
		return r.accept(i, 0.95*scaleHashtag)
	}
	if len(k) < 4 {
		return Match{}, false
	}
	ids := r.g.byName[k]
	if ids == nil {
		ids = r.g.squashed[strings.ReplaceAll(k, " ", "")]
	}
	if len(ids) == 0 || r.g.places[ids[0]].Population < minHashtagPopulation || r.countryOnly(k, ids) {
		return Match{}, false
	}
	return r.choose(ids, &hintSet{}, lang, scaleHashtag)
}

func isUpper(s string) bool {
	for _, c := range s {
		if unicode.IsLower(c) {
			return false
		}
	}
	return true
}

func isLatin(s string) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf && !unicode.Is(unicode.Latin, c) {
			return false
		}
	}
	return true
}

// textCues scans the text's words for "prep Name [Name [Name]]" and "Name,
// ST".
func (r *Resolver) textCues(text, lang string) (Match, bool) {
	words := strings.Fields(text)
	var best Match
	found := false
	for i := 0; i < len(words); i++ {
		w := strings.TrimLeft(words[i], "#@(\"'“¡¿")
		// "Pleasanton, CA" / "#Davis, CA": a capitalised run ending in a
		// comma, then a state or country code.
		if strings.HasSuffix(w, ",") && i+1 < len(words) && startsUpper(w) {
			code := strings.Trim(words[i+1], ".,;:!?)(\"'")
			var h hintSet
			if len(code) == 2 && isUpper(code) && r.hint(&h, fold(code), true) {
				for n := 1; n <= 3 && i-n+1 >= 0; n++ {
					name := fold(strings.Join(words[i-n+1:i+1], " "))
					// The code must confirm the place ("Liverpool, WA:"
					// in an ad is no Liverpool in Washington).
					if m, ok := r.cueName(name, &h, lang, scaleComma, 0); ok && h.agrees(m.Country) {
						if !found || m.Confidence > best.Confidence {
							best, found = m, true
						}
						break
					}
				}
			}
		}
		// A cue needs a capitalised word after it: test that before
		// folding the word, which would otherwise run on every word of
		// every post.
		if i+1 >= len(words) || !startsUpper(strings.TrimLeft(words[i+1], "#\"'“")) || !prepositions[fold(words[i])] {
			continue
		}
		// The capitalised run after the preposition, up to 3 words,
		// stopping at punctuation.
		end := i + 1
		for end < len(words) && end-i <= 3 && startsUpper(strings.TrimLeft(words[end], "#\"'“")) {
			end++
			if strings.ContainsAny(words[end-1], ",.!?;:)") {
				break
			}
		}
		for j := end; j > i+1; j-- {
			name := fold(strings.Join(words[i+1:j], " "))
			var h hintSet
			if j < len(words) && strings.HasSuffix(words[j-1], ",") {
				r.hint(&h, fold(strings.Trim(words[j], ".,;:!?)(\"'")), true)
			}
			if m, ok := r.cueName(name, &h, lang, scalePrep, minTextPopulation); ok {
				if !found || m.Confidence > best.Confidence {
					best, found = m, true
				}
				break
			}
		}
	}
	return best, found
}

// cueName resolves a name found by a text cue.
func (r *Resolver) cueName(name string, h *hintSet, lang string, scale float64, minPop int32) (Match, bool) {
	if name == "" || stopList[name] {
		return Match{}, false
	}
	if i, ok := r.g.aliases[name]; ok && utf8.RuneCountInString(name) > 2 {
		return r.accept(i, 0.95*scale)
	}
	ids := r.g.byName[name]
	if len(ids) == 0 || r.countryOnly(name, ids) {
		return Match{}, false
	}
	if h.empty() && r.g.places[ids[0]].Population < minPop {
		return Match{}, false
	}
	return r.choose(ids, h, lang, scale)
}

func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) || (unicode.IsLetter(r) && !unicode.IsLower(r) && !unicode.Is(unicode.Latin, r) && !unicode.Is(unicode.Cyrillic, r) && !unicode.Is(unicode.Greek, r))
}

// cache is a bounded concurrent map, sharded to keep lock contention low.
// A full shard is emptied rather than evicted entry by entry: cheap, and
// the stream's current authors refill it within seconds.
type cache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
	limit  int
}

const cacheShards = 32

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]entry
}

type entry struct {
	m  Match
	ok bool
}

func newCache(size int) *cache {
	c := &cache{seed: maphash.MakeSeed(), limit: max(1, size/cacheShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]entry)
	}
	return c
}

func (c *cache) shard(key string) *cacheShard {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

func (c *cache) get(key string) (entry, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.m[key]
	s.mu.RUnlock()
	return e, ok
}

func (c *cache) put(key string, e entry) {
	s := c.shard(key)
	s.mu.Lock()
	if len(s.m) >= c.limit {
		clear(s.m)
	}
	s.m[key] = e
	s.mu.Unlock()
}

// profileCoordConfidence is the confidence of coordinates written in a
// profile: they were where the phone was when the profile was set.
const profileCoordConfidence = 0.9

// profileCoordinates finds "lat,lon" (two decimal numbers, the first a
// latitude) in a profile location.
func profileCoordinates(s string) (post.Point, bool) {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 || !strings.Contains(s[i:], ",") || !strings.Contains(s[i:], ".") {
		return post.Point{}, false
	}
	if i > 0 && s[i-1] == '-' {
		i--
	}
	lat, rest, ok := strings.Cut(s[i:], ",")
	if !ok {
		return post.Point{}, false
	}
	rest = strings.TrimSpace(rest)
	end := strings.IndexFunc(rest, func(r rune) bool { return !(r == '-' || r == '.' || (r >= '0' && r <= '9')) })
	if end >= 0 {
		rest = rest[:end]
	}
	a, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	b, err2 := strconv.ParseFloat(rest, 64)
	if err1 != nil || err2 != nil || !strings.Contains(lat, ".") || !strings.Contains(rest, ".") {
		return post.Point{}, false
	}
	pt := post.Point{Lat: a, Lon: b}
	if !pt.Valid() || (a == 0 && b == 0) { // 0,0 is a GPS without a fix
		return post.Point{}, false
	}
	return pt, true
}

// abbreviations people use in place names, and what the gazetteer may
// spell out (GeoNames writes both "St. Louis" and "Port Saint Lucie").
var abbreviations = map[string]string{
	"st": "saint", "saint": "st", "ft": "fort", "fort": "ft", "mt": "mount", "mount": "mt",
	"sta": "santa", "sto": "santo", "pt": "port",
}

// trailingNoise are words after a city's name that are not part of it
// ("Málaga City", "Jakarta Selatan" is not handled: it is a district).
var trailingNoise = map[string]bool{"city": true, "ciudad": true, "town": true, "area": true, "metro": true, "downtown": true}

// variants retries a name with its abbreviations expanded (or
// abbreviated) and without a trailing "city".
func (r *Resolver) variants(p string, h *hintSet, lang string) (Match, bool) {
	tokens := strings.Fields(p)
	for i, t := range tokens {
		if alt, ok := abbreviations[t]; ok {
			v := strings.Join(append(append(append([]string(nil), tokens[:i]...), alt), tokens[i+1:]...), " ")
			if ids, ok := r.g.byName[v]; ok {
				return r.choose(ids, h, lang, 1)
			}
		}
	}
	if n := len(tokens); n > 1 && trailingNoise[tokens[n-1]] {
		head := strings.Join(tokens[:n-1], " ")
		if i, ok := r.g.aliases[head]; ok {
			return r.accept(i, 0.95)
		}
		if ids, ok := r.g.byName[head]; ok {
			return r.choose(ids, h, lang, 1)
		}
	}
	return Match{}, false
}

// cjkAlias finds the longest alias written in Han, Kana or Hangul inside
// p: those scripts write "神奈川県横浜市" (Kanagawa prefecture, Yokohama
// city) without spaces, so the city is a substring, not a word.
func (r *Resolver) cjkAlias(p string) (int32, bool) {
	if !hasCJK(p) {
		return 0, false
	}
	best, bestLen := int32(0), 0
	for _, k := range r.g.cjkAliases {
		if len(k) > bestLen && strings.Contains(p, k) {
			best, bestLen = r.g.aliases[k], len(k)
		}
	}
	return best, bestLen > 0
}

func hasCJK(s string) bool {
	for _, c := range s {
		if unicode.In(c, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

// deg widens a gazetteer coordinate, rounded to the 1e-5° (about 1 m) the
// data carries, so 40.7143 does not come out as 40.714298248291016.
func deg(v float32) float64 { return math.Round(float64(v)*1e5) / 1e5 }
