package memstore

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// crashCopy is what a SIGKILL leaves of the store in dir, as the kernel
// holds it: the log, the cold files, the snapshot and the marker, copied
// into a new directory while the store still runs.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	crashed := t.TempDir()
	copyDir(t, filepath.Join(dir, "wal"), filepath.Join(crashed, "wal"))
	copyDir(t, filepath.Join(dir, "cold"), filepath.Join(crashed, "cold"))
	for _, name := range []string{snapshotName, logCutName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crashed, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return crashed
}

// TestCheckpointsCutTheLog: with Options.Checkpoint the store writes its
// snapshot while it runs and cuts the log before it, so the log holds a
// fraction of what a store without checkpoints keeps. A crash (the data
// dir as the kernel holds it, no Close) starts from the last checkpoint
// and replays the log after it: every query answers as a store that never
// stopped, before and after more posts (drops of posts whose cold files
// the checkpoint pinned), and after a clean restart too; the checkpoint's
// snapshot is not removed when read.
func TestCheckpointsCutTheLog(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(400 * 24 * time.Hour))
	opts := Options{Dir: t.TempDir(), Now: clock.Now, KeepText: 3_000, CountryOf: storetest.CountryOf,
		coldKeep: 1, coldFileSize: 1 << 20, segmentSize: 64 << 10, Checkpoint: 512 << 10}
	s := fillMixedWith(t, opts)
	defer s.Close()
	whole := opts
	whole.Dir, whole.Checkpoint = t.TempDir(), 0
	w := fillMixedWith(t, whole)
	defer w.Close()
	ref := fillMixedWith(t, Options{Now: clock.Now, KeepText: 3_000, CountryOf: storetest.CountryOf, ColdDir: "-"})
	defer ref.Close()
	opts.MaxPosts = 150_000 // as fillMixedWith sets it
	ctx := context.Background()
	s.ckDone.Wait() // the last checkpoint in place and the log cut

	st, _ := s.Stats(ctx)
	if !strings.Contains(st.Checkpoint, "taken") || strings.HasPrefix(st.Checkpoint, "1 taken") {
		t.Fatalf("checkpoints: %q; want several taken", st.Checkpoint)
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, logCutName)); err != nil {
		t.Fatalf("no marker after the log was cut: %v", err)
	}
	// The log holds what came after the last checkpoint: less than the
	// next one's threshold (the last snapshot's size here) and the
	// segments it starts and ends in.
	cut, kept := dirSize(t, filepath.Join(opts.Dir, "wal")), dirSize(t, filepath.Join(whole.Dir, "wal"))
	if bound := max(opts.Checkpoint, s.lastSnapBytes) + 2*int64(opts.segmentSize); cut > bound || cut >= kept {
		t.Errorf("the log holds %d bytes with checkpoints, %d without: want at most %d", cut, kept, bound)
	}
	t.Logf("log: %d bytes with checkpoints, %d without; %s", cut, kept, st.Checkpoint)
	sameAnswers(t, "with checkpoints", snapshotAnswers(t, s), snapshotAnswers(t, ref))

	more := func(seed uint64, at time.Duration, stores ...*Store) {
		t.Helper()
		b := newGenerator(seed).batch(80_000, storetest.T0.Add(at), time.Hour)
		for _, st := range stores {
			for k := 0; k < len(b); k += 1000 {
				if err := st.Record(ctx, b[k:k+1000]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// No more checkpoints: more posts, half a year on, drop most of what
	// the last one holds, and their cold blocks; the files they lie in
	// must stay for it.
	s.checkpointEvery = 0
	more(20, 180*24*time.Hour, s, ref)
	sameAnswers(t, "after more posts", snapshotAnswers(t, s), snapshotAnswers(t, ref))

	c := open(t, Options{Dir: crashCopy(t, opts.Dir), Now: clock.Now, KeepText: 3_000, CountryOf: storetest.CountryOf,
		MaxPosts: opts.MaxPosts, coldKeep: 1, coldFileSize: 1 << 20, segmentSize: 64 << 10, Checkpoint: 512 << 10})
	cst, _ := c.Stats(ctx)
	if !strings.HasPrefix(cst.Snapshot, "read the snapshot") {
		t.Fatalf("after a crash the store started with %q; want the checkpoint read", cst.Snapshot)
	}
	sameAnswers(t, "after a crash", snapshotAnswers(t, c), snapshotAnswers(t, ref))
	more(21, 181*24*time.Hour, c, ref)
	sameAnswers(t, "after a crash and more posts", snapshotAnswers(t, c), snapshotAnswers(t, ref))
	dir := c.dir
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c = open(t, Options{Dir: dir, Now: clock.Now, KeepText: 3_000, CountryOf: storetest.CountryOf,
		MaxPosts: opts.MaxPosts, coldKeep: 1, coldFileSize: 1 << 20, segmentSize: 64 << 10, Checkpoint: 512 << 10})
	defer c.Close()
	sameAnswers(t, "after a clean restart", snapshotAnswers(t, c), snapshotAnswers(t, ref))
	if _, err := os.Stat(filepath.Join(dir, snapshotName)); err != nil {
		t.Errorf("the checkpoint's snapshot is gone once read: %v", err)
	}
	// The files of the first checkpoints held only dropped posts: gone
	// once a later checkpoint (the Close) replaced them.
	if n, held := coldFiles(t, filepath.Join(dir, "cold")), c.area.Stats().Files; n != held {
		t.Errorf("%d cold files on disk, %d in use", n, held)
	}
}

// TestCheckpointUnreadableRefusesToStart: once the log is cut at a
// checkpoint, a snapshot that cannot be read is the loss of everything
// before it, so Open refuses, says why and what to do, and leaves every
// file as it was: with the snapshot put back, the store starts and answers
// as before. Removing the snapshot, as the error says one may, starts from
// the log's posts alone, saying so.
func TestCheckpointUnreadableRefusesToStart(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
	opts := Options{Dir: t.TempDir(), Now: clock.Now, coldKeep: 1, coldFileSize: 256 << 10,
		segmentSize: 16 << 10, Checkpoint: 64 << 10}
	s := fillWith(t, opts, 30_000, nil)
	want := takeAnswers(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	snapPath := filepath.Join(opts.Dir, snapshotName)
	good, err := os.ReadFile(snapPath)
	if err != nil {
		t.Fatal(err)
	}
	files := coldFiles(t, filepath.Join(opts.Dir, "cold"))
	flipByte(t, snapPath, 1000)
	if _, err := Open(opts); err == nil || !strings.Contains(err.Error(), "cut at a checkpoint") {
		t.Fatalf("Open with a damaged checkpoint: %v; want a refusal saying the log was cut", err)
	}
	if n := coldFiles(t, filepath.Join(opts.Dir, "cold")); n != files {
		t.Fatalf("%d cold files after the refusal, %d before", n, files)
	}
	if err := os.WriteFile(snapPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	got := takeAnswers(t, s)
	got.Stats.ColdBytes, want.Stats.ColdBytes = 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the snapshot was put back:\n%+v\nwant\n%+v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if err := os.Remove(snapPath); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	defer s.Close()
	st, _ := s.Stats(context.Background())
	if !strings.Contains(st.Snapshot, "no snapshot") || st.Posts == 0 || st.Posts >= want.Stats.Posts {
		t.Errorf("without the snapshot: started %q with %d posts; want the log's posts alone (fewer than %d), said so",
			st.Snapshot, st.Posts, want.Stats.Posts)
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, logCutName)); !os.IsNotExist(err) {
		t.Errorf("the marker is left once the log holds all the store does (%v)", err)
	}
}

// TestCheckpointWithOtherKeptText: once the log is cut, a snapshot
// written keeping text (or not) is read by a store opened the other way,
// as `geoheat status` without --keep-text off opens serve's directory:
// the log cannot give the text back, so refusing would only lose the
// posts. The kept text is dropped, or starts empty; every post stays.
func TestCheckpointWithOtherKeptText(t *testing.T) {
	clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
	ctx := context.Background()
	for _, keep := range []int{0, 5_000} {
		opts := Options{Dir: t.TempDir(), Now: clock.Now, KeepText: keep, segmentSize: 16 << 10, Checkpoint: 64 << 10}
		s := fillWith(t, opts, 30_000, nil)
		want := takeAnswers(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		opts.KeepText = 5_000 - keep
		s = open(t, opts)
		st, _ := s.Stats(ctx)
		if !strings.HasPrefix(st.Snapshot, "read the snapshot") || !strings.Contains(st.Snapshot, "text") {
			t.Errorf("kept text %d, opened with %d: started %q", keep, opts.KeepText, st.Snapshot)
		}
		got := takeAnswers(t, s)
		got.Stats.ColdBytes, want.Stats.ColdBytes = 0, 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("kept text %d, opened with %d: answers differ", keep, opts.KeepText)
		}
		res, err := s.Posts(ctx, store.PostsQuery{N: 10})
		if err != nil || len(res.Posts) != 0 || res.Kept != 0 {
			t.Errorf("kept text %d, opened with %d: %d posts with text, %d kept (%v), want none", keep, opts.KeepText, len(res.Posts), res.Kept, err)
		}
		s.Close()
	}
}
