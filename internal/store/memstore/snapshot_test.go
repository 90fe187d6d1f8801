package memstore

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// sameAnswers fails unless got and want, coldQueries of two stores, are
// equal, naming the first query that differs.
func sameAnswers(t *testing.T, what string, got, want []any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	for i := range want {
		if i >= len(got) || !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: query %d answers\n%+v\nwant\n%+v", what, i, got[i], want[i])
		}
	}
}

// snapshotAnswers is coldQueries without what tells how a store started.
func snapshotAnswers(t *testing.T, s *Store) []any {
	t.Helper()
	out := coldQueries(t, s)
	st := out[0].(store.Stats)
	st.Snapshot, st.Checkpoint, st.Dropped = "", "", 0
	out[0] = st
	return out
}

// TestRestartFromSnapshot: a store closed cleanly starts again from its
// snapshot, with cold chunks, summaries, hashtag lists, trends and kept
// text as they were: every query answers as a store that never restarted,
// before and after more posts (with drops) are recorded; the snapshot is
// removed once read. A damaged snapshot, or one the log has moved past,
// is reported and the log replayed: the answers are the same.
func TestRestartFromSnapshot(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(400 * 24 * time.Hour))
	opts := Options{Dir: dir, Now: clock.Now, KeepText: 3_000, CountryOf: storetest.CountryOf,
		coldKeep: 1, coldFileSize: 1 << 20}
	s := fillMixedWith(t, opts)
	ref := fillMixedWith(t, Options{Now: clock.Now, KeepText: 3_000, CountryOf: storetest.CountryOf, ColdDir: "-"})
	defer ref.Close()
	opts.MaxPosts = 150_000 // as fillMixedWith sets it
	ctx := context.Background()
	if st, _ := s.Stats(ctx); st.ColdBytes == 0 {
		t.Fatal("no cold chunks: the test needs some")
	}
	sameAnswers(t, "before the restart", snapshotAnswers(t, s), snapshotAnswers(t, ref))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	snapPath := filepath.Join(dir, snapshotName)
	if _, err := os.Stat(snapPath); err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}

	// And what a Close cut short would have left.
	if err := os.WriteFile(snapPath+".tmp", []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	if _, err := os.Stat(snapPath + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("a half-written snapshot is left (%v)", err)
	}
	st, _ := s.Stats(ctx)
	if !strings.HasPrefix(st.Snapshot, "read the snapshot") {
		t.Fatalf("started with %q, want it read from the snapshot", st.Snapshot)
	}
	if _, err := os.Stat(snapPath); !os.IsNotExist(err) {
		t.Errorf("the snapshot is still there after it was read (%v)", err)
	}
	sameAnswers(t, "after a restart from the snapshot", snapshotAnswers(t, s), snapshotAnswers(t, ref))

	// More posts, half a year on: drops of old posts and their cold chunks,
	// new cold chunks in new files.
	more := func(seed uint64, at time.Duration) {
		t.Helper()
		b := newGenerator(seed).batch(20_000, storetest.T0.Add(at), time.Hour)
		for _, st := range []*Store{s, ref} {
			if err := st.Record(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	more(11, 180*24*time.Hour)
	sameAnswers(t, "after more posts", snapshotAnswers(t, s), snapshotAnswers(t, ref))

	// A damaged snapshot: reported, the log replayed.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	flipByte(t, snapPath, 1000)
	s = open(t, opts)
	st, _ = s.Stats(ctx)
	if !strings.Contains(st.Snapshot, "unusable") || !strings.Contains(st.Snapshot, "damaged") {
		t.Errorf("a damaged snapshot started as %q", st.Snapshot)
	}
	sameAnswers(t, "after a damaged snapshot", snapshotAnswers(t, s), snapshotAnswers(t, ref))

	// A snapshot older than the log: the next one is set aside, more is
	// recorded, and the old one put back.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(t.TempDir(), "stale")
	if err := os.Rename(snapPath, stale); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	more(12, 181*24*time.Hour)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(stale, snapPath); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	defer s.Close()
	st, _ = s.Stats(ctx)
	if !strings.Contains(st.Snapshot, "unusable") {
		t.Errorf("a snapshot the log moved past started as %q", st.Snapshot)
	}
	sameAnswers(t, "after a stale snapshot", snapshotAnswers(t, s), snapshotAnswers(t, ref))
}

// TestCrashAfterSnapshotStart: a store started from its snapshot that then
// crashes (no Close, so no new snapshot) starts again from its log, with
// the posts recorded after the snapshot: the cold files the snapshot
// pointed into are not trusted twice.
func TestCrashAfterSnapshotStart(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
	opts := Options{Dir: dir, Now: clock.Now, MaxPosts: 20_000, coldKeep: 1, coldFileSize: 256 << 10}
	s := fillWith(t, opts, 30_000, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, opts)
	ctx := context.Background()
	if err := s.Record(ctx, newGenerator(9).batch(5_000, storetest.T0.Add(2*time.Hour), time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := takeAnswers(t, s)
	// What a SIGKILL leaves: the log and cold files as the kernel has
	// them, and no snapshot.
	crashed := t.TempDir()
	copyDir(t, filepath.Join(dir, "wal"), filepath.Join(crashed, "wal"))
	copyDir(t, filepath.Join(dir, "cold"), filepath.Join(crashed, "cold"))
	s.Close()
	c := open(t, Options{Dir: crashed, Now: clock.Now, MaxPosts: 20_000, coldKeep: 1, coldFileSize: 256 << 10})
	defer c.Close()
	if st, _ := c.Stats(ctx); st.Snapshot != "" {
		t.Errorf("a crashed store started with %q; want the log replayed", st.Snapshot)
	}
	got := takeAnswers(t, c)
	// The replayed store starts from the log's first kept entry, so its
	// languages' chunks are numbered from there and go cold at other
	// boundaries: only the bytes held cold differ.
	got.Stats.ColdBytes, want.Stats.ColdBytes = 0, 0
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		if g, w := gv.Field(i).Interface(), wv.Field(i).Interface(); !reflect.DeepEqual(g, w) {
			t.Errorf("after a crash, %s:\n%+v\nwant\n%+v", gv.Type().Field(i).Name, g, w)
		}
	}
}

// TestDamagedColdFileAfterSnapshotStart: a cold file damaged on disk while
// the store was down is found by the check a start from the snapshot runs
// in the background, reported in Stats and the log; the next Close writes
// no snapshot, so the next start replays the log and answers as before.
func TestDamagedColdFileAfterSnapshotStart(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour))
	opts := Options{Dir: dir, Now: clock.Now, MaxPosts: 20_000, coldKeep: 1, coldFileSize: 256 << 10}
	s := fillWith(t, opts, 30_000, nil)
	want := takeAnswers(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "cold", "cold-*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cold files (%v)", err)
	}
	// The first block of a file starts at 64, its header before it; every
	// block is longer than a few bytes.
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	data[64+3] ^= 0x10
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}

	var logs safeBuffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s = open(t, opts)
	<-s.verifyDone
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	if !strings.HasPrefix(st.Snapshot, "read the snapshot") || !strings.Contains(st.ColdDamaged, "checksum") {
		t.Fatalf("started %q, cold files damaged %q; want the snapshot read and the damage found", st.Snapshot, st.ColdDamaged)
	}
	if !logs.Contains("cold files damaged") {
		t.Errorf("the damage is not logged: %s", logs.String())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, snapshotName)); !os.IsNotExist(err) {
		t.Fatalf("a snapshot was written over damaged cold files (%v)", err)
	}
	opts.Logger = nil
	s = open(t, opts)
	defer s.Close()
	st, _ = s.Stats(ctx)
	if st.Snapshot != "" || st.ColdDamaged != "" {
		t.Errorf("after the damage, the next start: snapshot %q, damage %q; want the log replayed", st.Snapshot, st.ColdDamaged)
	}
	got := takeAnswers(t, s)
	got.Stats.ColdBytes, want.Stats.ColdBytes = 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Error("answers after the replay differ from before the damage")
	}
}
