package storetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Exploration cases (store/explore.go, docs/explore.md). Expected answers
// are worked out by hand from exploreMix below, never by asking a store.
//
// Contract points pinned here beyond store/explore.go's comments:
//   - Counts with a Range or BBox leaves out languages with nothing
//     selected; with a BBox, Posts counts the posts with a point of Geo's
//     provenances inside it and Geo the trusted ones among them.
//   - Top with Lang "" and a Range, BBox or Q lists every language holding
//     hashtags (as with a Window), empty where nothing was selected.
//   - A histogram's open From is the oldest post held, its open To the
//     head plus one nanosecond (the head's post is counted; To stays
//     exclusive). A store holding nothing answers no buckets and zero
//     From/To when an end is open.
//   - Posts are newest first by time, ties the later recorded first. A
//     KeptPost's Point (when it has one, of any provenance; Geo filters
//     only with a BBox) has Point, Source and Confidence set, not Time and
//     Tags (the post has them). URL is post.Link of the id, handle and the
//     given URL. A store keeping no text answers an empty, non-nil Posts,
//     Kept 0, and a Q matches nothing anywhere.
//   - Keyword search sees a post's snippet and its hashtags, cut into
//     words as internal/words does.
//
// Kept text needs store options: Run takes NewStoreWith factories for the
// cases that need them (see NewStoreWith).

// Options are what the exploration cases ask a store factory for; a
// factory maps them onto its store's own options (memstore.Options'
// KeepText, KeepTextAge and Retention; the Redis store's equivalents).
type Options struct {
	KeepText    int           // keep the text of the newest KeepText posts; 0 with KeepTextAge 0: none
	KeepTextAge time.Duration // and only of posts not older than the newest minus this (0: no age bound)
	Retention   time.Duration // drop posts older than head − Retention (0: keep)
}

// NewStoreWith opens a fresh, empty store like NewStore, with opts.
type NewStoreWith func(t *testing.T, now func() time.Time, opts Options) store.Store

// keepingCases need a NewStoreWith; Run fails them without one.
var keepingCases = []struct {
	name string
	fn   func(t *testing.T, e *env, open func(Options) store.Store)
}{
	{"ExplorePostsNewestFirst", testPostsNewest},
	{"ExplorePostsFilters", testPostsFilters},
	{"ExploreSearchInQueries", testSearchInQueries},
	{"ExploreKeepTextBounds", testKeepTextBounds},
	{"ExploreRetentionDropsKeptText", testRetentionDropsText},
}

// kept returns a post with an id, handle, text and given URL.
func kept(p post.Post, id, handle, text, url string) post.Post {
	p.ID, p.ScreenName, p.Text, p.URL = id, handle, text, url
	return p
}

const bskyID = "at://did:plc:x/app.bsky.feed.post/5"

// exploreMix: six posts over a minute, every provenance, a post on each
// side of the antimeridian, two posts at the same time.
func exploreMix() []post.Post {
	return []post.Post{
		kept(geo("en", sec(0), 48.85, 2.35, "Coffee"), "101", "ana", "Café au lait in Paris #Coffee", ""),
		kept(at("fr", sec(10)), "102", "bob", "CAFE crème", ""),
		kept(inferred("ja", sec(20), 35.68, 139.69, post.GeoPlace, 1, "旅行"), "103", "kenji", "東京都に行く #旅行", ""),
		kept(inferred("en", sec(30), -17.7, 178.1, post.GeoProfile, 0.8, "fiji"), "104", "dan", "Rain at the date line #Fiji", ""),
		kept(inferred("en", sec(30), -13.8, -171.8, post.GeoText, 0.5, "samoa", "Rain"), bskyID, "did:plc:x",
			"rain in samoa", "https://bsky.app/profile/did:plc:x/post/5"),
		kept(geo("es", sec(60), 40.4, -3.7, "rain"), "106", "carla", "Lluvia en Madrid #rain", ""),
	}
}

// antimeridian is a box across ±180 holding posts 104 and 105.
var antimeridian = store.BBox{West: 170, South: -20, East: -170, North: 0}

