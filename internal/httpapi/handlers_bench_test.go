package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

var (
	benchStoreOnce sync.Once
	benchStore     *memstore.Store
)

// benchQuerier is an in-memory memstore holding 1 M posts over 24 h: a
// skewed language mix, Zipf hashtags on a third of the posts, a point on
// 30 % clustered around 300 cities. Built once for all the benchmarks.
func benchQuerier(b *testing.B) *memstore.Store {
	benchStoreOnce.Do(func() {
		st, err := memstore.Open(memstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 4))
		zipf := rand.NewZipf(rng, 1.2, 1, 9999)
		langs := []string{"en", "en", "en", "en", "es", "es", "pt", "ja", "ar", "fr", "de", "tr", "it", "ru"}
		cities := make([]post.Point, 300)
		for i := range cities {
			cities[i] = post.Point{Lat: rng.Float64()*120 - 60, Lon: rng.Float64()*360 - 180}
		}
		const n = 1_000_000
		end := time.Now()
		batch := make([]post.Post, 0, 256)
		for i := range n {
			p := post.Post{ID: fmt.Sprint(1_000_000_000 + i), Time: end.Add(-24 * time.Hour).Add(time.Duration(i) * (24 * time.Hour / n)),
				Lang: langs[rng.IntN(len(langs))], Text: "x"}
			if rng.IntN(3) == 0 {
				p.Hashtags = []string{fmt.Sprintf("Tag%d", zipf.Uint64())}
			}
			if rng.IntN(10) < 3 {
				c := cities[rng.IntN(len(cities))]
				p.HasPoint, p.GeoSource, p.GeoConfidence = true, post.GeoExact, 1
				p.Point = post.Point{Lat: c.Lat + rng.NormFloat64()*0.2, Lon: c.Lon + rng.NormFloat64()*0.2}
			}
			batch = append(batch, p)
			if len(batch) == cap(batch) {
				if err := st.Record(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		benchStore = st
	})
	return benchStore
}

// BenchmarkHandlers measures the API's hot endpoints end to end in the
// handler (parameter parsing, the store query, JSON encoding) on 1 M posts,
// without the network: what each dashboard poll costs the server.
func BenchmarkHandlers(b *testing.B) {
	st := benchQuerier(b)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// uncached: what a poll costs when it has to be computed (the first of
	// a second, or a query nobody else asks); cached: what every other
	// identical poll costs.
	uncached := New(Options{Querier: st, Logger: logger,
		Guard: NewGuard(GuardOptions{Stats: st.Stats, Limiter: NewLimiter(1, time.Minute), NoCache: true})})
	cached := New(Options{Querier: st, Logger: logger})
	for _, tc := range []struct{ name, url string }{
		{"top/all", "/api/top?n=3&last=5000"},
		{"top/en-24h", "/api/top?lang=en&n=10&window=24h"},
		{"heat/world-24h", "/api/heat?window=24h&bbox=-180,-85,180,85&zoom=3&limit=5000"},
		{"heat/world-1h", "/api/heat?window=1h&bbox=-180,-85,180,85&zoom=3&limit=5000"},
		{"status", "/api/status"},
		{"counts", "/api/counts"},
	} {
		for _, v := range []struct {
			name string
			api  *API
		}{{"uncached", uncached}, {"cached", cached}} {
			name := tc.name + "/" + v.name
			if !strings.HasPrefix(tc.name, "top/") && !strings.HasPrefix(tc.name, "heat/") {
				if v.name == "cached" {
					continue // never cached
				}
				name = tc.name
			}
			b.Run(name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, tc.url, nil)
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					v.api.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("%s: %d %s", tc.url, w.Code, w.Body.String())
					}
				}
			})
		}
	}
}

// BenchmarkGuardHitParallel measures the cache's hit path under contention:
// every core asking the same answer, as many dashboards on one view do.
func BenchmarkGuardHitParallel(b *testing.B) {
	g := NewGuard(GuardOptions{MaxAge: time.Hour})
	body := make([]byte, 200<<10)
	ctx := context.Background()
	key := heatKey{Zoom: 3}
	if _, err := g.Do(ctx, key, func(context.Context) (Answer, error) { return Answer{Body: body}, nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := g.Do(ctx, key, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLiveSnapshot measures one tick's work for one selection: the
// shared part (stats, counts, series) and the subscriber's top list and
// JSON encoding. A tick costs one of these per distinct selection,
// whatever the number of subscribers.
func BenchmarkLiveSnapshot(b *testing.B) {
	st := benchQuerier(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := NewLive(ctx, LiveOptions{Querier: st, Interval: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, sel := range []map[string][]string{{}, {"lang": {"en"}, "window": {"1h"}}} {
		name := "all"
		if len(sel) > 0 {
			name = "en-1h"
		}
		b.Run(name, func(b *testing.B) {
			s, q, err := ParseSelection(sel)
			if err != nil {
				b.Fatal(err)
			}
			sub := &subscriber{sel: s, query: q, notify: make(chan struct{}, 1)}
			b.ReportAllocs()
			for b.Loop() {
				base, err := l.base(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.event(ctx, base, sub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
