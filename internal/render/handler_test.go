package render

import (
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// countingStore delegates to a real memstore and counts heat queries.
type countingStore struct {
	*memstore.Store
	heat atomic.Int64
}

func (c *countingStore) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	c.heat.Add(1)
	return c.Store.Heat(ctx, q)
}

func TestHandlerCachesImages(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)
	rec := func(i int, lat, lon float64) {
		t.Helper()
		p := post.Post{Lang: "es", Time: t0.Add(time.Duration(i) * time.Second), Text: "x", HasPoint: true,
			Point: post.Point{Lat: lat, Lon: lon}, GeoSource: post.GeoExact, GeoConfidence: 1}
		if err := st.Record(context.Background(), []post.Post{p}); err != nil {
			t.Fatal(err)
		}
	}
	rec(1, 40.4, -3.7)
	src := &countingStore{Store: st}
	// Handler's guard, with a clock the test moves.
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	guard := httpapi.NewGuard(httpapi.GuardOptions{Stats: src.Stats, Now: clock.Now})
	srv := httptest.NewServer(GuardedHandler(src, func() *Outlines { return nil }, guard))
	defer srv.Close()

	get := func(path string) *http.Response {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := png.Decode(resp.Body); err != nil && resp.StatusCode == http.StatusOK {
			t.Fatalf("%s: %v", path, err)
		}
		return resp
	}
	for _, path := range []string{"/api/heat.png?lang=es&width=200", "/api/heat.png?lang=spanish&width=200&window=all"} {
		resp := get(path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Geoheat-Points") != "1" {
			t.Errorf("%s: %d points=%q", path, resp.StatusCode, resp.Header.Get("X-Geoheat-Points"))
		}
	}
	if n := src.heat.Load(); n != 1 {
		t.Errorf("heat queries for two equivalent image requests = %d, want 1", n)
	}
	if resp := get("/api/heat.png?lang=es&width=300"); resp.StatusCode != http.StatusOK || src.heat.Load() != 2 {
		t.Errorf("another size is another image: %d, %d queries", resp.StatusCode, src.heat.Load())
	}
	// A new point shows once the cached image is a second old, not before.
	rec(2, 41.4, 2.2)
	clock.Advance(999 * time.Millisecond)
	if resp := get("/api/heat.png?lang=es&width=200"); resp.Header.Get("X-Geoheat-Points") != "1" {
		t.Errorf("after a Record and 0.999 s: points=%q, want the cached 1", resp.Header.Get("X-Geoheat-Points"))
	}
	clock.Advance(time.Millisecond)
	if resp := get("/api/heat.png?lang=es&width=200"); resp.Header.Get("X-Geoheat-Points") != "2" {
		t.Errorf("after a Record and 1 s: points=%q, want 2", resp.Header.Get("X-Geoheat-Points"))
	}
	if n := src.heat.Load(); n != 3 {
		t.Errorf("%d heat queries, want 3 (two sizes, one redraw)", n)
	}
}

func TestHandlerBusy(t *testing.T) {
	lim := httpapi.NewLimiter(1, 50*time.Millisecond)
	release, err := lim.Acquire(context.Background()) // another query holds the only slot
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeHeat{res: store.HeatResult{Points: 1}}
	h := GuardedHandler(src, func() *Outlines { return nil }, httpapi.NewGuard(httpapi.GuardOptions{Limiter: lim}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/heat.png", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" ||
		!strings.Contains(w.Body.String(), `"errorType":"unavailable"`) {
		t.Errorf("saturated: %d Retry-After=%q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	release()
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/heat.png", nil))
	if w.Code != http.StatusOK {
		t.Errorf("after release: %d %s", w.Code, w.Body)
	}
}
