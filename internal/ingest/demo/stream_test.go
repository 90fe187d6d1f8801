package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/testenv"
)

// The tests below check the stream against what a real v1.1 capture looks
// like, over one shared corpus of corpusSize messages.

const corpusSize = 20000

var corpusEpoch = time.Date(2016, 3, 14, 12, 0, 0, 0, time.UTC)

type corpusMessage struct {
	raw  []byte
	kind messageKind
	post *testStatus // decoded, for kindPost
}

var loadCorpus = sync.OnceValues(func() ([]corpusMessage, error) {
	g := newGenerator(42, corpusEpoch, 0, 0)
	out := make([]corpusMessage, corpusSize)
	var buf []byte
	for i := range out {
		var kind messageKind
		buf, kind = g.next(buf[:0], corpusEpoch.UnixMilli()+int64(i))
		m := corpusMessage{raw: append([]byte(nil), buf...), kind: kind}
		if kind == kindPost {
			m.post = new(testStatus)
			if err := json.Unmarshal(m.raw, m.post); err != nil {
				return nil, fmt.Errorf("message %d: %v\n%s", i, err, m.raw)
			}
		}
		out[i] = m
	}
	return out, nil
})

func corpus(t testing.TB) []corpusMessage {
	t.Helper()
	c, err := loadCorpus()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// posts returns the corpus's decoded posts.
func posts(t testing.TB) []*testStatus {
	var out []*testStatus
	for _, m := range corpus(t) {
		if m.post != nil {
			out = append(out, m.post)
		}
	}
	return out
}

type testStatus struct {
	CreatedAt           string          `json:"created_at"`
	ID                  uint64          `json:"id"`
	IDStr               string          `json:"id_str"`
	Text                string          `json:"text"`
	Truncated           bool            `json:"truncated"`
	DisplayTextRange    []int           `json:"display_text_range"`
	InReplyToScreenName *string         `json:"in_reply_to_screen_name"`
	Lang                string          `json:"lang"`
	TimestampMs         string          `json:"timestamp_ms"`
	User                testUser        `json:"user"`
	Geo                 *testPoint      `json:"geo"`
	Coordinates         *testPoint      `json:"coordinates"`
	Place               *testPlace      `json:"place"`
	Entities            testEntities    `json:"entities"`
	ExtendedTweet       *testExtended   `json:"extended_tweet"`
	RetweetedStatus     *testStatus     `json:"retweeted_status"`
	RetweetCount        *int            `json:"retweet_count"`
	FilterLevel         string          `json:"filter_level"`
	ExtendedEntities    *map[string]any `json:"extended_entities"`
}

type testUser struct {
	ID         uint64 `json:"id"`
	IDStr      string `json:"id_str"`
	ScreenName string `json:"screen_name"`
	Name       string `json:"name"`
	Lang       string `json:"lang"`
	CreatedAt  string `json:"created_at"`
}

type testPoint struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

type testPlace struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	FullName    string `json:"full_name"`
	CountryCode string `json:"country_code"`
	BoundingBox struct {
		Type        string        `json:"type"`
		Coordinates [][][]float64 `json:"coordinates"`
	} `json:"bounding_box"`
}

type testExtended struct {
	FullText         string       `json:"full_text"`
	DisplayTextRange []int        `json:"display_text_range"`
	Entities         testEntities `json:"entities"`
}

type testEntities struct {
	Hashtags []struct {
		Text    string `json:"text"`
		Indices [2]int `json:"indices"`
	} `json:"hashtags"`
	URLs []struct {
		URL         string `json:"url"`
		ExpandedURL string `json:"expanded_url"`
		Indices     [2]int `json:"indices"`
	} `json:"urls"`
	UserMentions []struct {
		ScreenName string `json:"screen_name"`
		ID         uint64 `json:"id"`
		Indices    [2]int `json:"indices"`
	} `json:"user_mentions"`
	Symbols []any `json:"symbols"`
	Media   []struct {
		URL        string `json:"url"`
		DisplayURL string `json:"display_url"`
		Indices    [2]int `json:"indices"`
	} `json:"media"`
}

