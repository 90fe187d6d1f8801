package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/store"
	"golang.org/x/sync/semaphore"
)

// Protecting ingest from API load (issues 7 and 8).
//
// A world heat query over 10 M posts costs ~40 ms of CPU and a copy of every
// point it aggregates; dozens of dashboards polling it took the pipeline's
// CPU and the machine's memory. Two defences, shared by every expensive
// endpoint (/api/heat, /api/heat.png, /api/points, windowed /api/top,
// /api/trends):
//
//   - an answer cache of encoded bytes keyed by the normalised query, so any
//     number of identical polls cost at most one computation per MaxAge
//     while the store changes, and none while it does not;
//   - a limiter bounding how many of those computations run at once, so the
//     rest of the CPU stays with ingest and overload is pushed back to the
//     clients (503 + Retry-After) instead of queueing for seconds.
//
// The limiter is golang.org/x/sync/semaphore; the flights and the cache
// are written here because singleflight neither cancels nor caches
// (docs/handwritten.md).

// ErrBusy is returned when an expensive query found no free slot within
// the limiter's wait; the API answers 503 with Retry-After.
var ErrBusy = errors.New("server busy with other queries: retry in a second")

// Limiter bounds concurrent expensive queries: a golang.org/x/sync
// semaphore (first come, first served) whose waits are bounded. Safe for
// concurrent use.
type Limiter struct {
	sem      *semaphore.Weighted
	wait     time.Duration
	inUse    atomic.Int64
	rejected atomic.Int64
}

// NewLimiter returns a limiter of n slots (at least 1) whose Acquire waits
// at most wait for one (default 2 s).
func NewLimiter(n int, wait time.Duration) *Limiter {
	if wait <= 0 {
		wait = 2 * time.Second
	}
	return &Limiter{sem: semaphore.NewWeighted(int64(max(1, n))), wait: wait}
}

// defaultLimiter is shared by every handler of the process that does not
// get its own, so the API and the PNG handler draw from one CPU budget:
// half the cores, the other half left to ingest.
var defaultLimiter = sync.OnceValue(func() *Limiter {
	return NewLimiter(max(1, runtime.GOMAXPROCS(0)/2), 2*time.Second)
})

// DefaultLimiter is the process-wide limiter (max(1, GOMAXPROCS/2) slots,
// 2 s wait).
func DefaultLimiter() *Limiter { return defaultLimiter() }

// Acquire takes a slot, waiting at most the limiter's wait and never past
// ctx. It returns ErrBusy when the wait ran out or ctx ended first (a
// client that has gone does not see the answer; one whose deadline passed
// is told to retry). release must be called exactly once.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	if ctx.Err() == nil {
		ok := l.sem.TryAcquire(1) // no timer when a slot is free
		if !ok {
			wctx, cancel := context.WithTimeout(ctx, l.wait)
			// A slot granted as ctx ends is handed back by the semaphore.
			ok = l.sem.Acquire(wctx, 1) == nil
			cancel()
		}
		if ok {
			l.inUse.Add(1)
			return l.release, nil
		}
	}
	l.rejected.Add(1)
	return nil, ErrBusy
}

func (l *Limiter) release() {
	l.inUse.Add(-1)
	l.sem.Release(1)
}

// Rejected reports how many Acquire calls gave up.
func (l *Limiter) Rejected() int64 { return l.rejected.Load() }

// InUse reports how many slots are taken.
func (l *Limiter) InUse() int { return int(l.inUse.Load()) }

// Answer is an encoded response: what the cache keeps.
type Answer struct {
	Body   []byte
	Header http.Header // extra headers to send (may be nil); never modified once cached
}

