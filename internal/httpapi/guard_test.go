package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store/storetest"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// countingQuerier delegates to a real memstore and counts the expensive
// calls; gate, when set, is called at the start of each Heat so a test can
// hold a query in flight (instrumentation, not a fake: answers come from
// the store).
type countingQuerier struct {
	*memstore.Store
	heat, top, points, stats atomic.Int64
	gate                     func(ctx context.Context, q store.HeatQuery) error
}

func (c *countingQuerier) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	c.heat.Add(1)
	if c.gate != nil {
		if err := c.gate(ctx, q); err != nil {
			return store.HeatResult{}, err
		}
	}
	return c.Store.Heat(ctx, q)
}

func (c *countingQuerier) Top(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	c.top.Add(1)
	return c.Store.Top(ctx, q)
}

func (c *countingQuerier) Points(ctx context.Context, q store.PointsQuery) ([]store.Point, error) {
	c.points.Add(1)
	return c.Store.Points(ctx, q)
}

func (c *countingQuerier) Stats(ctx context.Context) (store.Stats, error) {
	c.stats.Add(1)
	return c.Store.Stats(ctx)
}

var guardT0 = time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)

// guardPost is an English post with an exact point and a hashtag, i
// seconds after guardT0.
func guardPost(i int, lat, lon float64, src post.GeoSource) post.Post {
	conf := float32(1)
	if src.Inferred() {
		conf = 0.5
	}
	return post.Post{Lang: "en", Time: guardT0.Add(time.Duration(i) * time.Second), HasPoint: true, Text: "x",
		Point: post.Point{Lat: lat, Lon: lon}, GeoSource: src, GeoConfidence: conf, Hashtags: []string{"tag"}}
}

type guardFixture struct {
	st    *memstore.Store
	q     *countingQuerier
	clock *storetest.Clock
	guard *Guard
	srv   *httptest.Server
}

func newGuardFixture(t *testing.T, lim *Limiter) *guardFixture {
	t.Helper()
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Record(context.Background(), []post.Post{
		guardPost(1, 51.5, -0.12, post.GeoExact),
		guardPost(2, 48.85, 2.35, post.GeoPlace),
		guardPost(3, 35.68, 139.69, post.GeoProfile),
	}); err != nil {
		t.Fatal(err)
	}
	f := &guardFixture{st: st, q: &countingQuerier{Store: st}, clock: storetest.NewClock(time.Unix(1_700_000_000, 0))}
	if lim == nil {
		lim = NewLimiter(4, 2*time.Second)
	}
	f.guard = NewGuard(GuardOptions{Stats: f.q.Stats, Limiter: lim, Now: f.clock.Now})
	f.srv = httptest.NewServer(New(Options{Querier: f.q, Guard: f.guard}))
	t.Cleanup(f.srv.Close)
	return f
}

type response struct {
	code  int
	body  string
	retry string
	env   struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Data      json.RawMessage `json:"data"`
	}
}

func (f *guardFixture) get(t *testing.T, path string) response {
	t.Helper()
	return fetch(t, context.Background(), f.srv.URL+path)
}

