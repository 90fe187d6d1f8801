package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// A Burst is a trend the demo injects: for a while, a hashtag the steady
// traffic never uses is carried by many distinct authors of one language
// at one city. Bursts let the trend detection (issue 14) be measured
// against a known truth: ScheduledBursts lists them without generating
// the stream.
type Burst struct {
	// Tag is the hashtag as authored, without '#'. Posts spell it like any
	// other tag: mostly as authored, sometimes lower- or upper-cased.
	Tag string `json:"tag"`
	// Lang is the posts' "lang" (Twitter's code: Indonesian is "in").
	Lang string `json:"lang"`
	// City is the place's name as its posts' place.name carries it;
	// Country its ISO 3166-1 alpha-2 code (place.country_code).
	City    string `json:"city"`
	Country string `json:"country"`
	// Lat and Lon are the city's centre; every burst post has a point
	// within RadiusKm of it (and the city's place object).
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	RadiusKm float64 `json:"radius_km"`
	// Start and End bound the burst: its posts are created in [Start, End).
	// A burst listed for a stream may end after the stream's last message.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Share is the fraction of Lang's posts during the burst that carry
	// Tag (0.01 to 0.05), retweets and posts without a point included.
	Share float64 `json:"share"`
}

// DefaultBurstsPerHour is the rate `--bursts` defaults to: three bursts
// an hour over all languages, each among the burst languages alike, so a
// live demo shows a new trend every 20 minutes or so and about four at a
// time (each lasts 75 minutes on average), while a replayed day holds
// about 70, 8 per language: enough to measure detection, few enough that
// about 1 % of posts are burst posts at any time, so the shares in
// docs/demo.md move by under a percentage point.
// Options.BurstsPerHour itself defaults to 0 (no bursts), so that corpora
// built from Go (benchmarks, tests) keep their bytes.
const DefaultBurstsPerHour = 3.0

// Burst shapes, from issue 14's evaluation plan.
const (
	burstMinMinutes = 30
	burstMaxMinutes = 120
	burstMinShare   = 0.01
	burstMaxShare   = 0.05
	// burstLanguagePermille: only languages with at least this share of
	// posts (en, ja, es, ar, pt, ko, th, ru, in) get bursts, so that even
	// the weakest burst (30 minutes at 1 %) is carried by dozens of posts
	// at the sample stream's ~60 messages per second.
	burstLanguagePermille = 30
	// burstLocalAuthorShare of a burst's posts come from accounts whose
	// profile names the burst's city (when it has any), the rest from the
	// language's whole pool: people nearby and visitors.
	burstLocalAuthorShare = 0.6
	maxBurstGap           = 100 * 365 * 24 * time.Hour
)

// Streams of the burst schedule and of the burst and spam draws made while
// generating: separate from the message stream so that without bursts
// (and spam) the output is byte for byte what it was before bursts
// existed, and so that the schedule can be computed alone.
const (
	burstScheduleStream = 0x6275727374706c6e // "burstpln"
	burstDrawStream     = 0x6275727374647277 // "burstdrw"
)

// burstEvents are what a language's bursts are about; a tag joins one to
// the burst's city ("LagosBlackout", "ApagónMadrid", "عاصفة_الرياض").
// Words, not names of real events.
type burstVocabulary struct {
	events    []string
	cityFirst bool
	sep       string // between city and event, and for spaces in city names
}

var burstVocabularies = map[string]burstVocabulary{
	"en": {events: []string{"Blackout", "Parade", "Storm", "Marathon", "Concert", "Flood", "Derby", "StreetFest", "Heatwave", "Quake"}, cityFirst: true},
	"ja": {events: []string{"停電", "花火大会", "大雨", "マラソン", "ライブ", "地震", "祭り", "大雪"}, cityFirst: true},
	"es": {events: []string{"Apagón", "Desfile", "Tormenta", "Maratón", "Concierto", "Inundación", "Clásico", "Temblor", "Feria", "Granizo"}},
	"ar": {events: []string{"عاصفة", "مهرجان", "انقطاع_الكهرباء", "ماراثون", "حفل", "أمطار", "ديربي", "زلزال"}, sep: "_"},
	"pt": {events: []string{"Apagão", "Desfile", "Temporal", "Maratona", "Show", "Enchente", "Clássico", "Tremor", "Feira", "Granizo"}},
	"ko": {events: []string{"정전", "불꽃축제", "폭우", "마라톤", "콘서트", "지진", "축제", "폭설"}, cityFirst: true},
	"th": {events: []string{"ไฟดับ", "คอนเสิร์ต", "น้ำท่วม", "มาราธอน", "เทศกาล", "ฝนตกหนัก", "แผ่นดินไหว"}, cityFirst: true},
	"ru": {events: []string{"Гроза", "Парад", "Марафон", "Концерт", "Потоп", "Дерби", "Метель", "Снегопад"}, cityFirst: true},
	"in": {events: []string{"Banjir", "Konser", "Festival", "MatiLampu", "Gempa", "Maraton", "HujanDeras", "Macet"}},
}

