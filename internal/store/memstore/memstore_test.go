package memstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/wal"
	"go.uber.org/goleak"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open(%+v): %v", opts, err)
	}
	return s
}

// withOptions maps storetest's options onto the store's.
func withOptions(o Options, so storetest.Options) Options {
	o.KeepText, o.KeepTextAge, o.Retention = so.KeepText, so.KeepTextAge, so.Retention
	return o
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, Options{Now: now, CountryOf: storetest.CountryOf})
	}, func(t *testing.T, now func() time.Time, so storetest.Options) store.Store {
		return open(t, withOptions(Options{Now: now, CountryOf: storetest.CountryOf}, so))
	})
}

// TestConformanceSharedOut runs the suite with every query that can share
// its work out between cores doing so, however small the store.
func TestConformanceSharedOut(t *testing.T) {
	defer func(w int) { parallelWork = w }(parallelWork)
	parallelWork = 0
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, Options{Now: now, CountryOf: storetest.CountryOf})
	}, func(t *testing.T, now func() time.Time, so storetest.Options) store.Store {
		return open(t, withOptions(Options{Now: now, CountryOf: storetest.CountryOf}, so))
	})
}

func TestConformancePersisted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, Options{Dir: t.TempDir(), Now: now, CountryOf: storetest.CountryOf})
	}, func(t *testing.T, now func() time.Time, so storetest.Options) store.Store {
		return open(t, withOptions(Options{Dir: t.TempDir(), Now: now, CountryOf: storetest.CountryOf}, so))
	})
}

// TestConformanceAfterReopen runs the suite on stores that are closed and
// reopened after every Record, so every answer comes from a replayed log.
func TestConformanceAfterReopen(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		opts := Options{Dir: t.TempDir(), Now: now, Logger: quiet, CountryOf: storetest.CountryOf}
		return &reopening{t: t, opts: opts, s: open(t, opts)}
	}, func(t *testing.T, now func() time.Time, so storetest.Options) store.Store {
		opts := withOptions(Options{Dir: t.TempDir(), Now: now, Logger: quiet, CountryOf: storetest.CountryOf}, so)
		return &reopening{t: t, opts: opts, s: open(t, opts)}
	})
}

// reopening is a store.Store that reopens its memstore after each Record.
type reopening struct {
	t    *testing.T
	opts Options
	mu   sync.RWMutex // Record swaps s while queries use it
	s    *Store
}

// cur returns the current store read-locked, so that a concurrent Record
// cannot close it under a query; call the returned unlock when done.
func (r *reopening) cur() (*Store, func()) {
	r.mu.RLock()
	return r.s, r.mu.RUnlock
}

func (r *reopening) Record(ctx context.Context, posts []post.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.s.Record(ctx, posts); err != nil {
		return err
	}
	if err := r.s.Close(); err != nil {
		return err
	}
	s, err := Open(r.opts)
	if err != nil {
		return err
	}
	r.s = s
	return nil
}

func (r *reopening) Counts(ctx context.Context, q store.CountsQuery) ([]store.LangCount, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Counts(ctx, q)
}
func (r *reopening) Histogram(ctx context.Context, q store.HistogramQuery) (store.HistogramResult, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Histogram(ctx, q)
}
func (r *reopening) Posts(ctx context.Context, q store.PostsQuery) (store.PostsResult, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Posts(ctx, q)
}
func (r *reopening) Trends(ctx context.Context, q store.TrendsQuery) (store.TrendsResult, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Trends(ctx, q)
}
func (r *reopening) Top(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Top(ctx, q)
}
func (r *reopening) Points(ctx context.Context, q store.PointsQuery) ([]store.Point, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Points(ctx, q)
}
func (r *reopening) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	s, unlock := r.cur()
	defer unlock()
	return s.Heat(ctx, q)
}
func (r *reopening) Stats(ctx context.Context) (store.Stats, error) {
	s, unlock := r.cur()
	defer unlock()
	st, err := s.Stats(ctx)
	// Written counts since Open; the suite means since the store began.
	st.Written = st.Posts + st.Dropped
	return st, err
}
func (r *reopening) Flush(ctx context.Context) error {
	s, unlock := r.cur()
	defer unlock()
	return s.Flush(ctx)
}
func (r *reopening) Close() error {
	s, unlock := r.cur()
	defer unlock()
	return s.Close()
}