func fetch(t *testing.T, ctx context.Context, url string) response {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Error(err)
		return response{}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return response{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	r := response{code: resp.StatusCode, body: string(b), retry: resp.Header.Get("Retry-After")}
	if err := json.Unmarshal(b, &r.env); err != nil {
		t.Errorf("%s: %v: %s", url, err, b)
	}
	return r
}

func heatPoints(t *testing.T, r response) int64 {
	t.Helper()
	if r.code != http.StatusOK {
		t.Fatalf("status %d: %s", r.code, r.body)
	}
	var d HeatData
	if err := json.Unmarshal(r.env.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d.Points
}

func TestGuardServesIdenticalRequestsFromCache(t *testing.T) {
	f := newGuardFixture(t, nil)
	first := f.get(t, "/api/heat?zoom=3")
	if got := heatPoints(t, first); got != 2 {
		t.Fatalf("heat points = %d, want 2 (exact and place)", got)
	}
	// Equivalent spellings of the same query parse to the same key.
	for _, path := range []string{"/api/heat?zoom=3", "/api/heat?zoom=03&window=all&geo=trusted", "/api/heat?zoom=3&bbox=&lang=all"} {
		r := f.get(t, path)
		if r.body != first.body {
			t.Errorf("%s: body differs from the first answer:\n%s\n%s", path, r.body, first.body)
		}
	}
	if n := f.q.heat.Load(); n != 1 {
		t.Errorf("store Heat calls = %d, want 1", n)
	}
	// Past MaxAge with nothing recorded, the answer is revalidated with one
	// Stats call, not recomputed.
	f.clock.Advance(5 * time.Second)
	stats := f.q.stats.Load()
	if r := f.get(t, "/api/heat?zoom=3"); r.body != first.body {
		t.Errorf("revalidated body differs")
	}
	if n := f.q.heat.Load(); n != 1 {
		t.Errorf("store Heat calls after revalidation = %d, want 1", n)
	}
	if n := f.q.stats.Load() - stats; n != 1 {
		t.Errorf("Stats calls for a revalidation = %d, want 1", n)
	}
	if s := f.guard.Stats(); s.Computed != 1 || s.Hits != 4 {
		t.Errorf("guard stats %+v, want 1 computed, 4 hits", s)
	}
}

func TestGuardRecordVisibleAfterMaxAge(t *testing.T) {
	f := newGuardFixture(t, nil)
	for _, path := range []string{"/api/heat?zoom=3", "/api/points?lang=en", "/api/top?window=24h"} {
		if r := f.get(t, path); r.code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.code, r.body)
		}
	}
	before := map[string]string{}
	for _, path := range []string{"/api/heat?zoom=3", "/api/points?lang=en", "/api/top?window=24h"} {
		before[path] = f.get(t, path).body
	}
	if err := f.st.Record(context.Background(), []post.Post{guardPost(10, 40.4, -3.7, post.GeoExact)}); err != nil {
		t.Fatal(err)
	}
	// Within MaxAge the cached answer may lag the store...
	f.clock.Advance(500 * time.Millisecond)
	if got := heatPoints(t, f.get(t, "/api/heat?zoom=3")); got != 2 {
		t.Errorf("within MaxAge: heat points = %d, want the cached 2", got)
	}
	// ...never longer.
	f.clock.Advance(600 * time.Millisecond)
	if got := heatPoints(t, f.get(t, "/api/heat?zoom=3")); got != 3 {
		t.Errorf("after MaxAge: heat points = %d, want 3 (the new Madrid point)", got)
	}
	for _, path := range []string{"/api/points?lang=en", "/api/top?window=24h"} {
		if r := f.get(t, path); r.body == before[path] {
			t.Errorf("%s: still the answer from before the Record: %s", path, r.body)
		}
	}
	if n := f.q.heat.Load(); n != 2 {
		t.Errorf("store Heat calls = %d, want 2", n)
	}
}

func TestGuardKeysDoNotCollide(t *testing.T) {
	f := newGuardFixture(t, nil)
	paths := []string{
		"/api/heat?zoom=3",
		"/api/heat?zoom=3&geo=all",                    // + the inferred Tokyo point
		"/api/heat?zoom=3&bbox=-10,40,10,60",          // London and Paris
		"/api/heat?zoom=3&bbox=-10,50,10,60",          // London only
		"/api/heat?zoom=3&bbox=100,20,150,50&geo=all", // Tokyo only
		"/api/heat?zoom=3&tag=other",                  // nothing
	}
	want := []int64{2, 3, 2, 1, 1, 0}
	for i, p := range paths {
		if got := heatPoints(t, f.get(t, p)); got != want[i] {
			t.Errorf("%s: points = %d, want %d", p, got, want[i])
		}
	}
	if n := f.q.heat.Load(); n != int64(len(paths)) {
		t.Errorf("store Heat calls = %d, want one per distinct query (%d)", n, len(paths))
	}
	// Other endpoints have keys of their own even when their queries'
	// fields coincide.
	a, b := f.get(t, "/api/points?lang=en"), f.get(t, "/api/points?lang=en&geo=all")
	if a.body == b.body || f.q.points.Load() != 2 {
		t.Errorf("points default and geo=all share an answer (%d store calls)", f.q.points.Load())
	}
	if r := f.get(t, "/api/top?window=1h"); r.env.Status != "success" || f.q.top.Load() != 1 {
		t.Errorf("top: %s (%d store calls)", r.body, f.q.top.Load())
	}
	if f.guard.Len() != len(paths)+3 {
		t.Errorf("cache holds %d answers, want %d", f.guard.Len(), len(paths)+3)
	}
}

