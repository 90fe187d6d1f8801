package redisstore_test

import (
	"bytes"
	"cmp"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
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

// BenchmarkKeptText records 100k demo posts (the generator's texts,
// handles and ids, parsed as the pipeline parses them) with text kept, and
// reports what the kept records cost in Redis (kept-bytes/post: MEMORY
// USAGE of the ":k" list per post kept) beside the rest of the data
// (data-bytes/post); the sub-benchmarks time the queries that read the
// kept records. Measure with -benchtime=20x.
func BenchmarkKeptText(b *testing.B) {
	const n = 100_000
	srv := redistest.Start(b)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := demo.New(demo.Options{Seed: 7, Now: func() time.Time { return storetest.T0 }}).WriteFile(&buf, n*12/10); err != nil {
		b.Fatal(err)
	}
	var posts []post.Post
	var parser pipeline.TweetParser
	for line := range bytes.Lines(buf.Bytes()) {
		var p post.Post
		if parser.Parse(line, &p).Kind != pipeline.KindPost {
			continue
		}
		p.Lang = cmp.Or(p.PlatformLang, "en") // detection is not what is measured
		posts = append(posts, p)
		if len(posts) == n {
			break
		}
	}
	prefix := redistest.Prefix(b)
	s, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL(""), Prefix: prefix, KeepText: n})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for rest := posts; len(rest) > 0; {
		k := min(len(rest), 512)
		if err := s.Record(ctx, rest[:k]); err != nil {
			b.Fatal(err)
		}
		rest = rest[k:]
	}
	st, err := s.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	kept, err := s.Client().MemoryUsage(ctx, "{"+prefix+"}:k", 0).Result()
	if err != nil {
		b.Fatal(err)
	}
	var textBytes int
	for i := range posts {
		textBytes += min(len(posts[i].Text), store.SnippetBytes)
	}
	b.Logf("%d posts: kept list %d bytes (%.0f/post; snippets average %.0f bytes), other data %.0f bytes/post",
		st.Posts, kept, float64(kept)/float64(n), float64(textBytes)/float64(n), float64(st.MemoryBytes-kept)/float64(n))
	// A word of a post's text, of plain letters so that it is one search
	// word.
	word := ""
	for i := n / 2; word == ""; i++ {
		for _, f := range strings.Fields(posts[i].Text) {
			if len(f) >= 4 && strings.Trim(f, "abcdefghijklmnopqrstuvwxyz") == "" {
				word = f
				break
			}
		}
	}
	for _, q := range []struct {
		name string
		run  func() error
	}{
		{"posts", func() error { _, err := s.Posts(ctx, store.PostsQuery{}); return err }},
		{"posts q", func() error { _, err := s.Posts(ctx, store.PostsQuery{Q: word}); return err }},
		{"top q", func() error { _, err := s.Top(ctx, store.TopQuery{Q: word}); return err }},
		{"histogram", func() error { _, err := s.Histogram(ctx, store.HistogramQuery{}); return err }},
		{"top bbox", func() error {
			_, err := s.Top(ctx, store.TopQuery{BBox: store.BBox{West: -10, South: 35, East: 30, North: 60}})
			return err
		}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if err := q.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
