package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// Shares of the message kinds in the stream. Everything that is not a
// notice or a malformed line is a post (about 89.6 %).
const (
	shareMalformed = 0.0005 // 1 in 2,000: a cut-off payload or a stray line
	shareDelete    = 0.10
	shareLimit     = 0.003
	shareScrubGeo  = 0.0002
	shareWithheld  = 0.0002
)

// Shares among posts.
const (
	shareRetweet = 0.25
	shareReply   = 0.18 // of the posts that are not retweets
	// sharePoint and sharePlaceOnly are of all posts; retweets carry no
	// position of their own (as on Twitter), so the other posts carry
	// proportionally more.
	sharePoint     = 0.30
	sharePlaceOnly = 0.03
	// shareRetweetOfPopular: retweets mostly spread popular accounts.
	shareRetweetOfPopular = 0.7
)

// messageKind classifies generated messages, for the tests.
type messageKind uint8

const (
	kindPost messageKind = iota
	kindDelete
	kindLimit
	kindScrubGeo
	kindWithheld
	kindMalformed
)

// twitterEpochMs is the origin of snowflake ids (2010-11-04).
const twitterEpochMs = 1288834974657

// snowflakeAt builds a snowflake id: milliseconds since the Twitter epoch
// above 22 bits of worker and sequence.
func snowflakeAt(ms int64, low22 uint64) uint64 {
	ms = max(ms, twitterEpochMs)
	return uint64(ms-twitterEpochMs)<<22 | low22&0x3fffff
}

type entityKind uint8

const (
	entHashtag entityKind = iota
	entURL
	entMention
	entMedia
)

// entity is a hashtag, link, mention or photo in a status's text, with
// its code-point span.
type entity struct {
	kind       entityKind
	start, end int
	tag        *tagForm
	user       *user
	url        *urlInfo
	media      *mediaInfo
}

type urlInfo struct {
	code [10]byte // the t.co path
	site int      // index in linkSites
	path [11]byte // the page's path on that site
}

type mediaInfo struct {
	code  [10]byte // the t.co path
	key   [15]byte // the pbs.twimg.com file name
	owner *status  // the status the photo was posted with
	ageMs int64    // upload time before the status
	sizes int      // index in mediaSizes
}

const maxURLs = 2

// status is the scratch form of one post while it is composed and
// rendered. The generator keeps two (a post and the original it may
// retweet) and reuses their buffers.
type status struct {
	lang   *language
	author *user
	id     uint64
	ms     int64 // created_at, Unix milliseconds

	text  []byte // UTF-8, unescaped
	runes int
	ents  []entity

	urls     [maxURLs]urlInfo
	nURLs    int
	media    mediaInfo
	hasMedia bool
	webLink  [10]byte // t.co path of the link to the full text when truncated

	replyTo      *user
	replyToID    uint64
	displayStart int // first code point after the reply's leading mentions

	hasPoint   bool
	lat, lon   float64
	place      *city
	source     int
	retweets   int
	favorites  int
	sensitive  bool
	retweeted  *status
	rtOriginal bool // s is a retweeted_status (no timestamp_ms)
}

func (s *status) reset(l *language, author *user) {
	*s = status{
		lang:   l,
		author: author,
		text:   s.text[:0],
		ents:   s.ents[:0],
	}
}

type generator struct {
	cat   *catalog
	r     *rand.Rand
	users [][]user // by language index; nil for und
	seq   uint64   // low bits of snowflake ids, so that ids never repeat
	track int      // undelivered count reported by limit notices
	nowMs int64    // the current message's time
	times timeCache
	post  status
	orig  status
	// inject makes burst and spam posts; nil when there are neither.
	inject *injector
}

func newGenerator(seed uint64, epoch time.Time, burstsPerHour, spamShare float64) *generator {
	cat := loadCatalog()
	// Separate streams for the user pool and the messages: the pool's size
	// can change without shifting every message.
	poolRand := rand.New(rand.NewPCG(seed, 0x75736572706f6f6c))
	g := &generator{
		cat:   cat,
		r:     rand.New(rand.NewPCG(seed, 0x6d65737361676573)),
		users: buildUsers(cat, poolRand, epoch),
	}
	g.inject = newInjector(seed, burstsPerHour, spamShare, epoch, g.users)
	return g
}