// GuardOptions configures a Guard.
type GuardOptions struct {
	// Stats gives the store's version; nil disables revalidation (entries
	// then live MaxAge only).
	Stats func(ctx context.Context) (store.Stats, error)
	// Limiter; nil means DefaultLimiter().
	Limiter *Limiter
	// MaxAge is how long an answer is served without looking at the store
	// (default 1 s): the most a cached answer lags behind ingest.
	MaxAge time.Duration
	// MaxEntries and MaxBytes bound the cache (defaults 256 and 64 MiB);
	// an answer larger than MaxBytes/8 is never kept.
	MaxEntries int
	MaxBytes   int64
	// NoCache keeps nothing: every miss is computed (still shared by
	// concurrent identical requests, still limited). For benchmarks of
	// the uncached cost.
	NoCache bool
	Now     func() time.Time
}

// Guard is an answer cache with single-flight computation in front of a
// Limiter. Safe for concurrent use.
type Guard struct {
	opts GuardOptions

	mu      sync.Mutex
	entries map[any]*cacheEntry
	bytes   int64
	flights map[flightKey]*flight

	hits, misses, computed atomic.Int64
}

// version is what of store.Stats changes when a query's answer may: new or
// dropped posts, and the head time windows are measured from.
type version struct {
	posts, points, dropped, written int64
	head                            time.Time
}

func versionOf(st store.Stats) version {
	return version{posts: st.Posts, points: st.Points, dropped: st.Dropped, written: st.Written, head: st.Head}
}

type cacheEntry struct {
	ans     Answer
	ver     version
	checked time.Time // when ver was last seen current
}

type flightKey struct {
	key any
	ver version
}

// flight is one computation shared by every request for the same key and
// store version. It runs under its own context, cancelled when the last
// waiter leaves, so a computation nobody waits for any more stops (as far
// as the store checks its context) instead of running on.
type flight struct {
	done    chan struct{}
	ans     Answer
	err     error
	waiters int
	cancel  context.CancelFunc
}

// NewGuard returns a guard.
func NewGuard(opts GuardOptions) *Guard {
	if opts.Limiter == nil {
		opts.Limiter = DefaultLimiter()
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 256
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Guard{opts: opts, entries: map[any]*cacheEntry{}, flights: map[flightKey]*flight{}}
}

// Limiter returns the guard's limiter.
func (g *Guard) Limiter() *Limiter { return g.opts.Limiter }

// GuardStats counts cache outcomes: Hits (served from the cache), Misses
// (had to wait for a computation, their own or a shared one) and Computed
// (computations run).
type GuardStats struct{ Hits, Misses, Computed int64 }

// Stats reports the guard's counters.
func (g *Guard) Stats() GuardStats {
	return GuardStats{Hits: g.hits.Load(), Misses: g.misses.Load(), Computed: g.computed.Load()}
}

// Do returns the answer for key: cached when it is younger than MaxAge, or
// older but the store's version has not moved since; otherwise computed
// once (concurrent callers for the same key share the computation) under a
// limiter slot. key must be comparable and identify the normalised query
// completely, endpoint included. Only successful answers are cached.
func (g *Guard) Do(ctx context.Context, key any, compute func(ctx context.Context) (Answer, error)) (Answer, error) {
	return g.do(ctx, key, true, compute)
}

// DoCheap is Do for a query cheap enough not to need a limiter slot: it is
// cached and shared, never refused.
func (g *Guard) DoCheap(ctx context.Context, key any, compute func(ctx context.Context) (Answer, error)) (Answer, error) {
	return g.do(ctx, key, false, compute)
}

func (g *Guard) do(ctx context.Context, key any, limited bool, compute func(ctx context.Context) (Answer, error)) (Answer, error) {
	now := g.opts.Now()
	g.mu.Lock()
	e := g.entries[key]
	var cached cacheEntry
	if e != nil {
		cached = *e // checked moves under g.mu
	}
	g.mu.Unlock()
	if e != nil && now.Sub(cached.checked) < g.opts.MaxAge {
		g.hits.Add(1)
		return cached.ans, nil
	}
	var ver version
	if g.opts.Stats != nil {
		// Stats is cheap (~20 µs on memstore with a million texts kept:
		// BenchmarkExplore/status); it is only asked once an
		// entry is older than MaxAge, not on every hit.
		st, err := g.opts.Stats(ctx)
		if err != nil {
			return Answer{}, err
		}
		ver = versionOf(st)
		if e != nil && cached.ver == ver {
			// Nothing the answer depends on has changed: it is as good as
			// new, however old.
			g.mu.Lock()
			if g.entries[key] == e && e.checked.Before(now) {
				e.checked = now
			}
			g.mu.Unlock()
			g.hits.Add(1)
			return cached.ans, nil
		}
	}
	g.misses.Add(1)
	return g.join(ctx, flightKey{key: key, ver: ver}, now, limited, compute)
}

func (g *Guard) join(ctx context.Context, fk flightKey, seen time.Time, limited bool, compute func(ctx context.Context) (Answer, error)) (Answer, error) {
	g.mu.Lock()
	f := g.flights[fk]
	if f == nil {
		// The flight's context keeps the first caller's values (trace ids)
		// but not its cancellation: the others may still want the answer.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		g.flights[fk] = f
		go g.run(fctx, fk, f, seen, limited, compute)
	}
	f.waiters++
	g.mu.Unlock()
	select {
	case <-f.done:
		return f.ans, f.err
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Nobody is left to read the answer: stop the work and forget
			// the flight so a later caller starts afresh.
			f.cancel()
			if g.flights[fk] == f {
				delete(g.flights, fk)
			}
		}
		g.mu.Unlock()
		return Answer{}, ctx.Err()
	}
}