// answers is every answer a store gives, to compare two stores.
type answers struct {
	Counts []store.LangCount
	Top    []store.LangTop
	TopWin []store.LangTop
	Points map[string][]store.Point
	Heat   store.HeatResult
	HeatQ  store.HeatResult
	Stats  store.Stats
}

func takeAnswers(t *testing.T, s store.Store) answers {
	t.Helper()
	ctx := context.Background()
	var snap answers
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	snap.Counts, err = s.Counts(ctx, store.CountsQuery{})
	must(err)
	snap.Top, err = s.Top(ctx, store.TopQuery{N: 5})
	must(err)
	snap.TopWin, err = s.Top(ctx, store.TopQuery{N: 5, Window: 10 * time.Minute})
	must(err)
	snap.Points = map[string][]store.Point{}
	for _, c := range snap.Counts {
		snap.Points[c.Lang], err = s.Points(ctx, store.PointsQuery{Lang: c.Lang, N: 1000})
		must(err)
	}
	snap.Heat, err = s.Heat(ctx, store.HeatQuery{Zoom: 4})
	must(err)
	snap.HeatQ, err = s.Heat(ctx, store.HeatQuery{Zoom: 9, Tag: "tag1", Window: 30 * time.Minute, Last: 100, Limit: 20})
	must(err)
	snap.Stats, err = s.Stats(ctx)
	must(err)
	// Counters since Open, the estimate and what this Open repaired or
	// read differ legitimately.
	snap.Stats.Written, snap.Stats.Dropped, snap.Stats.MemoryBytes = 0, 0, 0
	snap.Stats.LogRepair, snap.Stats.Snapshot, snap.Stats.Checkpoint = nil, "", ""
	return snap
}

func TestRetentionDrops(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	s := open(t, Options{Now: clock.Now, Retention: 10 * time.Minute})
	defer s.Close()
	// Reference: a store without retention fed only what must survive.
	ref := open(t, Options{Now: clock.Now})
	defer ref.Close()
	gen := newGenerator(1)
	ctx := context.Background()
	var kept []post.Post
	for minute := range 30 {
		batch := gen.batch(100, storetest.T0.Add(time.Duration(minute)*time.Minute), time.Minute)
		if err := s.Record(ctx, batch); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, batch...)
	}
	// Head is the newest post; everything before head−10m is gone.
	st, _ := s.Stats(ctx)
	cutoff := st.Head.Add(-10 * time.Minute)
	var survivors []post.Post
	for _, p := range kept {
		if !p.Time.Before(cutoff) {
			survivors = append(survivors, p)
		}
	}
	if err := ref.Record(ctx, survivors); err != nil {
		t.Fatal(err)
	}
	if st.Oldest.Before(cutoff) {
		t.Errorf("oldest %v is before the retention cutoff %v", st.Oldest, cutoff)
	}
	if st.Dropped != int64(len(kept)-len(survivors)) || st.Posts != int64(len(survivors)) {
		t.Errorf("dropped %d held %d, want %d and %d", st.Dropped, st.Posts, len(kept)-len(survivors), len(survivors))
	}
	if got, want := takeAnswers(t, s), takeAnswers(t, ref); !reflect.DeepEqual(got, want) {
		t.Errorf("after retention the store differs from one fed only the survivors:\n got %+v\nwant %+v", got, want)
	}
	// The interner forgot the tags of dropped posts.
	s.mu.RLock()
	distinct := s.tags.Distinct()
	s.mu.RUnlock()
	ref.mu.RLock()
	refDistinct := ref.tags.Distinct()
	ref.mu.RUnlock()
	if distinct != refDistinct {
		t.Errorf("interner holds %d tags, want %d", distinct, refDistinct)
	}
}

