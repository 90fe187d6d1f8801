package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// scaleSpan is how long a period the scale scenario's posts cover: a year
// of a sample stream.
const scaleSpan = 365 * 24 * time.Hour

// ParseSizes reads --scale-sizes: post counts with an optional k, M or B
// suffix (10M, 100M, 1B), comma-separated.
func ParseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		mult := 1
		switch f[len(f)-1] {
		case 'k', 'K':
			mult = 1_000
		case 'm', 'M':
			mult = 1_000_000
		case 'b', 'B', 'g', 'G':
			mult = 1_000_000_000
		}
		if mult > 1 {
			f = f[:len(f)-1]
		}
		n, err := strconv.ParseFloat(f, 64)
		if err != nil || n < 1 || n*float64(mult) > 1e12 {
			return nil, fmt.Errorf("scale size %q: want a count like 10M or 1B", f)
		}
		out = append(out, int(n*float64(mult)))
	}
	if len(out) == 0 {
		return nil, errors.New("no scale sizes")
	}
	return out, nil
}

// scale fills the embedded store with each of --scale-sizes posts spread
// over a year and times every query kind at each size (ScaleQueries), so
// that the table shows how each query's cost grows with what is held. A
// size the machine cannot hold (by the bytes per post the largest size so
// far measured, on the heap against the memory available and in cold files
// against the work directory's free disk) is reported, not attempted.
func (b *runner) scale(ctx context.Context) error {
	pool, err := b.pool()
	if err != nil {
		return err
	}
	if len(pool) == 0 {
		return errors.New("the corpus has no posts")
	}
	// The detector of each size's ingest, opened first: a missing list
	// fails the scenario before an hour of filling, not after.
	det, err := b.product.OpenDetector("stopwords", b.cfg.StopwordsDir)
	if err != nil {
		return err
	}
	var perPost, coldPerPost float64
	for _, n := range b.cfg.ScaleSizes {
		if perPost > 0 {
			need := perPost * float64(n) * 1.3 // the heap's growth slack
			disk := coldPerPost * float64(n) * 1.1
			var why string
			if avail := MemAvailable(); avail > 0 && need > float64(avail) {
				why = fmt.Sprintf("needs about %.0f GB in memory at %.1f B/post, %.0f GB available", need/1e9, perPost, float64(avail)/1e9)
			} else if free := FreeDisk(b.dir); free > 0 && disk > float64(free) {
				why = fmt.Sprintf("needs about %.0f GB of disk for cold files at %.1f B/post, %.0f GB free", disk/1e9, coldPerPost, float64(free)/1e9)
			}
			if why != "" {
				b.rows = append(b.rows, Row{Scenario: fmt.Sprintf("scale (%s posts)", human(n)), Load: LoadAvg(), Note: "not run: " + why})
				continue
			}
		}
		pp, cp, err := b.scaleOnce(ctx, pool, n, det)
		if err != nil {
			return err
		}
		// The largest size measured so far predicts best: what a post
		// costs falls as fixed costs spread.
		perPost, coldPerPost = pp, cp
		runtime.GC()
		debug.FreeOSMemory()
	}
	return nil
}

