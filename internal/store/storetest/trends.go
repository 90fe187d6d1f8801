package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// CountryOf is the suite's country index, which stores under test must be
// given (memstore.Options.CountryOf, redisstore.Options.CountryOf): south
// of 60°S is in no country, west of the prime meridian is "ES", the rest
// "FR". Two made-up halves keep the expected answers easy to derive and
// tell a store that ignores the index from one that uses it.
func CountryOf(lat, lon float64) (string, bool) {
	switch {
	case lat < -60:
		return "", false
	case lon < 0:
		return "ES", true
	}
	return "FR", true
}

// bucket is the suite's shorthand for the trend bucket width.
const bucket = store.TrendBucket

func (e *env) trends(q store.TrendsQuery) store.TrendsResult {
	e.t.Helper()
	r, err := e.s.Trends(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Trends(%+v): %v", q, err)
	}
	if r.Trends == nil {
		e.t.Fatalf("Trends(%+v).Trends = nil, want a non-nil slice", q)
	}
	return r
}

// by returns p posted by user.
func by(user string, p post.Post) post.Post {
	p.UserID = user
	return p
}

// inBucket is the offset of second s of trend bucket k from T0 (T0 starts
// a bucket).
func inBucket(k, s int) time.Duration { return time.Duration(k)*bucket + sec(s) }

// burstFixture records three hours of English posts, trend buckets 0..35
// from T0:
//   - steady tags: "daily" by 4 authors and "news" by 2 in every bucket;
//   - a burst: "quake" by 10, 12 and 15 distinct authors in buckets 33, 34
//     and 35, written #Quake #quake (one tag), q0 posting it 3 more times
//     in bucket 35;
//   - a smaller rise: "rain" by 5 authors in each of buckets 30..35;
//   - spam: one account posting "buy" 25 times in each of buckets 24..35
//     (300 posts).
func burstFixture(e *env) {
	var posts []post.Post
	for k := range 36 {
		for a := range 4 {
			posts = append(posts, by(fmt.Sprint("d", a), at("en", inBucket(k, a), "daily")))
		}
		for a := range 2 {
			posts = append(posts, by(fmt.Sprint("n", a), at("en", inBucket(k, 10+a), "News")))
		}
		if k >= 30 {
			for a := range 5 {
				posts = append(posts, by(fmt.Sprint("r", a), at("en", inBucket(k, 20+a), "rain")))
			}
		}
		if authors := map[int]int{33: 10, 34: 12, 35: 15}[k]; authors > 0 {
			for a := range authors {
				posts = append(posts, by(fmt.Sprint("q", a), at("en", inBucket(k, 30+a), "Quake", "quake")))
			}
		}
		if k == 35 {
			for i := range 3 {
				posts = append(posts, by("q0", at("en", inBucket(k, 60+i), "quake")))
			}
		}
		if k >= 24 {
			for i := range 25 {
				posts = append(posts, by("spammer", at("en", inBucket(k, 100+i*7), "buy")))
			}
		}
	}
	for len(posts) > 0 {
		n := min(len(posts), 200)
		e.record(posts[:n]...)
		posts = posts[n:]
	}
}

// risen returns the expected trend of a tag absent from the baseline (so
// its expected activity is the floor, 1) with the given activity per
// window bucket.
func risen(tag string, authors, posts int64, firstSeen time.Time, series ...int64) store.Trend {
	var observed int64
	for _, n := range series {
		observed += n
	}
	return store.Trend{
		Tag: tag, Score: float64(observed-1) * float64(observed-1), Authors: authors, Posts: posts,
		Observed: observed, Expected: 1, Series: series, FirstSeen: firstSeen.UTC(),
	}
}

