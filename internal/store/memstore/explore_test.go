package memstore

import (
	"context"
	"math/rand/v2"
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
			if r.IntN(50) == 0 {
				ps[i].Time = ps[i].Time.Add(-time.Duration(r.IntN(3600)) * time.Second)
			}
		}
		all = append(all, ps...)
		return ps
	})
	defer s.Close()
	europe := store.BBox{West: -10, South: 35, East: 30, North: 60}
	box, _ := analysis.NewBox(europe)
	ctx := context.Background()
	for _, q := range []store.HistogramQuery{
		{},
		{Buckets: 7},
		{Lang: "es", Buckets: 1000},
		{Range: store.Range{From: storetest.T0.Add(17 * time.Minute), To: storetest.T0.Add(3*time.Hour + 7*time.Second)}, Buckets: 33},
		{Tag: "tag1"},
		{BBox: europe, Buckets: 100},
	} {
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
			if !q.BBox.IsZero() && (!p.HasPoint || !box.Contains(p.Point)) {
				continue
			}
			k := (tm - start) / int64(step)
			posts[k]++
			if p.HasPoint {
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