func TestMaxPostsDrops(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
	const max = 1500
	s := open(t, Options{Now: clock.Now, MaxPosts: max})
	defer s.Close()
	gen := newGenerator(2)
	ctx := context.Background()
	var all []post.Post
	for i := range 20 {
		batch := gen.batch(256, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)
		if err := s.Record(ctx, batch); err != nil {
			t.Fatal(err)
		}
		all = append(all, batch...)
	}
	ref := open(t, Options{Now: clock.Now})
	defer ref.Close()
	if err := ref.Record(ctx, all[len(all)-max:]); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats(ctx)
	if st.Posts != max || st.Dropped != int64(len(all)-max) || st.Written != int64(len(all)) {
		t.Errorf("posts %d dropped %d written %d, want %d %d %d", st.Posts, st.Dropped, st.Written, max, len(all)-max, len(all))
	}
	if got, want := takeAnswers(t, s), takeAnswers(t, ref); !reflect.DeepEqual(got, want) {
		t.Errorf("after max-posts the store differs from one fed only the last %d:\n got %+v\nwant %+v", max, got, want)
	}
	// A batch larger than the limit keeps its tail.
	if err := s.Record(ctx, gen.batch(3*max, storetest.T0.Add(time.Hour), time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(ctx); st.Posts != max {
		t.Errorf("posts %d after a huge batch, want %d", st.Posts, max)
	}
}

func TestPersistenceAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
	opts := Options{Dir: dir, Now: clock.Now, MaxPosts: 20_000, segmentSize: 64 << 10}
	s := open(t, opts)
	gen := newGenerator(3)
	ctx := context.Background()
	for i := range 120 {
		if err := s.Record(ctx, gen.batch(256, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	before := takeAnswers(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	after := takeAnswers(t, s)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("answers changed across Close/Open:\nbefore %+v\n after %+v", before, after)
	}
	// The log was truncated as posts were dropped: it holds about what is
	// held (20k posts, ~20 bytes each) plus a segment, not all 30k posts.
	size := dirSize(t, filepath.Join(dir, "wal"))
	if size > 20_000*40+2*(64<<10) {
		t.Errorf("log is %d bytes for 20000 held posts: not truncated", size)
	}
	first, _ := s.wal.FirstIndex()
	if first == 1 {
		t.Errorf("log front never truncated")
	}
	// Records after a reopen continue the log.
	if err := s.Record(ctx, gen.batch(10, storetest.T0.Add(3*time.Hour), time.Minute)); err != nil {
		t.Fatal(err)
	}
	before = takeAnswers(t, s)
	s.Close()
	s = open(t, opts)
	defer s.Close()
	if after := takeAnswers(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("answers changed across the second Close/Open")
	}
}

// TestReplayAppliesRetention: a store reopened with retention holds only
// what retention allows, and empties its log when nothing survives.
func TestReplayAppliesNewLimits(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
	s := open(t, Options{Dir: dir, Now: clock.Now})
	gen := newGenerator(4)
	ctx := context.Background()
	for i := range 10 {
		s.Record(ctx, gen.batch(100, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute))
	}
	s.Close()
	s = open(t, Options{Dir: dir, Now: clock.Now, MaxPosts: 250})
	st, _ := s.Stats(ctx)
	if st.Posts != 250 || st.Dropped != 0 || st.Written != 0 {
		t.Errorf("after reopening with MaxPosts 250: %+v", st)
	}
	s.Close()
}

func TestTornTailRecovery(t *testing.T) {
	for _, damage := range []struct {
		name string
		fn   func(t *testing.T, path string)
	}{
		{"cut a few bytes", func(t *testing.T, path string) { truncateBy(t, path, 5) }},
		{"cut into the length prefix", func(t *testing.T, path string) {
			// Leave only the first byte of the last entry's length.
			truncateTo(t, path, lastEntryOffset(t, path)+1)
		}},
		{"zeros appended", func(t *testing.T, path string) { appendBytes(t, path, make([]byte, 300)) }},
		{"garbage appended", func(t *testing.T, path string) { appendBytes(t, path, []byte("\x05hello\x03abc")) }},
		{"flipped byte in the last entry", func(t *testing.T, path string) { flipByte(t, path, 10) }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			dir := t.TempDir()
			clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
			opts := Options{Dir: dir, Now: clock.Now}
			s := open(t, opts)
			gen := newGenerator(5)
			ctx := context.Background()
			for i := range 5 {
				s.Record(ctx, gen.batch(50, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute))
			}
			// What a store holding only the first four batches answers.
			ref := open(t, Options{Now: clock.Now})
			defer ref.Close()
			gen = newGenerator(5)
			for i := range 4 {
				ref.Record(ctx, gen.batch(50, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute))
			}
			s.Close()

			damage.fn(t, lastSegment(t, dir))
			var logged safeBuffer
			opts.Logger = slog.New(slog.NewTextHandler(&logged, nil))
			s = open(t, opts)
			got, want := takeAnswers(t, s), takeAnswers(t, ref)
			// "zeros/garbage appended" leave the fifth batch intact.
			if damage.name == "zeros appended" || damage.name == "garbage appended" {
				st, _ := s.Stats(ctx)
				if st.Posts != 250 {
					t.Errorf("posts %d, want all 250", st.Posts)
				}
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("after recovery the store differs from one with the first four batches")
			}
			if logged.Len() == 0 {
				t.Errorf("recovery was not reported")
			}
			// The log accepts new entries and replays cleanly again.
			if err := s.Record(ctx, gen.batch(7, storetest.T0.Add(time.Hour), time.Minute)); err != nil {
				t.Fatal(err)
			}
			before := takeAnswers(t, s)
			s.Close()
			logged.Reset()
			s = open(t, opts)
			defer s.Close()
			if after := takeAnswers(t, s); !reflect.DeepEqual(before, after) {
				t.Errorf("second reopen changed the answers")
			}
			if logged.Contains(`msg="memstore: cut`) {
				t.Errorf("second reopen still found damage: %s", logged.String())
			}
		})
	}
}

func TestLockConflict(t *testing.T) {
	dir := t.TempDir()
	s := open(t, Options{Dir: dir})
	_, err := Open(Options{Dir: dir, Logger: quiet})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if want := dir; !containsString(err.Error(), want) {
		t.Errorf("error %q does not name the dir %s", err, want)
	}
	if !containsString(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("error %q does not name the holder's pid", err)
	}
	s.Close()
	// Released by Close.
	s2 := open(t, Options{Dir: dir})
	s2.Close()
}

func TestInvalidOptions(t *testing.T) {
	if _, err := Open(Options{Retention: -1}); err == nil {
		t.Error("negative retention accepted")
	}
	if _, err := Open(Options{MaxPosts: -1}); err == nil {
		t.Error("negative max posts accepted")
	}
}

func TestCodecRoundTrip(t *testing.T) {
	gen := newGenerator(6)
	posts := gen.batch(300, storetest.T0, time.Minute)
	posts[0].ID = "0042" // not canonical: kept as a string
	posts[1].ID = "abc"  // not numeric
	posts[2].ID = ""     // none
	posts[3].Time = time.Unix(0, 123456789).UTC()
	posts[4].ID = "18446744073709551615" // max uint64: numeric
	posts[5].ID = "18446744073709551616" // overflows: kept as a string
	posts[6].ID = "-1"
	posts[7].Time = time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC) // saturates
	posts[8].Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) // saturates
	var b, back batch
	newBatchBuilder().build(&b, posts, 0, false)
	data := encode(nil, &b)
	if err := decode(data, &back, true); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(b, back) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, b)
	}
	if v, ok := canonicalDecimal(posts[4].ID); !ok || v != math.MaxUint64 {
		t.Errorf("canonicalDecimal(max uint64) = %d, %v", v, ok)
	}
	for _, id := range []string{posts[5].ID, "0042", "-1", "1a", ""} {
		if _, ok := canonicalDecimal(id); ok {
			t.Errorf("canonicalDecimal(%q) accepted", id)
		}
	}
	// Every single-byte corruption is caught.
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x40
		if err := decode(bad, &back, false); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	for n := range len(data) {
		if err := decode(data[:n], &back, false); err == nil {
			t.Fatalf("truncation to %d bytes went unnoticed", n)
		}
	}
}

