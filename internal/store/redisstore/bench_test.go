package redisstore_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
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
