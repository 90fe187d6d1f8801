package memstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store/storetest"
)

// TestRecordedIsInTheKernelWhenRecordReturns: what a SIGKILL leaves is what
// the kernel holds, and a copy of the log read through the file system sees
// exactly that. So after every Record returns (without Flush or Close, in
// every fsync mode, across segment boundaries) a copy of the log directory
// opened as a store must hold every post recorded: a batch buffered in user
// space, acknowledged before its write(2), fails here. The process-level
// counterpart is internal/app's TestSIGKILLDurability.
func TestRecordedIsInTheKernelWhenRecordReturns(t *testing.T) {
	for _, mode := range []Fsync{FsyncAlways, FsyncEverySec, FsyncNo} {
		t.Run(mode.String(), func(t *testing.T) {
			clock := storetest.NewClock(storetest.T0.Add(time.Hour))
			dir := t.TempDir()
			s := open(t, Options{Dir: dir, Now: clock.Now, Fsync: mode, segmentSize: 16 << 10})
			defer s.Close()
			ctx := context.Background()
			gen := newGenerator(7)
			var recorded int64
			for i := range 40 {
				batch := gen.batch(50, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute)
				if err := s.Record(ctx, batch); err != nil {
					t.Fatal(err)
				}
				recorded += int64(len(batch))
				if i%8 != 7 {
					continue
				}
				crashed := copyDir(t, filepath.Join(dir, "wal"), filepath.Join(t.TempDir(), "wal"))
				c := open(t, Options{Dir: filepath.Dir(crashed), Now: clock.Now})
				st, err := c.Stats(ctx)
				c.Close()
				if err != nil {
					t.Fatal(err)
				}
				if st.Posts != recorded || st.LogRepair != nil {
					t.Fatalf("after %d Records: the log as the kernel holds it has %d posts (repair %+v), want the %d acknowledged",
						i+1, st.Posts, st.LogRepair, recorded)
				}
			}
			if segs, _ := segmentIndexes(filepath.Join(dir, "wal")); len(segs) < 2 {
				t.Fatalf("%d log segments: the test should cross a segment boundary", len(segs))
			}
		})
	}
}

// copyDir copies the regular files of src into dst (created) and returns
// dst.
func copyDir(t *testing.T, src, dst string) string {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