// scaleOnce fills and times one size and returns the heap and the cold
// files it took per post.
func (b *runner) scaleOnce(ctx context.Context, pool []post.Post, n int, det langid.Detector) (heap, cold float64, err error) {
	// Cold chunks go to files in the work directory, as they go to the
	// data directory of a store that has one; with --scale-restart the
	// store has one, and logs every post.
	opts := memstore.Options{ColdDir: filepath.Join(b.dir, "cold")}
	if b.cfg.ScaleRestart {
		opts = memstore.Options{Dir: filepath.Join(b.dir, "data"), Checkpoint: b.cfg.Checkpoint}
		if err := os.RemoveAll(opts.Dir); err != nil {
			return 0, 0, err
		}
	}
	b.logf("  filling %s posts over 365 days", human(n))
	storeDir := opts.ColdDir
	if opts.Dir != "" {
		storeDir = opts.Dir
	}
	peak := watchDisk(storeDir)
	f, err := fillStore(ctx, opts, pool, n, scaleSpan)
	if f.st != nil {
		defer f.st.Close()
	}
	if err != nil {
		return 0, 0, err
	}
	st, took, perPost, stats, load := f.st, f.took, f.perPost, f.stats, f.load
	b.logf("  filled in %.0f s; timing queries", took.Seconds())
	lat, err := TimeDirect(ctx, st, ScaleQueries(stats.Head), b.cfg.QueryIters)
	if err != nil {
		return 0, 0, err
	}
	ingested, err := b.scaleIngest(ctx, st, det, stats.Head, n)
	if err != nil {
		return 0, 0, err
	}
	diskPeak := peak()
	mem, _ := ReadMem("self")
	note := fmt.Sprintf("%d posts over 365 days (%d with a point, %d languages); filled at %.2f M posts/s; store's own estimate %.1f B/post on the heap, cold files %.1f B/post (%.2f GB); %d runs per query",
		n, stats.Points, stats.Languages, float64(n)/took.Seconds()/1e6, float64(stats.MemoryBytes)/float64(n),
		float64(stats.ColdBytes)/float64(n), float64(stats.ColdBytes)/1e9, b.cfg.QueryIters)
	note += "; " + ingested
	if parts := st.ColdParts(); len(parts) > 0 {
		names := slices.Sorted(maps.Keys(parts))
		slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(parts[b], parts[a]) })
		var each []string
		for _, name := range names {
			each = append(each, fmt.Sprintf("%s %.1f", name, float64(parts[name])/float64(n)))
		}
		note += "; cold files by part, B/post: " + strings.Join(each, ", ")
	}
	if b.cfg.ScaleRestart {
		note += fmt.Sprintf("; disk at most %.2f GB while filling and ingesting", float64(diskPeak)/1e9)
		if st, err := st.Stats(ctx); err == nil && st.Checkpoint != "" {
			note += "; checkpoints: " + st.Checkpoint
		}
	}
	if b.cfg.ScaleRestart {
		opts.MaxPosts = n
		b.logf("  closing and reopening")
		restart, err := scaleRestart(ctx, st, opts, n)
		if err != nil {
			return 0, 0, err
		}
		note += "; " + restart
	}
	b.rows = append(b.rows, Row{Scenario: fmt.Sprintf("scale (%s posts)", human(n)), Latencies: lat,
		BytesPerPost: perPost, RSSBytes: mem.Peak, Load: load, Note: note})
	return perPost, float64(stats.ColdBytes) / float64(n), nil
}

