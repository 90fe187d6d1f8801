package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// A rewind of one microsecond: resuming then relies on the saved cursor
// alone, so a cursor saved past what the store holds shows as a gap (with
// the default 5 s, the 0.3 s capture would hide it).
const tinyRewind = time.Microsecond

// startTracked starts a source whose cursor follows Handled reports, as
// under a pipeline.
func startTracked(t *testing.T, host, dataDir string, clock *live.ManualClock) (*harness, func(int64)) {
	t.Helper()
	h := &harness{out: make(chan ingest.Message), done: make(chan error, 1)}
	src, err := New(Options{
		Hosts: []string{host}, DataDir: dataDir, Clock: clock, Rewind: tinyRewind,
		OnBackoff: func(d time.Duration, err error) { clock.Advance(d) },
	})
	if err != nil {
		t.Fatal(err)
	}
	report := src.TrackHandled()
	h.src = src
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- src.Run(ctx, h.out) }()
	return h, report
}

// copyCursor copies the cursor file as it is on disk now into a new data
// directory: what a process killed at this instant leaves behind.
func copyCursor(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, CursorFile))
	if err != nil {
		t.Fatalf("no cursor saved: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, CursorFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func savedTimeUS(t *testing.T, dataDir string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, CursorFile))
	if err != nil {
		t.Fatalf("no cursor saved: %v", err)
	}
	var st cursorState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.TimeUS
}

// TestKilledBeforeRecordedResumesWithoutGap: every event was emitted, only
// the first k were reported handled when the process died. The restart
// gets exactly the rest: no gap (the unrecorded events come again), no
// duplicate (the recorded ones do not).
func TestKilledBeforeRecordedResumesWithoutGap(t *testing.T) {
	lines := demoEvents(t, 150)
	n := len(wanted(newFake(t, lines)))
	for _, k := range []int{1, n / 2, n - 1} {
		f := newFake(t, lines)
		srv := httptest.NewServer(f)
		want := wanted(f)
		dataDir := t.TempDir()
		clock := live.NewManualClock(time.Unix(0, 0))
		h, report := startTracked(t, srv.URL, dataDir, clock)
		got := h.take(t, len(want))
		clock.Advance(2 * time.Second) // the once-a-second save is due
		report(int64(k))
		if ts := savedTimeUS(t, dataDir); ts != timeUS(got[k-1]) {
			t.Errorf("k=%d: cursor %d saved, want the last handled event's %d", k, ts, timeUS(got[k-1]))
		}
		killed := copyCursor(t, dataDir)
		h.close(t)

		h2, _ := startTracked(t, srv.URL, killed, clock)
		rest := h2.take(t, len(want)-k)
		h2.close(t)
		for i, ev := range rest {
			if keyOf(ev) != keyOf(want[k+i]) {
				t.Fatalf("k=%d: after restart event %d is %s, want %s", k, i, keyOf(ev), keyOf(want[k+i]))
			}
		}
		close(f.stop)
		srv.Close()
	}
}

// jetstreamParser is the pipeline's parse stage for Jetstream events alone
// (the app's parser tells formats apart; this test needs only this one).
// Every post is given a language, so every post is recorded and "handled"
// means "recorded" for posts.
type jetstreamParser struct{}

func (jetstreamParser) Parse(data []byte, dst *post.Post) pipeline.Outcome {
	res, err := Parse(data, dst)
	switch {
	case err != nil:
		return pipeline.Outcome{Kind: pipeline.KindMalformed, Err: err}
	case res.Kind == KindPost:
		dst.Lang = "xx" // known: the detector is not asked
		return pipeline.Outcome{Kind: pipeline.KindPost}
	default:
		return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: res.Notice}
	}
}

// checkingRecorder records into a real memstore and checks, at every call,
// that every post at or before the cursor on disk is already recorded. With
// stallAt > 0 it stalls once that many posts are in (a slow disk, then
// the kill).
type checkingRecorder struct {
	t       *testing.T
	st      *memstore.Store
	dataDir string
	timeOf  map[string]int64 // post ID -> time_us of its event
	stallAt int
	stall   sync.Once
	stalled chan struct{} // closed when the writer stalls
	release chan struct{}

	mu       sync.Mutex
	recorded map[string]bool
	checks   int
}

func newCheckingRecorder(t *testing.T, dataDir string, timeOf map[string]int64, stallAt int) *checkingRecorder {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &checkingRecorder{t: t, st: st, dataDir: dataDir, timeOf: timeOf, stallAt: stallAt,
		stalled: make(chan struct{}), release: make(chan struct{}), recorded: map[string]bool{}}
}

func (r *checkingRecorder) Record(ctx context.Context, posts []post.Post) error {
	r.check()
	r.mu.Lock()
	n := len(r.recorded)
	r.mu.Unlock()
	if r.stallAt > 0 && n >= r.stallAt {
		r.stall.Do(func() { close(r.stalled) })
		<-r.release
		return errors.New("stalled store: killed")
	}
	if err := r.st.Record(ctx, posts); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range posts {
		r.recorded[p.ID] = true
	}
	return nil
}

