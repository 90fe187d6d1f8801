package memstore

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"
)

// Checkpoints (Options.Checkpoint): the shutdown snapshot (snapshot.go)
// written while the store runs, after which the log before it is cut. At a
// billion posts the log is 28 GB beside the 42 GB of cold files, and a
// crash replays all of it (about a minute per 100 M posts); with
// checkpoints the log holds only what came after the last one, and a start
// after a crash reads the checkpoint and replays that. This is Prometheus'
// WAL truncation after its head is persisted, for the same reasons.
//
// What changes once the log is cut:
//   - the snapshot is the only copy of what came before its entry, so Open
//     keeps it after reading it (until the next checkpoint replaces it),
//     and the cold files it names are pinned (spill.Area.PinLive): kept on
//     disk, emptied or not, until the next checkpoint is durable;
//   - a snapshot that cannot be read (another build's layout, other
//     options, damage) can no longer fall back on a replay of the whole
//     log: Open refuses to start and says what to do, instead of starting
//     with what the log alone holds. The marker file logCutName records
//     that the log was cut, so this holds whatever the options of the
//     next start;
//   - a cold block found damaged cannot be rebuilt from the log: it stays
//     reported (Stats.ColdDamaged) and no further checkpoint is taken.
//
// A checkpoint holds writeMu while it writes the snapshot's bytes (Record
// waits; queries do not); fsyncing them and the cold files, which takes
// longer, runs without it. Taking one only once the log has grown by the
// last snapshot's size (or Checkpoint bytes, whichever is more) keeps the
// bytes written for checkpoints below those logged.

const logCutName = "log-cut"

// checkpointDue says whether the log has grown enough since the last
// checkpoint for the next, and none is being finished. Caller holds
// writeMu.
func (s *Store) checkpointDue() bool {
	return s.checkpointEvery > 0 && !s.ckBusy && s.sinceCheckpoint >= max(s.checkpointEvery, s.lastSnapBytes)
}

// checkpoint writes the snapshot's bytes (the only part Record waits for)
// and leaves the rest to finishCheckpoint, in the background: fsyncing it
// and the cold files it names, putting it in place and cutting the log. A
// failure is logged and reported in Stats; the store goes on with its log
// whole since the last checkpoint, and tries again after as much log
// again. Caller holds writeMu.
func (s *Store) checkpoint() {
	s.sinceCheckpoint = 0
	start := time.Now()
	if s.area != nil && s.area.Stats().Damaged > 0 {
		s.setCheckpointMsg("none taken: the cold files are damaged (see cold_damaged)")
		return
	}
	// The snapshot holds every entry logged; it must not outlast them on
	// a power loss.
	err := s.syncLog()
	var h snapshotHeader
	if err == nil {
		h, err = s.header()
	}
	var sf snapshotFile
	if err == nil {
		sf, err = s.writeSnapshotFile(h)
	}
	if err != nil {
		s.checkpointFailed(start, err)
		return
	}
	s.lastSnapBytes = sf.bytes
	var files map[int64]bool
	if s.area != nil {
		// Until the new snapshot is in place, the files of both stay.
		files = s.area.LiveFiles()
		s.area.Pin(union(s.pinned, files))
	}
	s.ckBusy = true
	s.ckDone.Add(1)
	go s.finishCheckpoint(sf, h, files, time.Since(start))
}

// finishCheckpoint makes the snapshot sf durable and puts it in place,
// without the writer's lock, then cuts the log before it under the lock.
// Close waits for it.
func (s *Store) finishCheckpoint(sf snapshotFile, h snapshotHeader, files map[int64]bool, waited time.Duration) {
	defer s.ckDone.Done()
	err := s.commitSnapshot(sf, files)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.ckBusy = false
	if err == nil {
		err = s.cutLog(h, files)
	} else if s.area != nil {
		s.area.Pin(s.pinned) // the last checkpoint's files only
	}
	if err != nil {
		s.checkpointFailed(sf.start, err)
		return
	}
	s.checkpoints++
	s.setCheckpointMsg(fmt.Sprintf("%d taken, the last at %s (%d posts, %d bytes: ingest waited %s, in place after %s), the log kept from entry %d",
		s.checkpoints, sf.start.UTC().Format(time.RFC3339), sf.posts, sf.bytes, waited.Round(time.Millisecond),
		time.Since(sf.start).Round(time.Millisecond), s.walKeepFrom))
}

