package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// PostPool parses a corpus into the posts a store would hold: the app's
// parser, and the language the demo generator wrote each post in (its
// "lang" field, which the generator draws from its language mix). That
// gives the real distributions of languages, hashtags and points without
// paying a detector for ten million posts: detection is measured by the
// ingest scenarios, this pool only fills stores to query.
func PostPool(lines [][]byte, newParser func() pipeline.Parser) []post.Post {
	p := newParser()
	pool := make([]post.Post, 0, len(lines))
	for _, l := range lines {
		var ps post.Post
		if p.Parse(l, &ps).Kind != pipeline.KindPost || ps.PlatformLang == "" || ps.PlatformLang == "und" {
			continue
		}
		ps.Lang = ps.PlatformLang
		pool = append(pool, ps)
	}
	return pool
}

// Fill records n posts drawn round-robin from pool into rec, spaced evenly
// over span and ending at end, in batches of 256 (the pipeline's batch
// size), with fresh increasing ids. It returns how long recording took.
func Fill(ctx context.Context, rec store.Recorder, pool []post.Post, n int, end time.Time, span time.Duration) (time.Duration, error) {
	if len(pool) == 0 {
		return 0, errors.New("bench: empty post pool")
	}
	step := span / time.Duration(max(n, 1))
	start := end.Add(-span)
	batch := make([]post.Post, 0, 256)
	ids := make([]byte, 0, 24)
	var took time.Duration
	for i := 0; i < n; i++ {
		ps := pool[i%len(pool)]
		ps.Time = start.Add(time.Duration(i) * step)
		ids = strconv.AppendUint(ids[:0], 400_000_000_000_000_000+uint64(i), 10)
		ps.ID = string(ids)
		batch = append(batch, ps)
		if len(batch) == cap(batch) || i == n-1 {
			t0 := time.Now()
			if err := rec.Record(ctx, batch); err != nil {
				return took, err
			}
			took += time.Since(t0)
			batch = batch[:0]
		}
	}
	return took, nil
}

// HeapInUse is the live heap after a full collection.
func HeapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// QueryCase is one query, run directly on the store and through the API.
type QueryCase struct {
	Name   string
	Direct func(ctx context.Context, q store.Querier) error
	Path   string // API path and query string
}

// DashboardQueries are what the dashboard asks while a user watches: the
// top hashtags of every language (its default panel), one language's top
// over the 24 h window, the world heat map over 24 h at the grid the
// dashboard uses at world zoom (zoom 1 + 2, limit 5000), and the status.
func DashboardQueries() []QueryCase {
	world := store.BBox{West: -180, South: -85, East: 180, North: 85}
	return []QueryCase{
		{"top", func(ctx context.Context, q store.Querier) error {
			_, err := q.Top(ctx, store.TopQuery{N: 3, Last: 5000})
			return err
		}, "/api/top?n=3&last=5000"},
		{"top-24h", func(ctx context.Context, q store.Querier) error {
			_, err := q.Top(ctx, store.TopQuery{Lang: "en", N: 10, Window: 24 * time.Hour})
			return err
		}, "/api/top?lang=en&n=10&window=24h"},
		{"heat-world", func(ctx context.Context, q store.Querier) error {
			_, err := q.Heat(ctx, store.HeatQuery{Window: 24 * time.Hour, BBox: world, Zoom: 3, Limit: 5000})
			return err
		}, "/api/heat?window=24h&bbox=-180,-85,180,85&zoom=3&limit=5000"},
		{"status", func(ctx context.Context, q store.Querier) error {
			_, err := q.Stats(ctx)
			return err
		}, "/api/status"},
	}
}

// TimeDirect runs each case once untimed, then iters times on q, and
// returns the latencies.
func TimeDirect(ctx context.Context, q store.Querier, cases []QueryCase, iters int) ([]Latency, error) {
	rec := NewRecorder()
	for _, c := range cases {
		// One untimed run first: the first touch of what a fill of
		// millions of posts left cold in memory costs a query 10-25 ms
		// once, which every later run is spared.
		if err := c.Direct(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		for range iters {
			t0 := time.Now()
			if err := c.Direct(ctx, q); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			rec.Add(c.Name, time.Since(t0))
		}
	}
	return rec.Summary(), nil
}

// APIServer serves the real API handler for q on a loopback port.
type APIServer struct {
	URL string
	srv *http.Server
}

// ServeAPI starts the API (internal/httpapi, as `geoheat serve` mounts it)
// over q on 127.0.0.1 at a free port.
func ServeAPI(q store.Querier) (*APIServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: httpapi.New(httpapi.Options{Querier: q, Logger: discardLogger()}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &APIServer{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the server.
func (s *APIServer) Close() error { return s.srv.Close() }

// Get fetches base+path, reads the whole body and fails on a status other
// than 200: a client sees the answer only once it is all there.
func Get(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// TimeHTTP runs each case iters times through the API at base, one request
// at a time over a kept-alive connection, and returns the latencies.
func TimeHTTP(ctx context.Context, base string, cases []QueryCase, iters int) ([]Latency, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	rec := NewRecorder()
	for _, qc := range cases {
		for range iters {
			t0 := time.Now()
			if err := Get(ctx, c, base+qc.Path); err != nil {
				return nil, fmt.Errorf("%s: %w", qc.Name, err)
			}
			rec.Add(qc.Name, time.Since(t0))
		}
	}
	return rec.Summary(), nil
}
