package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

func batchOf(n, from int) []post.Post {
	out := make([]post.Post, n)
	for i := range out {
		k := from + i
		out[i] = post.Post{ID: fmt.Sprint(k), Lang: []string{"en", "es", "fr"}[k%3], Time: storetest.T0.Add(time.Duration(k) * time.Millisecond),
			Hashtags: []string{fmt.Sprintf("t%d", k%11)}, HasPoint: k%2 == 0, Point: post.Point{Lat: 1, Lon: float64(k%90) + 0.5}}
	}
	return out
}

// pollUntil polls cond every few milliseconds until it holds or the
// timeout passes.
func pollUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling another goroutine or process
	}
}

// TestAOFKillAndRestartMidIngest kills redis-server (SIGKILL, appendonly
// yes, appendfsync always) while a writer records batches, restarts it on
// the same port and directory, and checks that every batch Record reported
// as written is there exactly once, also after a second crash.
func TestAOFKillAndRestartMidIngest(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAOF())
	ctx := context.Background()
	s := open(t, srv.URL(""), redisstore.Options{GiveUp: -1}) // retry for ever
	const batches, per = 60, 100
	var acked atomic.Int64
	done := make(chan error, 1)
	go func() {
		for b := range batches {
			if err := s.Record(ctx, batchOf(per, b*per)); err != nil {
				done <- err
				return
			}
			acked.Add(1)
		}
		done <- nil
	}()
	pollUntil(t, 30*time.Second, "20 batches acknowledged", func() bool { return acked.Load() >= 20 })
	srv.Kill()
	atKill := acked.Load()
	// The writer must notice the outage before Redis comes back, so the
	// restart really happens under it.
	pollUntil(t, 30*time.Second, "the store to see the outage", func() bool {
		return s.Health(ctx).State != "ok" || acked.Load() == batches
	})
	srv.Restart()
	if err := <-done; err != nil {
		t.Fatalf("Record across the restart: %v", err)
	}
	h := s.Health(ctx)
	t.Logf("acknowledged %d batches before the kill; health after: %+v", atKill, h)
	if h.DroppedPosts != 0 || h.State != "ok" {
		t.Errorf("health after recovery = %+v, want ok with nothing dropped", h)
	}
	check := func(when string) {
		t.Helper()
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("%s: Stats: %v", when, err)
		}
		if st.Posts != batches*per || st.Written != batches*per {
			t.Errorf("%s: %d posts held, %d written; want %d (every acknowledged batch, once)", when, st.Posts, st.Written, batches*per)
		}
	}
	check("after the restart")
	// A second crash with nothing in flight: the file alone holds it all.
	srv.Kill()
	srv.Restart()
	pollUntil(t, 30*time.Second, "the store to reconnect", func() bool { return s.Health(ctx).Healthy() })
	check("after a second crash")
}

// TestOutageDropsAreCounted: with Redis down, Record gives up after the
// give-up time, counts what it dropped, answers later batches with one
// attempt each, and recovers when Redis returns; queries say Redis is
// unavailable.
func TestOutageDropsAreCounted(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := open(t, srv.URL(""), redisstore.Options{GiveUp: 200 * time.Millisecond})
	if err := s.Record(ctx, batchOf(10, 0)); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	err := s.Record(ctx, batchOf(7, 10))
	if !errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("Record with Redis down: %v, want ErrUnavailable", err)
	}
	h := s.Health(ctx)
	if h.State != "down" || h.DroppedPosts != 7 || h.DroppedBatches != 1 || h.LastError == "" || h.Retries == 0 {
		t.Errorf("health = %+v, want down with 7 posts in 1 batch dropped", h)
	}
	// Down: one attempt, still counted.
	if err := s.Record(ctx, batchOf(5, 17)); !errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("second Record: %v", err)
	}
	if h := s.Health(ctx); h.DroppedPosts != 12 || h.DroppedBatches != 2 || h.Healthy() {
		t.Errorf("health = %+v, want 12 posts in 2 batches dropped", h)
	}
	if _, err := s.Counts(ctx, store.CountsQuery{}); !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Counts with Redis down: %v, want ErrUnavailable", err)
	}
	srv.Restart()
	pollUntil(t, 30*time.Second, "the store to see Redis back", func() bool { return s.Health(ctx).Healthy() })
	if err := s.Record(ctx, batchOf(3, 22)); err != nil {
		t.Fatalf("Record after the outage: %v", err)
	}
	if h := s.Health(ctx); h.DroppedPosts != 12 || !h.Healthy() {
		t.Errorf("health after recovery = %+v", h)
	}
	// Without AOF the restart lost the data: the store says so honestly.
	if st, err := s.Stats(ctx); err != nil || st.Posts != 3 {
		t.Errorf("after a restart without AOF: %+v %v, want the 3 posts recorded since", st, err)
	}
	// A cancelled Record while Redis is down is counted too.
	srv.Kill()
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		pollUntil(t, 30*time.Second, "retrying", func() bool { return s.Health(ctx).State != "ok" })
		cancel()
	}()
	if err := s.Record(cctx, batchOf(4, 30)); !errors.Is(err, context.Canceled) && !errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("cancelled Record: %v", err)
	}
	if h := s.Health(ctx); h.DroppedPosts != 16 {
		t.Errorf("dropped = %d, want 16", h.DroppedPosts)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, batchOf(1, 0)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Record after Close: %v", err)
	}
}