func TestEveryMessageButTheMalformedIsValidJSON(t *testing.T) {
	malformed := 0
	for i, m := range corpus(t) {
		valid := json.Valid(m.raw)
		if m.kind == kindMalformed {
			malformed++
			if valid {
				t.Errorf("message %d is meant to be malformed but is valid JSON: %s", i, m.raw)
			}
			continue
		}
		if !valid {
			t.Fatalf("message %d (kind %d) is not valid JSON: %s", i, m.kind, m.raw)
		}
		if !utf8.Valid(m.raw) {
			t.Fatalf("message %d is not UTF-8", i)
		}
		for _, c := range m.raw {
			if c >= 0x80 {
				t.Fatalf("message %d has a non-ASCII byte; the v1.1 stream escaped them all", i)
			}
		}
	}
	// 1 in 2,000 expected: 10 in 20,000; a wide band keeps it robust.
	if malformed < 3 || malformed > 25 {
		t.Errorf("%d malformed messages in %d, want about %d", malformed, corpusSize, corpusSize/2000)
	}
}

// share formats a fraction for logs.
func share(n, of int) float64 { return float64(n) / float64(of) }

func TestSharesMatchTheSampleStream(t *testing.T) {
	c := corpus(t)
	kinds := map[messageKind]int{}
	for _, m := range c {
		kinds[m.kind]++
	}
	ps := posts(t)
	var points, placeOnly, tagged, retweets, replies, extended, media int
	langs := map[string]int{}
	for _, p := range ps {
		langs[p.Lang]++
		if p.Coordinates != nil {
			points++
		} else if p.Place != nil {
			placeOnly++
		}
		if len(p.Entities.Hashtags) > 0 {
			tagged++
		}
		if p.RetweetedStatus != nil {
			retweets++
		}
		if p.InReplyToScreenName != nil {
			replies++
		}
		if p.ExtendedTweet != nil {
			extended++
		}
		if len(p.Entities.Media) > 0 {
			media++
		}
	}
	n := len(ps)
	t.Logf("of %d messages: posts %.1f%%, deletes %.1f%%, limit %d, scrub_geo %d, status_withheld %d, malformed %d",
		len(c), 100*share(n, len(c)), 100*share(kinds[kindDelete], len(c)), kinds[kindLimit], kinds[kindScrubGeo], kinds[kindWithheld], kinds[kindMalformed])
	t.Logf("of %d posts: point %.1f%%, place only %.1f%%, hashtags %.1f%%, retweets %.1f%%, replies %.1f%%, extended %.1f%%, photo %.1f%%",
		n, 100*share(points, n), 100*share(placeOnly, n), 100*share(tagged, n), 100*share(retweets, n),
		100*share(replies, n), 100*share(extended, n), 100*share(media, n))
	var codes []string
	for code := range langs {
		codes = append(codes, code)
	}
	sort.Slice(codes, func(i, j int) bool { return langs[codes[i]] > langs[codes[j]] })
	var mix []string
	for _, code := range codes {
		mix = append(mix, fmt.Sprintf("%s %.1f%%", code, 100*share(langs[code], n)))
	}
	t.Logf("languages: %s", strings.Join(mix, ", "))

	within := func(what string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s: %.2f%%, want %.1f–%.1f%%", what, 100*got, 100*lo, 100*hi)
		}
	}
	within("deletes of messages", share(kinds[kindDelete], len(c)), 0.08, 0.12)
	within("points of posts", share(points, n), 0.27, 0.33)
	within("place-only of posts", share(placeOnly, n), 0.015, 0.05)
	within("hashtags of posts", share(tagged, n), 0.19, 0.26)
	within("retweets of posts", share(retweets, n), 0.22, 0.28)
	within("extended of posts", share(extended, n), 0.02, 0.15)
	if kinds[kindLimit] == 0 {
		t.Error("no limit notice")
	}
	for code, want := range map[string]float64{"en": 0.35, "ja": 0.15, "es": 0.10, "ar": 0.06, "pt": 0.06, "und": 0.03} {
		within("lang "+code, share(langs[code], n), want*0.85, want*1.15)
	}
	for _, code := range []string{"ko", "th", "tr", "fr", "ru", "in", "de", "it", "nl", "sv", "da", "no", "fi", "hu", "el", "ca"} {
		if langs[code] == 0 {
			t.Errorf("no post in %s", code)
		}
	}
}

func TestAveragePostIsTwoAndAHalfToFiveKB(t *testing.T) {
	var total, n int
	for _, m := range corpus(t) {
		if m.kind == kindPost {
			total += len(m.raw)
			n++
		}
	}
	avg := total / n
	t.Logf("average post: %d bytes", avg)
	if avg < 2500 || avg > 5000 {
		t.Errorf("average post is %d bytes, want 2,500–5,000 like the real stream", avg)
	}
}