// gate holds every Heat until released, reporting each arrival.
type gate struct {
	arrived chan store.HeatQuery
	release chan struct{}
	ended   chan error // the context error a held query saw, if it ended early
}

func newGate() *gate {
	return &gate{arrived: make(chan store.HeatQuery, 100), release: make(chan struct{}), ended: make(chan error, 100)}
}

func (g *gate) hold(ctx context.Context, q store.HeatQuery) error {
	g.arrived <- q
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		g.ended <- ctx.Err()
		return ctx.Err()
	}
}

func TestGuardSingleFlight(t *testing.T) {
	f := newGuardFixture(t, nil)
	g := newGate()
	f.q.gate = g.hold
	const n = 20
	var wg sync.WaitGroup
	bodies := make([]response, n)
	for i := range n {
		wg.Go(func() { bodies[i] = f.get(t, "/api/heat?zoom=4&window=24h") })
	}
	<-g.arrived
	// Every request is waiting on the one computation before it ends.
	deadline := time.Now().Add(5 * time.Second)
	for f.guard.Stats().Misses < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s := f.guard.Stats(); s.Misses != n {
		t.Fatalf("misses = %d, want %d waiting", s.Misses, n)
	}
	close(g.release)
	wg.Wait()
	for i, r := range bodies {
		if r.code != http.StatusOK || r.body != bodies[0].body {
			t.Errorf("request %d: %d %s", i, r.code, r.body)
		}
	}
	if c := f.q.heat.Load(); c != 1 {
		t.Errorf("store Heat calls = %d for %d concurrent identical misses, want 1", c, n)
	}
}

func TestLimiterAnswers503WhenSaturatedAndRecovers(t *testing.T) {
	lim := NewLimiter(1, 150*time.Millisecond)
	f := newGuardFixture(t, lim)
	g := newGate()
	f.q.gate = g.hold
	held := make(chan response, 1)
	go func() { held <- f.get(t, "/api/heat?zoom=2") }()
	<-g.arrived // the one slot is taken

	t0 := time.Now()
	r := f.get(t, "/api/heat?zoom=5")
	if r.code != http.StatusServiceUnavailable || r.retry != "1" || r.env.ErrorType != "unavailable" {
		t.Errorf("saturated: %d Retry-After=%q %s, want 503, 1, unavailable", r.code, r.retry, r.body)
	}
	if el := time.Since(t0); el < 150*time.Millisecond || el > 3*time.Second {
		t.Errorf("refused after %v, want after the 150 ms wait", el)
	}
	// Cheap endpoints never wait for the limiter.
	for _, p := range []string{"/api/status", "/api/counts", "/healthz", "/api/top?n=3&last=5000"} {
		resp, err := http.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s while saturated: %d", p, resp.StatusCode)
		}
	}
	if lim.Rejected() != 1 {
		t.Errorf("rejected = %d, want 1", lim.Rejected())
	}
	close(g.release)
	if r := <-held; r.code != http.StatusOK {
		t.Errorf("held query: %d %s", r.code, r.body)
	}
	// The refusal was not cached: the same query now runs.
	if got := heatPoints(t, f.get(t, "/api/heat?zoom=5")); got != 2 {
		t.Errorf("after recovery: points %d, want 2", got)
	}
	if lim.InUse() != 0 {
		t.Errorf("slots in use after everything ended: %d", lim.InUse())
	}
}

