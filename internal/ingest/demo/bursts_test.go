package demo

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// burstTestOptions make bursts dense (so that two hours hold several in
// several languages) over a stream slow enough (50 messages per second of
// stream time) to be generated quickly, yet busy enough that the weakest
// burst in the smallest burst language is carried by dozens of posts.
var burstTestOptions = Options{Seed: 5, Rate: 50, BurstsPerHour: 10, Now: fixedClock}

// burstTally is what the stream showed of one scheduled burst.
type burstTally struct {
	tagged     int // posts carrying the tag
	langPosts  int // posts of its language within its window
	authors    map[uint64]bool
	firstMs    int64
	lastMs     int64
	maxDistKm  float64
	otherPlace int // tagged posts whose place is not the burst's city
}

func TestScheduledBurstsAreWhatTheStreamCarries(t *testing.T) {
	const span = 90 * time.Minute
	src := New(burstTestOptions)
	bursts := src.ScheduledBursts(span)
	if len(bursts) < 8 {
		t.Fatalf("%d bursts scheduled in %v at 10 an hour; the test needs several", len(bursts), span)
	}
	if !slices.Equal(bursts, ScheduledBursts(burstTestOptions, span)) {
		t.Fatal("Source.ScheduledBursts and ScheduledBursts differ for the same options")
	}
	// Generate until the last of them has ended, so that they are whole;
	// bursts that start meanwhile are checked as far as they got.
	end := bursts[0].End
	for _, b := range bursts {
		end = maxTime(end, b.End)
	}
	whole := len(bursts)
	bursts = src.ScheduledBursts(end.Sub(corpusEpoch))
	byTag := make(map[string]int)
	langs := make(map[string]bool)
	for i, b := range bursts {
		for _, f := range compileTags([]string{b.Tag})[0].forms {
			byTag[strings.ToLower(f.text.s)] = i
		}
		langs[b.Lang] = true
	}
	if len(langs) < 3 {
		t.Fatalf("bursts in only %d languages; the test needs several", len(langs))
	}
	n := int64(end.Sub(corpusEpoch) / src.interval)

	tallies := make([]burstTally, len(bursts))
	for i := range tallies {
		tallies[i].authors = make(map[uint64]bool)
		tallies[i].firstMs = math.MaxInt64
	}
	steady := steadyTags()
	g := src.gen
	var buf []byte
	for range n {
		ms := src.syntheticMs()
		var kind messageKind
		buf, kind = g.next(buf[:0], ms)
		if kind != kindPost {
			continue // a malformed (cut) post is no post
		}
		s := &g.post
		for i, b := range bursts {
			if s.lang.code == b.Lang && ms >= b.Start.UnixMilli() && ms < b.End.UnixMilli() {
				tallies[i].langPosts++
			}
		}
		for _, st := range []*status{s, s.retweeted} {
			if st == nil {
				continue
			}
			for _, e := range st.ents {
				if e.kind != entHashtag {
					continue
				}
				key := strings.ToLower(e.tag.text.s)
				i, isBurst := byTag[key]
				if !isBurst {
					if !steady[key] {
						t.Fatalf("post at %d carries #%s, neither a steady tag nor a scheduled burst's", ms, e.tag.text.s)
					}
					continue
				}
				if st != s {
					t.Fatalf("a retweeted original carries burst tag #%s", e.tag.text.s)
				}
				checkBurstPost(t, &bursts[i], &tallies[i], buf, ms)
			}
		}
	}

	for i, b := range bursts {
		tl := &tallies[i]
		t.Logf("#%s %s %s %v+%v share %.3f: %d tagged of %d posts, %d authors, within %.1f km",
			b.Tag, b.Lang, b.City, b.Start.Sub(corpusEpoch), b.End.Sub(b.Start), b.Share,
			tl.tagged, tl.langPosts, len(tl.authors), tl.maxDistKm)
		if tl.tagged == 0 {
			if i < whole {
				t.Errorf("#%s: scheduled, never posted", b.Tag)
			}
			continue
		}
		if tl.firstMs < b.Start.UnixMilli() || tl.lastMs >= b.End.UnixMilli() {
			t.Errorf("#%s: posted from %d to %d, outside [%d, %d)", b.Tag, tl.firstMs, tl.lastMs, b.Start.UnixMilli(), b.End.UnixMilli())
		}
		if i < whole && len(tl.authors) < 20 {
			t.Errorf("#%s: %d distinct authors, want at least 20", b.Tag, len(tl.authors))
		}
		if tl.maxDistKm > b.RadiusKm+0.01 || tl.otherPlace > 0 {
			t.Errorf("#%s: a post %.2f km from %s (radius %.2f km), %d with another place", b.Tag, tl.maxDistKm, b.City, b.RadiusKm, tl.otherPlace)
		}
		// The tagged posts are a binomial draw from the language's posts
		// at the stated share: allow four standard deviations.
		got := float64(tl.tagged) / float64(tl.langPosts)
		if sd := math.Sqrt(b.Share * (1 - b.Share) / float64(tl.langPosts)); math.Abs(got-b.Share) > 4*sd {
			t.Errorf("#%s: %.4f of %s posts carry it, want %.3f ± %.4f", b.Tag, got, b.Lang, b.Share, 4*sd)
		}
	}
}

