package memstore

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"log/slog"

	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
	"github.com/geoheat/geoheat/internal/testenv"
)

// coldFiles counts the cold files in dir.
func coldFiles(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "cold-*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// coldQueries asks s what the tests compare between a store with cold
// chunks and one without: counts, stats, top lists (the seed's last
// 5,000, a window, boxes), the last points per language, heat maps over
// the summary tests' boxes and spans at three zooms (a hashtag's too),
// histograms and trends.
func coldQueries(t *testing.T, s *Store) []any {
	t.Helper()
	ctx := context.Background()
	var out []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.MemoryBytes, st.ColdBytes, st.ColdErrors, st.Written = 0, 0, 0, 0
	out = append(out, st)
	add(s.Counts(ctx, store.CountsQuery{}))
	add(s.Top(ctx, store.TopQuery{N: 5}))
	add(s.Top(ctx, store.TopQuery{N: 5, Window: 10 * time.Minute}))
	for _, l := range []string{"en", "es", "ja"} {
		add(s.Points(ctx, store.PointsQuery{Lang: l, N: 400}))
	}
	for _, box := range summaryBoxes {
		add(s.Top(ctx, store.TopQuery{N: 10, BBox: box}))
		add(s.Histogram(ctx, store.HistogramQuery{BBox: box, Buckets: 7}))
		for _, sp := range summarySpans(st) {
			for _, zoom := range []int{3, aggMaxZoom, deepZoom} {
				add(s.Heat(ctx, store.HeatQuery{BBox: box, Zoom: zoom, Window: sp.Window, Range: sp.Range}))
				add(s.Heat(ctx, store.HeatQuery{BBox: box, Zoom: zoom, Window: sp.Window, Range: sp.Range, Tag: "busy", Lang: "en"}))
			}
		}
	}
	add(s.Posts(ctx, store.PostsQuery{N: 50}))
	add(s.Trends(ctx, store.TrendsQuery{Window: time.Hour, Baseline: 24 * time.Hour, MinScore: -1}))
	return out
}

// TestColdChunksAnswerTheSame fills a store whose chunks go cold almost
// as soon as they are full (every chunk but the newest of each column)
// and one that keeps them on the heap, with drops, late posts and
// backfills, and checks that every query answers the same; that the cold
// chunks' bytes left the heap for the files; and that the cold files
// follow the drops: dropping everything leaves none but the one being
// written.
func TestColdChunksAnswerTheSame(t *testing.T) {
	dir := t.TempDir()
	heap := fillMixedWith(t, Options{ColdDir: "-"})
	defer heap.Close()
	cold := fillMixedWith(t, Options{ColdDir: dir, coldKeep: 1, coldFileSize: 1 << 20})
	defer cold.Close()
	ctx := context.Background()
	hs, _ := heap.Stats(ctx)
	cs, _ := cold.Stats(ctx)
	if hs.ColdBytes != 0 || cs.ColdBytes == 0 || cs.ColdErrors != 0 {
		t.Fatalf("cold bytes: %d without an area, %d (%d errors) with one", hs.ColdBytes, cs.ColdBytes, cs.ColdErrors)
	}
	// The chunks' bytes moved, no more: what left the heap is in the files.
	if moved := hs.MemoryBytes - cs.MemoryBytes; moved > cs.ColdBytes || moved < cs.ColdBytes*9/10 {
		t.Errorf("heap shrank by %d bytes, the cold files hold %d", moved, cs.ColdBytes)
	}
	// Files hold what is cold, give or take the files that the slowest
	// languages' chunks keep (the store drops oldest first).
	if n := coldFiles(t, dir); int64(n) > cs.ColdBytes/(1<<20)*2+4 {
		t.Errorf("%d cold files of 1 MiB for %d bytes held", n, cs.ColdBytes)
	}
	if h, c := coldQueries(t, heap), coldQueries(t, cold); !reflect.DeepEqual(h, c) {
		for i := range h {
			if !reflect.DeepEqual(h[i], c[i]) {
				t.Fatalf("query %d answers differently with cold chunks:\n%+v\nwithout:\n%+v", i, c[i], h[i])
			}
		}
	}

	// A year later, with a retention of an hour: everything drops.
	if err := cold.Record(ctx, newGenerator(5).batch(10, storetest.T0.Add(365*24*time.Hour), time.Minute)); err != nil {
		t.Fatal(err)
	}
	cold.retention = int64(time.Hour)
	if err := cold.Record(ctx, newGenerator(6).batch(10, storetest.T0.Add(365*24*time.Hour+time.Minute), time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, _ := cold.Stats(ctx); st.Posts != 20 || st.ColdBytes != 0 {
		t.Fatalf("after dropping all but 20 posts: %d posts, %d cold bytes", st.Posts, st.ColdBytes)
	}
	if n := coldFiles(t, dir); n > 1 {
		t.Errorf("%d cold files left after every cold chunk was dropped; want only the one being written", n)
	}
	if err := cold.Close(); err != nil {
		t.Fatal(err)
	}
	if n := coldFiles(t, dir); n != 0 {
		t.Errorf("%d cold files left after Close", n)
	}
}

// TestColdAfterReopen: a persisted store keeps its cold files in
// Dir/cold by default; they are rebuilt from the log on every start (what
// a crash left is removed), and the answers are the same after a restart.
func TestColdAfterReopen(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
	opts := Options{Dir: dir, Now: clock.Now, MaxPosts: 20_000, coldKeep: 1, coldFileSize: 256 << 10}
	s := fillWith(t, opts, 30_000, nil)
	before := takeAnswers(t, s)
	if st, _ := s.Stats(context.Background()); st.ColdBytes == 0 {
		t.Fatal("no cold chunks: the test needs some")
	}
	coldDir := filepath.Join(dir, "cold")
	if coldFiles(t, coldDir) == 0 {
		t.Fatalf("no cold files in %s", coldDir)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, opts)
	defer s2.Close()
	if after := takeAnswers(t, s2); !reflect.DeepEqual(before, after) {
		t.Errorf("answers differ after a restart:\nbefore %+v\nafter  %+v", before, after)
	}
	if st, _ := s2.Stats(context.Background()); st.ColdBytes == 0 || coldFiles(t, coldDir) == 0 {
		t.Errorf("the restarted store keeps no cold chunks (%d bytes)", st.ColdBytes)
	}
}

// TestColdWriteFailureKeepsChunksOnTheHeap: with writes to the cold files
// failing (the file size limit lowered: the kernel fails them as a full
// disk does), Record still succeeds, the chunks stay on the heap, the
// failures are counted and logged once, nothing held is lost; with room
// again chunks go cold again.
func TestColdWriteFailureKeepsChunksOnTheHeap(t *testing.T) {
	dir := t.TempDir()
	var logs safeBuffer
	clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	cold := open(t, Options{ColdDir: dir, Now: clock.Now, Logger: logger, coldKeep: 1, coldFileSize: 1 << 20})
	defer cold.Close()
	heap := open(t, Options{Now: clock.Now})
	defer heap.Close()
	gen, gen2 := newGenerator(11), newGenerator(11)
	ctx := context.Background()
	i := 0
	record := func(n int) {
		t.Helper()
		for range n {
			start := storetest.T0.Add(time.Duration(i) * time.Minute)
			if err := cold.Record(ctx, gen.batch(256, start, time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := heap.Record(ctx, gen2.batch(256, start, time.Minute)); err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
	record(40)
	st0, _ := cold.Stats(ctx)
	if st0.ColdBytes == 0 {
		t.Fatal("no cold chunks before the failure")
	}
	restore := testenv.LimitFileSize(t, 4096) // below what the first file holds
	record(40)
	restore()
	st1, _ := cold.Stats(ctx)
	if st1.ColdErrors == 0 || st1.ColdBytes != st0.ColdBytes {
		t.Fatalf("while writes fail: %d errors, cold bytes %d → %d (want errors and no change)", st1.ColdErrors, st0.ColdBytes, st1.ColdBytes)
	}
	if n := strings.Count(logs.String(), "cannot move chunks to the cold files"); n != 1 {
		t.Errorf("the failure was logged %d times, want once:\n%s", n, logs.String())
	}
	if h, c := coldQueries(t, heap), coldQueries(t, cold); !reflect.DeepEqual(h, c) {
		t.Error("answers differ after failed cold writes")
	}
	record(5)
	st2, _ := cold.Stats(ctx)
	if st2.ColdBytes <= st1.ColdBytes || st2.ColdErrors != st1.ColdErrors || !logs.Contains("moving chunks to the cold files again") {
		t.Errorf("with room again: cold bytes %d → %d, errors %d → %d", st1.ColdBytes, st2.ColdBytes, st1.ColdErrors, st2.ColdErrors)
	}
	if h, c := coldQueries(t, heap), coldQueries(t, cold); !reflect.DeepEqual(h, c) {
		t.Error("answers differ once chunks went cold again")
	}
}

// TestColdReadersWhileDropping runs heat maps and a box's histogram that
// read every point of their snapshot (summaries off) while Record drops the oldest posts and
// so empties cold files of 64 KiB (two geo chunks): a file unmapped under
// a reader would crash the test (without Heat's enterCold it crashed in
// most runs). The last maps are checked against a store that keeps its
// chunks on the heap.
func TestColdReadersWhileDropping(t *testing.T) {
	defer func(u bool) { useSummaries = u }(useSummaries)
	useSummaries = false
	clock := storetest.NewClock(storetest.T0.Add(24 * time.Hour))
	s := open(t, Options{ColdDir: t.TempDir(), MaxPosts: 100_000, Now: clock.Now, coldKeep: 1, coldFileSize: 64 << 10})
	defer s.Close()
	heap := open(t, Options{MaxPosts: 100_000, Now: clock.Now})
	defer heap.Close()
	gen, gen2 := newGenerator(7), newGenerator(7)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		for i := range 1200 {
			start := storetest.T0.Add(time.Duration(i) * 256 * time.Second / 50)
			if err := s.Record(ctx, gen.batch(256, start, 256*time.Second/50)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	queries := []store.HeatQuery{{Zoom: 3}, {Zoom: 6, Lang: "en"}, {Zoom: 2, Tag: "tag0"}}
	boxHist := store.HistogramQuery{BBox: store.BBox{West: -120, South: -50, East: 150, North: 70}, Buckets: 1000}
	reader := func() error {
		for {
			select {
			case err := <-done:
				done <- err
				return nil
			default:
			}
			for _, q := range queries {
				if _, err := s.Heat(ctx, q); err != nil {
					return err
				}
			}
			if _, err := s.Histogram(ctx, boxHist); err != nil {
				return err
			}
		}
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- reader() }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i := range 1200 {
		start := storetest.T0.Add(time.Duration(i) * 256 * time.Second / 50)
		if err := heap.Record(ctx, gen2.batch(256, start, 256*time.Second/50)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range queries {
		c, err := s.Heat(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		h, err := heap.Heat(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if c.Points == 0 || !reflect.DeepEqual(c, h) {
			t.Errorf("%+v: %d points with cold chunks, %d without (or they differ)", q, c.Points, h.Points)
		}
	}
	c, err := s.Histogram(ctx, boxHist)
	if err != nil {
		t.Fatal(err)
	}
	h, err := heap.Histogram(ctx, boxHist)
	if err != nil {
		t.Fatal(err)
	}
	if c.Points == 0 || !reflect.DeepEqual(c, h) {
		t.Errorf("histogram of a box: %d points with cold chunks, %d without (or they differ)", c.Points, h.Points)
	}
}

// TestTagBlocksBeyondReach: a hashtag's block whose points reach further
// back than tagBlockReach is not summarised (its points would be random
// reads of cold files in Record); the tag's maps read its points and
// answer as before.
func TestTagBlocksBeyondReach(t *testing.T) {
	defer func(r uint32) { tagBlockReach = r }(tagBlockReach)
	tagBlockReach = 3000 // the busy tag's blocks of 2,048 span about 4,000 points
	s := fillMixed(t)
	defer s.Close()
	for _, l := range s.langs {
		for _, p := range l.tagPts.byTag {
			if p.sums != nil {
				t.Fatalf("%s: a hashtag's block was summarised beyond reach", l.key)
			}
		}
	}
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	compared := 0
	for _, box := range summaryBoxes {
		for _, sp := range summarySpans(st) {
			q := store.HeatQuery{BBox: box, Zoom: 4, Tag: "busy", Window: sp.Window, Range: sp.Range}
			via, all := bothWays(t, func() (store.HeatResult, error) { return s.Heat(ctx, q) })
			if !reflect.DeepEqual(via, all) {
				t.Fatalf("%+v: %d points, %d read point by point (or they differ)", q, via.Points, all.Points)
			}
			compared += b2i(all.Points > 0)
		}
	}
	if compared < 10 {
		t.Errorf("only %d maps of the tag found points", compared)
	}
}

// TestColdDueLeavesNothingBehind: moveCold takes the store's lock only
// when coldDue says a chunk, a cell index or a trend bucket is due, so
// coldDue must never miss one: after every Record (with drops, and ten
// days in, a day of trend buckets going cold), every column holds on the
// heap exactly its keep newest full chunks (and its partial one), and
// nothing is due. While nothing is due, moveCold does not wait for a
// query.
func TestColdDueLeavesNothingBehind(t *testing.T) {
	const keep = 2
	s := open(t, Options{ColdDir: t.TempDir(), MaxPosts: 40_000, coldKeep: keep, coldFileSize: 1 << 20})
	defer s.Close()
	ctx := context.Background()
	gen := newGenerator(8)
	// Checked under writeMu, released before a failure ends the test
	// (the deferred Close takes it).
	var failure string
	check := func(name string, full, cold int) {
		if want := max(full-keep, 0); cold != want && failure == "" {
			failure = fmt.Sprintf("%s: %d of %d full chunks cold, want %d", name, cold, full, want)
		}
	}
	for i := range 60 {
		at := storetest.T0.Add(time.Duration(i) * time.Minute)
		if i == 59 {
			at = at.Add(10 * 24 * time.Hour)
		}
		if err := s.Record(ctx, gen.batch(1_000, at, time.Minute)); err != nil {
			t.Fatal(err)
		}
		s.writeMu.Lock()
		if s.coldDue() {
			failure = "chunks or buckets still due"
		}
		check("order", (s.order.head+s.order.n)>>chunkShift, s.order.coldChunks())
		for _, l := range s.langs {
			check(l.key+" times", (l.times.head+l.times.n)>>chunkShift, l.times.coldChunks())
			check(l.key+" tag ends", (l.tagEnds.head+l.tagEnds.n)>>chunkShift, l.tagEnds.coldChunks())
			check(l.key+" tags", (l.tags.head+l.tags.n)>>chunkShift, l.tags.coldChunks())
			check(l.key+" points", (l.geo.head+l.geo.n)>>chunkShift, l.geo.coldChunks())
			check(l.key+" provenance", (l.geoMeta.head+l.geoMeta.n)>>chunkShift, l.geoMeta.coldChunks())
		}
		s.writeMu.Unlock()
		if failure != "" {
			t.Fatalf("after Record %d: %s", i, failure)
		}
	}
	if st := s.area.Stats(); st.Blocks == 0 {
		t.Fatal("nothing went cold: the test needs cold chunks")
	}
	// A query holds the lock: with nothing due, moveCold returns at once.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	done := make(chan struct{})
	go func() { s.moveCold(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("moveCold waited for a query with nothing to move")
	}
	s.mu.RUnlock()
	<-done
}
