package memstore

import (
	"context"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store/storetest"
)

// TestFsyncModes checks when each mode leaves the log unsynced: always never
// returns with unsynced bytes, no never arms the timer, and Flush syncs in
// every mode (a graceful stop loses nothing).
func TestFsyncModes(t *testing.T) {
	for _, mode := range []Fsync{FsyncAlways, FsyncEverySec, FsyncNo} {
		t.Run(mode.String(), func(t *testing.T) {
			parsed, err := ParseFsync(mode.String())
			if err != nil || parsed != mode {
				t.Fatalf("ParseFsync(%q) = %v, %v", mode.String(), parsed, err)
			}
			clock := storetest.NewClock(storetest.T0.Add(time.Hour))
			s := open(t, Options{Dir: t.TempDir(), Now: clock.Now, Fsync: mode})
			defer s.Close()
			ctx := context.Background()
			gen := newGenerator(1)
			for i := range 3 {
				if err := s.Record(ctx, gen.batch(20, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			s.writeMu.Lock()
			dirty, armed := s.dirty, s.syncArmed
			s.writeMu.Unlock()
			switch mode {
			case FsyncAlways:
				if dirty {
					t.Errorf("always: Record returned with unsynced log bytes")
				}
			case FsyncNo:
				if !dirty || armed {
					t.Errorf("no: dirty=%v armed=%v, want unsynced and no timer", dirty, armed)
				}
			case FsyncEverySec:
				// Open just synced, so the first Records arm the timer.
				if dirty && !armed {
					t.Errorf("everysec: unsynced bytes without a sync scheduled")
				}
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			s.writeMu.Lock()
			dirty = s.dirty
			s.writeMu.Unlock()
			if dirty {
				t.Errorf("Flush left the log unsynced")
			}
		})
	}
	if _, err := ParseFsync("sometimes"); err == nil {
		t.Errorf("ParseFsync accepted a bad mode")
	}
	if _, err := Open(Options{Fsync: Fsync(42)}); err == nil {
		t.Errorf("Open accepted an unknown fsync mode")
	}
}

// TestLogRepairInStats: a torn tail is cut at Open and the loss shows in
// Stats until the next clean Open.
func TestLogRepairInStats(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	opts := Options{Dir: dir, Now: clock.Now}
	s := open(t, opts)
	ctx := context.Background()
	gen := newGenerator(2)
	for i := range 3 {
		s.Record(ctx, gen.batch(30, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute))
	}
	if st, _ := s.Stats(ctx); st.LogRepair != nil {
		t.Errorf("fresh store reports a repair: %+v", st.LogRepair)
	}
	s.Close()
	truncateBy(t, lastSegment(t, dir), 5)
	s = open(t, opts)
	st, _ := s.Stats(ctx)
	if st.LogRepair == nil || st.LogRepair.TornBytes == 0 || st.Posts != 60 {
		t.Errorf("after a torn tail: posts %d, repair %+v; want 60 posts and torn bytes reported", st.Posts, st.LogRepair)
	}
	s.Close()
	s = open(t, opts)
	defer s.Close()
	if st, _ := s.Stats(ctx); st.LogRepair != nil {
		t.Errorf("clean reopen still reports a repair: %+v", st.LogRepair)
	}
}

// TestEverySecSyncsWithinASecond: with everysec, a Record on a quiet store
// is fsynced by the timer about a second later, without further Records;
// that is what bounds a power loss to about the last second.
func TestEverySecSyncsWithinASecond(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(time.Hour))
	s := open(t, Options{Dir: t.TempDir(), Now: clock.Now})
	defer s.Close()
	if err := s.Record(context.Background(), newGenerator(3).batch(10, storetest.T0, time.Minute)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		s.writeMu.Lock()
		dirty := s.dirty
		s.writeMu.Unlock()
		if !dirty {
			break
		}
		if time.Since(start) > syncInterval+500*time.Millisecond {
			t.Fatalf("log still unsynced %v after a Record", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond) // polling the timer's effect
	}
}
