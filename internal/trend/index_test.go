package trend

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// halves is a country index for tests: west of 0° is "ES", east "FR",
// nothing south of the equator.
func halves(lat, lon float64) (string, bool) {
	switch {
	case lat < 0:
		return "", false
	case lon < 0:
		return "ES", true
	}
	return "FR", true
}

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()

// randomPosts is a day and a half of posts in three languages, a few
// arriving late, with a burst of a new tag and one account repeating a tag.
func randomPosts(seed uint64, n int) []Post {
	r := rand.New(rand.NewPCG(seed, 1))
	langs := []string{"en", "es", "fr"}
	span := int64(36 * time.Hour)
	ps := make([]Post, n)
	for i := range ps {
		t := t0 + span/int64(n)*int64(i)
		if r.IntN(20) == 0 {
			t -= r.Int64N(int64(20 * time.Minute)) // late
		}
		p := Post{Lang: langs[r.IntN(len(langs))], Time: t, Author: uint32(r.IntN(60))}
		for range r.IntN(4) {
			p.Tags = append(p.Tags, fmt.Sprintf("t%d", int(r.ExpFloat64()*4)))
		}
		if t > t0+int64(34*time.Hour) && r.IntN(3) == 0 {
			p.Tags = append(p.Tags, "burst")
			p.Author = uint32(100 + r.IntN(40))
		}
		if r.IntN(10) == 0 {
			p.Tags, p.Author = []string{"spam", "spam"}, 7
		}
		if r.IntN(2) == 0 {
			p.HasPoint = true
			p.Lat, p.Lon = r.Float64()*40-10, r.Float64()*40-20
			p.Source = post.GeoSource(1 + r.IntN(4))
		}
		ps[i] = p
	}
	return ps
}

// naive answers q from the posts directly, as docs/trends.md defines it.
func naive(ps []Post, q store.TrendsQuery, head, oldest int64) store.TrendsResult {
	q, err := q.Normalize()
	if err != nil {
		panic(err)
	}
	nw, nb := ceilBuckets(q.Window), ceilBuckets(q.Baseline)
	hb := BucketOf(head)
	winLo := hb - nw + 1
	lo := max(winLo-nb, BucketOf(oldest))
	type key struct {
		b   int64
		tag string
	}
	authors := map[key]map[uint32]bool{}
	posts := map[key]int64{}
	for _, p := range ps {
		b := BucketOf(p.Time)
		if b < lo || b > hb || (q.Lang != "" && p.Lang != q.Lang) {
			continue
		}
		if q.HasArea() {
			if !p.HasPoint || !q.Geo.Has(p.Source) {
				continue
			}
			if q.Country != "" {
				if cc, ok := halves(p.Lat, p.Lon); !ok || cc != q.Country {
					continue
				}
			} else if !q.Within(p.Lat, p.Lon) {
				continue
			}
		}
		seen := map[string]bool{}
		for _, tag := range p.Tags {
			if seen[tag] {
				continue
			}
			seen[tag] = true
			k := key{b, tag}
			if authors[k] == nil {
				authors[k] = map[uint32]bool{}
			}
			authors[k][p.Author] = true
			posts[k]++
		}
	}
	base, win, first := map[string]int64{}, map[string]int64{}, map[string]int64{}
	var baseTotal, winTotal int64
	for k, as := range authors {
		if f, ok := first[k.tag]; !ok || k.b < f {
			first[k.tag] = k.b
		}
		if k.b < winLo {
			base[k.tag] += int64(len(as))
			baseTotal += int64(len(as))
		} else {
			win[k.tag] += int64(len(as))
			winTotal += int64(len(as))
		}
	}
	var trends []store.Trend
	for tag, o := range win {
		e := 0.0
		if baseTotal > 0 {
			e = float64(base[tag]) * float64(winTotal) / float64(baseTotal)
		}
		e = max(e, 1)
		distinct := map[uint32]bool{}
		var series []int64
		var np int64
		for b := winLo; b <= hb; b++ {
			for a := range authors[key{b, tag}] {
				distinct[a] = true
			}
			series = append(series, int64(len(authors[key{b, tag}])))
			np += posts[key{b, tag}]
		}
		score := (float64(o) - e) * (float64(o) - e) / e
		if o < int64(q.MinAuthors) || float64(o) <= e || len(distinct) < q.MinAuthors || (q.MinScore >= 0 && score < q.MinScore) {
			continue
		}
		trends = append(trends, store.Trend{Tag: tag, Score: score, Authors: int64(len(distinct)), Posts: np,
			Observed: o, Expected: e, Series: series, FirstSeen: bucketStart(first[tag])})
	}
	return store.TrendsResult{Trends: rank(trends, q.N), WindowActivity: winTotal, BaselineActivity: baseTotal}
}

