package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sliceSource emits fixed messages, then optionally blocks until cancelled.
type sliceSource struct {
	msgs     [][]byte
	block    bool          // after the messages, wait for ctx
	sent     chan struct{} // closed once every message was sent
	err      error
	progress ingest.Progress
}

func (s *sliceSource) Run(ctx context.Context, out chan<- ingest.Message) error {
	for _, m := range s.msgs {
		select {
		case out <- ingest.Message{Data: m}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.sent != nil {
		close(s.sent)
	}
	if s.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.err
}

func (s *sliceSource) Progress() ingest.Progress { return ingest.Progress{Name: "test"} }

// lineParser understands "post <id> <lang-hint>", "notice <kind>" and
// anything else as malformed; it stands in for the Twitter parser, which
// has its own tests.
type lineParser struct{}

func (lineParser) Parse(data []byte, dst *post.Post) Outcome {
	f := bytes.Fields(data)
	switch {
	case len(f) == 3 && string(f[0]) == "post":
		*dst = post.Post{ID: string(f[1]), Text: string(f[2])}
		return Outcome{Kind: KindPost}
	case len(f) == 2 && string(f[0]) == "notice":
		return Outcome{Kind: KindNotice, Notice: string(f[1])}
	}
	return Outcome{Kind: KindMalformed, Err: errors.New("bad line")}
}

// classifyLines is the tests' expectation, computed from the inputs by
// field count alone (they are "post ID TEXT", "notice KIND" or malformed),
// independently of lineParser and the pipeline: each post's id and text
// (the textDetector's language) in order, and the notice and malformed
// counts.
func classifyLines(in [][]byte) (posts [][2]string, notices, malformed int64) {
	for _, m := range in {
		f := bytes.Fields(m)
		switch {
		case len(f) == 3:
			posts = append(posts, [2]string{string(f[1]), string(f[2])})
		case len(f) == 2:
			notices++
		default:
			malformed++
		}
	}
	return posts, notices, malformed
}

// textDetector answers the text itself as language, except "none".
type textDetector struct{}

func (textDetector) Detect(text string) langid.Result {
	if text == "none" {
		return langid.Result{}
	}
	return langid.Result{Lang: text, Matches: 2, Total: 2, Kept: true}
}

// sliceRecorder keeps everything recorded, optionally slowly.
type sliceRecorder struct {
	mu    sync.Mutex
	posts []post.Post
	sizes []int         // posts per Record call
	gate  chan struct{} // when set, each Record waits for a token
}

func (r *sliceRecorder) Record(ctx context.Context, posts []post.Post) error {
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.posts = append(r.posts, posts...)
	r.sizes = append(r.sizes, len(posts))
	r.mu.Unlock()
	return nil
}

func msgs(n int) [][]byte {
	var out [][]byte
	for i := 0; i < n; i++ {
		switch {
		case i%10 == 3:
			out = append(out, []byte("notice delete"))
		case i%97 == 5:
			out = append(out, []byte("{garbage"))
		case i%13 == 7:
			out = append(out, []byte(fmt.Sprintf("post %d none", i)))
		default:
			out = append(out, []byte(fmt.Sprintf("post %d l%d", i, i%4)))
		}
	}
	return out
}

func newTest(t *testing.T, src ingest.Source, rec *sliceRecorder, workers, batch int) *Pipeline {
	t.Helper()
	p, err := New(Config{Source: src, NewParser: func() Parser { return lineParser{} },
		Detector: textDetector{}, Recorder: rec, Workers: workers, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantRecorded returns the ids of the posts of in that textDetector keeps,
// in order, and how many it leaves undetected.
func wantRecorded(in [][]byte) (want []string, undetected int64) {
	posts, _, _ := classifyLines(in)
	for _, ps := range posts {
		if ps[1] == "none" {
			undetected++
		} else {
			want = append(want, ps[0])
		}
	}
	return want, undetected
}

// checkRecordedInOrder fails unless rec holds exactly the posts want, in
// order.
func checkRecordedInOrder(t *testing.T, rec *sliceRecorder, want []string) {
	t.Helper()
	if len(rec.posts) != len(want) {
		t.Fatalf("recorded %d posts, want %d", len(rec.posts), len(want))
	}
	for i, ps := range rec.posts {
		if ps.ID != want[i] {
			t.Fatalf("post %d is %s, want %s: order not kept", i, ps.ID, want[i])
		}
	}
}

func TestPipelineKeepsStreamOrderAndCounts(t *testing.T) {
	for _, tc := range []struct{ workers, batch int }{{1, 1}, {4, 1}, {8, 7}, {3, 256}} {
		t.Run(fmt.Sprintf("workers=%d/batch=%d", tc.workers, tc.batch), func(t *testing.T) {
			in := msgs(5000)
			rec := &sliceRecorder{}
			p := newTest(t, &sliceSource{msgs: in}, rec, tc.workers, tc.batch)
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, notices, malformed := classifyLines(in)
			want, undetected := wantRecorded(in)
			checkRecordedInOrder(t, rec, want)
			for _, ps := range rec.posts {
				if ps.Lang != ps.Text {
					t.Fatalf("post %s has lang %q, want %q", ps.ID, ps.Lang, ps.Text)
				}
			}
			s := p.Stats()
			if s.Messages != int64(len(in)) || s.NoticeCount() != notices || s.Notices["delete"] != notices ||
				s.Malformed != malformed || s.Undetected != undetected || s.Written != int64(len(want)) ||
				s.Posts != int64(len(want))+undetected || s.Source.State != "done" {
				t.Fatalf("stats %+v; want notices %d malformed %d undetected %d written %d", s, notices, malformed, undetected, len(want))
			}
			if s.Workers.Alive != 0 || s.Workers.Total != tc.workers {
				t.Fatalf("workers %+v after Run", s.Workers)
			}
		})
	}
}

// Cancelling stops the source only: everything it emitted is recorded.
func TestPipelineDrainsOnCancel(t *testing.T) {
	in := msgs(3000)
	src := &sliceSource{msgs: in, block: true, sent: make(chan struct{})}
	rec := &sliceRecorder{gate: make(chan struct{})}
	p := newTest(t, src, rec, 2, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	// Let the recorder through slowly so the queues are full when we cancel.
	go func() {
		for {
			select {
			case rec.gate <- struct{}{}:
			case <-done:
				return
			}
		}
	}()
	<-src.sent
	cancel()
	err := <-done
	close(done)
	if err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	var want int
	for _, m := range in {
		if f := bytes.Fields(m); len(f) == 3 && string(f[2]) != "none" {
			want++
		}
	}
	if len(rec.posts) != want {
		t.Fatalf("recorded %d of %d accepted posts after cancel", len(rec.posts), want)
	}
	if st := p.Stats().Source.State; st != "stopped" {
		t.Fatalf("source state %q, want stopped", st)
	}
}

// A writer that fell behind (its store made it wait) records the batches
// ready behind the one it waited for in one Record, never more than
// maxGroup, in stream order; one that keeps up records batch by batch.
func TestWriterGroupsReadyBatches(t *testing.T) {
	const batch = 8
	in := msgs(20_000)
	rec := &sliceRecorder{gate: make(chan struct{})}
	p := newTest(t, &sliceSource{msgs: in}, rec, 2, batch)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) { // polling a condition, not timing the test
		if s := p.Stats(); s.Queues[3].Len == s.Queues[3].Cap {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("write queue not full after 20 s")
		}
	}
	close(rec.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	grouped := 0
	for _, n := range rec.sizes {
		if n > maxGroup*batch {
			t.Fatalf("a Record of %d posts: more than %d batches of %d", n, maxGroup, batch)
		}
		if n > batch {
			grouped++
		}
	}
	if grouped == 0 {
		t.Fatalf("no Record took more than one batch (sizes %v)", rec.sizes)
	}
	want, _ := wantRecorded(in)
	checkRecordedInOrder(t, rec, want)
	if s := p.Stats(); s.Written != int64(len(want)) {
		t.Fatalf("written %d, want %d", s.Written, len(want))
	}
}

// A stuck store holds the pipeline back instead of growing its memory.
func TestPipelineBackpressureIsBounded(t *testing.T) {
	in := msgs(50_000)
	rec := &sliceRecorder{gate: make(chan struct{})}
	src := &sliceSource{msgs: in}
	p := newTest(t, src, rec, 2, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	// Wait until the raw and write queues are full: then nothing more can
	// be read (the workers keep the detect queue empty).
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) { // polling a condition, not timing the test
		s := p.Stats()
		if s.Queues[0].Len == s.Queues[0].Cap && s.Queues[3].Len == s.Queues[3].Cap {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queues not full after 20 s: %+v", s.Queues)
		}
	}
	s := p.Stats()
	inFlight := int(s.Messages)
	maxInFlight := 8192 + 8*(2*p.cfg.Queue+2+maxGroup) + 8 // raw + batches queued or held by stages (the writer's group)
	if inFlight > maxInFlight || s.Written != 0 {
		t.Fatalf("read %d messages with a stuck store (bound %d), written %d", inFlight, maxInFlight, s.Written)
	}
	cancel()
	close(rec.gate) // unblock: every later Record passes
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := p.Stats(); got.Written+got.Undetected != got.Posts {
		t.Fatalf("lost posts: %+v", got)
	}
}

func TestPipelineReportsSourceError(t *testing.T) {
	rec := &sliceRecorder{}
	boom := errors.New("boom")
	p := newTest(t, &sliceSource{msgs: msgs(10), err: boom}, rec, 1, 4)
	err := p.Run(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want boom", err)
	}
	s := p.Stats()
	if s.Source.State != "error" || s.Source.Error != "boom" || s.Written == 0 {
		t.Fatalf("stats after source error: %+v", s)
	}
}

func TestRateMeter(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	m := NewRateMeter(func() time.Time { return now }, 60*time.Second)
	if m.PerSecond() != 0 {
		t.Fatal("rate before any event")
	}
	for i := 0; i < 120; i++ {
		m.Add(10)
		now = now.Add(time.Second)
	}
	// 60 whole seconds of 10 each, the current one empty.
	if got := m.PerSecond(); got < 9.8 || got > 10 {
		t.Fatalf("steady rate %v, want about 10", got)
	}
	now = now.Add(2 * time.Minute)
	if got := m.PerSecond(); got != 0 {
		t.Fatalf("rate after two idle minutes %v", got)
	}
	if s := m.Series(); len(s) != 60 {
		t.Fatalf("series of %d", len(s))
	}
}

var _ = strconv.Itoa