// burstLanguages lists the catalog's languages that get bursts, in
// catalog order.
var burstLanguages = sync.OnceValue(func() []*language {
	var out []*language
	for _, l := range loadCatalog().posting {
		if l.spec.permille >= burstLanguagePermille {
			if _, ok := burstVocabularies[l.code]; !ok {
				panic("demo: burst language " + l.code + " has no burst vocabulary")
			}
			out = append(out, l)
		}
	}
	return out
})

// steadyTags holds every spelling of every tag of the steady traffic,
// lower-cased (each spelling, because lower-casing an upper-cased Turkish
// "ı" gives "i"): a burst or spam tag must be none of them, or it would not
// be new.
var steadyTags = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool)
	for _, l := range loadCatalog().langs {
		for _, h := range l.tags {
			for _, f := range h.forms {
				m[strings.ToLower(f.text.s)] = true
			}
		}
	}
	return m
})

// plannedBurst is a Burst with what the generator needs to inject it.
type plannedBurst struct {
	Burst
	lang           *language
	city           *city
	tag            hashtag
	startMs, endMs int64
}

// burstPlanner draws the schedule: a Poisson process of rate perHour over
// the stream's time, each burst's language uniform over burstLanguages,
// its city weighted like the language's posts. It draws one burst at a
// time, in order of start, so a longer span extends a shorter one.
type burstPlanner struct {
	r       *rand.Rand
	epoch   time.Time
	perHour float64
	at      time.Duration // the last start drawn
	used    map[string]bool
}

func newBurstPlanner(seed uint64, perHour float64, epoch time.Time) *burstPlanner {
	if !(perHour > 0) || math.IsInf(perHour, 1) {
		return nil
	}
	return &burstPlanner{
		r:       rand.New(rand.NewPCG(seed, burstScheduleStream)),
		epoch:   epoch,
		perHour: perHour,
		used:    make(map[string]bool),
	}
}

// next returns the next burst in order of start.
func (p *burstPlanner) next() *plannedBurst {
	r := p.r
	// Capped (at a century) so that a tiny rate cannot overflow the
	// Duration and wrap a start into the past.
	gap := time.Duration(min(r.ExpFloat64()/p.perHour*float64(time.Hour), float64(maxBurstGap)))
	p.at += max(time.Second, gap).Round(time.Second)
	langs := burstLanguages()
	l := langs[r.IntN(len(langs))]
	c := l.cities[pick(l.cityCDF, r.Float64())]
	minutes := burstMinMinutes + r.IntN(burstMaxMinutes-burstMinMinutes+1)
	share := burstMinShare + (burstMaxShare-burstMinShare)*r.Float64()
	share = math.Round(share*1000) / 1000
	tag := p.newTag(l, c)

	b := &plannedBurst{lang: l, city: c, tag: compileTags([]string{tag})[0]}
	start := p.epoch.Add(p.at)
	end := start.Add(time.Duration(minutes) * time.Minute)
	b.Burst = Burst{
		Tag: tag, Lang: l.code, City: c.name, Country: c.countryCode,
		Lat: c.lat, Lon: c.lon, RadiusKm: placePointSigmas * c.spreadKm,
		Start: start, End: end, Share: share,
	}
	b.startMs, b.endMs = start.UnixMilli(), end.UnixMilli()
	return b
}

// newTag joins one of the language's event words to the city's name,
// trying the words from a random one on; a tag is never reused within a
// schedule nor one the steady traffic uses (a number tells repeats apart).
func (p *burstPlanner) newTag(l *language, c *city) string {
	v := burstVocabularies[l.code]
	stem := cityStem(c.name, v.sep)
	first := p.r.IntN(len(v.events))
	for round := 1; ; round++ {
		for i := range v.events {
			event := v.events[(first+i)%len(v.events)]
			tag := event + v.sep + stem
			if v.cityFirst {
				tag = stem + v.sep + event
			}
			if round > 1 {
				tag += itoa(round)
			}
			if key := strings.ToLower(tag); !p.used[key] && !steadyTags()[key] {
				p.used[key] = true
				return tag
			}
		}
	}
}

