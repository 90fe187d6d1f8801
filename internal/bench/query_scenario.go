package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// query fills an in-memory memstore with --posts posts over 24 h, keeping
// no text, and times the dashboard's queries directly and through the API
// on loopback; then it does the same for the exploration queries on a
// store that keeps text (explore).
func (b *runner) query(ctx context.Context) error {
	pool, err := b.pool()
	if err != nil {
		return err
	}
	if len(pool) == 0 {
		return errors.New("the corpus has no posts")
	}
	bare, err := b.dashboardQueries(ctx, pool)
	if err != nil {
		return err
	}
	// One store at a time: the first is unreachable once dashboardQueries
	// returns, and the second's held bytes must not include it.
	runtime.GC()
	debug.FreeOSMemory()
	return b.explore(ctx, pool, bare)
}

// dashboardQueries is the query scenario's first half; it returns the
// bytes held per post by a store that keeps no text.
func (b *runner) dashboardQueries(ctx context.Context, pool []post.Post) (float64, error) {
	n := b.cfg.Posts
	f, err := fillStore(ctx, memstore.Options{}, pool, n, 24*time.Hour)
	if f.st != nil {
		defer f.st.Close()
	}
	if err != nil {
		return 0, err
	}
	st, took, perPost, stats, load := f.st, f.took, f.perPost, f.stats, f.load
	cases := DashboardQueries()
	direct, err := TimeDirect(ctx, st, cases, b.cfg.QueryIters)
	if err != nil {
		return 0, err
	}
	srv, err := ServeAPI(st)
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	viaHTTP, err := TimeHTTP(ctx, srv.URL, cases, b.cfg.QueryIters)
	if err != nil {
		return 0, err
	}
	mem, _ := ReadMem("self")
	note := fmt.Sprintf("%d posts over 24 h (%d with a point, %d hashtags, %d languages); filled at %.1f M posts/s; store's own estimate %.1f B/post; %d runs per query",
		n, stats.Points, stats.Hashtags, stats.Languages, float64(n)/took.Seconds()/1e6, float64(stats.MemoryBytes)/float64(n), b.cfg.QueryIters)
	b.rows = append(b.rows,
		Row{Scenario: fmt.Sprintf("query direct (%s posts)", human(n)), Latencies: direct, BytesPerPost: perPost, RSSBytes: mem.Peak, Load: load, Note: note},
		Row{Scenario: fmt.Sprintf("query HTTP (%s posts)", human(n)), Latencies: viaHTTP, Load: LoadAvg(), Note: "GET on loopback, body read, one client"},
	)
	return perPost, nil
}

// filled is a store the bench filled, and what filling it measured.
type filled struct {
	st      *memstore.Store
	took    time.Duration // recording only
	perPost float64       // live heap grown per post held
	stats   store.Stats
	load    string // load average when filling started
}

// fillStore opens an in-memory store with opts (holding at most n posts,
// logging nothing) and records n posts from pool spread over span up to
// now. The caller closes f.st when it is set, error or not.
func fillStore(ctx context.Context, opts memstore.Options, pool []post.Post, n int, span time.Duration) (f filled, err error) {
	opts.MaxPosts = n
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if f.st, err = memstore.Open(opts); err != nil {
		return f, err
	}
	before := HeapInUse()
	ResetPeak()
	f.load = LoadAvg()
	if f.took, err = Fill(ctx, f.st, pool, n, time.Now(), span); err != nil {
		return f, err
	}
	f.perPost, f.stats, err = heldPerPost(ctx, f.st, before, n)
	return f, err
}

// heldPerPost checks that a filled store holds its n posts and returns the
// live heap grown since before per post held, and the store's stats.
func heldPerPost(ctx context.Context, st store.Querier, before uint64, n int) (float64, store.Stats, error) {
	after := HeapInUse()
	stats, err := st.Stats(ctx)
	if err != nil {
		return 0, stats, err
	}
	if stats.Posts != int64(n) {
		return 0, stats, fmt.Errorf("store holds %d posts, want %d", stats.Posts, n)
	}
	return float64(int64(after)-int64(before)) / float64(n), stats, nil
}