// checkBurstPost checks a rendered post that carries burst b's tag and
// adds it to the tally.
func checkBurstPost(t *testing.T, b *Burst, tl *burstTally, raw []byte, ms int64) {
	t.Helper()
	var p testStatus
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("#%s post: %v\n%s", b.Tag, err, raw)
	}
	if p.Lang != b.Lang {
		t.Fatalf("#%s post in %q, want %q", b.Tag, p.Lang, b.Lang)
	}
	text, ents := p.Text, p.Entities
	if p.ExtendedTweet != nil {
		text, ents = p.ExtendedTweet.FullText, p.ExtendedTweet.Entities
	}
	inEntities := false
	for _, h := range ents.Hashtags {
		inEntities = inEntities || strings.EqualFold(h.Text, b.Tag)
	}
	if !inEntities || !strings.Contains(strings.ToLower(text), "#"+strings.ToLower(b.Tag)) {
		t.Fatalf("#%s is not in both the text and entities.hashtags:\n%s", b.Tag, raw)
	}
	if p.Coordinates == nil || p.Place == nil {
		t.Fatalf("#%s post without a point or place:\n%s", b.Tag, raw)
	}
	if p.Place.Name != b.City || p.Place.CountryCode != b.Country {
		tl.otherPlace++
	}
	lon, lat := p.Coordinates.Coordinates[0], p.Coordinates.Coordinates[1]
	dy := (lat - b.Lat) * kmPerDegreeLat
	dx := (lon - b.Lon) * kmPerDegreeLat * math.Cos(b.Lat*math.Pi/180)
	tl.maxDistKm = max(tl.maxDistKm, math.Hypot(dx, dy))
	if got, err := strconv.ParseInt(p.TimestampMs, 10, 64); err != nil || got != ms {
		t.Fatalf("#%s post stamped %q, generated at %d", b.Tag, p.TimestampMs, ms)
	}
	tl.tagged++
	tl.authors[p.User.ID] = true
	tl.firstMs = min(tl.firstMs, ms)
	tl.lastMs = max(tl.lastMs, ms)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func TestScheduleHasTheDocumentedShape(t *testing.T) {
	const hours = 1000
	opts := Options{Seed: 9, BurstsPerHour: DefaultBurstsPerHour, Now: fixedClock}
	bursts := ScheduledBursts(opts, hours*time.Hour)
	// A Poisson count: allow four standard deviations.
	want := DefaultBurstsPerHour * hours
	if got := float64(len(bursts)); math.Abs(got-want) > 4*math.Sqrt(want) {
		t.Errorf("%d bursts in %d hours, want about %.0f", len(bursts), hours, want)
	}
	eligible := make(map[string]*language)
	for _, l := range burstLanguages() {
		eligible[l.code] = l
	}
	if len(eligible) != 9 {
		t.Errorf("%d burst languages, docs/demo.md says 9 (en, ja, es, ar, pt, ko, th, ru, in)", len(eligible))
	}
	perLang := make(map[string]int)
	tags := make(map[string]bool)
	for i, b := range bursts {
		if i > 0 && b.Start.Before(bursts[i-1].Start) {
			t.Fatalf("burst %d starts before burst %d", i, i-1)
		}
		if d := b.End.Sub(b.Start); d < 30*time.Minute || d > 120*time.Minute {
			t.Errorf("#%s lasts %v, want 30 to 120 minutes", b.Tag, d)
		}
		if b.Share < 0.01 || b.Share > 0.05 {
			t.Errorf("#%s: share %v, want 0.01 to 0.05", b.Tag, b.Share)
		}
		l := eligible[b.Lang]
		if l == nil {
			t.Fatalf("#%s in %q, not a burst language", b.Tag, b.Lang)
		}
		perLang[b.Lang]++
		if !slices.ContainsFunc(l.cities, func(c *city) bool {
			return c.name == b.City && c.countryCode == b.Country && c.lat == b.Lat && c.lon == b.Lon
		}) {
			t.Errorf("#%s: %s (%s) is not a city of %s", b.Tag, b.City, b.Country, b.Lang)
		}
		key := strings.ToLower(b.Tag)
		if tags[key] || steadyTags()[key] {
			t.Errorf("#%s is not new: used by an earlier burst or the steady traffic", b.Tag)
		}
		tags[key] = true
		if strings.ContainsAny(b.Tag, " #-") || b.Tag == "" {
			t.Errorf("#%s cannot be a hashtag", b.Tag)
		}
	}
	for code := range eligible {
		if perLang[code] < len(bursts)/len(eligible)/2 {
			t.Errorf("%s got %d of %d bursts; languages are drawn alike", code, perLang[code], len(bursts))
		}
	}
	// A longer span extends a shorter one: the eval may ask for any span.
	if short := ScheduledBursts(opts, 100*time.Hour); !slices.Equal(short, bursts[:len(short)]) {
		t.Error("the schedule over 100 hours is not the start of the schedule over 1,000")
	}
	if other := ScheduledBursts(Options{Seed: 10, BurstsPerHour: DefaultBurstsPerHour, Now: fixedClock}, 100*time.Hour); slices.Equal(other, bursts[:len(other)]) {
		t.Error("another seed gave the same schedule")
	}
	for _, rate := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if none := ScheduledBursts(Options{Seed: 9, BurstsPerHour: rate, Now: fixedClock}, hours*time.Hour); len(none) != 0 {
			t.Errorf("BurstsPerHour %v scheduled %d bursts", rate, len(none))
		}
	}
	// A rate so low that a gap would overflow a Duration schedules nothing
	// (rather than a burst wrapped into the past).
	if rare := ScheduledBursts(Options{Seed: 9, BurstsPerHour: 1e-300, Now: fixedClock}, hours*time.Hour); len(rare) != 0 {
		t.Errorf("BurstsPerHour 1e-300 scheduled %v", rare)
	}
}