func TestStatusFieldsAreConsistent(t *testing.T) {
	for _, p := range posts(t) {
		checkStatus(t, p, true)
		if p.RetweetedStatus != nil {
			checkStatus(t, p.RetweetedStatus, false)
			rt := "RT @" + p.RetweetedStatus.User.ScreenName + ": "
			if !strings.HasPrefix(p.Text, rt) {
				t.Errorf("retweet text %q does not start with %q", p.Text, rt)
			}
			if p.Lang != p.RetweetedStatus.Lang {
				t.Errorf("retweet lang %s, original %s", p.Lang, p.RetweetedStatus.Lang)
			}
		}
		if t.Failed() {
			return
		}
	}
}

var screenNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)

func checkStatus(t *testing.T, p *testStatus, top bool) {
	t.Helper()
	created, err := time.Parse(twitterTimeLayout, p.CreatedAt)
	if err != nil {
		t.Fatalf("created_at %q: %v", p.CreatedAt, err)
	}
	if p.IDStr != strconv.FormatUint(p.ID, 10) || p.User.IDStr != strconv.FormatUint(p.User.ID, 10) {
		t.Errorf("id_str does not match id: %+v", p)
	}
	// Snowflake ids carry their creation time.
	idMs := int64(p.ID>>22) + twitterEpochMs
	if idMs/1000 != created.Unix() {
		t.Errorf("id %d encodes %d ms, created_at is %v", p.ID, idMs, created)
	}
	if top {
		ts, err := strconv.ParseInt(p.TimestampMs, 10, 64)
		if err != nil || ts != idMs {
			t.Errorf("timestamp_ms %q, id says %d", p.TimestampMs, idMs)
		}
	} else if p.TimestampMs != "" {
		t.Errorf("a retweeted_status has timestamp_ms")
	}
	if _, err := time.Parse(twitterTimeLayout, p.User.CreatedAt); err != nil {
		t.Errorf("user created_at %q: %v", p.User.CreatedAt, err)
	}
	if !screenNameRE.MatchString(p.User.ScreenName) {
		t.Errorf("screen_name %q is not a valid handle", p.User.ScreenName)
	}
	if p.Lang == "" || p.FilterLevel != "low" || p.RetweetCount == nil {
		t.Errorf("missing lang, filter_level or retweet_count: %+v", p)
	}
	if n := utf8.RuneCountInString(p.Text); n > classicLimit {
		t.Errorf("text has %d code points, over 140: %q", n, p.Text)
	}
	checkEntities(t, p.Text, &p.Entities)
	if r := p.DisplayTextRange; r != nil && (len(r) != 2 || r[0] < 0 || r[0] > r[1] || r[1] > utf8.RuneCountInString(p.Text)) {
		t.Errorf("display_text_range %v out of text %q", r, p.Text)
	}
	if p.InReplyToScreenName != nil && !strings.HasPrefix(p.Text, "@"+*p.InReplyToScreenName) {
		t.Errorf("reply to %s does not start with the mention: %q", *p.InReplyToScreenName, p.Text)
	}
	if p.ExtendedTweet != nil {
		if !p.Truncated || !strings.HasSuffix(p.Text, p.Entities.URLs[len(p.Entities.URLs)-1].URL) {
			t.Errorf("extended tweet not truncated with a link: %q", p.Text)
		}
		n := utf8.RuneCountInString(p.ExtendedTweet.FullText)
		if n <= classicLimit || n > extendedLimit {
			t.Errorf("full_text has %d code points, want 141–280", n)
		}
		checkEntities(t, p.ExtendedTweet.FullText, &p.ExtendedTweet.Entities)
	} else if p.Truncated {
		t.Errorf("truncated without extended_tweet")
	}
}