// cityStem makes a city's name fit a hashtag: an administrative suffix
// ("Shinjuku-ku", "Gangnam-gu") dropped, words joined by sep, anything but
// letters, marks and digits removed ("São Paulo" -> "SãoPaulo").
func cityStem(name, sep string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 && len(name)-i <= 4 && isLowerASCII(name[i+1:]) {
		name = name[:i]
	}
	var b strings.Builder
	for i, word := range strings.FieldsFunc(name, func(c rune) bool { return c == ' ' || c == '-' }) {
		if i > 0 {
			b.WriteString(sep)
		}
		for _, c := range word {
			if unicode.IsLetter(c) || unicode.IsMark(c) || unicode.IsDigit(c) {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

// ScheduledBursts returns the bursts New(opts) injects that start within
// span of its clock's start (opts.Now(), read once here as New reads it),
// in order of start, computed without generating the stream. Only Seed,
// BurstsPerHour and Now matter. With a Rate, Run stamps messages with the
// clock, so the windows are in wall-clock time from New on; otherwise in
// the synthetic clock's time (one message per millisecond, or 1/Rate).
func ScheduledBursts(opts Options, span time.Duration) []Burst {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return planBursts(opts.Seed, opts.BurstsPerHour, now(), span)
}

// ScheduledBursts returns the bursts s injects that start within span of
// its clock's start; see the package function.
func (s *Source) ScheduledBursts(span time.Duration) []Burst {
	return planBursts(s.seed, s.burstsPerHour, s.epoch, span)
}

func planBursts(seed uint64, perHour float64, epoch time.Time, span time.Duration) []Burst {
	p := newBurstPlanner(seed, perHour, epoch)
	if p == nil {
		return nil
	}
	var out []Burst
	for {
		b := p.next()
		if p.at >= span {
			return out
		}
		out = append(out, b.Burst)
	}
}

// injector turns some posts into burst and spam posts while generating.
// It draws from its own stream and only for posts of a language that has
// an active burst (or the spammer's), so it leaves the rest of the stream
// as it would be without it until the first injected post.
type injector struct {
	r       *rand.Rand
	planner *burstPlanner // nil without bursts
	pending *plannedBurst // the next burst to start
	active  []*activeBurst
	// changeMs is when the active set next changes (a start or an end).
	changeMs int64
	spam     *spammer // nil without spam
}

type activeBurst struct {
	*plannedBurst
	locals []*user // the language's accounts that live at the city
}

// injection is what an injected post carries.
type injection struct {
	tag    *tagForm
	author *user
	city   *city
}

func newInjector(seed uint64, perHour, spamShare float64, epoch time.Time, users [][]user) *injector {
	in := &injector{
		r:       rand.New(rand.NewPCG(seed, burstDrawStream)),
		planner: newBurstPlanner(seed, perHour, epoch),
		spam:    newSpammer(seed, spamShare, users),
	}
	if in.planner == nil && in.spam == nil {
		return nil
	}
	in.changeMs = math.MaxInt64
	if in.planner != nil {
		in.pending = in.planner.next()
		in.changeMs = in.pending.startMs
	}
	return in
}

// draw decides whether the post of language l created at ms is a burst
// or spam post, and with what.
func (in *injector) draw(g *generator, l *language, ms int64) (injection, bool) {
	if ms >= in.changeMs {
		in.update(g, ms)
	}
	var u float64
	drawn := false
	for _, b := range in.active {
		if b.lang != l {
			continue
		}
		if !drawn {
			u, drawn = in.r.Float64(), true
		}
		// One draw partitions [0, 1) among the language's bursts, so each
		// keeps its own share when several overlap.
		if u < b.Share {
			return in.burstPost(g, b), true
		}
		u -= b.Share
	}
	if s := in.spam; s != nil && s.lang == l && in.r.Float64() < s.Share {
		return injection{tag: s.form(in.r), author: s.account, city: s.city}, true
	}
	return injection{}, false
}

func (in *injector) burstPost(g *generator, b *activeBurst) injection {
	r := in.r
	var author *user
	if len(b.locals) > 0 && r.Float64() < burstLocalAuthorShare {
		author = b.locals[r.IntN(len(b.locals))]
	} else {
		pool := g.users[b.lang.index]
		author = &pool[r.IntN(len(pool))]
	}
	return injection{tag: pickForm(&b.tag, r), author: author, city: b.city}
}

// update starts the bursts due by ms and ends the finished ones.
func (in *injector) update(g *generator, ms int64) {
	in.active = slices.DeleteFunc(in.active, func(b *activeBurst) bool { return b.endMs <= ms })
	for in.pending != nil && in.pending.startMs <= ms {
		b := &activeBurst{plannedBurst: in.pending}
		pool := g.users[b.lang.index]
		for i := range pool {
			if pool[i].home == b.city {
				b.locals = append(b.locals, &pool[i])
			}
		}
		if b.endMs > ms { // a clock that jumped may skip a burst whole
			in.active = append(in.active, b)
		}
		in.pending = in.planner.next()
	}
	in.changeMs = math.MaxInt64
	if in.pending != nil {
		in.changeMs = in.pending.startMs
	}
	for _, b := range in.active {
		in.changeMs = min(in.changeMs, b.endMs)
	}
}

// pickForm spells a tag as drawTags does: mostly as authored, sometimes
// lower- or upper-cased.
func pickForm(h *hashtag, r *rand.Rand) *tagForm {
	switch u := r.Float64(); {
	case u < 0.10:
		return &h.forms[1]
	case u < 0.13:
		return &h.forms[2]
	}
	return &h.forms[0]
}