func TestGuardClientGoneStopsWork(t *testing.T) {
	lim := NewLimiter(1, 5*time.Second)
	f := newGuardFixture(t, lim)
	g := newGate()
	f.q.gate = g.hold

	// A client that gives up while its query runs: the query's context ends
	// with it (nobody else waits), and the slot is freed.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/api/heat?zoom=6", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Error("request succeeded after its client cancelled")
		}
	}()
	<-g.arrived
	cancel()
	<-done
	select {
	case err := <-g.ended:
		if err != context.Canceled {
			t.Errorf("held query ended with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the store query kept running after its only client left")
	}
	waitFor(t, func() bool { return lim.InUse() == 0 }, "the slot to be released")

	// A client waiting for a slot that gives up stops waiting at once, and
	// leaves no computation behind once the slot frees.
	go func() { f.get(t, "/api/heat?zoom=7") }() // holds the slot
	<-g.arrived
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	t0 := time.Now()
	req, _ := http.NewRequestWithContext(ctx2, http.MethodGet, f.srv.URL+"/api/heat?zoom=8", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("queued request succeeded after its deadline")
	}
	if el := time.Since(t0); el > 2*time.Second {
		t.Errorf("queued request took %v to give up, want its 100 ms deadline", el)
	}
	// The server notices the disconnect on its own schedule; once it has,
	// only the zoom=7 computation is left.
	waitFor(t, func() bool { f.guard.mu.Lock(); defer f.guard.mu.Unlock(); return len(f.guard.flights) == 1 }, "the abandoned flight to go")
	calls := f.q.heat.Load()
	close(g.release)
	waitFor(t, func() bool { return lim.InUse() == 0 }, "the slot to be released")
	time.Sleep(50 * time.Millisecond)
	if n := f.q.heat.Load(); n != calls {
		t.Errorf("the abandoned zoom=8 query ran anyway (%d store calls, want %d)", n, calls)
	}
}

func TestGuardBounded(t *testing.T) {
	clock := storetest.NewClock(time.Unix(1_700_000_000, 0))
	g := NewGuard(GuardOptions{Limiter: NewLimiter(1, time.Second), MaxEntries: 4, MaxBytes: 800, Now: clock.Now})
	ctx := context.Background()
	for i := range 10 {
		clock.Advance(time.Millisecond)
		if _, err := g.Do(ctx, i, func(context.Context) (Answer, error) { return Answer{Body: make([]byte, 50)}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if g.Len() != 4 {
		t.Errorf("entries = %d, want the bound 4", g.Len())
	}
	// The newest survive; the oldest went first.
	computed := g.Stats().Computed
	for _, k := range []int{9, 8} {
		if _, err := g.Do(ctx, k, func(context.Context) (Answer, error) { t.Errorf("key %d recomputed", k); return Answer{}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Do(ctx, 0, func(context.Context) (Answer, error) { return Answer{Body: []byte("x")}, nil }); err != nil {
		t.Fatal(err)
	}
	if g.Stats().Computed != computed+1 {
		t.Errorf("evicted key 0 was not recomputed")
	}
	// Bytes: an answer over MaxBytes/8 is never kept; the total stays under MaxBytes.
	if _, err := g.Do(ctx, "big", func(context.Context) (Answer, error) { return Answer{Body: make([]byte, 101)}, nil }); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	_, kept := g.entries["big"]
	total := g.bytes
	g.mu.Unlock()
	if kept || total > 800 {
		t.Errorf("big answer kept=%v, total bytes %d", kept, total)
	}
}

func TestGuardPanicIsAnError(t *testing.T) {
	g := NewGuard(GuardOptions{Limiter: NewLimiter(1, time.Second)})
	_, err := g.Do(context.Background(), "k", func(context.Context) (Answer, error) { panic("boom") })
	if err == nil || g.Len() != 0 || g.Limiter().InUse() != 0 {
		t.Errorf("err %v, %d cached, %d slots in use", err, g.Len(), g.Limiter().InUse())
	}
}

// The limiter never grants more slots than it has, whatever the mix of
// callers that wait, give up or time out.
func TestLimiterNeverExceedsItsSlots(t *testing.T) {
	const slots = 3
	lim := NewLimiter(slots, 20*time.Millisecond)
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			ctx := context.Background()
			if i%3 == 0 { // some callers leave while they wait
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Duration(i%5)*time.Millisecond)
				defer cancel()
			}
			for range 20 {
				release, err := lim.Acquire(ctx)
				if err != nil {
					continue
				}
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if u := lim.InUse(); u > slots {
					t.Errorf("InUse = %d, over %d slots", u, slots)
				}
				time.Sleep(100 * time.Microsecond)
				running.Add(-1)
				release()
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > slots || p == 0 {
		t.Errorf("peak concurrent holders = %d, want 1..%d", p, slots)
	}
	if lim.InUse() != 0 {
		t.Errorf("InUse = %d after every caller released", lim.InUse())
	}
	if lim.Rejected() == 0 {
		t.Error("no caller was refused, though 40 competed for 3 slots with 20 ms waits")
	}
}
