package memstore

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/wal"

	"github.com/geoheat/geoheat/internal/store/storetest"
)

// TestLogWriteFailureRefusesWrites: a failed log write (a full disk) fails
// that Record and every later one, even once the disk has room (the failed
// write may have left part of an entry behind, and writing after it would
// cost acknowledged batches at the next start); nothing refused is
// applied, queries keep answering, and a restart has everything
// acknowledged and writes again.
func TestLogWriteFailureRefusesWrites(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	s := open(t, Options{Dir: dir, Now: clock.Now, Fsync: FsyncEverySec})
	ctx := context.Background()
	gen := newGenerator(9)
	var acked int64
	for i := range 3 {
		b := gen.batch(25, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)
		if err := s.Record(ctx, b); err != nil {
			t.Fatal(err)
		}
		acked += int64(len(b))
	}
	held := func(s *Store) int64 {
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Posts
	}
	before := held(s)

	real := writeWAL
	writeWAL = func(*wal.Log, uint64, []byte) error { return syscall.ENOSPC }
	t.Cleanup(func() { writeWAL = real })
	err := s.Record(ctx, gen.batch(25, storetest.T0.Add(4*time.Minute), time.Minute))
	if !errors.Is(err, ErrLogWriteFailed) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Record with a full disk = %v, want ErrLogWriteFailed wrapping ENOSPC", err)
	}
	writeWAL = real // room again: the store still refuses until restarted
	for range 2 {
		if err := s.Record(ctx, gen.batch(25, storetest.T0.Add(5*time.Minute), time.Minute)); !errors.Is(err, ErrLogWriteFailed) {
			t.Fatalf("Record after the failure = %v, want ErrLogWriteFailed", err)
		}
	}
	if err := s.WritesRefused(); !errors.Is(err, ErrLogWriteFailed) {
		t.Errorf("WritesRefused = %v", err)
	}
	if after := held(s); after != before {
		t.Errorf("refused batches were applied: %d posts held, %d before", after, before)
	}
	s.Close()

	s2 := open(t, Options{Dir: dir, Now: clock.Now, Fsync: FsyncEverySec})
	defer s2.Close()
	if n := held(s2); n != acked {
		t.Errorf("after restart %d posts, want the %d acknowledged", n, acked)
	}
	if err := s2.Record(ctx, gen.batch(5, storetest.T0.Add(6*time.Minute), time.Minute)); err != nil {
		t.Errorf("Record after restart: %v", err)
	}
}
