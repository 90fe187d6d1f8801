package memstore

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/wal"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// failSync makes the log's fsync fail with EIO, as a failing disk does,
// until the returned function restores it. Tests using it must not run in
// parallel (syncWAL is package state).
func failSync(t *testing.T) (heal func()) {
	t.Helper()
	real := syncWAL
	syncWAL = func(*wal.Log) error { return &syncErr{syscall.EIO} }
	t.Cleanup(func() { syncWAL = real })
	return func() { syncWAL = real }
}

// syncErr is what os.File.Sync returns: a *PathError in spirit.
type syncErr struct{ errno syscall.Errno }

func (e *syncErr) Error() string { return "fsync wal/00000000000000000001: " + e.errno.Error() }
func (e *syncErr) Unwrap() error { return e.errno }

// TestFsyncAlwaysFailureRefusesWrites: under --fsync always, the first
// failed fsync fails that Record and every later one, even once fsync
// works again (the kernel may have dropped the pages it could not write);
// queries keep answering, and a restart has everything acknowledged.
func TestFsyncAlwaysFailureRefusesWrites(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	s := open(t, Options{Dir: dir, Now: clock.Now, Fsync: FsyncAlways})
	ctx := context.Background()
	gen := newGenerator(7)
	var acked []post.Post
	for i := range 3 {
		b := gen.batch(25, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)
		if err := s.Record(ctx, b); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, b...)
	}
	if err := s.WritesRefused(); err != nil {
		t.Fatalf("refused before any failure: %v", err)
	}
	before, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}

	heal := failSync(t)
	err = s.Record(ctx, gen.batch(25, storetest.T0.Add(4*time.Minute), time.Minute))
	if !errors.Is(err, ErrFsyncFailed) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("Record with a failing fsync = %v, want ErrFsyncFailed wrapping EIO", err)
	}
	heal() // the disk answers again: the store still refuses
	held := func() int64 {
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Posts
	}
	heldBefore := held()
	for range 2 {
		if err := s.Record(ctx, gen.batch(25, storetest.T0.Add(5*time.Minute), time.Minute)); !errors.Is(err, ErrFsyncFailed) {
			t.Fatalf("Record after the failure = %v, want ErrFsyncFailed", err)
		}
	}
	if after := held(); after != heldBefore {
		t.Errorf("refused batches were applied: %d posts held, %d before", after, heldBefore)
	}
	if err := s.Flush(ctx); !errors.Is(err, ErrFsyncFailed) {
		t.Errorf("Flush after the failure = %v, want ErrFsyncFailed", err)
	}
	if err := s.WritesRefused(); !errors.Is(err, ErrFsyncFailed) {
		t.Errorf("WritesRefused = %v", err)
	}
	if s.fsync.String() != "always (failed: writes refused)" {
		t.Errorf("mode shows as %q", s.fsync)
	}
	// Queries still answer, with at least what was acknowledged.
	after, err := s.Stats(ctx)
	if err != nil || after.Posts < before.Posts {
		t.Errorf("Stats after the failure: %+v, %v (before: %d posts)", after, err, before.Posts)
	}
	s.Close()

	// Restart: everything acknowledged is there, and writes work again.
	s2 := open(t, Options{Dir: dir, Now: clock.Now, Fsync: FsyncAlways})
	defer s2.Close()
	st, err := s2.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Posts < int64(len(acked)) {
		t.Errorf("after restart %d posts, want at least the %d acknowledged", st.Posts, len(acked))
	}
	if err := s2.Record(ctx, gen.batch(5, storetest.T0.Add(6*time.Minute), time.Minute)); err != nil {
		t.Errorf("Record after restart: %v", err)
	}
}

// TestFsyncEverySecFailureKeepsWriting: everysec promised nothing per
// Record, so a failed background fsync is logged and retried, and writes
// go on (Redis does the same for appendfsync everysec).
func TestFsyncEverySecFailureKeepsWriting(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	s := open(t, Options{Dir: t.TempDir(), Now: clock.Now, Fsync: FsyncEverySec})
	defer s.Close()
	ctx := context.Background()
	gen := newGenerator(8)
	heal := failSync(t)
	if err := s.Record(ctx, gen.batch(10, storetest.T0, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err == nil || errors.Is(err, ErrFsyncFailed) {
		t.Errorf("Flush with a failing fsync = %v, want a plain fsync error", err)
	}
	heal()
	if err := s.Record(ctx, gen.batch(10, storetest.T0.Add(time.Minute), time.Minute)); err != nil {
		t.Errorf("Record after a failed everysec fsync: %v", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Errorf("Flush once fsync works: %v", err)
	}
	if err := s.WritesRefused(); err != nil {
		t.Errorf("everysec refuses writes: %v", err)
	}
}