// checkEntities verifies that every entity's indices, counted in code
// points as in v1.1, cover exactly its text.
func checkEntities(t *testing.T, text string, e *testEntities) {
	t.Helper()
	runes := []rune(text)
	span := func(ix [2]int) string {
		if ix[0] < 0 || ix[1] > len(runes) || ix[0] >= ix[1] {
			return fmt.Sprintf("<bad indices %v of %d>", ix, len(runes))
		}
		return string(runes[ix[0]:ix[1]])
	}
	for _, h := range e.Hashtags {
		if got := span(h.Indices); got != "#"+h.Text {
			t.Errorf("hashtag %q at %v covers %q in %q", h.Text, h.Indices, got, text)
		}
	}
	for _, m := range e.UserMentions {
		if got := span(m.Indices); got != "@"+m.ScreenName {
			t.Errorf("mention %q at %v covers %q in %q", m.ScreenName, m.Indices, got, text)
		}
	}
	for _, u := range e.URLs {
		if got := span(u.Indices); got != u.URL || !strings.HasPrefix(u.URL, "https://t.co/") {
			t.Errorf("url %q at %v covers %q in %q", u.URL, u.Indices, got, text)
		}
	}
	for _, m := range e.Media {
		if got := span(m.Indices); got != m.URL {
			t.Errorf("media %q at %v covers %q in %q", m.URL, m.Indices, got, text)
		}
	}
}

func TestHashtagsIncludeNonASCIIAndMixedCase(t *testing.T) {
	var nonASCII, lowered, astralText int
	for _, p := range posts(t) {
		for _, h := range p.Entities.Hashtags {
			if strings.IndexFunc(h.Text, func(r rune) bool { return r >= 0x80 }) >= 0 {
				nonASCII++
			}
			if strings.ToLower(h.Text) == h.Text && strings.ToUpper(h.Text) != h.Text {
				lowered++
			}
		}
		if len(p.Entities.Hashtags) > 0 && strings.IndexFunc(p.Text, func(r rune) bool { return r > 0xffff }) >= 0 {
			astralText++ // emoji before a tag shift UTF-16 offsets but not code points
		}
	}
	if nonASCII < 50 || lowered < 50 || astralText < 20 {
		t.Errorf("non-ASCII tags %d, lower-case tags %d, tagged posts with emoji %d: want each well represented", nonASCII, lowered, astralText)
	}
}

func TestHashtagsAreZipfDistributed(t *testing.T) {
	counts := map[string]int{}
	for _, p := range posts(t) {
		for _, h := range p.Entities.Hashtags {
			counts[strings.ToLower(h.Text)]++
		}
	}
	freq := make([]int, 0, len(counts))
	for _, n := range counts {
		freq = append(freq, n)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(freq)))
	if len(freq) < 200 {
		t.Fatalf("only %d distinct tags", len(freq))
	}
	t.Logf("%d distinct tags; counts at ranks 1, 2, 10, 50, 100: %d %d %d %d %d", len(freq), freq[0], freq[1], freq[9], freq[49], freq[99])
	// Zipf with s = 1.1 within one language puts rank 50 at 1/74 of rank 1;
	// mixing languages flattens the head, so ask for 10×.
	if freq[0] < 10*freq[49] {
		t.Errorf("top tag %d uses, 50th %d: not Zipf-like", freq[0], freq[49])
	}
	if freq[0] > 20*freq[1] {
		t.Errorf("top tag %d uses, second %d: a single tag dominates", freq[0], freq[1])
	}
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthKm = 6371
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Sqrt(a))
}

func TestPointsClusterAroundCitiesOfTheirLanguage(t *testing.T) {
	cat := loadCatalog()
	checked := 0
	for _, p := range posts(t) {
		if p.Coordinates == nil {
			if p.Geo != nil {
				t.Fatalf("geo without coordinates")
			}
			continue
		}
		c, g := p.Coordinates.Coordinates, p.Geo
		if p.Coordinates.Type != "Point" || len(c) != 2 || g == nil || len(g.Coordinates) != 2 ||
			g.Coordinates[0] != c[1] || g.Coordinates[1] != c[0] {
			t.Fatalf("coordinates %v and geo %v disagree (want [lon, lat] and [lat, lon])", c, g)
		}
		lon, lat := c[0], c[1]
		if p.Place == nil {
			t.Fatalf("point without place")
		}
		box := p.Place.BoundingBox.Coordinates[0]
		if lon < box[0][0] || lon > box[2][0] || lat < box[0][1] || lat > box[2][1] {
			t.Errorf("point %v outside its place %q box %v", c, p.Place.FullName, box)
		}
		// Decimals as a device reports them: 5 to 8.
		for _, v := range c {
			s := strconv.FormatFloat(v, 'f', -1, 64)
			if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 8 {
				t.Errorf("coordinate %s has more than 8 decimals", s)
			}
		}
		langs := cat.posting
		if l, ok := cat.byCode[p.Lang]; ok && len(l.cities) > 0 {
			langs = []*language{l}
		}
		nearest, nearestCity := math.Inf(1), ""
		for _, l := range langs {
			for _, ct := range l.cities {
				if d := haversineKm(lat, lon, ct.lat, ct.lon); d < nearest {
					nearest, nearestCity = d, ct.name
				}
			}
		}
		// placePointSigmas × the largest spread (10 km) bounds the distance.
		if nearest > 35 {
			t.Errorf("%s post at %v is %.0f km from the nearest %s city (%s)", p.Lang, c, nearest, p.Lang, nearestCity)
		}
		checked++
	}
	if checked < 1000 {
		t.Errorf("only %d points checked", checked)
	}
}