func TestQueryMatchesNaive(t *testing.T) {
	ps := randomPosts(1, 40000)
	ix := New(halves)
	var head int64
	for i := range ps {
		ix.Add(&ps[i])
		head = max(head, ps[i].Time)
	}
	box := func(lat, lon float64) bool { return lat > 5 && lat < 20 && lon > -15 && lon < 10 }
	for _, lang := range []string{"", "en", "es", "xx"} {
		for _, area := range []string{"world", "ES", "FR", "box"} {
			for _, w := range [][2]time.Duration{{time.Hour, 24 * time.Hour}, {30 * time.Minute, 2 * time.Hour}, {3 * time.Hour, 12 * time.Hour}} {
				q := store.TrendsQuery{Lang: lang, Window: w[0], Baseline: w[1], N: 100, MinScore: -1, MinAuthors: 3}
				switch area {
				case "ES", "FR":
					q.Country = area
					q.Geo = post.GeoSetAll
				case "box":
					q.Within = box
					q.Bounds = store.BBox{West: -15, South: 5, East: 10, North: 20}
				}
				name := fmt.Sprintf("%s/%s/%v", lang, area, w)
				got, err := ix.Query(q, head, t0, false)
				if err != nil {
					t.Fatal(name, err)
				}
				want := naive(ps, q, head, t0)
				if got.WindowActivity != want.WindowActivity || got.BaselineActivity != want.BaselineActivity {
					t.Errorf("%s: activity %d/%d, want %d/%d", name, got.WindowActivity, got.BaselineActivity, want.WindowActivity, want.BaselineActivity)
				}
				if !reflect.DeepEqual(got.Trends, want.Trends) && len(got.Trends)+len(want.Trends) > 0 {
					t.Errorf("%s:\n got %+v\nwant %+v", name, got.Trends, want.Trends)
				}
				if lang == "" && area == "world" && w[0] == time.Hour && (len(got.Trends) == 0 || got.Trends[0].Tag != "burst") {
					t.Errorf("%s: the burst is not first: %+v", name, got.Trends)
				}
				for _, tr := range got.Trends {
					if tr.Tag == "spam" {
						t.Errorf("%s: one account trends: %+v", name, tr)
					}
				}
			}
		}
	}
}

// TestDropBefore checks that dropped buckets are forgotten with their
// tags, and that what is left answers as the posts it came from.
func TestDropBefore(t *testing.T) {
	ps := randomPosts(2, 20000)
	ix := New(halves)
	var head int64
	for i := range ps {
		ix.Add(&ps[i])
		head = max(head, ps[i].Time)
	}
	cut := t0 + int64(33*time.Hour)
	ix.DropBefore(cut)
	var kept []Post
	for _, p := range ps {
		if BucketOf(p.Time) >= BucketOf(cut) {
			kept = append(kept, p)
		}
	}
	q := store.TrendsQuery{N: 100, MinScore: -1, MinAuthors: 2, Baseline: 4 * time.Hour}
	got, err := ix.Query(q, head, cut, false)
	if err != nil {
		t.Fatal(err)
	}
	want := naive(kept, q, head, cut)
	if !reflect.DeepEqual(got.Trends, want.Trends) {
		t.Errorf("after drop:\n got %+v\nwant %+v", got.Trends, want.Trends)
	}
	if !got.BaselineShort || got.BaselineHeld >= 4*time.Hour {
		t.Errorf("baseline short %v held %v, want short", got.BaselineShort, got.BaselineHeld)
	}
	ix.DropBefore(head + int64(time.Hour))
	if n := ix.tags.Distinct(); n != 0 {
		t.Errorf("%d tags held after dropping everything", n)
	}
	if len(ix.langs) != 0 || len(ix.all.buckets) != 0 {
		t.Errorf("buckets held after dropping everything")
	}
}

