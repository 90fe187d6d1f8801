package redisstore_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// BenchmarkRecord records batches of 256 posts (a third with a point, 0-3
// hashtags) into a local redis-server; posts/s is the store's throughput.
func BenchmarkRecord(b *testing.B) {
	srv := redistest.Start(b)
	s, err := redisstore.Open(context.Background(), redisstore.Options{URL: srv.URL(""), Prefix: redistest.Prefix(b), MaxPosts: 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	posts := genPosts(rand.New(rand.NewPCG(1, 1)), 256*64, storetest.T0, time.Millisecond)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % 64
		if err := s.Record(context.Background(), posts[k*256:(k+1)*256]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*256)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkTopWindow: top-3 over a 15-minute window of 200k posts held.
func BenchmarkTopWindow(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL(""), Prefix: redistest.Prefix(b), Now: func() time.Time { return storetest.T0.Add(48 * time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	posts := genPosts(rand.New(rand.NewPCG(2, 2)), 200_000, storetest.T0, 200*time.Millisecond) // 11 hours
	for len(posts) > 0 {
		n := min(len(posts), 512)
		if err := s.Record(ctx, posts[:n]); err != nil {
			b.Fatal(err)
		}
		posts = posts[n:]
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Top(ctx, store.TopQuery{N: 3, Window: 15 * time.Minute}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrends: trends over 1 M posts held across 24 h (genPosts'
// mix: 8 languages, a third with a point), the default 1 h window and 24 h
// baseline; each query reads every post of its languages in the span. The
// embedded store's answer from its kept index is the reference.
// Measure with -benchtime=3x (loading takes a while).
func BenchmarkTrends(b *testing.B) {
	const n = 1_000_000
	srv := redistest.Start(b)
	ctx := context.Background()
	now := func() time.Time { return storetest.T0.Add(25 * time.Hour) }
	rs, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL(""), Prefix: redistest.Prefix(b), Now: now, CountryOf: storetest.CountryOf})
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	mem, err := memstore.Open(memstore.Options{Now: now, CountryOf: storetest.CountryOf})
	if err != nil {
		b.Fatal(err)
	}
	defer mem.Close()
	posts := genPosts(rand.New(rand.NewPCG(3, 3)), n, storetest.T0, 24*time.Hour/n)
	for len(posts) > 0 {
		k := min(len(posts), 512)
		for _, s := range []store.Store{rs, mem} {
			if err := s.Record(ctx, posts[:k]); err != nil {
				b.Fatal(err)
			}
		}
		posts = posts[k:]
	}
	for _, q := range []struct {
		name string
		q    store.TrendsQuery
	}{
		{"every language", store.TrendsQuery{}},
		{"es", store.TrendsQuery{Lang: "es"}},
		{"country ES", store.TrendsQuery{Country: "ES"}},
		{"es in ES", store.TrendsQuery{Lang: "es", Country: "ES"}},
	} {
		for _, s := range []struct {
			name string
			s    store.Store
		}{{"redis", rs}, {"memstore", mem}} {
			b.Run(q.name+"/"+s.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := s.s.Trends(ctx, q.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