func (s *Store) checkpointFailed(start time.Time, err error) {
	s.log.Error("memstore: checkpoint failed; the log is kept whole since the last one", "dir", s.dir, "err", err)
	s.setCheckpointMsg(fmt.Sprintf("failed at %s: %v", start.UTC().Format(time.RFC3339), err))
}

// union returns the numbers in a or b.
func union(a, b map[int64]bool) map[int64]bool {
	u := maps.Clone(a)
	if u == nil {
		u = make(map[int64]bool, len(b))
	}
	maps.Copy(u, b)
	return u
}

// cutLog follows a snapshot made durable with header h, naming the cold
// files numbered in files: those files alone stay pinned, and the log's
// entries before the one it was taken after are removed (that entry
// stays: Open checks the snapshot against it). Caller holds writeMu.
func (s *Store) cutLog(h snapshotHeader, files map[int64]bool) error {
	if s.area != nil {
		s.pinned = files
		s.area.Pin(files)
	}
	s.keepSnapshot = true
	s.setKeepFrom(h)
	if err := s.markLogCut(); err != nil {
		return err
	}
	first, last, err := s.logRange()
	if err != nil {
		return err
	}
	if last < first || s.walKeepFrom <= first {
		return nil
	}
	if err := s.wal.TruncateFront(s.walKeepFrom); err != nil {
		return fmt.Errorf("cut the log before entry %d: %w", s.walKeepFrom, err)
	}
	s.forgetEntriesBefore(s.walKeepFrom)
	return nil
}

// setKeepFrom sets the first entry the log must keep for the snapshot with
// header h: the entry it was taken after, or, when the log was empty then,
// the next one. Caller holds writeMu or is Open.
func (s *Store) setKeepFrom(h snapshotHeader) {
	s.walKeepFrom, s.hasKeepFrom = h.walNext, true
	if h.lastLen != 0 {
		s.walKeepFrom--
	}
}

// forgetEntriesBefore drops the spans of entries the log no longer holds.
// Caller holds writeMu.
func (s *Store) forgetEntriesBefore(first uint64) {
	n := 0
	for n < s.walSpans.Len() && s.walSpans.At(n).index < first {
		n++
	}
	if n == 0 {
		return
	}
	s.walSpans.DropFront(n)
	s.walCursor = max(0, s.walCursor-n)
	s.walDroppable = 0
	for i := range s.walCursor {
		s.walDroppable += s.walSpans.At(i).size
	}
}

// markLogCut writes the marker saying the log was cut at a checkpoint,
// once, durably, before the first cut. Caller holds writeMu.
func (s *Store) markLogCut() error {
	if s.logCut {
		return nil
	}
	path := filepath.Join(s.dir, logCutName)
	text := "The log (wal/) was cut at a checkpoint: what came before its first entry is only in the\n" +
		"snapshot and the cold files it names. Remove the snapshot only to start from the log's posts alone.\n"
	if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
		return fmt.Errorf("mark the log cut: %w", err)
	}
	if err := syncFile(path); err != nil {
		return fmt.Errorf("mark the log cut: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("mark the log cut: %w", err)
	}
	s.logCut = true
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// logWasCut reports whether the marker is in dir.
func logWasCut(dir string) (bool, error) {
	_, err := os.Stat(filepath.Join(dir, logCutName))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) setCheckpointMsg(msg string) { s.checkpointMsg.Store(&msg) }

// checkpointStatus is Stats.Checkpoint.
func (s *Store) checkpointStatus() string {
	if p := s.checkpointMsg.Load(); p != nil {
		return *p
	}
	return ""
}