func TestCityStemFitsAHashtag(t *testing.T) {
	for _, tc := range []struct{ name, sep, want string }{
		{"New York", "", "NewYork"},
		{"Shinjuku-ku", "", "Shinjuku"},
		{"Санкт-Петербург", "", "СанктПетербург"},
		{"São Paulo", "", "SãoPaulo"},
		{"مكة المكرمة", "_", "مكة_المكرمة"},
		{"Xi'an", "", "Xian"},
	} {
		if got := cityStem(tc.name, tc.sep); got != tc.want {
			t.Errorf("cityStem(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// burstCorpus is 3,000 messages a second apart with dense bursts and spam,
// so that the first minutes already hold injected posts.
func burstCorpus(t *testing.T, seed uint64, burstsPerHour, spam float64) []byte {
	t.Helper()
	var b bytes.Buffer
	src := New(Options{Seed: seed, Rate: 1, BurstsPerHour: burstsPerHour, SpamShare: spam, Now: fixedClock})
	if err := src.WriteFile(&b, 3000); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSameSeedSameBurstsAndBytes(t *testing.T) {
	a := burstCorpus(t, 7, 30, 0.02)
	if !bytes.Equal(a, burstCorpus(t, 7, 30, 0.02)) {
		t.Fatal("the same seed, clock and bursts gave different output")
	}
	if !slices.Equal(ScheduledBursts(Options{Seed: 7, BurstsPerHour: 30, Now: fixedClock}, time.Hour),
		ScheduledBursts(Options{Seed: 7, BurstsPerHour: 30, Now: fixedClock}, time.Hour)) {
		t.Fatal("the same seed gave different schedules")
	}
	// The comparison above is only worth something if injected posts are
	// among the bytes.
	bursts := ScheduledBursts(Options{Seed: 7, BurstsPerHour: 30, Now: fixedClock}, 3000*time.Second)
	if !slices.ContainsFunc(bursts, func(b Burst) bool { return carriesTag(a, b.Tag) }) {
		t.Fatal("no burst post in the corpus")
	}
	if spam, _ := New(Options{Seed: 7, SpamShare: 0.02, Now: fixedClock}).Spammer(); !carriesTag(a, spam.Tag) {
		t.Fatal("no spam post in the corpus")
	}
}

// carriesTag reports whether the rendered messages hold #tag in any of
// its spellings, escaped as the stream escapes text.
func carriesTag(raw []byte, tag string) bool {
	for _, f := range compileTags([]string{tag})[0].forms {
		if bytes.Contains(raw, []byte("#"+strings.Trim(quoted(f.text.s), `"`))) {
			return true
		}
	}
	return false
}

// TestBurstsLeaveTheRestOfTheStreamAlone: the injector draws from its own
// stream, so until the first injected post the output is exactly that of a
// generator without bursts, and without bursts no tag but the steady ones
// ever appears.
func TestBurstsLeaveTheRestOfTheStreamAlone(t *testing.T) {
	plain := burstCorpus(t, 3, 0, 0)
	with := burstCorpus(t, 3, 30, 0)
	plainLines, withLines := bytes.Split(plain, []byte("\n")), bytes.Split(with, []byte("\n"))
	first := 0
	for first < len(plainLines) && bytes.Equal(plainLines[first], withLines[first]) {
		first++
	}
	if first == len(plainLines) {
		t.Fatal("bursts changed nothing")
	}
	bursts := ScheduledBursts(Options{Seed: 3, BurstsPerHour: 30, Now: fixedClock}, time.Hour)
	if !slices.ContainsFunc(bursts, func(b Burst) bool { return carriesTag(withLines[first], b.Tag) }) {
		t.Fatalf("the first line that differs (%d) carries no burst tag:\n%s", first, withLines[first])
	}
	// One message a second: line i is created i seconds after the epoch.
	if start := int(bursts[0].Start.Sub(corpusEpoch) / time.Second); first < start {
		t.Errorf("the streams differ from second %d, before the first burst starts (%d)", first, start)
	}

	// Without bursts, every hashtag is a steady one.
	for i, line := range plainLines {
		var p testStatus
		if !bytes.HasPrefix(line, []byte(`{"created_at"`)) || json.Unmarshal(line, &p) != nil {
			continue
		}
		for _, h := range p.Entities.Hashtags {
			if !steadyTags()[strings.ToLower(h.Text)] {
				t.Fatalf("line %d: #%s without bursts", i, h.Text)
			}
		}
	}
}

func TestSpamIsOneAccountWithOneTag(t *testing.T) {
	const n = 30000
	src := New(Options{Seed: 4, SpamShare: 0.2, Now: fixedClock})
	spam, ok := src.Spammer()
	if !ok {
		t.Fatal("SpamShare 0.2 gave no spammer")
	}
	if steadyTags()[strings.ToLower(spam.Tag)] {
		t.Fatalf("spam tag #%s is a steady tag", spam.Tag)
	}
	var out bytes.Buffer
	if err := src.WriteFile(&out, n); err != nil {
		t.Fatal(err)
	}
	var spamPosts, langPosts int
	for _, line := range bytes.Split(out.Bytes(), []byte("\n")) {
		var p testStatus
		if !bytes.HasPrefix(line, []byte(`{"created_at"`)) || json.Unmarshal(line, &p) != nil {
			continue
		}
		if p.Lang == spam.Lang {
			langPosts++
		}
		tagged := slices.ContainsFunc(p.Entities.Hashtags, func(h struct {
			Text    string `json:"text"`
			Indices [2]int `json:"indices"`
		}) bool {
			return strings.EqualFold(h.Text, spam.Tag)
		})
		if !tagged {
			continue
		}
		spamPosts++
		if p.User.ID != spam.UserID || p.User.ScreenName != spam.ScreenName || p.Lang != spam.Lang {
			t.Fatalf("#%s from @%s in %s, want only @%s in %s", spam.Tag, p.User.ScreenName, p.Lang, spam.ScreenName, spam.Lang)
		}
		if p.Place == nil || p.Place.Name != spam.City || p.Place.CountryCode != spam.Country || p.Coordinates == nil {
			t.Fatalf("spam post not at %s:\n%s", spam.City, line)
		}
	}
	if spamPosts < 1000 {
		t.Errorf("%d spam posts, want over 1,000 (the issue's example)", spamPosts)
	}
	if got := float64(spamPosts) / float64(langPosts); math.Abs(got-spam.Share) > 0.02 {
		t.Errorf("spam is %.3f of %s posts, want %.2f", got, spam.Lang, spam.Share)
	}
	if _, ok := New(Options{Seed: 4, Now: fixedClock}).Spammer(); ok {
		t.Error("a spammer without SpamShare")
	}
}