// next appends one message created at ms (Unix milliseconds) to b.
func (g *generator) next(b []byte, ms int64) ([]byte, messageKind) {
	g.nowMs = ms
	u := g.r.Float64()
	switch {
	case u < shareMalformed:
		return g.appendMalformed(b, ms), kindMalformed
	case u < shareMalformed+shareDelete:
		return g.appendDelete(b, ms), kindDelete
	case u < shareMalformed+shareDelete+shareLimit:
		return g.appendLimit(b, ms), kindLimit
	case u < shareMalformed+shareDelete+shareLimit+shareScrubGeo:
		return g.appendScrubGeo(b), kindScrubGeo
	case u < shareMalformed+shareDelete+shareLimit+shareScrubGeo+shareWithheld:
		return g.appendWithheld(b, ms), kindWithheld
	}
	return g.appendPost(b, ms), kindPost
}

func (g *generator) appendPost(b []byte, ms int64) []byte {
	r := g.r
	cat := g.cat
	l := cat.langs[pick(cat.langCDF, r.Float64())]
	home := l // the language whose users and cities the post draws on
	if l == cat.und {
		home = cat.posting[pick(cat.postingCDF, r.Float64())]
	}
	s := &g.post
	var inj injection
	injected := false
	if g.inject != nil && l != cat.und {
		inj, injected = g.inject.draw(g, l, ms)
	}
	switch {
	case injected:
		// A burst's or the spammer's post: an original with its tag, from
		// its city, so that it counts where it happens.
		g.compose(s, l, inj.author, false, inj.tag)
		s.hasPoint, s.place = true, inj.city
		s.lat, s.lon = g.samplePoint(inj.city)
		s.sensitive = s.nURLs > 0 || s.hasMedia
	case r.Float64() < shareRetweet:
		o := &g.orig
		author := g.randomUser(home, r.Float64() < shareRetweetOfPopular)
		g.compose(o, l, author, false, nil)
		// The original is minutes to days old: exponential, mean 3 hours.
		o.ms = ms - 1000 - int64(r.ExpFloat64()*3*3600*1000)
		o.id = g.snowflake(o.ms)
		o.source = pickSource(r)
		o.retweets = 1 + logNormal(r, 3, 2)
		o.favorites = logNormal(r, 3.3, 2)
		o.sensitive = o.nURLs > 0 || o.hasMedia
		o.rtOriginal = true
		g.deriveRetweet(s, o, g.otherUser(author))
		g.finishWebLink(o)
		s.sensitive = o.sensitive
	default:
		g.compose(s, l, g.randomUser(home, false), r.Float64() < shareReply, nil)
		nonRetweet := 1 - shareRetweet
		switch u := r.Float64(); {
		case u < sharePoint/nonRetweet:
			c := home.cities[pick(home.cityCDF, r.Float64())]
			s.hasPoint, s.place = true, c
			s.lat, s.lon = g.samplePoint(c)
		case u < (sharePoint+sharePlaceOnly)/nonRetweet:
			s.place = home.cities[pick(home.cityCDF, r.Float64())]
		}
		s.sensitive = s.nURLs > 0 || s.hasMedia
	}
	s.ms = ms
	s.id = g.snowflake(ms)
	s.source = pickSource(r)
	g.finishWebLink(s)
	return g.appendStatus(b, s)
}

// finishWebLink draws the t.co path of the "read more" link that a
// truncated text ends with.
func (g *generator) finishWebLink(s *status) {
	if s.runes > classicLimit {
		g.randomCode(s.webLink[:])
	}
}