// functionWords are a few of each language's commonest function words: a
// post in that language should contain several, as real posts do, for the
// stopword detector to keep it.
var functionWords = map[string][]string{
	"en": strings.Fields("the a an and i to is it of in my you for on this that with so at be me we are was not have all just when how what your from but or up out no about there than if do can will am he she they here why who some"),
	"es": strings.Fields("que de la el en y a los las me mi no por un una es lo con para se te del al ya más muy estoy pero como cuando qué tu yo hay todo todos nos"),
	"pt": strings.Fields("que de o a e do da em um uma é não no na me eu pra se com por mais minha meu você vocês a gente to só as os dos das quando"),
	"fr": strings.Fields("je de la le les et à en un une est pas que qui on pour du des ce il mon ma vous tout au avec j n m l qu c d s"),
	"de": strings.Fields("ich die der das und zu ist nicht es ein eine auf mit den dem mir mich so was wir ihr im in an für noch schon"),
	"it": strings.Fields("che di la il e a non è un una per sono mi ho ha in con da dalla i le del della ti ma mia mio tutti ci si qui dove questa questo sto ancora abbiamo più così poi"),
}

func TestPostsCarrySeveralFunctionWords(t *testing.T) {
	for lang, words := range functionWords {
		set := map[string]bool{}
		for _, w := range words {
			set[w] = true
		}
		var n, rich int
		for _, p := range posts(t) {
			if p.Lang != lang || p.RetweetedStatus != nil {
				continue
			}
			text := p.Text
			if p.ExtendedTweet != nil {
				text = p.ExtendedTweet.FullText
			}
			found := map[string]bool{}
			for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
				if set[w] {
					found[w] = true
				}
			}
			n++
			if len(found) >= 2 {
				rich++
			}
		}
		t.Logf("%s: %d of %d posts (%.0f%%) have 2+ distinct function words", lang, rich, n, 100*share(rich, n))
		// Short reactions ("lol", 9 %) are meant to be undetectable.
		if share(rich, n) < 0.8 {
			t.Errorf("%s: only %.0f%% of posts have 2+ function words, want 80%%+", lang, 100*share(rich, n))
		}
	}
}

// TestSeedDetectorKeepsMostEuropeanPosts runs the seed's rule (the language
// with the most distinct stopword matches, kept when above one) over the
// corpus with the notebook-era NLTK lists, when the shared data is present.
func TestSeedDetectorKeepsMostEuropeanPosts(t *testing.T) {
	dir := testenv.Shared(t, "nltk_stopwords", "notebook_era_2012", "corpora", "stopwords")
	names := map[string]string{"english": "en", "spanish": "es", "portuguese": "pt", "french": "fr", "german": "de", "italian": "it", "dutch": "nl", "swedish": "sv", "danish": "da", "norwegian": "no", "finnish": "fi", "hungarian": "hu", "russian": "ru", "turkish": "tr"}
	lists := map[string]map[string]bool{}
	for name, code := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, w := range strings.Split(string(data), "\n") {
			if w != "" {
				set[w] = true
			}
		}
		lists[code] = set
	}
	kept, right, total := map[string]int{}, map[string]int{}, map[string]int{}
	for _, p := range posts(t) {
		if lists[p.Lang] == nil {
			continue
		}
		scores := map[string]int{}
		for code, set := range lists {
			seen := map[string]bool{}
			for _, w := range strings.FieldsFunc(strings.ToLower(p.Text), func(r rune) bool {
				return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
			}) {
				if set[w] && !seen[w] {
					seen[w] = true
					scores[code]++
				}
			}
		}
		best := 0
		for _, s := range scores {
			best = max(best, s)
		}
		total[p.Lang]++
		if best > 1 {
			kept[p.Lang]++
			if scores[p.Lang] == best {
				right[p.Lang]++ // the true language is among the top (ties are random in the seed)
			}
		}
	}
	var langs []string
	for l := range total {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		t.Logf("%s: %d posts, kept %.0f%%, true language on top %.0f%%", l, total[l], 100*share(kept[l], total[l]), 100*share(right[l], total[l]))
		if total[l] >= 100 && share(right[l], total[l]) < 0.5 {
			t.Errorf("%s: the seed's detector puts the true language on top for only %.0f%% of posts", l, 100*share(right[l], total[l]))
		}
	}
}

