package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
)

// trackedSource is a sliceSource that asks for handled reports and keeps
// them, with what the recorder held at each.
type trackedSource struct {
	sliceSource
	rec *failingRecorder

	mu       sync.Mutex
	tracked  int
	reports  []int64
	recorded []int // posts recorded when each report came
}

func (s *trackedSource) TrackHandled() func(int64) {
	s.tracked++
	return func(n int64) {
		s.rec.mu.Lock()
		held := len(s.rec.posts)
		s.rec.mu.Unlock()
		s.mu.Lock()
		s.reports = append(s.reports, n)
		s.recorded = append(s.recorded, held)
		s.mu.Unlock()
	}
}

// failingRecorder records, and fails the call numbered failAt (from 1).
type failingRecorder struct {
	mu     sync.Mutex
	posts  []post.Post
	calls  int
	failAt int
	before int // posts recorded before the failed call
}

func (r *failingRecorder) Record(ctx context.Context, posts []post.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.calls == r.failAt {
		r.before = len(r.posts)
		return errors.New("disk full")
	}
	r.posts = append(r.posts, posts...)
	return nil
}

// keptBefore counts the posts among the first n messages that a recorder
// should hold (lineParser and textDetector: "post ID none" is not kept).
func keptBefore(ms [][]byte, n int64) int {
	k := 0
	for _, m := range ms[:n] {
		var p post.Post
		if out := (lineParser{}).Parse(m, &p); out.Kind == KindPost && p.Text != "none" {
			k++
		}
	}
	return k
}

func runTracked(t *testing.T, n, failAt int) (*trackedSource, *Pipeline, error) {
	t.Helper()
	rec := &failingRecorder{failAt: failAt}
	src := &trackedSource{sliceSource: sliceSource{msgs: msgs(n)}, rec: rec}
	p, err := New(Config{Source: src, NewParser: func() Parser { return lineParser{} },
		Detector: textDetector{}, Recorder: rec, Workers: 3, BatchSize: 7,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if src.tracked != 1 {
		t.Fatalf("TrackHandled called %d times by New, want 1", src.tracked)
	}
	err = p.Run(context.Background())
	return src, p, err
}

// TestHandledIsARecordedPrefix: every report n comes after everything the
// first n messages should put in the store is there; reports only grow and
// end at the whole stream.
func TestHandledIsARecordedPrefix(t *testing.T) {
	const n = 2000
	src, p, err := runTracked(t, n, 0)
	if err != nil {
		t.Fatal(err)
	}
	ms := msgs(n)
	var last int64
	for i, r := range src.reports {
		if r <= last {
			t.Fatalf("report %d: %d after %d", i, r, last)
		}
		last = r
		if want := keptBefore(ms, r); src.recorded[i] < want {
			t.Fatalf("report %d says %d messages handled, but only %d of their %d posts are recorded", i, r, src.recorded[i], want)
		}
	}
	if last != n || p.Stats().Handled != n {
		t.Errorf("last report %d, Stats().Handled %d, want %d", last, p.Stats().Handled, n)
	}
}

// TestHandledStopsAtRecordError: a failed Record leaves its messages
// unhandled and so every message after them: a source resuming from the
// report replays the lost batch rather than skipping it.
func TestHandledStopsAtRecordError(t *testing.T) {
	const n = 500
	src, p, err := runTracked(t, n, 4)
	if err == nil {
		t.Fatal("no record error")
	}
	ms := msgs(n)
	h := p.Stats().Handled
	if h == 0 || h >= n {
		t.Fatalf("handled %d of %d", h, n)
	}
	// Handled covers exactly the posts recorded before the failed call
	// (and the post-less batches after them), none of the failed batch's.
	rec := src.rec
	if got := keptBefore(ms, h); got != rec.before {
		t.Errorf("handled %d messages holding %d posts; %d were recorded before the failure", h, got, rec.before)
	}
	if len(src.reports) == 0 || src.reports[len(src.reports)-1] != h {
		t.Errorf("reports %v, Stats().Handled %d", src.reports, h)
	}
	// Everything after the failure was still recorded: only the cursor
	// stays behind.
	if len(rec.posts) <= keptBefore(ms, h) {
		t.Errorf("%d posts recorded in all", len(rec.posts))
	}
}
