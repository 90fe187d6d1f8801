package memstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tidwall/wal"

	"github.com/geoheat/geoheat/internal/store"
)

// lockDir takes an exclusive, non-blocking flock on dir/LOCK and writes the
// process id into it, so that a second process (or a second Open in this
// one) fails fast with ErrLocked instead of interleaving log writes. The
// lock goes away with the file descriptor, also when the process dies.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("memstore: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if b, rerr := os.ReadFile(path); rerr == nil && len(b) > 0 {
				holder = " (pid " + strings.TrimSpace(string(b)) + ")"
			}
			return nil, fmt.Errorf("memstore: %s%s: %w", dir, holder, ErrLocked)
		}
		return nil, fmt.Errorf("memstore: lock %s: %w", path, err)
	}
	// The pid is informational only; failing to write it is not an error.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// Fsync says when the log is fsynced, as Redis' appendfsync does. The zero
// value is FsyncEverySec.
type Fsync int

const (
	// FsyncEverySec fsyncs at most once a second, and within a second of
	// any unsynced Record.
	FsyncEverySec Fsync = iota
	// FsyncAlways fsyncs before every Record returns.
	FsyncAlways
	// FsyncNo leaves write-back to the kernel (Flush and Close still sync).
	FsyncNo

	// fsyncFailed is what FsyncAlways becomes after a failed fsync: every
	// later write is refused (ErrFsyncFailed). Never set by Options.
	fsyncFailed Fsync = -1
)

// ErrFsyncFailed is returned by Record and Flush once an fsync of the log
// failed under FsyncAlways. After a failed fsync the kernel may already
// have dropped the dirty pages, and a later fsync can succeed without them
// ever reaching the disk (Linux reports a write-back error once), so no
// later acknowledgement could be trusted: like Redis after a failed
// appendfsync always, the store stops taking writes. Everything
// acknowledged before is on disk; queries keep answering. Restart (and fix
// the disk) to write again: the restart replays what the log holds.
var ErrFsyncFailed = errors.New("memstore: writes refused: an fsync of the log failed (--fsync always); restart once the disk is fixed")

// ErrLogWriteFailed is returned by Record once a write to the log failed
// (disk full, read-only file system, I/O error). The failed write may have
// left part of an entry in the segment, and the log library keeps the
// entry in its buffer, so a later write would land after that garbage and
// a restart would cut the log there, losing batches acknowledged after
// it. So, as Redis stops writes after a failed background save, the store
// stops taking writes: everything acknowledged before is intact and
// queries keep answering. Restart once there is room again.
var ErrLogWriteFailed = errors.New("memstore: writes refused: a write to the log failed; restart once the disk has room again")

// writeWAL is the log's append. Tests replace it to make writes fail as a
// full disk does; nothing else does.
var writeWAL = (*wal.Log).Write

// syncWAL is the log's fsync. Tests replace it to make fsync fail as a
// failing disk does; nothing else does.
var syncWAL = (*wal.Log).Sync

// WritesRefused returns ErrFsyncFailed or ErrLogWriteFailed (wrapping the
// cause) once the store refuses writes after a failed fsync or log write,
// nil otherwise: for status and readiness. Caller need not
// hold any lock.
func (s *Store) WritesRefused() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.refuseWrites()
}

// refuseWrites is WritesRefused for callers that hold writeMu; Record calls
// it before logging a batch, so a refused batch is neither logged nor
// applied.
func (s *Store) refuseWrites() error {
	if s.fsync == fsyncFailed {
		return ErrFsyncFailed
	}
	return s.logFailed
}

