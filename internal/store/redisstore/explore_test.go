package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
	"github.com/geoheat/geoheat/internal/words"
)

// oracle answers exploration queries by brute force over the posts
// recorded (none dropped), independently of any store's layout.
type oracle struct{ posts []post.Post }

func (o oracle) selected(p *post.Post, r store.Range, box store.BBox, geo post.GeoSet, tag, q string) bool {
	if p.Lang == "" || !r.Contains(store.UnixNanos(p.Time)) {
		return false
	}
	if !box.IsZero() {
		b, _ := analysis.NewBox(box)
		if !p.HasPoint || !geo.Has(store.PointSource(p)) || !b.Contains(p.Point) {
			return false
		}
	}
	if tag != "" && !slices.ContainsFunc(p.Hashtags, func(h string) bool { return pytext.Lower(h) == tag }) {
		return false
	}
	if q != "" {
		want, _ := store.ParseSearch(q)
		// The snippet's words and the hashtags' (textindex's rule).
		have := words.Append(nil, p.Text)
		for _, h := range p.Hashtags {
			have = words.Append(have, pytext.Lower(h))
		}
		for _, w := range want {
			if !slices.Contains(have, w) {
				return false
			}
		}
	}
	return true
}

func (o oracle) counts(q store.CountsQuery) []store.LangCount {
	q, _ = q.Normalize()
	by := map[string]*store.LangCount{}
	for i := range o.posts {
		p := &o.posts[i]
		if !o.selected(p, q.Range, q.BBox, q.Geo, "", "") {
			continue
		}
		c := by[p.Lang]
		if c == nil {
			c = &store.LangCount{Lang: p.Lang}
			by[p.Lang] = c
		}
		c.Posts++
		c.Hashtags += int64(len(p.Hashtags))
		switch store.PointSource(p) {
		case post.GeoExact:
			c.GeoBySource.Exact++
		case post.GeoPlace:
			c.GeoBySource.Place++
		case post.GeoProfile:
			c.GeoBySource.Profile++
		case post.GeoText:
			c.GeoBySource.Text++
		}
		c.Geo = c.GeoBySource.Trusted()
	}
	out := []store.LangCount{}
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b store.LangCount) int { return strings.Compare(a.Lang, b.Lang) })
	return out
}

func (o oracle) top(q store.TopQuery) []store.LangTop {
	q, _ = q.Normalize()
	tags := map[string][]string{}
	for i := range o.posts {
		p := &o.posts[i]
		if len(p.Hashtags) == 0 {
			continue
		}
		if _, ok := tags[p.Lang]; !ok {
			tags[p.Lang] = []string{} // holds hashtags: listed
		}
		if o.selected(p, q.Range, q.BBox, q.Geo, "", q.Q) {
			tags[p.Lang] = append(tags[p.Lang], p.Hashtags...)
		}
	}
	var out []store.LangTop
	for l, ts := range tags {
		top := analysis.MostCommon(ts, q.N)
		if top == nil {
			top = []store.TagCount{}
		}
		out = append(out, store.LangTop{Lang: l, Tags: top})
	}
	slices.SortFunc(out, func(a, b store.LangTop) int { return strings.Compare(a.Lang, b.Lang) })
	return out
}

func (o oracle) histogram(q store.HistogramQuery, oldest, head int64) store.HistogramResult {
	q, _ = q.Normalize()
	lo, hi := q.Range.Nanos()
	if q.Range.From.IsZero() {
		lo = oldest
	}
	if q.Range.To.IsZero() {
		hi = head + 1
	}
	start, step, n := store.HistogramPlan(lo, hi, q.Buckets)
	res := store.HistogramResult{Step: step, Buckets: make([]store.HistogramBucket, n)}
	if lo < hi {
		res.From, res.To = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	}
	for i := range res.Buckets {
		res.Buckets[i].Start = time.Unix(0, start+int64(i)*int64(step)).UTC()
	}
	r := store.Range{From: time.Unix(0, lo), To: time.Unix(0, hi)}
	for i := range o.posts {
		p := &o.posts[i]
		if (q.Lang != "" && p.Lang != q.Lang) || !o.selected(p, r, q.BBox, q.Geo, pytext.Lower(q.Tag), q.Q) {
			continue
		}
		b := &res.Buckets[(store.UnixNanos(p.Time)-start)/int64(step)]
		b.Posts++
		res.Posts++
		if p.HasPoint && q.Geo.Has(store.PointSource(p)) {
			b.Points++
			res.Points++
		}
	}
	return res
}