// check: a restart resumes after the cursor on disk, so every post at or
// before it must be in the store already.
func (r *checkingRecorder) check() {
	b, err := os.ReadFile(filepath.Join(r.dataDir, CursorFile))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		r.t.Error(err)
		return
	}
	var st cursorState
	if err := json.Unmarshal(b, &st); err != nil {
		r.t.Error(err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks++
	for id, us := range r.timeOf {
		if us <= st.TimeUS && !r.recorded[id] {
			r.t.Errorf("cursor %d saved, but post %s (time_us %d) is not recorded", st.TimeUS, id, us)
			return
		}
	}
}

// TestPipelineCursorNeverPassesStore runs the source under a real pipeline
// into a real store whose writer stalls halfway, as a slow disk before a
// kill -9: the cursor on disk never passes what the store recorded, and a
// restart from it (the kill's leftovers) records every post not recorded.
func TestPipelineCursorNeverPassesStore(t *testing.T) {
	lines := demoEvents(t, 150)
	f := newFake(t, lines)
	srv := serveFake(t, f)
	events := wanted(f)
	timeOf := map[string]int64{}
	for _, ev := range events {
		var p post.Post
		if res, err := Parse(ev, &p); err == nil && res.Kind == KindPost {
			timeOf[p.ID] = res.TimeUS
		}
	}
	if len(timeOf) < 2 {
		t.Fatalf("only %d posts", len(timeOf))
	}
	run := func(dataDir string, rec *checkingRecorder) (*pipeline.Pipeline, context.CancelFunc, chan error) {
		src, err := New(Options{Hosts: []string{srv.URL}, DataDir: dataDir, Rewind: tinyRewind})
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config{
			Source: src, NewParser: func() pipeline.Parser { return jetstreamParser{} },
			// Never asked: the parser gives every post its language.
			Detector: platform.New(platform.Trust, nil),
			Recorder: rec, Workers: 2, Parsers: 2, BatchSize: 3,
			Logger: slog.New(slog.DiscardHandler), // the stall's record errors are expected
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		return p, cancel, done
	}

	dataDir := t.TempDir()
	rec1 := newCheckingRecorder(t, dataDir, timeOf, len(timeOf)/2)
	p1, cancel1, done1 := run(dataDir, rec1)
	select {
	case <-rec1.stalled:
	case <-time.After(20 * time.Second):
		t.Fatal("the writer never stalled")
	}
	// Wait until the source has emitted the whole stream: the pipeline's
	// queues now hold what the store has not recorded.
	deadline := time.Now().Add(20 * time.Second)
	for p1.Stats().Source.Messages < int64(len(events)) {
		if time.Now().After(deadline) {
			t.Fatalf("source emitted %d of %d", p1.Stats().Source.Messages, len(events))
		}
		time.Sleep(time.Millisecond) // polling a condition
	}
	rec1.check()
	killed := copyCursor(t, dataDir) // what kill -9 leaves
	if h := p1.Stats().Handled; h >= int64(len(events)) {
		t.Fatalf("handled %d: nothing was left in the queues", h)
	}
	close(rec1.release)
	cancel1()
	<-done1 // the stalled Record's error
	if rec1.checks == 0 {
		t.Fatal("the cursor was never checked")
	}

	// Restart from the kill's cursor into a second store: together the two
	// hold every post.
	rec2 := newCheckingRecorder(t, killed, timeOf, 0)
	for id := range rec1.recorded {
		rec2.recorded[id] = true // the same store, as far as the cursor is concerned
	}
	p2, cancel2, done2 := run(killed, rec2)
	deadline = time.Now().Add(20 * time.Second)
	for {
		rec2.mu.Lock()
		n := len(rec2.recorded)
		rec2.mu.Unlock()
		if n == len(timeOf) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gap: %d of %d posts recorded after the restart; %+v", n, len(timeOf), p2.Stats())
		}
		time.Sleep(time.Millisecond) // polling a condition
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
}

// TestReportBeforeEmitReturns: a pipeline may record a message and report
// it before the source's send has returned; the report must still count.
// Here each message is reported the moment it is received, which opens
// that window without forcing it (TestServeBluesky in internal/app hit it
// through the real pipeline); the cursor must end on the last event.
func TestReportBeforeEmitReturns(t *testing.T) {
	lines := demoEvents(t, 150)
	f := newFake(t, lines)
	srv := serveFake(t, f)
	want := wanted(f)
	dataDir := t.TempDir()
	clock := live.NewManualClock(time.Unix(0, 0))
	h, report := startTracked(t, srv.URL, dataDir, clock)
	for i := range want {
		h.take(t, 1)
		report(int64(i + 1))
	}
	h.close(t)
	// Run has returned: a last report now saves whatever is due.
	report(int64(len(want)))
	if got, last := savedTimeUS(t, dataDir), timeUS(want[len(want)-1]); got != last {
		t.Errorf("cursor %d saved, want the last event's %d", got, last)
	}
}