// appendStatus renders s as Twitter v1.1 did, in the stream's key order.
func (g *generator) appendStatus(b []byte, s *status) []byte {
	b = append(b, `{"created_at":"`...)
	b = g.times.append(b, s.ms)
	b = append(b, `",`...)
	b = appendIDPair(b, "", s.id)
	b = append(b, `,"text":`...)

	// A text over 140 code points is an extended tweet: "text" keeps the
	// first truncatedTextRunes, an ellipsis and a link to the full text,
	// which moves to extended_tweet with the complete entities.
	extended := s.runes > classicLimit
	cut := s.runes
	if extended {
		cut = truncatedTextRunes
		cutBytes := byteOffset(s.text, cut)
		for cut > 0 && s.text[cutBytes-1] == ' ' {
			cut, cutBytes = cut-1, cutBytes-1
		}
		b = append(b, '"')
		b = appendEscaped(b, s.text[:cutBytes])
		b = append(b, `\u2026 https:\/\/t.co\/`...)
		b = append(b, s.webLink[:]...)
		b = append(b, '"')
	} else {
		b = appendQuoted(b, s.text)
	}
	// The displayed text stops before a trailing photo link.
	displayEnd := s.runes
	if s.hasMedia && s.retweeted == nil {
		displayEnd = max(0, s.mediaStart()-1)
	}
	switch {
	case extended:
		b = append(b, `,"display_text_range":[`...)
		b = appendInt(b, s.displayStart)
		b = append(b, ',')
		b = appendInt(b, cut+2+tcoURLRunes)
		b = append(b, ']')
	case s.replyTo != nil:
		b = append(b, `,"display_text_range":[`...)
		b = appendInt(b, s.displayStart)
		b = append(b, ',')
		b = appendInt(b, max(displayEnd, s.displayStart))
		b = append(b, ']')
	}
	b = append(b, `,"source":`...)
	b = append(b, sources[s.source].json...)
	b = append(b, `,"truncated":`...)
	b = appendBool(b, extended)
	if s.replyTo != nil {
		b = append(b, `,"in_reply_to_status_id":`...)
		b = appendUint(b, s.replyToID)
		b = append(b, `,"in_reply_to_status_id_str":"`...)
		b = appendUint(b, s.replyToID)
		b = append(b, `","in_reply_to_user_id":`...)
		b = appendUint(b, s.replyTo.id)
		b = append(b, `,"in_reply_to_user_id_str":"`...)
		b = appendUint(b, s.replyTo.id)
		b = append(b, `","in_reply_to_screen_name":"`...)
		b = append(b, s.replyTo.screenName...)
		b = append(b, '"')
	} else {
		b = append(b, `,"in_reply_to_status_id":null,"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,"in_reply_to_user_id_str":null,"in_reply_to_screen_name":null`...)
	}
	b = append(b, `,"user":`...)
	b = append(b, s.author.json...)
	if s.hasPoint {
		b = append(b, `,"geo":`...)
		b = appendPoint(b, s.lat, s.lon)
		b = append(b, `,"coordinates":`...)
		b = appendPoint(b, s.lon, s.lat)
	} else {
		b = append(b, `,"geo":null,"coordinates":null`...)
	}
	if s.place != nil {
		b = append(b, `,"place":`...)
		b = append(b, s.place.placeJSON...)
	} else {
		b = append(b, `,"place":null`...)
	}
	b = append(b, `,"contributors":null`...)
	if s.retweeted != nil {
		b = append(b, `,"retweeted_status":`...)
		b = g.appendStatus(b, s.retweeted)
	}
	b = append(b, `,"is_quote_status":false`...)
	if extended {
		b = append(b, `,"extended_tweet":{"full_text":`...)
		b = appendQuoted(b, s.text)
		b = append(b, `,"display_text_range":[`...)
		b = appendInt(b, s.displayStart)
		b = append(b, ',')
		b = appendInt(b, max(displayEnd, s.displayStart))
		b = append(b, `],"entities":`...)
		b = appendEntities(b, s, s.runes, false)
		if s.hasMedia {
			b = appendExtendedEntities(b, s, s.runes)
		}
		b = append(b, '}')
	}
	b = append(b, `,"retweet_count":`...)
	b = appendInt(b, s.retweets)
	b = append(b, `,"favorite_count":`...)
	b = appendInt(b, s.favorites)
	b = append(b, `,"entities":`...)
	b = appendEntities(b, s, cut, extended)
	if !extended && s.hasMedia {
		b = appendExtendedEntities(b, s, cut)
	}
	b = append(b, `,"favorited":false,"retweeted":false`...)
	if s.sensitive {
		b = append(b, `,"possibly_sensitive":false`...)
	}
	b = append(b, `,"filter_level":"low","lang":`...)
	b = append(b, s.lang.codeJSON...)
	if !s.rtOriginal {
		b = append(b, `,"timestamp_ms":"`...)
		b = appendInt(b, int(s.ms))
		b = append(b, '"')
	}
	return append(b, '}')
}