func TestMemoryPerPost(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a million posts")
	}
	const n = 1_000_000
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	s := fill(t, Options{}, n)
	defer s.Close()
	live := heap() - base
	st, _ := s.Stats(context.Background())
	perPost := float64(st.MemoryBytes) / float64(st.Posts)
	t.Logf("%d posts, %d points, %d hashtags: MemoryBytes %d = %.1f bytes/post; live heap %d = %.1f bytes/post",
		st.Posts, st.Points, st.Hashtags, st.MemoryBytes, perPost, live, float64(live)/float64(st.Posts))
	if perPost > 100 {
		t.Errorf("%.1f bytes per post, want under 100", perPost)
	}
	// The estimate must track reality (the heap also holds the test's
	// generator tables and runtime noise, hence the slack).
	if ratio := float64(st.MemoryBytes) / float64(live); ratio < 0.8 || ratio > 1.2 {
		t.Errorf("MemoryBytes %d is %.2f× the live heap %d", st.MemoryBytes, ratio, live)
	}
}

// writeRawLog writes entries straight into dir's log, bypassing the store,
// to build logs a store would not write.
func writeRawLog(t *testing.T, dir string, entries ...[]byte) {
	t.Helper()
	l, err := wal.Open(filepath.Join(dir, "wal"), &wal.Options{AllowEmpty: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := l.LastIndex()
	for i, e := range entries {
		if err := l.Write(last+uint64(i)+1, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func encodePosts(posts []post.Post) []byte {
	var b batch
	newBatchBuilder().build(&b, posts, 0, false)
	return encode(nil, &b)
}

func TestBadEntryInTheMiddleIsSkipped(t *testing.T) {
	dir := t.TempDir()
	gen := newGenerator(8)
	a := gen.batch(40, storetest.T0, time.Minute)
	c := gen.batch(60, storetest.T0.Add(time.Minute), time.Minute)
	bad := encodePosts(gen.batch(5, storetest.T0, time.Minute))
	bad[len(bad)/2] ^= 0x10
	writeRawLog(t, dir, encodePosts(a), bad, encodePosts(c))

	var logged safeBuffer
	s := open(t, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	defer s.Close()
	st, _ := s.Stats(context.Background())
	if st.Posts != 100 {
		t.Errorf("held %d posts, want 100 (the good entries on both sides)", st.Posts)
	}
	if !logged.Contains("skipped unreadable log entries") {
		t.Errorf("the skipped entry was not reported: %s", logged.String())
	}
}

func TestNewerVersionRefused(t *testing.T) {
	dir := t.TempDir()
	gen := newGenerator(9)
	entry := encodePosts(gen.batch(3, storetest.T0, time.Minute))
	entry[0] = entryVersionText + 1
	binary.LittleEndian.PutUint32(entry[len(entry)-4:], crc32.Checksum(entry[:len(entry)-4], castagnoli))
	writeRawLog(t, dir, encodePosts(gen.batch(3, storetest.T0, time.Minute)), entry)
	_, err := Open(Options{Dir: dir, Logger: quiet})
	if !errors.Is(err, errNewerVersion) {
		t.Fatalf("Open = %v, want errNewerVersion", err)
	}
	// The log is untouched: both entries are still there.
	l, err := wal.Open(filepath.Join(dir, "wal"), &wal.Options{AllowEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if last, _ := l.LastIndex(); last != 2 {
		t.Errorf("log has %d entries after the refused Open, want 2", last)
	}
}

func TestUnreadableMiddleSegmentIsSkipped(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, segmentSize: 4 << 10}
	s := open(t, opts)
	gen := newGenerator(10)
	ctx := context.Background()
	const perBatch = 10
	for i := range 60 {
		if err := s.Record(ctx, gen.batch(perBatch, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	segs, err := segmentIndexes(filepath.Join(dir, "wal"))
	if err != nil || len(segs) < 4 {
		t.Fatalf("want at least 4 segments, got %v (%v)", segs, err)
	}
	// Cut the second segment short: its last entry becomes unreadable, and
	// tidwall/wal refuses the whole segment.
	victim := filepath.Join(dir, "wal", segmentName(segs[1]))
	truncateBy(t, victim, 3)
	lost := int64(segs[2]-segs[1]) * perBatch
	// A start from the snapshot reads the log's last entry only (it
	// holds the posts the damaged segment lost); replay is what meets the
	// damage, after a crash.
	if err := os.Remove(filepath.Join(dir, snapshotName)); err != nil {
		t.Fatal(err)
	}

	var logged safeBuffer
	opts.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	s = open(t, opts)
	defer s.Close()
	st, _ := s.Stats(ctx)
	if st.Posts != 60*perBatch-lost {
		t.Errorf("held %d posts, want %d (all but the unreadable segment's)", st.Posts, 60*perBatch-lost)
	}
	if !logged.Contains("log segment unreadable") {
		t.Errorf("the unreadable segment was not reported: %s", logged.String())
	}
}