// europe holds posts 101 and 106.
var europe = store.BBox{West: -10, South: 35, East: 10, North: 50}

func span(from, to time.Duration) store.Range {
	return store.Range{From: T0.Add(from), To: T0.Add(to)}
}

func testCountsSelected(t *testing.T, e *env) {
	e.record(exploreMix()...)
	for _, tt := range []struct {
		name string
		q    store.CountsQuery
		want []store.LangCount
	}{
		{"from inclusive, to exclusive", store.CountsQuery{Range: span(sec(10), sec(30))}, []store.LangCount{
			{Lang: "fr", Posts: 1},
			{Lang: "ja", Posts: 1, Geo: 1, Hashtags: 1, GeoBySource: store.GeoCounts{Place: 1}},
		}},
		{"open to", store.CountsQuery{Range: store.Range{From: T0.Add(sec(30))}}, []store.LangCount{
			{Lang: "en", Posts: 2, Hashtags: 3, GeoBySource: store.GeoCounts{Profile: 1, Text: 1}},
			{Lang: "es", Posts: 1, Geo: 1, Hashtags: 1, GeoBySource: store.GeoCounts{Exact: 1}},
		}},
		{"open from", store.CountsQuery{Range: store.Range{To: T0.Add(sec(1))}}, []store.LangCount{
			{Lang: "en", Posts: 1, Geo: 1, Hashtags: 1, GeoBySource: store.GeoCounts{Exact: 1}},
		}},
		{"bbox across the antimeridian, every provenance", store.CountsQuery{BBox: antimeridian, Geo: post.GeoSetAll}, []store.LangCount{
			{Lang: "en", Posts: 2, Hashtags: 3, GeoBySource: store.GeoCounts{Profile: 1, Text: 1}},
		}},
		{"bbox, text only", store.CountsQuery{BBox: antimeridian, Geo: 1 << post.GeoText}, []store.LangCount{
			{Lang: "en", Posts: 1, Hashtags: 2, GeoBySource: store.GeoCounts{Text: 1}},
		}},
		{"bbox, trusted by default", store.CountsQuery{BBox: antimeridian}, []store.LangCount{}},
		{"bbox and range", store.CountsQuery{BBox: europe, Range: span(sec(1), sec(61))}, []store.LangCount{
			{Lang: "es", Posts: 1, Geo: 1, Hashtags: 1, GeoBySource: store.GeoCounts{Exact: 1}},
		}},
	} {
		got, err := e.s.Counts(e.ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(got) != 0 || len(tt.want) != 0 {
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Counts %s =\n %+v\nwant\n %+v", tt.name, got, tt.want)
			}
		}
	}
}

func testTopSelected(t *testing.T, e *env) {
	e.record(exploreMix()...)
	for _, tt := range []struct {
		name string
		q    store.TopQuery
		want map[string][]store.TagCount // every language holding hashtags
	}{
		{"range", store.TopQuery{N: 5, Range: span(sec(20), sec(60))}, map[string][]store.TagCount{
			"en": tags(tc("fiji", 1), tc("samoa", 1), tc("rain", 1)), "ja": tags(tc("旅行", 1)),
		}},
		{"bbox across the antimeridian", store.TopQuery{N: 5, BBox: antimeridian, Geo: post.GeoSetAll}, map[string][]store.TagCount{
			"en": tags(tc("fiji", 1), tc("samoa", 1), tc("rain", 1)),
		}},
		{"bbox, profile only", store.TopQuery{N: 5, BBox: antimeridian, Geo: 1 << post.GeoProfile}, map[string][]store.TagCount{
			"en": tags(tc("fiji", 1)),
		}},
		{"bbox trusted", store.TopQuery{N: 5, BBox: europe}, map[string][]store.TagCount{
			"en": tags(tc("coffee", 1)), "es": tags(tc("rain", 1)),
		}},
		{"bbox and range", store.TopQuery{N: 5, BBox: europe, Range: store.Range{To: T0.Add(sec(60))}}, map[string][]store.TagCount{
			"en": tags(tc("coffee", 1)),
		}},
	} {
		got := e.top(tt.q)
		var langs []string
		for _, lt := range got {
			langs = append(langs, lt.Lang)
			wantTags(t, "Top "+tt.name+" "+lt.Lang, lt.Tags, tt.want[lt.Lang])
		}
		if strings.Join(langs, ",") != "en,es,ja" {
			t.Errorf("Top %s lists %v, want en, es, ja (the languages holding hashtags)", tt.name, langs)
		}
	}
	// A named language.
	wantTags(t, "Top es range", e.topOf(store.TopQuery{Lang: "es", N: 5, Range: span(sec(60), sec(61))}), tags(tc("rain", 1)))
}