func wantTrends(t *testing.T, what string, got, want store.TrendsResult) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// testTrendsBurst: the burst of a new tag by many authors is the top trend,
// with exact counts; steady tags and one account's spam never trend.
func testTrendsBurst(t *testing.T, e *env) {
	burstFixture(e)
	q := store.TrendsQuery{Lang: "en", Baseline: 2 * time.Hour}
	// Window: buckets 24..35; baseline: buckets 0..23, every one held.
	quake := risen("quake", 15, 10+12+15+3, T0.Add(inBucket(33, 0)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 12, 15)
	rain := risen("rain", 5, 6*5, T0.Add(inBucket(30, 0)), 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5)
	want := store.TrendsResult{
		Trends: []store.Trend{quake, rain},
		From:   T0.Add(2 * time.Hour), To: T0.Add(3 * time.Hour),
		BaselineFrom: T0, BaselineHeld: 2 * time.Hour, Bucket: bucket,
		// daily and news, quake, rain, buy (one author per bucket).
		WindowActivity:   12*(4+2) + (10 + 12 + 15) + 6*5 + 12*1,
		BaselineActivity: 24 * (4 + 2),
		Candidates:       5,
	}
	wantTrends(t, "Trends(en)", e.trends(q), want)
	q.Lang = ""
	wantTrends(t, "Trends(every language)", e.trends(q), want)

	// Listing every rising tag adds nothing: the steady tags are below
	// their expected level (the burst takes a share of the window), and
	// the spam has one author.
	q.MinScore = -1
	wantTrends(t, "Trends(min score -1)", e.trends(q), want)

	// The minimum of distinct authors is what keeps the spam out: with 1
	// it is listed, its 300 posts counting as one author per bucket.
	q.MinAuthors = 1
	spam := risen("buy", 1, 300, T0.Add(inBucket(24, 0)), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	got := e.trends(q)
	if tags := trendTags(got); !reflect.DeepEqual(tags, []string{"quake", "rain", "buy"}) {
		t.Fatalf("Trends(min authors 1) = %v, want quake, rain, buy", tags)
	}
	wantTrends(t, "Trends(min authors 1): buy", store.TrendsResult{Trends: got.Trends[2:]}, store.TrendsResult{Trends: []store.Trend{spam}})

	q = store.TrendsQuery{Baseline: 2 * time.Hour, N: 1}
	if got := e.trends(q); !reflect.DeepEqual(trendTags(got), []string{"quake"}) {
		t.Errorf("Trends(n 1) = %v, want quake", trendTags(got))
	}
	if got := e.trends(store.TrendsQuery{Lang: "es", Baseline: 2 * time.Hour}); len(got.Trends) != 0 || got.WindowActivity != 0 {
		t.Errorf("Trends(es) = %+v, want nothing", got)
	}
}

func trendTags(r store.TrendsResult) []string {
	tags := []string{}
	for _, tr := range r.Trends {
		tags = append(tags, tr.Tag)
	}
	return tags
}

// testTrendsBaselineShort: a baseline longer than the store holds is
// reported short, with what is held; the answer counts what there is.
func testTrendsBaselineShort(t *testing.T, e *env) {
	burstFixture(e)
	got := e.trends(store.TrendsQuery{Lang: "en"}) // 24 h asked, 2 h held
	if !got.BaselineShort || got.BaselineHeld != 2*time.Hour || !got.BaselineFrom.Equal(T0) {
		t.Errorf("baseline short %v, held %v from %v; want short, 2h from %v", got.BaselineShort, got.BaselineHeld, got.BaselineFrom, T0)
	}
	if tags := trendTags(got); !reflect.DeepEqual(tags, []string{"quake", "rain"}) || got.BaselineActivity != 24*6 {
		t.Errorf("Trends = %v over baseline activity %d, want quake, rain over %d", tags, got.BaselineActivity, 24*6)
	}
}

// testTrendsAt: At asks for the trends as they were: the window ends with
// At's bucket, and posts after it do not count.
func testTrendsAt(t *testing.T, e *env) {
	burstFixture(e)
	q := store.TrendsQuery{Lang: "en", Baseline: 2 * time.Hour, At: T0.Add(inBucket(34, 0))}
	// Window: buckets 23..34; the baseline would start at bucket -1, one
	// before the oldest post: held 23 buckets.
	rain := risen("rain", 5, 5*5, T0.Add(inBucket(30, 0)), 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5)
	quake := risen("quake", 12, 10+12, T0.Add(inBucket(33, 0)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 12)
	want := store.TrendsResult{
		Trends: []store.Trend{rain, quake}, // the burst had not overtaken yet
		From:   T0.Add(inBucket(23, 0)), To: T0.Add(inBucket(35, 0)),
		BaselineFrom: T0, BaselineHeld: 23 * bucket, BaselineShort: true, Bucket: bucket,
		WindowActivity:   12*(4+2) + (10 + 12) + 5*5 + 11*1,
		BaselineActivity: 23 * (4 + 2),
		Candidates:       5,
	}
	wantTrends(t, "Trends(at bucket 34)", e.trends(q), want)

	// At after the head is the head.
	q.At = T0.Add(48 * time.Hour)
	now := e.trends(store.TrendsQuery{Lang: "en", Baseline: 2 * time.Hour})
	wantTrends(t, "Trends(at after the head)", e.trends(q), now)
}

// placeFixture: one baseline bucket (0) and one window bucket (1), every
// author posting once, in two languages and the suite's two countries
// (CountryOf), with points of several provenances.
func placeFixture(e *env) {
	var posts []post.Post
	add := func(tag string, authors int, mk func(a int) post.Post) {
		for a := range authors {
			posts = append(posts, by(fmt.Sprint(tag, a), mk(a)))
		}
	}
	add("old-en", 3, func(a int) post.Post { return at("en", inBucket(0, a), "old") })
	add("old-es", 2, func(a int) post.Post { return geo("es", inBucket(0, 10+a), 40, -3, "old") })
	add("westtag", 6, func(a int) post.Post { return geo("es", inBucket(1, a), 40, -3, "westtag") })
	add("easttag", 7, func(a int) post.Post { return geo("en", inBucket(1, 10+a), 48, 5, "easttag") })
	add("westen", 5, func(a int) post.Post {
		return inferred("en", inBucket(1, 20+a), 41, -4, post.GeoPlace, 1, "westen")
	})
	add("profiletag", 8, func(a int) post.Post {
		return inferred("en", inBucket(1, 30+a), 42, -5, post.GeoProfile, 0.5, "profiletag")
	})
	add("nopoint", 9, func(a int) post.Post { return at("en", inBucket(1, 40+a), "nopoint") })
	add("antarctic", 6, func(a int) post.Post { return geo("en", inBucket(1, 50+a), -70, 10, "antarctic") })
	e.record(posts...)
}

// testTrendsPlaces: selection by language, country, a Within area and the
// provenances of points (Geo).
func testTrendsPlaces(t *testing.T, e *env) {
	placeFixture(e)
	box := func(lat, lon float64) bool { return lat >= 40.5 && lat <= 45 && lon >= -6 && lon < 0 }
	for _, tt := range []struct {
		what          string
		q             store.TrendsQuery
		tags          []string // in order
		authors       []int64
		window, based int64
	}{
		{"every language", store.TrendsQuery{},
			// antarctic and westtag tie on score and authors: by tag.
			[]string{"nopoint", "profiletag", "easttag", "antarctic", "westtag", "westen"}, []int64{9, 8, 7, 6, 6, 5}, 41, 5},
		{"es", store.TrendsQuery{Lang: "es"}, []string{"westtag"}, []int64{6}, 6, 2},
		{"en", store.TrendsQuery{Lang: "en"},
			[]string{"nopoint", "profiletag", "easttag", "antarctic", "westen"}, []int64{9, 8, 7, 6, 5}, 35, 3},
		{"ES, trusted points", store.TrendsQuery{Country: "ES"}, []string{"westtag", "westen"}, []int64{6, 5}, 11, 2},
		{"ES, every provenance", store.TrendsQuery{Country: "ES", Geo: post.GeoSetAll},
			[]string{"profiletag", "westtag", "westen"}, []int64{8, 6, 5}, 19, 2},
		{"ES, exact points", store.TrendsQuery{Country: "ES", Geo: 1 << post.GeoExact}, []string{"westtag"}, []int64{6}, 6, 2},
		{"FR", store.TrendsQuery{Country: "FR"}, []string{"easttag"}, []int64{7}, 7, 0},
		{"en in ES", store.TrendsQuery{Lang: "en", Country: "ES"}, []string{"westen"}, []int64{5}, 5, 0},
		{"es in FR", store.TrendsQuery{Lang: "es", Country: "FR"}, []string{}, []int64{}, 0, 0},
		{"PT, not held", store.TrendsQuery{Country: "PT"}, []string{}, []int64{}, 0, 0},
		{"box, trusted points", store.TrendsQuery{Within: box}, []string{"westen"}, []int64{5}, 5, 0},
		{"box, every provenance", store.TrendsQuery{Within: box, Geo: post.GeoSetAll},
			[]string{"profiletag", "westen"}, []int64{8, 5}, 13, 0},
	} {
		q := tt.q
		// The selection is the question here, not the threshold: every
		// rising tag is listed.
		q.Window, q.Baseline, q.MinScore = bucket, bucket, -1
		got := e.trends(q)
		var want []store.Trend
		for i, tag := range tt.tags {
			n := tt.authors[i]
			want = append(want, risen(tag, n, n, T0.Add(inBucket(1, 0)), n))
		}
		if !reflect.DeepEqual(trendTags(got), tt.tags) {
			t.Errorf("%s: trends %v, want %v", tt.what, trendTags(got), tt.tags)
			continue
		}
		if len(want) > 0 && !reflect.DeepEqual(got.Trends, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.what, got.Trends, want)
		}
		if got.WindowActivity != tt.window || got.BaselineActivity != tt.based || got.BaselineShort {
			t.Errorf("%s: activity %d over baseline %d (short %v), want %d over %d, not short",
				tt.what, got.WindowActivity, got.BaselineActivity, got.BaselineShort, tt.window, tt.based)
		}
	}
}

// testTrendsEmpty: an empty store answers an empty list, not nil.
func testTrendsEmpty(t *testing.T, e *env) {
	for _, q := range []store.TrendsQuery{{}, {Lang: "en", Country: "ES"}, {Within: func(float64, float64) bool { return true }}} {
		got := e.trends(q)
		if len(got.Trends) != 0 || got.WindowActivity != 0 || got.BaselineHeld != 0 || !got.BaselineShort || got.Bucket != bucket {
			t.Errorf("Trends(%+v) on an empty store = %+v, want no trends and no baseline held", q, got)
		}
	}
}

// testTrendsBadQueries: every malformed query is an error wrapping
// store.ErrBadQuery, on a store holding data.
func testTrendsBadQueries(t *testing.T, e *env) {
	e.record(by("u", geo("en", sec(1), 1, 1, "a")))
	anywhere := func(float64, float64) bool { return true }
	for what, q := range map[string]store.TrendsQuery{
		"baseline shorter than the window": {Window: 2 * time.Hour, Baseline: time.Hour},
		"window shorter than a bucket":     {Window: time.Minute},
		"negative window":                  {Window: -time.Hour},
		"span over a week":                 {Window: time.Hour, Baseline: 7 * 24 * time.Hour},
		"n < 0":                            {N: -1},
		"n over the maximum":               {N: store.MaxTrendN + 1},
		"min authors < 0":                  {MinAuthors: -1},
		"country and area":                 {Country: "ES", Within: anywhere},
		"unknown provenance":               {Geo: 1 << 7},
	} {
		if _, err := e.s.Trends(e.ctx, q); !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("%s: err = %v, want ErrBadQuery", what, err)
		}
	}
}