func (g *Guard) run(ctx context.Context, fk flightKey, f *flight, seen time.Time, limited bool, compute func(ctx context.Context) (Answer, error)) {
	defer f.cancel()
	release, err := func() {}, error(nil)
	if limited {
		release, err = g.opts.Limiter.Acquire(ctx)
	}
	if err == nil {
		g.computed.Add(1)
		f.ans, f.err = safeCompute(ctx, compute)
		release()
	} else {
		f.err = err
	}
	g.mu.Lock()
	if g.flights[fk] == f {
		delete(g.flights, fk)
	}
	if f.err == nil {
		g.store(fk, f.ans, seen)
	}
	g.mu.Unlock()
	close(f.done)
}

// safeCompute runs compute, turning a panic into an error: it runs on the
// flight's goroutine, where net/http's per-request recovery does not reach,
// so a panic would otherwise end the process.
func safeCompute(ctx context.Context, compute func(ctx context.Context) (Answer, error)) (ans Answer, err error) {
	defer func() {
		if p := recover(); p != nil {
			ans, err = Answer{}, fmt.Errorf("query panicked: %v", p)
		}
	}()
	return compute(ctx)
}

// store keeps an answer; g.mu is held. seen is when the version was read,
// before the computation started, so the entry's age is never understated.
func (g *Guard) store(fk flightKey, ans Answer, seen time.Time) {
	size := int64(len(ans.Body))
	if g.opts.NoCache || size > g.opts.MaxBytes/8 {
		return
	}
	if old := g.entries[fk.key]; old != nil {
		if old.checked.After(seen) {
			return // a newer answer is already there
		}
		g.bytes -= int64(len(old.ans.Body))
		delete(g.entries, fk.key)
	}
	for len(g.entries) > 0 && (len(g.entries) >= g.opts.MaxEntries || g.bytes+size > g.opts.MaxBytes) {
		// Evict the least recently validated entry. A linear scan over at
		// most MaxEntries, on a miss only: cheaper than the query it follows
		// and simpler than a list.
		var oldKey any
		var oldest *cacheEntry
		for k, e := range g.entries {
			if oldest == nil || e.checked.Before(oldest.checked) {
				oldKey, oldest = k, e
			}
		}
		g.bytes -= int64(len(oldest.ans.Body))
		delete(g.entries, oldKey)
	}
	g.entries[fk.key] = &cacheEntry{ans: ans, ver: fk.ver, checked: seen}
	g.bytes += size
}

// Len reports how many answers are cached.
func (g *Guard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries)
}