func testHeatRange(t *testing.T, e *env) {
	e.record(exploreMix()...)
	for _, tt := range []struct {
		q    store.HeatQuery
		want int64
	}{
		{store.HeatQuery{Zoom: 3, Range: span(0, sec(30)), Geo: post.GeoSetAll}, 2},
		{store.HeatQuery{Zoom: 3, Range: span(sec(30), sec(60)), Geo: post.GeoSetAll}, 2},
		{store.HeatQuery{Zoom: 3, Range: span(sec(30), sec(61)), Geo: post.GeoSetAll}, 3},
		{store.HeatQuery{Zoom: 3, Range: store.Range{From: T0.Add(sec(30))}}, 1},
		{store.HeatQuery{Zoom: 3, Range: span(sec(30), sec(61)), Geo: post.GeoSetAll, Last: 1}, 1},
	} {
		if h := e.heat(tt.q); h.Points != tt.want {
			t.Errorf("Heat(%s): %d points, want %d", describe(tt.q), h.Points, tt.want)
		}
	}
}

func testPointsTimeTags(t *testing.T, e *env) {
	e.record(exploreMix()...)
	got := e.provPoints(store.PointsQuery{Lang: "en", Geo: post.GeoSetAll})
	want := []store.Point{
		{Point: pt(48.85, 2.35), Source: post.GeoExact, Confidence: 1, Time: T0, Tags: []string{"coffee"}},
		{Point: pt(-17.7, 178.1), Source: post.GeoProfile, Confidence: q8(0.8), Time: T0.Add(sec(30)), Tags: []string{"fiji"}},
		{Point: pt(-13.8, -171.8), Source: post.GeoText, Confidence: q8(0.5), Time: T0.Add(sec(30)), Tags: []string{"samoa", "rain"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Points =\n %+v\nwant\n %+v", got, want)
	}
	e.record(geo("en", sec(90), 1, 1))
	got = e.provPoints(store.PointsQuery{Lang: "en", N: 1})
	if len(got) != 1 || got[0].Tags != nil || !got[0].Time.Equal(T0.Add(sec(90))) {
		t.Errorf("point without hashtags: %+v, want nil Tags and its time", got)
	}
}

func q8(c float32) float32 { return store.ConfidenceOf(store.QuantizeConfidence(c)) }

func (e *env) histogram(q store.HistogramQuery) store.HistogramResult {
	e.t.Helper()
	r, err := e.s.Histogram(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Histogram(%+v): %v", q, err)
	}
	return r
}

// wantBuckets compares a histogram's buckets with [posts, points] pairs
// from start by step.
func wantBuckets(t *testing.T, what string, got store.HistogramResult, start time.Time, step time.Duration, want [][2]int64) {
	t.Helper()
	if got.Step != step || len(got.Buckets) != len(want) {
		t.Errorf("%s: step %v, %d buckets; want %v, %d", what, got.Step, len(got.Buckets), step, len(want))
		return
	}
	var posts, points int64
	for i, b := range got.Buckets {
		w := store.HistogramBucket{Start: start.Add(time.Duration(i) * step), Posts: want[i][0], Points: want[i][1]}
		if !b.Start.Equal(w.Start) || b.Posts != w.Posts || b.Points != w.Points {
			t.Errorf("%s: bucket %d = %+v, want %+v", what, i, b, w)
		}
		posts += w.Posts
		points += w.Points
	}
	if got.Posts != posts || got.Points != points {
		t.Errorf("%s: totals %d posts %d points, want %d, %d", what, got.Posts, got.Points, posts, points)
	}
}

func testHistogram(t *testing.T, e *env) {
	if h := e.histogram(store.HistogramQuery{}); len(h.Buckets) != 0 || !h.From.IsZero() || !h.To.IsZero() {
		t.Errorf("empty store: %+v, want no buckets", h)
	}
	e.record(exploreMix()...)
	minute := span(0, time.Minute)
	// 60 s in at most 6 buckets: 10 s steps; a post on an edge opens its
	// bucket, the post at To (60 s) is out.
	wantBuckets(t, "range", e.histogram(store.HistogramQuery{Range: minute, Buckets: 6}), T0, 10*time.Second,
		[][2]int64{{1, 1}, {1, 0}, {1, 1}, {2, 0}, {0, 0}, {0, 0}})
	wantBuckets(t, "every provenance", e.histogram(store.HistogramQuery{Range: minute, Buckets: 6, Geo: post.GeoSetAll}), T0, 10*time.Second,
		[][2]int64{{1, 1}, {1, 0}, {1, 1}, {2, 2}, {0, 0}, {0, 0}})
	wantBuckets(t, "bbox: points only", e.histogram(store.HistogramQuery{Range: minute, Buckets: 6, BBox: antimeridian, Geo: post.GeoSetAll}), T0, 10*time.Second,
		[][2]int64{{0, 0}, {0, 0}, {0, 0}, {2, 2}, {0, 0}, {0, 0}})
	wantBuckets(t, "bbox: trusted points only", e.histogram(store.HistogramQuery{Range: minute, Buckets: 6, BBox: antimeridian}), T0, 10*time.Second,
		[][2]int64{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}})
	wantBuckets(t, "lang and tag", e.histogram(store.HistogramQuery{Range: minute, Buckets: 6, Lang: "en", Tag: "RAIN", Geo: post.GeoSetAll}), T0, 10*time.Second,
		[][2]int64{{0, 0}, {0, 0}, {0, 0}, {1, 1}, {0, 0}, {0, 0}})
	wantBuckets(t, "tag of no post", e.histogram(store.HistogramQuery{Range: minute, Buckets: 6, Tag: "none"}), T0, 10*time.Second,
		[][2]int64{{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}})
	// An unaligned range: buckets start on multiples of the step, the
	// part before From is not counted.
	// 20 s from 15 s in 2 buckets: 10 s steps would need 3 (10..40 s), so
	// 30 s from 0.
	wantBuckets(t, "unaligned", e.histogram(store.HistogramQuery{Range: span(sec(15), sec(35)), Buckets: 2}), T0, 30*time.Second,
		[][2]int64{{1, 1}, {2, 0}})
	// Open ends: the oldest post and the head (60 s) included: 60 s + 1 ns
	// needs 61 one-second buckets, so the step is 5 s.
	h := e.histogram(store.HistogramQuery{})
	if !h.From.Equal(T0) || !h.To.Equal(T0.Add(time.Minute+1)) {
		t.Errorf("open ends resolved to %v .. %v, want %v .. %v", h.From, h.To, T0, T0.Add(time.Minute+1))
	}
	wantBuckets(t, "open ends", h, T0, 5*time.Second,
		[][2]int64{{1, 1}, {0, 0}, {1, 0}, {0, 0}, {1, 1}, {0, 0}, {2, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {1, 1}})
	// A range after everything: every bucket listed, empty.
	wantBuckets(t, "after everything", e.histogram(store.HistogramQuery{Range: span(time.Hour, time.Hour+2*time.Second), Buckets: 10}), T0.Add(time.Hour), time.Second,
		[][2]int64{{0, 0}, {0, 0}})
	// The plan: at most Buckets buckets, of a listed step.
	for _, n := range []int{1, 7, 1000} {
		h := e.histogram(store.HistogramQuery{Range: span(-3*time.Hour, 50*time.Hour), Buckets: n})
		start, step, k := store.HistogramPlan(store.UnixNanos(T0.Add(-3*time.Hour)), store.UnixNanos(T0.Add(50*time.Hour)), n)
		if len(h.Buckets) != k || len(h.Buckets) > n || h.Step != step || !h.Buckets[0].Start.Equal(time.Unix(0, start)) || h.Posts != 6 {
			t.Errorf("buckets %d: %d buckets of %v from %v holding %d posts; want %d of %v from %v holding 6",
				n, len(h.Buckets), h.Step, h.Buckets[0].Start, h.Posts, k, step, time.Unix(0, start).UTC())
		}
	}
}

// postIDs lists the ids of a Posts answer.
func postIDs(ps []store.KeptPost) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func (e *env) posts(q store.PostsQuery) store.PostsResult {
	e.t.Helper()
	r, err := e.s.Posts(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Posts(%+v): %v", q, err)
	}
	if r.Posts == nil {
		e.t.Fatalf("Posts(%+v): nil posts, want a non-nil slice", q)
	}
	return r
}

func testPostsNewest(t *testing.T, e *env, open func(Options) store.Store) {
	e.s = open(Options{KeepText: 100})
	e.record(exploreMix()...)
	r := e.posts(store.PostsQuery{})
	if got, want := postIDs(r.Posts), []string{"106", bskyID, "104", "103", "102", "101"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Posts = %v, want %v (newest first, ties the later recorded first)", got, want)
	}
	if r.Kept != 6 || !r.KeptFrom.Equal(T0) {
		t.Errorf("kept %d from %v, want 6 from %v", r.Kept, r.KeptFrom, T0)
	}
	if got := postIDs(e.posts(store.PostsQuery{N: 2}).Posts); !reflect.DeepEqual(got, []string{"106", bskyID}) {
		t.Errorf("Posts n 2 = %v", got)
	}
	want := []store.KeptPost{{
		ID: bskyID, Lang: "en", Time: T0.Add(sec(30)), Handle: "did:plc:x", Text: "rain in samoa",
		URL: "https://bsky.app/profile/did:plc:x/post/5", Tags: []string{"samoa", "rain"},
		Point: &store.Point{Point: pt(-13.8, -171.8), Source: post.GeoText, Confidence: q8(0.5)},
	}, {
		ID: "102", Lang: "fr", Time: T0.Add(sec(10)), Handle: "bob", Text: "CAFE crème", URL: "https://x.com/bob/status/102",
	}, {
		ID: "101", Lang: "en", Time: T0, Handle: "ana", Text: "Café au lait in Paris #Coffee",
		URL: "https://x.com/ana/status/101", Tags: []string{"coffee"},
		Point: &store.Point{Point: pt(48.85, 2.35), Source: post.GeoExact, Confidence: 1},
	}}
	got := e.posts(store.PostsQuery{Q: "in"}).Posts // 105 and 101 say "in"
	got = append(got, e.posts(store.PostsQuery{Lang: "fr"}).Posts...)
	got[1], got[2] = got[2], got[1]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kept posts =\n %+v\nwant\n %+v", got, want)
	}
	// The text is cut to SnippetBytes at a rune boundary.
	long := strings.Repeat("é", 300)
	e.record(kept(at("fr", sec(70)), "107", "eve", long, ""))
	got = e.posts(store.PostsQuery{N: 1}).Posts
	if len(got) != 1 || got[0].Text != long[:store.SnippetBytes] {
		t.Errorf("long text kept as %d bytes, want the first %d", len(got[0].Text), store.SnippetBytes)
	}
}

func testPostsFilters(t *testing.T, e *env, open func(Options) store.Store) {
	e.s = open(Options{KeepText: 100})
	e.record(exploreMix()...)
	for _, tt := range []struct {
		name string
		q    store.PostsQuery
		want []string
	}{
		{"lang", store.PostsQuery{Lang: "en"}, []string{bskyID, "104", "101"}},
		{"tag, any case", store.PostsQuery{Tag: "Rain"}, []string{"106", bskyID}},
		{"accents and case", store.PostsQuery{Q: "cafe"}, []string{"102", "101"}},
		{"query accents and case", store.PostsQuery{Q: "CAFÉ"}, []string{"102", "101"}},
		{"every word", store.PostsQuery{Q: "café, PARIS!"}, []string{"101"}},
		{"a hashtag's word", store.PostsQuery{Q: "fiji"}, []string{"104"}},
		{"CJK pair", store.PostsQuery{Q: "京都"}, []string{"103"}},
		{"CJK pairs of a run", store.PostsQuery{Q: "東京都"}, []string{"103"}},
		{"CJK pair not in the text", store.PostsQuery{Q: "都京"}, []string{}},
		{"range", store.PostsQuery{Range: span(sec(10), sec(30))}, []string{"103", "102"}},
		{"open range", store.PostsQuery{Range: store.Range{From: T0.Add(sec(30))}}, []string{"106", bskyID, "104"}},
		{"bbox across the antimeridian", store.PostsQuery{BBox: antimeridian, Geo: post.GeoSetAll}, []string{bskyID, "104"}},
		{"bbox, trusted by default", store.PostsQuery{BBox: antimeridian}, []string{}},
		{"bbox europe", store.PostsQuery{BBox: europe}, []string{"106", "101"}},
		{"everything at once", store.PostsQuery{Lang: "en", Tag: "rain", Q: "samoa", BBox: antimeridian, Geo: 1 << post.GeoText, Range: span(sec(30), sec(31))}, []string{bskyID}},
		{"n", store.PostsQuery{Q: "rain", N: 1}, []string{"106"}},
	} {
		if got := postIDs(e.posts(tt.q).Posts); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Posts %s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// testSearchInQueries: Q in Top, Heat and Histogram.
func testSearchInQueries(t *testing.T, e *env, open func(Options) store.Store) {
	e.s = open(Options{KeepText: 100})
	e.record(exploreMix()...)
	// "rain": 104 (text), 105 (text), 106 (hashtag).
	got := e.top(store.TopQuery{N: 5, Q: "rain"})
	want := map[string][]store.TagCount{"en": tags(tc("fiji", 1), tc("samoa", 1), tc("rain", 1)), "es": tags(tc("rain", 1))}
	if len(got) != 3 {
		t.Errorf("Top q = %+v, want en, es, ja", got)
	}
	for _, lt := range got {
		wantTags(t, "Top q "+lt.Lang, lt.Tags, want[lt.Lang])
	}
	wantTags(t, "Top q bbox", e.topOf(store.TopQuery{Lang: "en", N: 5, Q: "rain", BBox: antimeridian, Geo: 1 << post.GeoProfile}), tags(tc("fiji", 1)))
	for _, tt := range []struct {
		q    store.HeatQuery
		want int64
	}{
		{store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll}, 3},
		{store.HeatQuery{Zoom: 3, Q: "rain"}, 1},
		{store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll, Lang: "en"}, 2},
		{store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll, Tag: "samoa"}, 1},
		{store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll, Range: span(0, sec(60))}, 2},
		{store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll, BBox: antimeridian}, 2},
		{store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll, Last: 2}, 2},
		{store.HeatQuery{Zoom: 3, Q: "nothing"}, 0},
	} {
		if h := e.heat(tt.q); h.Points != tt.want {
			t.Errorf("Heat(%s): %d points, want %d", describe(tt.q), h.Points, tt.want)
		}
	}
	// Last keeps the newest: 106 (Madrid) and 105 (Samoa), not 104 (Fiji).
	h := e.heat(store.HeatQuery{Zoom: 22, Q: "rain", Geo: post.GeoSetAll, Last: 2})
	wantCells(t, "Heat q last", h.Cells, []cell{{1, []post.Point{pt(-13.8, -171.8)}}, {1, []post.Point{pt(40.4, -3.7)}}})
	wantBuckets(t, "Histogram q", e.histogram(store.HistogramQuery{Range: span(0, time.Minute), Buckets: 6, Q: "Café"}), T0, 10*time.Second,
		[][2]int64{{1, 1}, {1, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}})
	wantBuckets(t, "Histogram q bbox", e.histogram(store.HistogramQuery{Range: span(0, time.Minute), Buckets: 6, Q: "rain", BBox: antimeridian, Geo: post.GeoSetAll}), T0, 10*time.Second,
		[][2]int64{{0, 0}, {0, 0}, {0, 0}, {2, 2}, {0, 0}, {0, 0}})
}