// scaleIngest runs ingest end to end into st, a store holding n posts
// up to head and bounded at n: the file source over --messages demo
// messages stamped from just after head (a stream going on from the year
// held, not late posts), the product's parser, the stopwords detector and
// the same pipeline `geoheat ingest` runs. Every post recorded drops the
// oldest held, as in a store kept full at its bound. It reports the rate,
// and fails when a message goes missing or a record fails.
func (b *runner) scaleIngest(ctx context.Context, st store.Store, det langid.Detector, head time.Time, n int) (string, error) {
	corpus := filepath.Join(b.dir, "scale-ingest.jsonl")
	defer os.Remove(corpus)
	if _, err := WriteCorpusFrom(corpus, b.cfg.Messages, b.cfg.Seed, head.Add(time.Second)); err != nil {
		return "", err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	src, err := file.New(corpus, file.WithLogger(quiet))
	if err != nil {
		return "", err
	}
	p, err := pipeline.New(pipeline.Config{Source: src, NewParser: b.product.NewParser, Detector: det, Recorder: st, Logger: quiet})
	if err != nil {
		return "", err
	}
	load := LoadAvg()
	b.logf("  ingesting %d messages end to end", b.cfg.Messages)
	start := time.Now()
	if err := p.Run(ctx); err != nil {
		return "", fmt.Errorf("ingest into %s posts: %w", human(n), err)
	}
	took := time.Since(start)
	ps := p.Stats()
	if ps.Messages != b.cfg.Messages || ps.RecordErrs != 0 || ps.Written == 0 {
		return "", fmt.Errorf("ingest into %s posts read %d messages of %d, wrote %d posts, %d record errors", human(n), ps.Messages, b.cfg.Messages, ps.Written, ps.RecordErrs)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		return "", err
	}
	if stats.Posts != int64(n) {
		return "", fmt.Errorf("after ingest the store holds %d posts, want its bound %d", stats.Posts, n)
	}
	return fmt.Sprintf("ingest end to end into the full store (stopwords, file of %d demo messages): %.0f msg/s, %d posts written (load %s)",
		ps.Messages, float64(ps.Messages)/took.Seconds(), ps.Written, load), nil
}

// replayUpTo is the largest size whose restart is also timed replaying
// the whole log (about a minute at 100 M posts; a billion would take a
// quarter of an hour).
const replayUpTo = 100_000_000

// scaleRestart closes st, a store of n posts with a data directory, and
// times what a restart takes: Close writing the snapshot, Open reading it
// back (the store is ready when Open returns), and, up to replayUpTo
// posts, Open replaying the whole log when there is no snapshot. It
// reports the times and the data directory's parts on disk.
func scaleRestart(ctx context.Context, st *memstore.Store, opts memstore.Options, n int) (string, error) {
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	start := time.Now()
	if err := st.Close(); err != nil {
		return "", err
	}
	closed := time.Since(start)
	snap := dirSize(filepath.Join(opts.Dir, "snapshot"))
	wal, cold := dirSize(filepath.Join(opts.Dir, "wal")), dirSize(filepath.Join(opts.Dir, "cold"))
	reopen := func() (time.Duration, store.Stats, error) {
		start := time.Now()
		s, err := memstore.Open(opts)
		if err != nil {
			return 0, store.Stats{}, err
		}
		took := time.Since(start)
		stats, err := s.Stats(ctx)
		if err == nil && stats.Posts != int64(n) {
			err = fmt.Errorf("restarted store holds %d posts, want %d", stats.Posts, n)
		}
		return took, stats, errors.Join(err, s.Close())
	}
	fromSnap, stats, err := reopen()
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(stats.Snapshot, "read the snapshot") {
		return "", fmt.Errorf("restart did not read the snapshot: %q", stats.Snapshot)
	}
	note := fmt.Sprintf("restart: Close %.1f s (snapshot %.2f GB), Open from the snapshot %.1f s; disk: log %.2f GB, cold files %.2f GB",
		closed.Seconds(), float64(snap)/1e9, fromSnap.Seconds(), float64(wal)/1e9, float64(cold)/1e9)
	if n <= replayUpTo && opts.Checkpoint == 0 {
		// (With checkpoints the log no longer holds what the snapshot
		// does.)
		if err := os.Remove(filepath.Join(opts.Dir, "snapshot")); err != nil {
			return "", err
		}
		replayed, _, err := reopen()
		if err != nil {
			return "", err
		}
		note += fmt.Sprintf("; Open replaying the log instead %.1f s", replayed.Seconds())
	}
	return note, nil
}

// Views of the scale scenario: the world as the dashboard asks for it, a
// continent, and a city at street zoom.
var (
	scaleWorld = store.BBox{West: -180, South: -85, East: 180, North: 85}
	scaleCity  = exploreCity
	// scaleCitySnapped is the city's box as the dashboard asks for its
	// map: widened to the summaries' finest cells (22.5/128°) and 1e-7
	// (snapOut in web/src/query.js).
	scaleCitySnapped = store.BBox{West: -23*0.17578125 - 1e-7, South: 228*0.17578125 - 1e-7, East: -19*0.17578125 + 1e-7, North: 232*0.17578125 + 1e-7}
)

// ScaleQueries are the query kinds over a year held (head is the
// newest post time): heat of the world (zoom 3) and of a city (zoom 10,
// its box as given and as the dashboard widens it)
// over 1 h, 24 h, 30 days and everything, for every language, English,
// a hashtag; top of a continent, a city and the world; trends; the histogram
// of everything and of a continent; counts; the seed's last-N answers; and
// the dashboard's default view.
func ScaleQueries(head time.Time) []QueryCase {
	spans := []struct {
		name string
		w    time.Duration
	}{{"1h", time.Hour}, {"24h", 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}, {"all", 0}}
	var cases []QueryCase
	heat := func(name string, q store.HeatQuery) {
		cases = append(cases, QueryCase{Name: name, Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Heat(ctx, q)
			return err
		}})
	}
	for _, sp := range spans {
		heat("heat-world-"+sp.name, store.HeatQuery{Window: sp.w, BBox: scaleWorld, Zoom: 3, Limit: 5000})
		heat("heat-world-en-"+sp.name, store.HeatQuery{Lang: "en", Window: sp.w, BBox: scaleWorld, Zoom: 3, Limit: 5000})
		heat("heat-city-"+sp.name, store.HeatQuery{Window: sp.w, BBox: scaleCity, Zoom: 10, Limit: 5000})
		heat("heat-city-snap-"+sp.name, store.HeatQuery{Window: sp.w, BBox: scaleCitySnapped, Zoom: 10, Limit: 5000})
		heat("heat-world-tag-"+sp.name, store.HeatQuery{Tag: "love", Window: sp.w, BBox: scaleWorld, Zoom: 3, Limit: 5000})
	}
	for _, sp := range spans {
		for _, lang := range []string{"", "en"} {
			q := store.TopQuery{Lang: lang, N: 10, BBox: exploreWEuro, Window: sp.w}
			cases = append(cases, QueryCase{Name: "top-weuro-" + cmp.Or(lang, "all") + "-" + sp.name, Direct: func(ctx context.Context, st store.Querier) error {
				_, err := st.Top(ctx, q)
				return err
			}})
		}
	}
	// The top list of a city's box (every language), over 30 days and
	// everything: a box without a whole 1.4° hashtag cell.
	for _, sp := range spans[2:] {
		q := store.TopQuery{N: 10, BBox: scaleCity, Window: sp.w}
		cases = append(cases, QueryCase{Name: "top-city-all-" + sp.name, Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Top(ctx, q)
			return err
		}})
	}
	// The top list of the dashboard's world view, every language, over
	// everything held.
	cases = append(cases, QueryCase{Name: "top-world-all-all", Direct: func(ctx context.Context, st store.Querier) error {
		_, err := st.Top(ctx, store.TopQuery{N: 10, BBox: scaleWorld})
		return err
	}})
	day := store.Range{From: head.Add(-24 * time.Hour), To: head.Add(time.Second)}
	for _, r := range []struct {
		name string
		hq   store.HistogramQuery
	}{
		{"hist-24h", store.HistogramQuery{Range: day}},
		{"hist-all", store.HistogramQuery{}},
		{"hist-weuro-all", store.HistogramQuery{BBox: exploreWEuro}},
	} {
		cases = append(cases, QueryCase{Name: r.name, Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Histogram(ctx, r.hq)
			return err
		}})
	}
	cases = append(cases,
		QueryCase{Name: "trends-24h", Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Trends(ctx, store.TrendsQuery{Window: 24 * time.Hour})
			return err
		}},
		QueryCase{Name: "counts", Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Counts(ctx, store.CountsQuery{})
			return err
		}},
		QueryCase{Name: "last-top-5000", Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Top(ctx, store.TopQuery{N: 3, Last: store.DefaultLast})
			return err
		}},
		QueryCase{Name: "last-points-400", Direct: func(ctx context.Context, st store.Querier) error {
			_, err := st.Points(ctx, store.PointsQuery{Lang: "en", N: store.DefaultPoints})
			return err
		}},
	)
	// The dashboard's default view: what DashboardQueries times.
	for _, c := range DashboardQueries() {
		c.Name = "dash-" + c.Name
		cases = append(cases, c)
	}
	return cases
}

// watchDisk samples the disk space the files under dir take (allocated
// blocks, not sizes: the cold files are created at full length) every two
// seconds until the returned function is called, which returns the most
// seen.
func watchDisk(dir string) func() int64 {
	done := make(chan struct{})
	most := make(chan int64)
	go func() {
		var m int64
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			m = max(m, diskUsed(dir))
			select {
			case <-done:
				most <- max(m, diskUsed(dir))
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-most
	}
}

// diskUsed is the disk space the regular files under dir take.
func diskUsed(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			}
		}
		return nil
	})
	return n
}