func TestQueryRejects(t *testing.T) {
	ix := New(nil)
	for name, q := range map[string]store.TrendsQuery{
		"baseline shorter than window": {Window: 2 * time.Hour, Baseline: time.Hour},
		"window under a bucket":        {Window: time.Minute},
		"too long":                     {Window: time.Hour, Baseline: 30 * 24 * time.Hour},
		"country and box":              {Country: "ES", Within: func(float64, float64) bool { return true }},
		"n too big":                    {N: 1000},
	} {
		if _, err := ix.Query(q, t0, t0, false); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ix.Query(store.TrendsQuery{Country: "ES"}, t0, t0, false); err != ErrNoCountries {
		t.Errorf("country without outlines: %v", err)
	}
}

func TestAuthorOf(t *testing.T) {
	if AuthorOf("", "") != 0 {
		t.Error("no ids should be author 0")
	}
	if AuthorOf("12", "") == AuthorOf("", "12") {
		t.Error("a user id and a post id collide")
	}
	if AuthorOf("12", "a") != AuthorOf("12", "b") {
		t.Error("the user id decides")
	}
}

// TestWarmingUp: with less baseline held than a window, nothing is
// listed, however new every tag looks, and the answer says so.
func TestWarmingUp(t *testing.T) {
	ix := New(nil)
	var head int64
	for i := range 600 {
		p := Post{Lang: "en", Time: t0 + int64(i)*int64(6*time.Second), Tags: []string{fmt.Sprint("t", i%3)}, Author: uint32(i)}
		ix.Add(&p)
		head = p.Time
	}
	// An hour of posts: the 1h window holds them all, no baseline.
	res, err := ix.Query(store.TrendsQuery{MinScore: -1}, head, t0, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.WarmingUp || len(res.Trends) != 0 || res.WindowActivity == 0 {
		t.Errorf("an hour of posts, a 1h window: warming up %v, trends %d, activity %d", res.WarmingUp, len(res.Trends), res.WindowActivity)
	}
	// A 30-minute window has 30 minutes of baseline behind it.
	res, err = ix.Query(store.TrendsQuery{Window: 30 * time.Minute, MinScore: -1, MinAuthors: 1}, head, t0, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.WarmingUp || res.BaselineHeld < 30*time.Minute {
		t.Errorf("30m window over an hour: warming up %v, baseline held %v", res.WarmingUp, res.BaselineHeld)
	}
}

// TestMemoryBytesKeptUpToDate checks the running byte count against a walk
// of every bucket, through adds (late posts included), folds and drops.
func TestMemoryBytesKeptUpToDate(t *testing.T) {
	walk := func(ix *Index) int64 {
		n := ix.tags.MemoryBytes() + int64(cap(ix.all.buckets))*8
		for _, bk := range ix.all.buckets {
			n += bk.bytes()
		}
		for _, l := range ix.langs {
			n += int64(cap(l.buckets)) * 8
			for _, bk := range l.buckets {
				n += bk.bytes()
			}
		}
		return n
	}
	ps := randomPosts(5, 30000)
	ix := New(halves)
	for i := range ps {
		ix.Add(&ps[i])
		if i%997 == 0 {
			if got, want := ix.MemoryBytes(), walk(ix); got != want {
				t.Fatalf("after %d posts: MemoryBytes %d, buckets hold %d", i+1, got, want)
			}
		}
	}
	for _, cut := range []time.Duration{10 * time.Hour, 30 * time.Hour, 40 * time.Hour} {
		ix.DropBefore(t0 + int64(cut))
		if got, want := ix.MemoryBytes(), walk(ix); got != want {
			t.Fatalf("after dropping before %v: MemoryBytes %d, buckets hold %d", cut, got, want)
		}
	}
	if ix.held != 0 {
		t.Errorf("everything dropped: buckets still count %d bytes", ix.held)
	}
}