func testKeepTextBounds(t *testing.T, e *env, open func(Options) store.Store) {
	e.s = open(Options{KeepText: 3})
	e.record(exploreMix()...)
	r := e.posts(store.PostsQuery{})
	if got := postIDs(r.Posts); !reflect.DeepEqual(got, []string{"106", bskyID, "104"}) || r.Kept != 3 || !r.KeptFrom.Equal(T0.Add(sec(30))) {
		t.Errorf("keep 3: %v, kept %d from %v; want the 3 newest from %v", got, r.Kept, r.KeptFrom, T0.Add(sec(30)))
	}
	if got := postIDs(e.posts(store.PostsQuery{Q: "cafe"}).Posts); len(got) != 0 {
		t.Errorf("search finds posts whose text is no longer kept: %v", got)
	}
	// The posts are still counted: only their text went.
	if st := e.stats(); st.Posts != 6 {
		t.Errorf("posts held %d, want 6", st.Posts)
	}

	e.s = open(Options{KeepText: 100, KeepTextAge: 10 * time.Minute})
	e.record(kept(at("en", 0), "1", "a", "old words", ""))
	e.record(kept(at("en", 11*time.Minute), "2", "a", "new words", ""))
	if r := e.posts(store.PostsQuery{Q: "words"}); !reflect.DeepEqual(postIDs(r.Posts), []string{"2"}) || r.Kept != 1 {
		t.Errorf("keep 10m: %v kept %d, want only the post within 10 minutes of the newest", postIDs(r.Posts), r.Kept)
	}

	// A store keeping nothing: no posts, and Q matches nothing.
	e.s = open(Options{})
	e.record(exploreMix()...)
	if r := e.posts(store.PostsQuery{}); len(r.Posts) != 0 || r.Kept != 0 || !r.KeptFrom.IsZero() {
		t.Errorf("keeping nothing: %+v, want no posts, kept 0", r)
	}
	if h := e.heat(store.HeatQuery{Zoom: 3, Q: "rain", Geo: post.GeoSetAll}); h.Points != 0 {
		t.Errorf("keeping nothing: heat q found %d points", h.Points)
	}
	for _, lt := range e.top(store.TopQuery{Q: "rain"}) {
		wantTags(t, "keeping nothing: top q "+lt.Lang, lt.Tags, nil)
	}
	if h := e.histogram(store.HistogramQuery{Q: "rain"}); h.Posts != 0 || len(h.Buckets) == 0 {
		t.Errorf("keeping nothing: histogram q %+v, want empty buckets", h)
	}
}