// exploreText gives generated posts texts, handles and a few links.
func exploreText(rng *rand.Rand, posts []post.Post) {
	vocab := []string{"Café", "cafe", "CAFÉ", "redis", "東京都", "heat", "map", "naïve", "Ünïcode", "x"}
	for i := range posts {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			b.WriteString(" ")
		}
		posts[i].Text = b.String()
		posts[i].ScreenName = fmt.Sprint("user", i%13)
		if i%5 == 0 {
			posts[i].URL = fmt.Sprintf("https://mastodon.example/@u/%d", i)
		}
	}
}

// TestExploreMatchesOracle: counts, top, histogram and heat by range, box
// and keyword agree with brute force over the posts recorded, across many
// 256-post chunks and out-of-order times.
func TestExploreMatchesOracle(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
	rs := open(t, srv.URL(""), redisstore.Options{Now: clock.Now, KeepText: 100000})
	rng := rand.New(rand.NewPCG(3, 4))
	posts := genPosts(rng, 3000, storetest.T0, time.Second)
	exploreText(rng, posts)
	if err := rs.Record(ctx, posts); err != nil {
		t.Fatal(err)
	}
	o := oracle{posts}
	at := func(sec int) time.Time { return storetest.T0.Add(time.Duration(sec) * time.Second) }
	ranges := []store.Range{{}, {From: at(500)}, {To: at(700)}, {From: at(1000), To: at(1300)}, {From: at(2999), To: at(3001)}, {From: at(5000)}}
	boxes := []store.BBox{{}, {West: -100, South: -40, East: 60, North: 50}, {West: 150, South: -90, East: -150, North: 90}}
	for _, r := range ranges {
		for _, b := range boxes {
			for _, g := range []post.GeoSet{0, post.GeoSetAll} {
				cq := store.CountsQuery{Range: r, BBox: b, Geo: g}
				if r.IsZero() && b.IsZero() {
					cq.Geo = 0 // the zero query: today's counts
				}
				got, err := rs.Counts(ctx, cq)
				if want := o.counts(cq); err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("Counts(%+v):\n got %+v %v\nwant %+v", cq, got, err, want)
				}
			}
			for _, q := range []string{"", "cafe", "東京 redis"} {
				tq := store.TopQuery{N: 4, Range: r, BBox: b, Q: q}
				if r.IsZero() && b.IsZero() && q == "" {
					continue // Last: not a selection
				}
				got, err := rs.Top(ctx, tq)
				if want := o.top(tq); err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("Top(%+v):\n got %+v %v\nwant %+v", tq, got, err, want)
				}
				hq := store.HistogramQuery{Range: r, BBox: b, Q: q, Buckets: 7, Geo: post.GeoSetAll}
				gh, err := rs.Histogram(ctx, hq)
				st, _ := rs.Stats(ctx)
				if want := o.histogram(hq, store.UnixNanos(st.Oldest), store.UnixNanos(st.Head)); err != nil || !reflect.DeepEqual(gh, want) {
					t.Errorf("Histogram(%+v):\n got %+v %v\nwant %+v", hq, gh, err, want)
				}
			}
		}
	}
	// Heat by range and keyword: the oracle's points, languages in key
	// order, arrival order within each.
	for _, hq := range []store.HeatQuery{
		{Range: store.Range{From: at(100), To: at(2000)}, Zoom: 3},
		{Range: store.Range{From: at(100)}, Q: "naive", Zoom: 2, Geo: post.GeoSetAll},
		{Lang: "en", Tag: "Go", Range: store.Range{To: at(1500)}, Zoom: 4},
		{Q: "cafe map", Zoom: 1, Last: 20},
	} {
		got, err := rs.Heat(ctx, hq)
		if err != nil {
			t.Fatalf("Heat(%+v): %v", hq, err)
		}
		geo := hq.Geo
		if geo == 0 {
			geo = post.GeoSetTrusted
		}
		type pt struct {
			seq int
			p   post.Point
		}
		var pts []pt
		langs := []string{"de", "en", "es", "fr", "hinglish"}
		for _, l := range langs {
			var ofLang []pt
			for i := range posts {
				p := &posts[i]
				if p.Lang != l || (hq.Lang != "" && p.Lang != hq.Lang) || !p.HasPoint || !geo.Has(store.PointSource(p)) ||
					!o.selected(p, hq.Range, store.BBox{}, geo, pytext.Lower(hq.Tag), hq.Q) {
					continue
				}
				ofLang = append(ofLang, pt{i, p.Point})
			}
			if hq.Last > 0 && len(ofLang) > hq.Last {
				ofLang = ofLang[len(ofLang)-hq.Last:]
			}
			pts = append(pts, ofLang...)
		}
		if hq.Last > 0 {
			slices.SortFunc(pts, func(a, b pt) int { return a.seq - b.seq })
			pts = pts[max(0, len(pts)-hq.Last):]
		}
		g := analysis.NewGrid(hq.Zoom)
		for _, p := range pts {
			g.Add(p.p)
		}
		want := g.Result(0)
		if !reflect.DeepEqual(got, want) || want.Points == 0 {
			t.Errorf("Heat(%+v):\n got %+v\nwant %+v", hq, got, want)
		}
	}
}