// mediaStart returns where the photo's link begins in s's text.
func (s *status) mediaStart() int {
	for _, e := range s.ents {
		if e.kind == entMedia {
			return e.start
		}
	}
	return s.runes
}

// appendEntities renders the entities that end within limit code points;
// webLink adds the truncated text's link to the full text.
func appendEntities(b []byte, s *status, limit int, webLink bool) []byte {
	b = append(b, `{"hashtags":[`...)
	n := 0
	for i := range s.ents {
		e := &s.ents[i]
		if e.kind != entHashtag || e.end > limit {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, e.tag.json...)
		b = appendIndices(b, e.start, e.end)
		b = append(b, '}')
	}
	b = append(b, `],"urls":[`...)
	n = 0
	for i := range s.ents {
		e := &s.ents[i]
		if e.kind != entURL || e.end > limit {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = appendURL(b, e.url, e.start, e.end)
	}
	if webLink {
		if n > 0 {
			b = append(b, ',')
		}
		start := limit + 2 // after "…" and a space
		b = append(b, `{"url":"https:\/\/t.co\/`...)
		b = append(b, s.webLink[:]...)
		b = append(b, `","expanded_url":"https:\/\/twitter.com\/i\/web\/status\/`...)
		b = appendUint(b, s.id)
		b = append(b, `","display_url":"twitter.com\/i\/web\/status\/`...)
		b = appendUint(b, s.id/1e17) // its first digit, as Twitter shortened it
		b = append(b, `\u2026",`...)
		b = appendIndices(b, start, start+tcoURLRunes)
		b = append(b, '}')
	}
	b = append(b, `],"user_mentions":[`...)
	n = 0
	for i := range s.ents {
		e := &s.ents[i]
		if e.kind != entMention || e.end > limit {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, e.user.mention...)
		b = appendIndices(b, e.start, e.end)
		b = append(b, '}')
	}
	b = append(b, `],"symbols":[]`...)
	if e := mediaEntity(s, limit); e != nil {
		b = append(b, `,"media":[`...)
		b = appendMedia(b, e)
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendExtendedEntities(b []byte, s *status, limit int) []byte {
	e := mediaEntity(s, limit)
	if e == nil {
		return b
	}
	b = append(b, `,"extended_entities":{"media":[`...)
	b = appendMedia(b, e)
	return append(b, "]}"...)
}

func mediaEntity(s *status, limit int) *entity {
	if !s.hasMedia {
		return nil
	}
	for i := range s.ents {
		if e := &s.ents[i]; e.kind == entMedia && e.end <= limit {
			return e
		}
	}
	return nil
}

func appendMedia(b []byte, e *entity) []byte {
	m := e.media
	owner := m.owner
	b = append(b, '{')
	b = appendIDPair(b, "", snowflakeAt(owner.ms-m.ageMs, owner.id))
	b = append(b, ',')
	b = appendIndices(b, e.start, e.end)
	b = append(b, `,"media_url":"http:\/\/pbs.twimg.com\/media\/`...)
	b = append(b, m.key[:]...)
	b = append(b, `.jpg","media_url_https":"https:\/\/pbs.twimg.com\/media\/`...)
	b = append(b, m.key[:]...)
	b = append(b, `.jpg","url":"https:\/\/t.co\/`...)
	b = append(b, m.code[:]...)
	b = append(b, `","display_url":"pic.twitter.com\/`...)
	b = append(b, m.code[:]...)
	b = append(b, `","expanded_url":"https:\/\/twitter.com\/`...)
	b = append(b, owner.author.screenName...)
	b = append(b, `\/status\/`...)
	b = appendUint(b, owner.id)
	b = append(b, `\/photo\/1","type":"photo","sizes":`...)
	b = append(b, mediaSizes[m.sizes]...)
	return append(b, '}')
}

// mediaSizes are the "sizes" objects of photos in four aspect ratios.
var mediaSizes = []string{
	`{"medium":{"w":1200,"h":900,"resize":"fit"},"thumb":{"w":150,"h":150,"resize":"crop"},"small":{"w":680,"h":510,"resize":"fit"},"large":{"w":2048,"h":1536,"resize":"fit"}}`,
	`{"medium":{"w":900,"h":1200,"resize":"fit"},"thumb":{"w":150,"h":150,"resize":"crop"},"small":{"w":510,"h":680,"resize":"fit"},"large":{"w":1536,"h":2048,"resize":"fit"}}`,
	`{"medium":{"w":1200,"h":675,"resize":"fit"},"thumb":{"w":150,"h":150,"resize":"crop"},"small":{"w":680,"h":383,"resize":"fit"},"large":{"w":1280,"h":720,"resize":"fit"}}`,
	`{"medium":{"w":1080,"h":1080,"resize":"fit"},"thumb":{"w":150,"h":150,"resize":"crop"},"small":{"w":680,"h":680,"resize":"fit"},"large":{"w":1080,"h":1080,"resize":"fit"}}`,
}

// linkSites are the pages links point to: expanded_url is prefix + path
// (+ suffix), display_url drops the scheme and "www.".
var linkSites = []struct {
	expanded, display string
	pathLen           int
	suffix            string
}{
	{`http:\/\/bit.ly\/`, `bit.ly\/`, 7, ""},
	{`https:\/\/www.instagram.com\/p\/`, `instagram.com\/p\/`, 11, `\/`},
	{`https:\/\/youtu.be\/`, `youtu.be\/`, 11, ""},
	{`http:\/\/fb.me\/`, `fb.me\/`, 9, ""},
	{`https:\/\/www.swarmapp.com\/c\/`, `swarmapp.com\/c\/`, 11, ""},
	{`https:\/\/goo.gl\/`, `goo.gl\/`, 6, ""},
}

func appendURL(b []byte, u *urlInfo, start, end int) []byte {
	site := &linkSites[u.site]
	path := u.path[:site.pathLen]
	b = append(b, `{"url":"https:\/\/t.co\/`...)
	b = append(b, u.code[:]...)
	b = append(b, `","expanded_url":"`...)
	b = append(b, site.expanded...)
	b = append(b, path...)
	b = append(b, site.suffix...)
	b = append(b, `","display_url":"`...)
	b = append(b, site.display...)
	b = append(b, path...)
	b = append(b, site.suffix...)
	b = append(b, `",`...)
	b = appendIndices(b, start, end)
	return append(b, '}')
}

// source is a posting client; json is its "source" value, quoted.
type source struct {
	json string
	cum  float64
}

// sources are weighted like the 2015–2016 sample stream's clients.
var sources = func() []source {
	clients := []struct {
		href, name string
		weight     float64
	}{
		{"http://twitter.com/download/iphone", "Twitter for iPhone", 38},
		{"http://twitter.com/download/android", "Twitter for Android", 33},
		{"http://twitter.com", "Twitter Web Client", 10},
		{"http://twitter.com/#!/download/ipad", "Twitter for iPad", 3},
		{"http://instagram.com", "Instagram", 4},
		{"https://about.twitter.com/products/tweetdeck", "TweetDeck", 2},
		{"http://twittbot.net/", "twittbot.net", 2},
		{"https://mobile.twitter.com", "Mobile Web (M5)", 2},
		{"http://www.facebook.com/twitter", "Facebook", 1},
		{"https://ifttt.com", "IFTTT", 1},
		{"https://www.hootsuite.com", "Hootsuite", 1},
		{"http://foursquare.com", "Foursquare", 1},
		{"http://www.tweetmyjobs.com", "TweetMyJOBS", 1},
		{"http://www.apple.com", "OS X", 1},
	}
	var out []source
	var total float64
	for _, c := range clients {
		total += c.weight
		html := `<a href="` + c.href + `" rel="nofollow">` + c.name + `</a>`
		out = append(out, source{json: quoted(html), cum: total})
	}
	for i := range out {
		out[i].cum /= total
	}
	out[len(out)-1].cum = 1
	return out
}()

func pickSource(r *rand.Rand) int {
	u := r.Float64()
	for i, s := range sources {
		if u < s.cum {
			return i
		}
	}
	return len(sources) - 1
}

// --- notices ---------------------------------------------------------------

func (g *generator) appendDelete(b []byte, ms int64) []byte {
	u := g.anyUser()
	b = append(b, `{"delete":{"status":{`...)
	b = appendIDPair(b, "", g.pastStatusIDAt(ms))
	b = append(b, ',')
	b = appendIDPair(b, "user_", u.id)
	b = append(b, `},"timestamp_ms":"`...)
	b = appendInt(b, int(ms))
	return append(b, `"}}`...)
}

func (g *generator) appendLimit(b []byte, ms int64) []byte {
	// track counts the undelivered posts since the connection opened, so
	// it only grows.
	g.track += 1 + g.r.IntN(400)
	b = append(b, `{"limit":{"track":`...)
	b = appendInt(b, g.track)
	b = append(b, `,"timestamp_ms":"`...)
	b = appendInt(b, int(ms))
	return append(b, `"}}`...)
}

func (g *generator) appendScrubGeo(b []byte) []byte {
	u := g.anyUser()
	b = append(b, `{"scrub_geo":{`...)
	b = appendIDPair(b, "user_", u.id)
	b = append(b, ',')
	b = appendIDPair(b, "up_to_status_", g.pastStatusID())
	return append(b, "}}"...)
}

var withheldCountries = []string{`["DE"]`, `["FR"]`, `["TR"]`, `["RU"]`, `["DE","AT"]`, `["IN"]`}

func (g *generator) appendWithheld(b []byte, ms int64) []byte {
	u := g.anyUser()
	b = append(b, `{"status_withheld":{"id":`...)
	b = appendUint(b, g.pastStatusIDAt(ms))
	b = append(b, `,"user_id":`...)
	b = appendUint(b, u.id)
	b = append(b, `,"withheld_in_countries":`...)
	b = append(b, withheldCountries[g.r.IntN(len(withheldCountries))]...)
	b = append(b, `,"timestamp_ms":"`...)
	b = appendInt(b, int(ms))
	return append(b, `"}}`...)
}

// strayLines are non-JSON lines a long-lived stream connection could
// deliver, e.g. a proxy's error page spliced into the body.
var strayLines = []string{
	"Stream connection interrupted, reconnecting",
	"<html><head><title>503 Service Temporarily Unavailable</title></head></html>",
}

// appendMalformed emits, most of the time, a post cut off mid-way (a
// dropped connection), otherwise a stray non-JSON line.
func (g *generator) appendMalformed(b []byte, ms int64) []byte {
	if g.r.Float64() < 0.3 {
		return append(b, strayLines[g.r.IntN(len(strayLines))]...)
	}
	start := len(b)
	b = g.appendPost(b, ms)
	n := len(b) - start
	// Every byte of a rendered message is ASCII (see jsonenc.go), so any
	// cut leaves valid UTF-8; cutting before the last byte keeps it invalid.
	return b[:start+n/8+g.r.IntN(n*3/4)]
}

// --- ids and users -----------------------------------------------------------

func (g *generator) snowflake(ms int64) uint64 {
	g.seq++
	return snowflakeAt(ms, g.r.Uint64()&0x3ff<<12|g.seq&0xfff)
}

// pastStatusID is the id of an earlier status (a reply's target, a
// scrubbed one): seconds to weeks before now.
func (g *generator) pastStatusID() uint64 { return g.pastStatusIDAt(g.nowMs) }

func (g *generator) pastStatusIDAt(ms int64) uint64 {
	ago := int64(math.Min(g.r.ExpFloat64()*24*3600*1000, 60*24*3600*1000))
	return g.snowflake(ms - 1000 - ago)
}

// randomUser draws an author of language l (popular: among its most
// followed accounts).
func (g *generator) randomUser(l *language, popular bool) *user {
	pool := g.users[l.index]
	n := len(pool)
	if popular {
		n = max(3, int(float64(n)*popularShare))
	}
	return &pool[g.r.IntN(n)]
}

// otherUser draws someone for u to mention or retweet: same language,
// another account.
func (g *generator) otherUser(u *user) *user {
	pool := g.users[u.lang.index]
	j := g.r.IntN(len(pool) - 1)
	if j >= u.index {
		j++ // skip u itself
	}
	return &pool[j]
}

// anyUser draws an account of any language, for notices.
func (g *generator) anyUser() *user {
	l := g.cat.posting[pick(g.cat.postingCDF, g.r.Float64())]
	return g.randomUser(l, false)
}

// randomCode fills dst with base62 characters, ten per random draw.
func (g *generator) randomCode(dst []byte) {
	for len(dst) > 0 {
		v := g.r.Uint64()
		for i := 0; i < 10 && len(dst) > 0; i++ {
			dst[0] = base62[v%62]
			v /= 62
			dst = dst[1:]
		}
	}
}