func TestNoticesHaveTheStreamShapes(t *testing.T) {
	seen := map[messageKind]bool{}
	for _, m := range corpus(t) {
		var v map[string]map[string]any
		switch m.kind {
		case kindPost, kindMalformed:
			continue
		}
		if err := json.Unmarshal(m.raw, &v); err != nil || len(v) != 1 {
			t.Fatalf("notice %s: %v", m.raw, err)
		}
		seen[m.kind] = true
		switch m.kind {
		case kindDelete:
			st, ok := v["delete"]["status"].(map[string]any)
			if !ok || st["id_str"] == nil || st["user_id_str"] == nil || v["delete"]["timestamp_ms"] == nil {
				t.Errorf("bad delete notice %s", m.raw)
			}
		case kindLimit:
			if _, ok := v["limit"]["track"].(float64); !ok {
				t.Errorf("bad limit notice %s", m.raw)
			}
		case kindScrubGeo:
			if v["scrub_geo"]["up_to_status_id_str"] == nil {
				t.Errorf("bad scrub_geo notice %s", m.raw)
			}
		case kindWithheld:
			if v["status_withheld"]["withheld_in_countries"] == nil {
				t.Errorf("bad status_withheld notice %s", m.raw)
			}
		}
	}
	for _, k := range []messageKind{kindDelete, kindLimit, kindScrubGeo, kindWithheld} {
		if !seen[k] {
			t.Errorf("no notice of kind %d", k)
		}
	}
}

func TestIDsAreUnique(t *testing.T) {
	ids := map[uint64]bool{}
	for _, p := range posts(t) {
		if ids[p.ID] {
			t.Fatalf("duplicate id %d", p.ID)
		}
		ids[p.ID] = true
	}
}

// TestManySeedsStayWellFormed widens the corpus checks to other seeds and
// clocks, so that rare combinations (a tag at the truncation point, a
// reply that is also extended...) are exercised.
func TestManySeedsStayWellFormed(t *testing.T) {
	n := 20
	if testing.Short() {
		n = 3
	}
	for seed := uint64(100); seed < uint64(100+n); seed++ {
		epoch := corpusEpoch.Add(time.Duration(seed) * 97 * time.Hour)
		// Dense bursts and spam, so that injected posts (a forced tag among
		// drawn ones, at the start, middle or end, truncated) are checked too.
		g := newGenerator(seed, epoch, 20000, 0.05)
		spamID := g.inject.spam.UserID
		injected := 0
		var buf []byte
		for i := 0; i < 2000; i++ {
			var kind messageKind
			buf, kind = g.next(buf[:0], epoch.UnixMilli()+int64(i))
			if kind == kindMalformed {
				continue
			}
			if kind != kindPost {
				if !json.Valid(buf) {
					t.Fatalf("seed %d message %d: invalid notice %s", seed, i, buf)
				}
				continue
			}
			var p testStatus
			if err := json.Unmarshal(buf, &p); err != nil {
				t.Fatalf("seed %d message %d: %v\n%s", seed, i, err, buf)
			}
			checkStatus(t, &p, true)
			if p.RetweetedStatus != nil {
				checkStatus(t, p.RetweetedStatus, false)
			}
			if t.Failed() {
				t.Fatalf("seed %d message %d: %s", seed, i, buf)
			}
			if p.User.ID == spamID || hasBurstTag(&p, g.inject.active) {
				injected++
			}
		}
		if injected < 20 {
			t.Fatalf("seed %d: only %d injected posts were checked", seed, injected)
		}
	}
}

// hasBurstTag reports whether p carries the tag of one of the bursts.
func hasBurstTag(p *testStatus, bursts []*activeBurst) bool {
	for _, h := range p.Entities.Hashtags {
		for _, b := range bursts {
			if strings.EqualFold(h.Text, b.Tag) {
				return true
			}
		}
	}
	return false
}