// TestKeptText: the posts behind a spot come from the kept records,
// newest first, with their snippet, handle and link; the count bound, the
// age bound and the store's own drops trim them; off keeps nothing.
func TestKeptText(t *testing.T) {
	t.Run("single", func(t *testing.T) { testKeptText(t, redistest.Start(t).URL("")) })
	t.Run("cluster", func(t *testing.T) { testKeptText(t, redistest.StartCluster(t).URL("")) })
}

func testKeptText(t *testing.T, url string) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	at := func(sec int) time.Time { return storetest.T0.Add(time.Duration(sec) * time.Second) }
	long := strings.Repeat("é", 300) // 600 bytes: cut at a rune boundary
	mk := func(i int, text string) post.Post {
		return post.Post{ID: fmt.Sprint(1000 + i), Lang: "en", Time: at(i), Text: text, ScreenName: "ana_" + fmt.Sprint(i),
			Hashtags: []string{"Tag"}, HasPoint: i%2 == 0, Point: post.Point{Lat: float64(i), Lon: 1}}
	}

	s := open(t, url, redisstore.Options{Now: clock.Now, KeepText: 3, MaxPosts: 5})
	if err := s.Record(ctx, []post.Post{mk(1, "Café au lait"), mk(2, long), mk(3, "<script>x</script> CAFE")}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Posts(ctx, store.PostsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 3 || res.Kept != 3 || !res.KeptFrom.Equal(at(1)) {
		t.Fatalf("Posts = %+v", res)
	}
	p := res.Posts[0]
	if p.ID != "1003" || p.Handle != "ana_3" || p.Text != "<script>x</script> CAFE" || p.URL != "https://x.com/ana_3/status/1003" ||
		!reflect.DeepEqual(p.Tags, []string{"tag"}) || p.Point != nil || !p.Time.Equal(at(3)) || p.Lang != "en" {
		t.Errorf("newest kept post = %+v", p)
	}
	if cut := res.Posts[1].Text; len(cut) != store.SnippetBytes || cut != long[:store.SnippetBytes] {
		t.Errorf("snippet is %d bytes, want %d cut at a rune boundary", len(cut), store.SnippetBytes)
	}
	if pt := res.Posts[1].Point; pt == nil || pt.Lat != 2 || pt.Source != post.GeoExact {
		t.Errorf("kept post point = %+v", pt)
	}
	q, err := s.Posts(ctx, store.PostsQuery{Q: "cafe"})
	if err != nil || len(q.Posts) != 2 || q.Posts[0].ID != "1003" || q.Posts[1].ID != "1001" {
		t.Errorf("Posts(q=cafe) = %+v, %v", q, err)
	}
	box, err := s.Posts(ctx, store.PostsQuery{BBox: store.BBox{West: 0, South: 1.5, East: 2, North: 2.5}})
	if err != nil || len(box.Posts) != 1 || box.Posts[0].ID != "1002" {
		t.Errorf("Posts(bbox) = %+v, %v", box, err)
	}

	// Count bound: three kept of four.
	if err := s.Record(ctx, []post.Post{mk(4, "four")}); err != nil {
		t.Fatal(err)
	}
	if res, _ = s.Posts(ctx, store.PostsQuery{}); ids(res) != "1004 1003 1002" || res.Kept != 3 {
		t.Errorf("after the count bound: %s, kept %d", ids(res), res.Kept)
	}

	// The store's own drops (a post limit below the text bound, then
	// retention) take the kept text with the posts.
	d := open(t, url, redisstore.Options{Now: clock.Now, KeepText: 10, MaxPosts: 2, Retention: 30 * time.Second})
	if err := d.Record(ctx, []post.Post{mk(1, "one"), mk(2, "two"), mk(3, "three")}); err != nil {
		t.Fatal(err)
	}
	if res, _ = d.Posts(ctx, store.PostsQuery{N: 10}); ids(res) != "1003 1002" || res.Kept != 2 {
		t.Errorf("after the post limit: %s, kept %d", ids(res), res.Kept)
	}
	if res, _ = d.Posts(ctx, store.PostsQuery{Q: "one"}); len(res.Posts) != 0 {
		t.Errorf("the text of a dropped post is served: %+v", res.Posts)
	}
	if err := d.Record(ctx, []post.Post{mk(40, "forty")}); err != nil {
		t.Fatal(err)
	}
	if res, _ = d.Posts(ctx, store.PostsQuery{N: 10}); ids(res) != "1040" || !res.KeptFrom.Equal(at(40)) {
		t.Errorf("after retention: %s from %v", ids(res), res.KeptFrom)
	}

	// Age bound, with drops out of the way.
	agePrefix := redistest.Prefix(t) + "-age"
	a := open(t, url, redisstore.Options{Now: clock.Now, KeepTextAge: 10 * time.Second, Prefix: agePrefix})
	for _, i := range []int{1, 5, 12, 20} {
		if err := a.Record(ctx, []post.Post{mk(i, "t")}); err != nil {
			t.Fatal(err)
		}
	}
	if res, _ = a.Posts(ctx, store.PostsQuery{}); ids(res) != "1020 1012" {
		t.Errorf("age bound 10s at head 20s keeps %s, want 1020 1012", ids(res))
	}
	if st, _ := a.Stats(ctx); st.Posts != 4 {
		t.Errorf("the age bound dropped posts: %d held", st.Posts)
	}

	// Off: a store sharing the prefix that keeps no text frees the list
	// on its next write, and answers no posts.
	off := open(t, url, redisstore.Options{Now: clock.Now, Prefix: agePrefix})
	if err := off.Record(ctx, []post.Post{mk(21, "t")}); err != nil {
		t.Fatal(err)
	}
	if res, err = off.Posts(ctx, store.PostsQuery{}); err != nil || len(res.Posts) != 0 || res.Kept != 0 || !res.KeptFrom.IsZero() {
		t.Errorf("off: %+v, %v", res, err)
	}
	if res, err = off.Posts(ctx, store.PostsQuery{Q: "t"}); err != nil || len(res.Posts) != 0 {
		t.Errorf("off, q: %+v, %v", res, err)
	}
	if h, err := off.Heat(ctx, store.HeatQuery{Q: "t"}); err != nil || h.Points != 0 {
		t.Errorf("off, heat q: %+v, %v", h, err)
	}
}

func ids(r store.PostsResult) string {
	var s []string
	for _, p := range r.Posts {
		s = append(s, p.ID)
	}
	return strings.Join(s, " ")
}