// ParseFsync parses "always", "everysec" or "no".
func ParseFsync(s string) (Fsync, error) {
	switch s {
	case "everysec", "":
		return FsyncEverySec, nil
	case "always":
		return FsyncAlways, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("memstore: unknown fsync mode %q: want always, everysec or no", s)
}

func (f Fsync) String() string {
	switch f {
	case FsyncEverySec:
		return "everysec"
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	case fsyncFailed:
		return "always (failed: writes refused)"
	}
	return "Fsync(" + strconv.Itoa(int(f)) + ")"
}

// openLog opens the write-ahead log in dir. tidwall/wal refuses to open a
// log whose last segment ends in a partial entry (what a crash mid-write
// leaves); openLog then cuts the partial entry off, opens again and returns
// how many bytes it cut.
func openLog(dir string, segmentSize int, log *slog.Logger) (*wal.Log, int64, error) {
	opts := &wal.Options{
		// fsync is ours to schedule (see the package doc): once per Record
		// would cap ingest at the disk's sync rate.
		NoSync:      true,
		SegmentSize: segmentSize,
		LogFormat:   wal.Binary,
		// Replay reads every entry once and decodes it before the next
		// read, so it can use the segment buffer without a copy.
		NoCopy: true,
		// When every held post has been dropped the whole log can go.
		AllowEmpty: true,
		DirPerms:   0o750,
		FilePerms:  0o640,
	}
	l, err := wal.Open(dir, opts)
	if err == nil || !errors.Is(err, wal.ErrCorrupt) {
		return l, 0, err
	}
	cut, rerr := cutTornTail(dir)
	if rerr != nil {
		return nil, 0, fmt.Errorf("%w (repairing the tail: %v)", err, rerr)
	}
	if cut == 0 {
		return nil, 0, err // not a torn tail; nothing we know how to repair
	}
	log.Warn("memstore: cut a torn entry off the end of the log (a crash interrupted a write)",
		"dir", dir, "bytes", cut)
	l, err = wal.Open(dir, opts)
	return l, cut, err
}

// cutTornTail truncates the last segment file of the log in dir after its
// last complete entry (tidwall/wal's binary framing: uvarint length, data)
// and returns how many bytes it cut.
func cutTornTail(dir string) (int64, error) {
	segs, err := segmentIndexes(dir)
	if err != nil || len(segs) == 0 {
		return 0, err
	}
	path := filepath.Join(dir, segmentName(segs[len(segs)-1]))
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	valid := 0
	for valid < len(data) {
		size, n := binary.Uvarint(data[valid:])
		if n <= 0 || uint64(len(data)-valid-n) < size {
			break
		}
		valid += n + int(size)
	}
	cut := int64(len(data) - valid)
	if cut == 0 {
		return 0, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Truncate(int64(valid)); err != nil {
		return 0, err
	}
	return cut, f.Sync()
}

// segmentIndexes lists the first indexes of the log's segment files, in
// order. tidwall/wal names a segment by its first index in 20 digits.
func segmentIndexes(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var idx []uint64
	for _, e := range ents {
		if len(e.Name()) != 20 || e.IsDir() {
			continue
		}
		if v, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && v > 0 {
			idx = append(idx, v)
		}
	}
	slices.Sort(idx)
	return idx, nil
}

func segmentName(index uint64) string { return fmt.Sprintf("%020d", index) }

// replay applies the log's entries from first on, as Record did, then
// removes what recovery found unusable at the tail and what is already
// dropped at the front.
func (s *Store) replay(first uint64) error {
	last, err := s.wal.LastIndex()
	if err != nil {
		return err
	}
	start := time.Now()
	s.counting = false
	defer func() { s.counting = true }()
	now := store.UnixNanos(s.now())
	var b batch
	lastGood, bad := first-1, 0
	for i := first; i <= last; i++ {
		data, err := s.wal.Read(i)
		if err != nil {
			// A whole segment that does not load (bit rot, a file cut
			// short by something other than a crash mid-write): skip to
			// the next segment rather than lose everything after it.
			next, serr := s.nextSegment(i)
			if serr != nil || next <= i {
				return fmt.Errorf("read entry %d: %w", i, err)
			}
			s.log.Error("memstore: log segment unreadable, its entries are skipped",
				"dir", s.dir, "entries", fmt.Sprintf("%d..%d", i, next-1), "err", err)
			bad += int(next - i)
			i = next - 1
			continue
		}
		if err := decode(data, &b, s.keep != nil); err != nil {
			if errors.Is(err, errNewerVersion) {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			bad++
			s.walSpans.Push(walSpan{index: i, seqEnd: s.seqNext, size: int64(len(data))})
			continue
		}
		lastGood = i
		r := s.enterCold()
		s.mu.Lock()
		s.apply(&b, now)
		s.mu.Unlock()
		s.runSummaryJobs()
		s.moveCold()
		s.exitCold(r)
		s.walSpans.Push(walSpan{index: i, seqEnd: s.seqNext, size: int64(len(data))})
		// What a checkpoint would cut: the log since the last one.
		s.sinceCheckpoint += int64(len(data))
	}
	if lastGood < last {
		// Entries after the last good one are the remains of a crash (a
		// torn batch, zeros the file system exposed after a power loss):
		// cut them so that new entries follow good ones.
		if err := s.wal.TruncateBack(lastGood); err != nil {
			return fmt.Errorf("cut bad entries %d..%d: %w", lastGood+1, last, err)
		}
		for s.walSpans.Len() > 0 && s.walSpans.At(s.walSpans.Len()-1).index > lastGood {
			s.walSpans.DropBack(1)
		}
		s.log.Warn("memstore: cut unreadable entries off the end of the log",
			"dir", s.dir, "entries", fmt.Sprintf("%d..%d", lastGood+1, last))
		bad -= int(last - lastGood)
		s.repair.CutEntries = int64(last - lastGood)
		last = lastGood
	}
	s.repair.SkippedEntries = int64(bad)
	if bad > 0 {
		s.log.Error("memstore: skipped unreadable log entries", "dir", s.dir, "entries", bad)
	}
	s.walNext = last + 1
	if err := s.wal.ClearCache(); err != nil {
		return err
	}
	s.log.Info("memstore: replayed log", "dir", s.dir, "posts", s.order.Len(),
		"entries", s.walSpans.Len(), "took", time.Since(start).Round(time.Millisecond))
	s.maintainLog(s.seqFront(), true)
	return nil
}

// nextSegment returns the first index of the segment after the one holding
// index.
func (s *Store) nextSegment(index uint64) (uint64, error) {
	segs, err := segmentIndexes(filepath.Join(s.dir, "wal"))
	if err != nil {
		return 0, err
	}
	for _, first := range segs {
		if first > index {
			return first, nil
		}
	}
	return 0, errors.New("no later segment")
}

// maintainLog removes entries whose posts have all been dropped from the
// front of the log, once they add up to a segment (or always, with force).
// Truncating rewrites the rest of the first kept segment, so waiting for a
// segment's worth bounds the rewriting to one segment per segment dropped.
// Caller holds writeMu.
func (s *Store) maintainLog(seqFront uint64, force bool) {
	for s.walCursor < s.walSpans.Len() {
		sp := s.walSpans.Ptr(s.walCursor)
		if sp.seqEnd > seqFront {
			break
		}
		s.walDroppable += sp.size
		s.walCursor++
	}
	if s.walCursor == 0 || (!force && s.walDroppable < int64(s.segmentSize)) {
		return
	}
	keep := s.walNext // everything is dropped: empty the log
	if s.walCursor < s.walSpans.Len() {
		keep = s.walSpans.At(s.walCursor).index
	}
	if s.hasKeepFrom && keep > s.walKeepFrom {
		// The snapshot on disk is checked against its entry at Open.
		keep = s.walKeepFrom
		if first, err := s.wal.FirstIndex(); err != nil || keep <= first {
			return
		}
	}
	s.truncateFront(keep)
}

// truncateFront removes the log's entries before keep and forgets their
// spans. Caller holds writeMu.
func (s *Store) truncateFront(keep uint64) {
	if err := s.wal.TruncateFront(keep); err != nil {
		// The data is fine; the log just keeps entries it no longer needs
		// (replay drops their posts again). If wal marked itself corrupt,
		// the next Record reports it.
		s.log.Error("memstore: truncate the front of the log", "dir", s.dir, "keep", keep, "err", err)
		return
	}
	s.forgetEntriesBefore(keep)
}

// syncIfDue fsyncs the log when the last fsync is a second old, and
// otherwise makes sure one happens within a second, so that a quiet stream
// does not leave its last batches unsynced. Caller holds writeMu.
func (s *Store) syncIfDue() {
	since := time.Since(s.lastSync)
	if since >= syncInterval {
		if err := s.syncLog(); err != nil {
			s.log.Error("memstore: fsync log", "dir", s.dir, "err", err)
		}
		return
	}
	if s.syncArmed {
		return
	}
	s.syncArmed = true
	if s.syncTimer == nil {
		s.syncTimer = time.AfterFunc(syncInterval-since, s.syncLater)
	} else {
		s.syncTimer.Reset(syncInterval - since)
	}
}

// syncAfterRecord applies the fsync mode after a Record wrote its entry.
// Only FsyncAlways reports a failed fsync to the caller: it promised
// durability before returning. Caller holds writeMu.
func (s *Store) syncAfterRecord() error {
	switch s.fsync {
	case FsyncAlways, fsyncFailed:
		return s.syncLog()
	case FsyncNo:
		return nil
	default:
		s.syncIfDue()
		return nil
	}
}

// logRepair returns what Open cut or skipped from the log, nil if nothing.
// The repair is written before Open returns and never after, so no lock.
func (s *Store) logRepair() *store.LogRepair {
	if s.repair == (store.LogRepair{}) {
		return nil
	}
	r := s.repair
	return &r
}

// syncLater is the timer's side of syncIfDue.
func (s *Store) syncLater() {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.syncArmed = false
	if s.writerClosed || !s.dirty {
		return
	}
	if err := s.syncLog(); err != nil {
		s.log.Error("memstore: fsync log", "dir", s.dir, "err", err)
	}
}

// syncLog fsyncs the log if anything was written since the last fsync.
// Under FsyncAlways a failure stops writes for good (ErrFsyncFailed).
// Caller holds writeMu.
func (s *Store) syncLog() error {
	if err := s.refuseWrites(); err != nil {
		return err
	}
	if s.wal == nil || !s.dirty {
		return nil
	}
	if err := syncWAL(s.wal); err != nil {
		if s.fsync == FsyncAlways {
			s.fsync = fsyncFailed
			s.log.Error("memstore: fsync of the log failed: refusing writes from now on; what was acknowledged is on disk", "dir", s.dir, "err", err)
			return fmt.Errorf("%w: %w", ErrFsyncFailed, err)
		}
		return fmt.Errorf("memstore: fsync log: %w", err)
	}
	s.dirty = false
	s.lastSync = time.Now()
	return nil
}
