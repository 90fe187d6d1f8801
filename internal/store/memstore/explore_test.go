package memstore

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// TestHistogramAgainstPosts checks the chunk-wise histogram, over many
// chunks with some posts out of time order, against counting the posts
// one by one.
func TestHistogramAgainstPosts(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	var all []post.Post
	s := fillWith(t, Options{}, 60_000, func(ps []post.Post) []post.Post {
		for i := range ps {
			// Late posts in the first third only: the chunks after
			// hold their times in order, which a histogram splits at
			// bucket edges by binary search.
			if len(all) < 20_000 && r.IntN(50) == 0 {
				ps[i].Time = ps[i].Time.Add(-time.Duration(r.IntN(3600)) * time.Second)
			}
			// Inferred points beside the platform's: the default
			// (trusted) histogram of a box selects by class.
			if ps[i].HasPoint && r.IntN(3) == 0 {
				ps[i].GeoSource = []post.GeoSource{post.GeoProfile, post.GeoText, post.GeoPlace}[r.IntN(3)]
			}
		}
		all = append(all, ps...)
		return ps
	})
	defer s.Close()
	europe := store.BBox{West: -10, South: 35, East: 30, North: 60}
	ctx := context.Background()
	for _, q := range []store.HistogramQuery{
		{},
		{Buckets: 7},
		{Lang: "es", Buckets: 1000},
		{Range: store.Range{From: storetest.T0.Add(17 * time.Minute), To: storetest.T0.Add(3*time.Hour + 7*time.Second)}, Buckets: 33},
		{Tag: "tag1"},
		{BBox: europe, Buckets: 100},
		{BBox: europe, Buckets: 3}, // whole chunks counted through the cell index
		{BBox: europe, Buckets: 2, Tag: "tag1"},
		{BBox: store.BBox{West: 100, South: -60, East: -100, North: 20}, Buckets: 5},
		{BBox: europe, Buckets: 3, Geo: post.GeoSetInferred},
		{BBox: europe, Buckets: 3, Geo: post.GeoSetAll},
		{BBox: europe, Buckets: 3, Geo: 1<<post.GeoExact | 1<<post.GeoText}, // not whole classes
		{BBox: europe, Buckets: 100, Geo: post.GeoSetInferred},
		{BBox: europe, Buckets: 1000},
		{BBox: europe, Range: store.Range{From: storetest.T0.Add(17*time.Minute + 3*time.Second), To: storetest.T0.Add(19*time.Minute + 7*time.Second)}, Buckets: 33},
		{BBox: store.BBox{West: -180, South: -90, East: 180, North: 90}, Buckets: 500, Geo: post.GeoSetAll},
		{Buckets: 7, Geo: post.GeoSetInferred},
	} {
		box, _ := analysis.NewBox(q.BBox)
		got, err := s.Histogram(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		nq, _ := q.Normalize()
		lo, hi := store.UnixNanos(got.From), store.UnixNanos(got.To)
		start, step, n := store.HistogramPlan(lo, hi, nq.Buckets)
		posts, points := make([]int64, n), make([]int64, n)
		for _, p := range all {
			tm := store.UnixNanos(p.Time)
			if tm < lo || tm >= hi || q.Lang != "" && p.Lang != q.Lang {
				continue
			}
			if q.Tag != "" {
				found := false
				for _, h := range p.Hashtags {
					found = found || strings.ToLower(h) == q.Tag
				}
				if !found {
					continue
				}
			}
			inGeo := p.HasPoint && nq.Geo.Has(store.PointSource(&p))
			if !q.BBox.IsZero() && (!inGeo || !box.Contains(p.Point)) {
				continue
			}
			k := (tm - start) / int64(step)
			posts[k]++
			if inGeo {
				points[k]++
			}
		}
		if len(got.Buckets) != n {
			t.Fatalf("%+v: %d buckets, want %d", q, len(got.Buckets), n)
		}
		for i, b := range got.Buckets {
			if b.Posts != posts[i] || b.Points != points[i] {
				t.Fatalf("%+v: bucket %d = %d posts %d points, want %d, %d", q, i, b.Posts, b.Points, posts[i], points[i])
			}
		}
	}
}

// TestBoxQueriesAgainstPosts checks Top and Counts of a box, answered
// through the point chunks' cell indexes, against going through the posts
// one by one: the same tags, counts and tie order (first seen first).
func TestBoxQueriesAgainstPosts(t *testing.T) {
	t.Run("one core", func(t *testing.T) { testBoxQueriesAgainstPosts(t) })
	t.Run("shared out", func(t *testing.T) {
		defer func(w int) { parallelWork = w }(parallelWork)
		parallelWork = 0
		testBoxQueriesAgainstPosts(t)
	})
}

func testBoxQueriesAgainstPosts(t *testing.T) {
	var all []post.Post
	s := fillWith(t, Options{}, 60_000, func(ps []post.Post) []post.Post {
		all = append(all, ps...)
		return ps
	})
	defer s.Close()
	ctx := context.Background()
	boxes := []store.BBox{
		{West: -10, South: 35, East: 30, North: 60},
		{West: 100, South: -60, East: -100, North: 20},
	}
	for _, p := range all[len(all)/2:] {
		if p.HasPoint { // a city's box, inside one grid cell or across a few
			boxes = append(boxes, store.BBox{West: p.Point.Lon - 0.2, South: p.Point.Lat - 0.2, East: p.Point.Lon + 0.2, North: p.Point.Lat + 0.2})
			break
		}
	}
	for _, b := range boxes {
		box, _ := analysis.NewBox(b)
		type tally struct {
			counts        map[string]int64
			order         []string
			posts, hashes int64
		}
		want := map[string]*tally{}
		for _, p := range all {
			if !p.HasPoint || !box.Contains(p.Point) {
				continue
			}
			tl := want[p.Lang]
			if tl == nil {
				tl = &tally{counts: map[string]int64{}}
				want[p.Lang] = tl
			}
			tl.posts++
			for _, h := range p.Hashtags {
				h = strings.ToLower(h)
				if tl.counts[h] == 0 {
					tl.order = append(tl.order, h)
				}
				tl.counts[h]++
				tl.hashes++
			}
		}
		tops, err := s.Top(ctx, store.TopQuery{BBox: b, N: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, lt := range tops {
			tl := want[lt.Lang]
			if tl == nil {
				if len(lt.Tags) > 0 {
					t.Errorf("box %v: %s has tags %v, but no post in the box", b, lt.Lang, lt.Tags)
				}
				continue
			}
			ranked := slices.Clone(tl.order)
			slices.SortStableFunc(ranked, func(x, y string) int { return cmp.Compare(tl.counts[y], tl.counts[x]) })
			ranked = ranked[:min(5, len(ranked))]
			var got []string
			for _, tc := range lt.Tags {
				got = append(got, tc.Tag)
				if tc.Count != tl.counts[tc.Tag] {
					t.Errorf("box %v, %s: #%s counted %d, want %d", b, lt.Lang, tc.Tag, tc.Count, tl.counts[tc.Tag])
				}
			}
			if !slices.Equal(got, ranked) {
				t.Errorf("box %v, %s: top %v, want %v", b, lt.Lang, got, ranked)
			}
		}
		counts, err := s.Counts(ctx, store.CountsQuery{BBox: b})
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, lc := range counts {
			tl := want[lc.Lang]
			if tl == nil || lc.Posts != tl.posts || lc.Hashtags != tl.hashes {
				t.Errorf("box %v, %s: %d posts %d hashtags, want %+v", b, lc.Lang, lc.Posts, lc.Hashtags, tl)
			}
			total += lc.Posts
		}
		if total == 0 {
			t.Errorf("box %v: nothing counted; the test needs posts in it", b)
		}
	}
}
