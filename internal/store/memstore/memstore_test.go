package memstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

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

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, Options{Now: now})
	})
}

func TestConformancePersisted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, Options{Dir: t.TempDir(), Now: now})
	})
}

// TestConformanceAfterReopen runs the suite on stores that are closed and
// reopened after every Record, so every answer comes from a replayed log.
func TestConformanceAfterReopen(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		opts := Options{Dir: t.TempDir(), Now: now, Logger: quiet}
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

func (r *reopening) cur() *Store {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.s
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

func (r *reopening) Counts(ctx context.Context) ([]store.LangCount, error) {
	return r.cur().Counts(ctx)
}
func (r *reopening) Top(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	return r.cur().Top(ctx, q)
}
func (r *reopening) Points(ctx context.Context, q store.PointsQuery) ([]post.Point, error) {
	return r.cur().Points(ctx, q)
}
func (r *reopening) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	return r.cur().Heat(ctx, q)
}
func (r *reopening) Stats(ctx context.Context) (store.Stats, error) {
	st, err := r.cur().Stats(ctx)
	// Written counts since Open; the suite means since the store began.
	st.Written = st.Posts + st.Dropped
	return st, err
}
func (r *reopening) Flush(ctx context.Context) error { return r.cur().Flush(ctx) }
func (r *reopening) Close() error                    { return r.cur().Close() }

// snapshot is every answer a store gives, to compare two stores.
type snapshot struct {
	Counts []store.LangCount
	Top    []store.LangTop
	TopWin []store.LangTop
	Points map[string][]post.Point
	Heat   store.HeatResult
	HeatQ  store.HeatResult
	Stats  store.Stats
}

func takeSnapshot(t *testing.T, s store.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var snap snapshot
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	snap.Counts, err = s.Counts(ctx)
	must(err)
	snap.Top, err = s.Top(ctx, store.TopQuery{N: 5})
	must(err)
	snap.TopWin, err = s.Top(ctx, store.TopQuery{N: 5, Window: 10 * time.Minute})
	must(err)
	snap.Points = map[string][]post.Point{}
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
	// Counters since Open and the estimate differ legitimately.
	snap.Stats.Written, snap.Stats.Dropped, snap.Stats.MemoryBytes = 0, 0, 0
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
	if got, want := takeSnapshot(t, s), takeSnapshot(t, ref); !reflect.DeepEqual(got, want) {
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
	if got, want := takeSnapshot(t, s), takeSnapshot(t, ref); !reflect.DeepEqual(got, want) {
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
	before := takeSnapshot(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	after := takeSnapshot(t, s)
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
	before = takeSnapshot(t, s)
	s.Close()
	s = open(t, opts)
	defer s.Close()
	if after := takeSnapshot(t, s); !reflect.DeepEqual(before, after) {
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
			got, want := takeSnapshot(t, s), takeSnapshot(t, ref)
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
			before := takeSnapshot(t, s)
			s.Close()
			logged.Reset()
			s = open(t, opts)
			defer s.Close()
			if after := takeSnapshot(t, s); !reflect.DeepEqual(before, after) {
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
	posts[0].ID = "0042"      // not canonical: kept as a string
	posts[1].ID = "abc"       // not numeric
	posts[2].ID = ""          // none
	posts[3].Time = time.Unix(0, 123456789).UTC()
	var b, back batch
	newBatchBuilder().build(&b, posts, 0)
	data := encode(nil, &b)
	if err := decode(data, &back, true); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(b, back) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, b)
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
	s := fill(t, Options{}, n)
	defer s.Close()
	st, _ := s.Stats(context.Background())
	perPost := float64(st.MemoryBytes) / float64(st.Posts)
	t.Logf("%d posts, %d points, %d hashtags: MemoryBytes %d = %.1f bytes/post", st.Posts, st.Points, st.Hashtags, st.MemoryBytes, perPost)
	if perPost > 100 {
		t.Errorf("%.1f bytes per post, want under 100", perPost)
	}
}