func testRetentionDropsText(t *testing.T, e *env, open func(Options) store.Store) {
	e.s = open(Options{KeepText: 100, Retention: time.Hour})
	e.record(kept(at("en", 0), "1", "a", "old words", ""))
	e.record(kept(at("en", 2*time.Hour), "2", "a", "new words", ""))
	r := e.posts(store.PostsQuery{Q: "words"})
	if !reflect.DeepEqual(postIDs(r.Posts), []string{"2"}) || r.Kept != 1 || !r.KeptFrom.Equal(T0.Add(2*time.Hour)) {
		t.Errorf("after retention: %v kept %d from %v, want only post 2", postIDs(r.Posts), r.Kept, r.KeptFrom)
	}
	if got := postIDs(e.posts(store.PostsQuery{Q: "old"}).Posts); len(got) != 0 {
		t.Errorf("a dropped post's text is still searched: %v", got)
	}
}

func testExploreBadQueries(t *testing.T, e *env) {
	e.record(exploreMix()...)
	backwards := store.Range{From: T0.Add(time.Minute), To: T0}
	empty := store.Range{From: T0, To: T0}
	long := strings.Repeat("a", store.MaxSearchBytes+1)
	many := strings.Repeat("w ", store.MaxSearchWords+1)
	for _, tt := range []struct {
		name string
		run  func() error
	}{
		{"counts from after to", func() error { _, err := e.s.Counts(e.ctx, store.CountsQuery{Range: backwards}); return err }},
		{"counts from = to", func() error { _, err := e.s.Counts(e.ctx, store.CountsQuery{Range: empty}); return err }},
		{"counts bad bbox", func() error {
			_, err := e.s.Counts(e.ctx, store.CountsQuery{BBox: store.BBox{West: -200, South: 0, East: 0, North: 1}})
			return err
		}},
		{"top window and range", func() error {
			_, err := e.s.Top(e.ctx, store.TopQuery{Window: time.Hour, Range: store.Range{From: T0}})
			return err
		}},
		{"top range backwards", func() error { _, err := e.s.Top(e.ctx, store.TopQuery{Range: backwards}); return err }},
		{"top last with bbox", func() error { _, err := e.s.Top(e.ctx, store.TopQuery{Last: 5, BBox: europe}); return err }},
		{"top q too long", func() error { _, err := e.s.Top(e.ctx, store.TopQuery{Q: long}); return err }},
		{"heat window and range", func() error {
			_, err := e.s.Heat(e.ctx, store.HeatQuery{Window: time.Hour, Range: store.Range{To: T0}})
			return err
		}},
		{"heat q without words", func() error { _, err := e.s.Heat(e.ctx, store.HeatQuery{Q: "!!! ..."}); return err }},
		{"histogram from = to", func() error { _, err := e.s.Histogram(e.ctx, store.HistogramQuery{Range: empty}); return err }},
		{"histogram buckets -1", func() error { _, err := e.s.Histogram(e.ctx, store.HistogramQuery{Buckets: -1}); return err }},
		{"histogram buckets 1001", func() error {
			_, err := e.s.Histogram(e.ctx, store.HistogramQuery{Buckets: store.MaxHistogramBuckets + 1})
			return err
		}},
		{"histogram too many words", func() error { _, err := e.s.Histogram(e.ctx, store.HistogramQuery{Q: many}); return err }},
		{"histogram unknown geo", func() error { _, err := e.s.Histogram(e.ctx, store.HistogramQuery{Geo: 1 << 7}); return err }},
		{"posts n -1", func() error { _, err := e.s.Posts(e.ctx, store.PostsQuery{N: -1}); return err }},
		{"posts n 1001", func() error { _, err := e.s.Posts(e.ctx, store.PostsQuery{N: store.MaxPosts + 1}); return err }},
		{"posts from after to", func() error { _, err := e.s.Posts(e.ctx, store.PostsQuery{Range: backwards}); return err }},
		{"posts q too long", func() error { _, err := e.s.Posts(e.ctx, store.PostsQuery{Q: long}); return err }},
		{"posts q without words", func() error { _, err := e.s.Posts(e.ctx, store.PostsQuery{Q: "  #  "}); return err }},
		{"posts bad bbox", func() error {
			_, err := e.s.Posts(e.ctx, store.PostsQuery{BBox: store.BBox{West: 0, South: 10, East: 1, North: -10}})
			return err
		}},
	} {
		if err := tt.run(); !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("%s: err %v, want ErrBadQuery", tt.name, err)
		}
	}
	// At the limits: accepted.
	if _, err := e.s.Posts(e.ctx, store.PostsQuery{N: store.MaxPosts, Q: strings.Repeat("w ", store.MaxSearchWords)}); err != nil {
		t.Errorf("posts at the limits: %v", err)
	}
	if _, err := e.s.Histogram(e.ctx, store.HistogramQuery{Buckets: store.MaxHistogramBuckets}); err != nil {
		t.Errorf("histogram at the limit: %v", err)
	}
}
