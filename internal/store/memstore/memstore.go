// Package memstore is geoheat's embedded store: everything held in memory
// in compact columns, optionally persisted to a write-ahead log so that a
// restart resumes with what it had.
//
// # What is held per post
//
// Posts are held in arrival (Record) order. Each language has its own
// columns, chunked deques of 1024 elements:
//
//   - times:   8 bytes per post (unix nanoseconds)
//   - tagEnds: 4 bytes per post (where the post's hashtags end in tags)
//   - tags:    4 bytes per hashtag (interned id of the lower-cased tag)
//   - geo:     24 bytes per post with a point (lat and lon float64 exactly
//     as given, arrival number, position of the post, whose time is the
//     point's)
//   - geoMeta: 2 bytes per post with a point (provenance and quantised
//     confidence), a parallel column so that geo records stay 24 bytes
//
// plus 2 bytes per post for the global arrival order (which language each
// post went to), used to drop the oldest posts first across languages. A
// post without a point and with one hashtag costs 18 bytes, one with a point
// 44 bytes, each further hashtag 4 bytes; chunk slack adds at most one chunk
// per column and language. Hashtag strings are interned once, reference
// counted and forgotten when their last occurrence is dropped. Post ids,
// texts and users are not held in the columns (ids are kept in the log
// only; each post's author, a 4-byte hash, goes to the trend index).
//
// Kept text (Options.KeepText, KeepTextAge) is held apart, for the newest
// posts only, in a textindex.Index: per kept post a 56-byte record, its id,
// handle, snippet (at most 512 bytes), given URL and hashtags in a chunk
// arena, and 4 bytes per distinct word in the inverted index plus the word
// map's share. textindex's BenchmarkAdd measures about 330 bytes of live
// heap per kept post for tweet-like texts of 112 bytes; Stats.MemoryBytes
// includes the index's estimate. The text index drops what the columns drop. The tests'
// generated mix (a quarter with a point, 0.85 hashtags per post, 50 000-tag
// Zipf vocabulary) measures about 29 bytes of live heap per post at one
// million posts; Stats.MemoryBytes estimates it from chunk counts.
//
// Window queries do not need per-minute aggregates: every chunk records the
// time bounds of what it holds (and every block of 32 chunks the bounds of
// its chunks), so a window query skips blocks and chunks older than the
// cutoff, takes newer ones whole and reads only the chunks that straddle
// it, then counts the window's hashtag ids in a dense array (a few
// nanoseconds per hashtag). That is exact for any arrival order and costs
// no memory per post; aggregates would cost at least 12 bytes per distinct
// tag and minute and lose Counter.most_common's first-seen tie order.
//
// Maps and boxes are the exception (summary.go, docs/scale.md): every 32
// full point chunks of a language get the cells their points fall in at
// zooms 0..7 with counts and integer position sums, their hashtags per
// 1.4° cell with the first occurrence of each, and their time bounds; 32
// such blocks (and 32 of those) get a summary of their own. A map, a
// box's top list or its histogram over a long span adds up the whole
// blocks it covers instead of reading their points. Each hashtag keeps
// the positions of its points (tagpoints.go, 4 bytes per point and tag),
// summarised the same way once busy, for a hashtag's map. Answers are the
// same bit for bit, ties in top lists included.
//
// # Cold chunks
//
// A column's full chunks more than two summary blocks behind its newest
// are only read any more. With Options.ColdDir (by default Dir/cold when
// Dir is set) they move to memory-mapped files (package spill, cold.go),
// with the points' cell indexes and the trend index's buckets more than
// eight days old: the heap then holds the newest chunks, the summaries,
// the interner and the indexes' skeletons, and the rest costs disk and
// page cache (Stats.ColdBytes). The files are a cache of the log: a
// replay empties and rebuilds them; a start from the snapshot Close wrote
// (snapshot.go) adopts them instead of replaying. With checkpoints
// (Options.Checkpoint, checkpoint.go) the log is cut at a snapshot written
// while running, and the snapshot and the files it names are then the
// only copy of what came before the cut. Heat maps read their snapshot without mu, so
// they enter the area before taking it: a file emptied by drops is
// unmapped only after them. A failed write leaves the chunk on the heap.
//
// Trends (Trends, docs/trends.md) come from a trend.Index fed by the same
// apply: per 5-minute bucket and language each tag's distinct authors and
// post count, and per post with a point and tag a 32-byte event for place
// queries; its buckets are forgotten as the posts they counted are dropped.
//
// # Time
//
// A post with a zero Time is recorded at the store clock's now at Record
// time (and logged with that time, so replay agrees). Times outside what
// int64 nanoseconds represent (years 1678..2261) saturate. The head is the
// newest post time recorded, clamped to the clock's now when queried, so a
// future-dated post does not move windows past now. Windows hold posts with
// time > head − Window.
//
// # Drops
//
// Retention drops, after every Record, the posts whose time is before
// head − Retention; MaxPosts drops the oldest posts beyond the limit. Both
// drop from the oldest-recorded end: a post recorded late with an old time
// is dropped when it reaches the front, not before. At most 2^31−1 posts are
// held (positions are 32-bit); beyond that the oldest are dropped as if
// MaxPosts were set. Every column, the interner and the log follow a drop;
// trends then count only the buckets after the newest dropped post's
// (trendFloor), as the Redis store does.
//
// # Persistence and crashes
//
// With Options.Dir set, every Record appends one entry (the batch, see
// codec.go) to a tidwall/wal log in Dir/wal with a write(2) before Record
// returns, and Dir/LOCK is flock'ed so that two processes cannot share the
// directory. When the log is fsynced is Options.Fsync, after Redis'
// appendfsync:
//
//   - FsyncEverySec (the default): at most once a second: in Record when the
//     last sync is a second old, one second after an unsynced Record
//     otherwise;
//   - FsyncAlways: before every Record returns (ingest is then bounded by the
//     disk's sync rate, one sync per batch of up to 256 posts);
//   - FsyncNo: never on its own; the kernel writes back when it chooses
//     (typically within 30 s on Linux).
//
// Flush and Close fsync in every mode, so a graceful stop loses nothing. So:
//
//   - a process crash (kill -9, panic, OOM kill) loses nothing Record
//     returned for, in every mode: the bytes are in the kernel's page cache;
//   - a power loss or kernel crash loses nothing Record returned for with
//     FsyncAlways, at most about the last second of Records with
//     FsyncEverySec, and whatever the kernel had not written back with
//     FsyncNo (a batch being written may be torn in every mode).
//
// Replay on Open rebuilds the columns from the log. A torn or garbage tail
// (a partial entry, zeros after a power loss) is cut off and reported
// through the logger and Stats.LogRepair, never a reason to refuse to start; an entry that fails
// its checksum in the middle of the log is skipped and reported. Entries
// whose posts have all been dropped are removed from the front of the log
// (TruncateFront) once they add up to a segment (8 MiB), so the log stays
// bounded by what is held plus about two segments (with checkpoints, by
// what came after the last one), and rewriting costs at most one segment
// per segment dropped. An intact entry of an unknown
// (newer) encoding version makes Open fail instead: it is not damage.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tidwall/wal"

	"github.com/geoheat/geoheat/internal/intern"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/spill"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/textindex"
	"github.com/geoheat/geoheat/internal/trend"
)

// Options configures Open.
type Options struct {
	// Dir is the data directory; "" keeps everything in memory only.
	Dir string
	// Retention drops posts older than head − Retention; 0 keeps them.
	Retention time.Duration
	// MaxPosts drops the oldest posts beyond this many; 0 means no limit.
	MaxPosts int
	// Now is the store clock (default time.Now). Tests inject one.
	Now func() time.Time
	// Logger reports recovery and log maintenance (default slog.Default()).
	Logger *slog.Logger
	// Fsync is when the log is fsynced (default FsyncEverySec); see the
	// package doc for what each mode guarantees.
	Fsync Fsync
	// CountryOf places points in countries for trends by country (the
	// app passes the country outlines' index); nil leaves country trends
	// unanswered.
	CountryOf trend.CountryFunc

	// KeepText keeps the text of the newest KeepText posts (and KeepTextAge,
	// when set, of the posts not older than the newest post time minus
	// it) for Posts and keyword search (Q); both 0 keep none. KeepTextAge
	// alone bounds by age only. Kept text is logged (entry version 4), so
	// it survives a restart.
	KeepText    int
	KeepTextAge time.Duration

	// ColdDir is where full chunks that are only read any more are kept,
	// in memory-mapped files (cold.go), instead of on the heap: the
	// heap then holds the newest chunks, the summaries and the indexes,
	// and the rest costs disk and page cache. "" puts them in Dir/cold
	// when Dir is set and keeps everything on the heap otherwise; "-"
	// keeps everything on the heap. A start that replays the log
	// empties the directory and rebuilds them; a start from the snapshot
	// Close wrote (snapshot.go) keeps the blocks it names.
	ColdDir string

	// Checkpoint, when above 0, writes the snapshot while the store runs
	// every time the log has grown by this many bytes (or by the last
	// snapshot's size, if larger) and cuts the log before it
	// (checkpoint.go): the disk then holds the cold files, the snapshot
	// and the log since it, instead of the whole log, and a start after a
	// crash replays only that. 0 keeps the whole log, the snapshot being
	// written at Close only. Needs Dir.
	Checkpoint int64

	// segmentSize is the log segment size and the truncation threshold
	// (default 8 MiB); tests shrink it.
	segmentSize int
	// coldKeep is how many of each column's newest full chunks stay on
	// the heap (default defaultColdKeep); tests shrink it.
	coldKeep int
	// coldFileSize is the cold files' size (default spill.DefaultFileSize);
	// tests shrink it.
	coldFileSize int64
}

// ErrLocked is returned by Open when another process holds the data
// directory. The error wrapping it names the directory.
var ErrLocked = errors.New("memstore: data dir is locked by another process")

const (
	// maxHeld bounds the posts held so that 32-bit wrapping positions stay
	// unambiguous.
	maxHeld            = math.MaxInt32
	defaultSegmentSize = 8 << 20
	syncInterval       = time.Second
)

var _ store.Store = (*Store)(nil)

// Store is the embedded store. Create it with Open.
type Store struct {
	now       func() time.Time
	log       *slog.Logger
	retention int64 // nanoseconds; 0 = forever
	maxPosts  int
	dir       string

	// writeMu serializes Record, Flush and Close, so the log's order is the
	// order posts are applied in. It also guards the fields below it; the
	// slow parts of a Record (lower-casing, encoding, the log write, log
	// maintenance) run under writeMu only, not under mu.
	writeMu      sync.Mutex
	writerClosed bool
	logFailed    error // set by a failed log write; every later write is refused
	builder      *batchBuilder
	sumJobs      []summaryJob // blocks filled by apply, summarised after it
	wbatch       batch
	encBuf       []byte
	wal          *wal.Log // nil when not persisted
	lockFile     *os.File
	walNext      uint64         // index of the next entry
	walSpans     deque[walSpan] // entries held in the log, oldest first
	walCursor    int            // walSpans[:walCursor] hold only dropped posts
	walDroppable int64          // bytes of walSpans[:walCursor]
	// Checkpoints (checkpoint.go). walKeepFrom is the first entry the
	// snapshot on disk needs kept (when keepSnapshot): the one it was
	// taken after.
	checkpointEvery int64
	sinceCheckpoint int64 // bytes logged since the last checkpoint
	lastSnapBytes   int64 // size of the last snapshot written or read
	checkpoints     int64
	keepSnapshot    bool // the snapshot read or written stays: checkpoints are on, or the log was cut
	logCut          bool // the marker is on disk: the log was cut at a checkpoint
	walKeepFrom     uint64
	hasKeepFrom     bool
	pinned          map[int64]bool         // the cold files the snapshot on disk names
	ckBusy          bool                   // a checkpoint is being finished (finishCheckpoint)
	ckDone          sync.WaitGroup         // Close waits for it
	checkpointMsg   atomic.Pointer[string] // Stats.Checkpoint; read without a lock
	segmentSize     int
	dirty           bool // written since the last fsync
	lastSync        time.Time
	syncTimer       *time.Timer
	syncArmed       bool
	fsync           Fsync
	repair          store.LogRepair // loss found by Open; written only before Open returns
	area            *spill.Area     // cold chunks (cold.go); nil keeps them on the heap
	coldKeep        int
	coldFailing     bool        // the last spill failed (logged once per run of failures)
	coldTimer       *time.Timer // the cold files' resident check (trimColdLater)
	coldDir         string
	coldFileSize    int64
	snapshotMsg     string // Stats.Snapshot; written only before Open returns
	// The check of the cold files a start from a snapshot adopted
	// (verifyCold): stopped and waited for by Close.
	verifyStop context.CancelFunc
	verifyDone chan struct{}

	// What a reset (resetData) builds anew.
	countryOf trend.CountryFunc
	keepLimit int
	keepAge   time.Duration

	// mu guards the data. Record holds it only to apply a prepared batch;
	// queries hold it for reading while they scan, except Heat, which
	// holds it only to snapshot the chunks it then scans without it
	// (heatView in query.go says why that is safe).
	mu       sync.RWMutex
	closed   bool
	langs    []*lang           // by language id
	langIDs  map[string]uint16 // key -> language id
	sorted   []uint16          // language ids ordered by key
	order    deque[uint16]     // language id of every held post, in arrival order
	seqNext  uint64            // arrival number of the next post
	tags     *intern.Table
	maxTime  int64 // newest post time recorded, unix ns
	hasTime  bool
	dropTime int64 // when hasDrop: trendFloor's newest dropped time
	hasDrop  bool
	dropped  int64
	written  int64
	tagIDBuf []uint32 // scratch for apply
	trends   *trend.Index
	trendOne trend.Post // scratch for apply
	// keep holds the kept posts' texts (nil when Options keep none); it
	// drops what the columns drop (enforceLimits).
	keep     *textindex.Index
	cutTags  []string // cutWords' scratch, under writeMu
	counting bool     // false while replaying: drops and writes are not counted
}

// lang holds one language's columns. Positions in tagEnds and geo.post
// are absolute counts since the language was created, truncated to 32 bits;
// differences between them are exact because fewer than 2^31 are held.
type lang struct {
	key      string
	times    deque[int64]   // post times, unix ns
	tagEnds  deque[uint32]  // per post: absolute position after its last tag
	tags     deque[uint32]  // interned tag ids in order
	geo      pointDeque     // posts with a point
	geoMeta  deque[geoMeta] // parallel to geo: each point's provenance
	postNext uint64         // posts ever appended
	geoNext  uint64         // points ever appended
	tagPts   tagPoints      // per hashtag, its points (tagpoints.go)
	tagNext  uint64         // tags ever appended
	// geoBySrc counts the points held per provenance: Counts reads it, and
	// a query whose provenance set covers every provenance held skips the
	// per-point check (the common case, a store of exact points, costs
	// nothing more than before provenance existed).
	geoBySrc [post.GeoText + 1]int64
}

// geoMeta is a point's provenance (post.GeoSource) and its confidence byte
// (store.QuantizeConfidence).
type geoMeta struct {
	source post.GeoSource
	conf   uint8
}

// geoRec is a post with a point. seq orders points across languages for
// Heat's Last; post finds the post's hashtags for a tag filter, and its
// time (pointTimes): at a billion posts a copy of the time here was 2.6 GB
// of the cold files, most of what stood between them and the disk target.
type geoRec struct {
	lat, lon float64
	seq      uint32 // arrival number, wrapping
	post     uint32 // absolute position of the post in its language, wrapping
}

// pointTimes finds the time of a language's points: their posts'. It
// holds the times' chunks and head rather than the deque, so that a
// histogram's binary searches read one array less per probe. front is the
// absolute position of the first post, wrapping.
type pointTimes struct {
	chunks []*chunk[int64]
	head   int
	front  uint32
}

func (pt *pointTimes) of(g *geoRec) int64 {
	j := pt.head + int(g.post-pt.front)
	return pt.chunks[j>>chunkShift][j&chunkMask]
}

// timesOf returns the times of the points of a language whose post times
// are d, the first held being the post at absolute position front
// (wrapping).
func timesOf(d *deque[int64], front uint32) *pointTimes {
	return &pointTimes{chunks: d.chunks, head: d.head, front: front}
}

// pointTimes returns the times of l's points. Valid until l changes:
// caller holds mu (or writeMu).
func (l *lang) pointTimes() *pointTimes { return timesOf(&l.times, uint32(l.postFront())) }

// walSpan maps a log entry to the posts it recorded: those with arrival
// numbers below seqEnd (and at or above the previous entry's seqEnd).
type walSpan struct {
	index  uint64
	seqEnd uint64
	size   int64
}

func timeOfPost(t *int64) int64     { return *t }
func (g *geoRec) point() post.Point { return post.Point{Lat: g.lat, Lon: g.lon} }

func (l *lang) postFront() uint64 { return l.postNext - uint64(l.times.Len()) }
func (l *lang) tagFront() uint64  { return l.tagNext - uint64(l.tags.Len()) }

// tagsOf returns where the hashtags of the post at absolute position post
// start in l.tags (absolute, wrapping) and how many it has.
func (l *lang) tagsOf(post uint32) (at uint32, n int) {
	from, to := l.tagSpan(int(post - uint32(l.postFront())))
	return uint32(l.tagFront()) + uint32(from), to - from
}

// tagSpan returns the indexes in l.tags of post i's hashtags.
func (l *lang) tagSpan(i int) (from, to int) {
	front := uint32(l.tagFront())
	if i > 0 {
		from = int(l.tagEnds.At(i-1) - front)
	}
	return from, int(l.tagEnds.At(i) - front)
}

// Open opens a store. With opts.Dir set it locks the directory (ErrLocked
// when another process has it), reads the snapshot the last Close wrote
// (or, without a usable one, replays the whole log), replays the log after
// it and returns once the store holds everything the log had.
func Open(opts Options) (*Store, error) {
	if opts.Retention < 0 {
		return nil, fmt.Errorf("memstore: negative retention %v", opts.Retention)
	}
	if opts.MaxPosts < 0 {
		return nil, fmt.Errorf("memstore: negative max posts %d", opts.MaxPosts)
	}
	if opts.KeepText < 0 || opts.KeepTextAge < 0 {
		return nil, fmt.Errorf("memstore: negative keep-text bound %d posts, %v", opts.KeepText, opts.KeepTextAge)
	}
	if opts.Checkpoint < 0 || opts.Checkpoint > 0 && opts.Dir == "" {
		return nil, fmt.Errorf("memstore: checkpoints every %d bytes of log need a data dir and a positive size", opts.Checkpoint)
	}
	if opts.Fsync < FsyncEverySec || opts.Fsync > FsyncNo {
		return nil, fmt.Errorf("memstore: unknown fsync mode %d", opts.Fsync)
	}
	s := &Store{
		now:         opts.Now,
		log:         opts.Logger,
		retention:   int64(opts.Retention),
		maxPosts:    opts.MaxPosts,
		dir:         opts.Dir,
		builder:     newBatchBuilder(),
		segmentSize: opts.segmentSize,
		fsync:       opts.Fsync,
		langIDs:     make(map[string]uint16),
		tags:        intern.New(),
		trends:      trend.New(opts.CountryOf),
		counting:    true,
		coldKeep:    opts.coldKeep,
		countryOf:   opts.CountryOf,
		keepAge:     opts.KeepTextAge,

		checkpointEvery: opts.Checkpoint,
	}
	if opts.KeepText > 0 || opts.KeepTextAge > 0 {
		s.keepLimit = opts.KeepText
		if s.keepLimit == 0 {
			s.keepLimit = textindex.MaxLimit
		}
		s.keep = textindex.New(s.keepLimit, s.keepAge)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxPosts == 0 || s.maxPosts > maxHeld {
		s.maxPosts = maxHeld
	}
	if s.segmentSize <= 0 {
		s.segmentSize = defaultSegmentSize
	}
	if s.coldKeep <= 0 {
		s.coldKeep = defaultColdKeep
	}
	s.coldDir, s.coldFileSize = opts.ColdDir, opts.coldFileSize
	if s.coldDir == "" && s.dir != "" {
		s.coldDir = filepath.Join(s.dir, "cold")
	}
	if s.dir == "" && s.coldDir != "-" && s.coldDir != "" {
		if err := s.openCold(false); err != nil {
			return nil, err
		}
	}
	if s.dir == "" {
		return s, nil
	}
	if err := s.openDir(); err != nil {
		if s.area != nil {
			s.writeMu.Lock()
			s.writerClosed = true // the resident check re-arms no more
			s.coldTimer.Stop()
			s.writeMu.Unlock()
			// Keeps what a snapshot it could not use points into: after a
			// checkpoint cut the log, that is the only copy.
			s.area.CloseKeep()
		}
		if s.wal != nil {
			s.wal.Close()
		}
		if s.lockFile != nil {
			s.lockFile.Close()
		}
		return nil, err
	}
	return s, nil
}

func (s *Store) openDir() error {
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return fmt.Errorf("memstore: create data dir: %w", err)
	}
	f, err := lockDir(s.dir)
	if err != nil {
		return err
	}
	s.lockFile = f
	snapPath := filepath.Join(s.dir, snapshotName)
	// What a Close cut short (a second SIGINT, a kill) left half written.
	if err := os.Remove(snapPath + ".tmp"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("memstore: remove a half-written snapshot: %w", err)
	}
	_, err = os.Stat(snapPath)
	haveSnap := err == nil
	if s.logCut, err = logWasCut(s.dir); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	s.keepSnapshot = s.checkpointEvery > 0 || s.logCut
	// After the lock: the cold files of a process still running are not
	// ours to remove (nor to keep).
	if s.coldDir != "-" {
		if err := s.openCold(haveSnap); err != nil {
			return err
		}
	}
	walDir := filepath.Join(s.dir, "wal")
	s.wal, s.repair.TornBytes, err = openLog(walDir, s.segmentSize, s.log)
	if err != nil {
		return fmt.Errorf("memstore: open log %s: %w", walDir, err)
	}
	from, err := s.wal.FirstIndex()
	if err != nil {
		return fmt.Errorf("memstore: open log %s: %w", walDir, err)
	}
	switch {
	case haveSnap:
		if from, err = s.startFromSnapshot(snapPath, from); err != nil {
			return err
		}
	case s.logCut:
		// Someone removed the snapshot, as the error below tells them
		// they may: the posts before the log's first entry are gone.
		s.log.Error("memstore: the log was cut at a checkpoint and there is no snapshot: starting from the log's posts alone",
			"dir", s.dir, "first_entry", from)
		s.snapshotMsg = fmt.Sprintf("no snapshot, and the log was cut at a checkpoint: started from its entries %d on alone", from)
	}
	if err := s.replay(from); err != nil {
		return fmt.Errorf("memstore: replay %s: %w", walDir, err)
	}
	if s.logCut && !haveSnap {
		// The log now holds everything the store does.
		if err := os.Remove(filepath.Join(s.dir, logCutName)); err != nil {
			return fmt.Errorf("memstore: %w", err)
		}
		s.logCut = false
	}
	if haveSnap && s.area != nil {
		s.verifyCold()
	}
	s.lastSync = time.Now()
	return nil
}

// startFromSnapshot reads the snapshot at path and returns the first log
// entry to replay: the one after the snapshot, or first (the whole log)
// when the snapshot cannot be used. Either way the snapshot is removed
// before anything is written (what follows changes the cold files it
// points into), unless it is a checkpoint's (keepSnapshot): then it stays,
// and the files it points into are pinned. One that cannot be read after
// the log was cut at it is an error: the log no longer holds what it does.
func (s *Store) startFromSnapshot(path string, first uint64) (uint64, error) {
	h, err := s.loadSnapshot(path)
	from := h.walNext
	if err != nil && s.logCut {
		return 0, fmt.Errorf("memstore: %s cannot be read (%w), and the log before it was cut at a checkpoint (%s): "+
			"start the build that wrote it, with the same options, or remove the snapshot to start from the log's posts alone",
			path, err, filepath.Join(s.dir, logCutName))
	}
	if err != nil {
		s.log.Error("memstore: snapshot unusable; replaying the log", "dir", s.dir, "err", err)
		s.snapshotMsg = fmt.Sprintf("snapshot unusable (%v); replayed the log", err)
		s.resetData()
		if s.area != nil {
			s.area.Close()
			if err := s.openCold(false); err != nil {
				return 0, err
			}
		}
		from = first
	} else {
		s.snapshotMsg = fmt.Sprintf("read the snapshot (%d posts)", s.order.Len())
		switch {
		case h.keepText && s.keep == nil:
			s.snapshotMsg += "; the text it kept is dropped (no --keep-text)"
		case !h.keepText && s.keep != nil:
			s.snapshotMsg += "; it kept no text: texts are kept from now on"
		}
		if s.area != nil {
			s.area.Settle()
			if s.keepSnapshot {
				s.pinned = s.area.LiveFiles()
				s.area.Pin(s.pinned)
			}
		}
		s.forgetEntriesBefore(first)
		// Replay drops what a shorter retention or a lower MaxPosts
		// than the last run's leaves out; so does a start from it.
		s.counting = false
		s.mu.Lock()
		s.enforceLimits(store.UnixNanos(s.now()))
		s.mu.Unlock()
		s.counting = true
		if s.keepSnapshot {
			// A checkpoint: the only copy of what the log no longer holds.
			s.setKeepFrom(h)
			return from, nil
		}
	}
	if err := os.Remove(path); err != nil {
		return 0, fmt.Errorf("memstore: remove the snapshot it read: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return 0, fmt.Errorf("memstore: remove the snapshot it read: %w", err)
	}
	return from, nil
}

// resetData empties what the store holds, as Open made it.
func (s *Store) resetData() {
	s.langs, s.langIDs, s.sorted, s.order, s.tags = nil, make(map[string]uint16), nil, deque[uint16]{area: s.area}, intern.New()
	s.seqNext, s.maxTime, s.hasTime, s.dropTime, s.hasDrop, s.dropped, s.written = 0, 0, false, 0, false, 0, 0
	s.trends = trend.New(s.countryOf)
	s.trends.SetCold(s.area)
	if s.keep != nil {
		s.keep = textindex.New(s.keepLimit, s.keepAge)
	}
	s.walNext, s.walSpans, s.walCursor, s.walDroppable = 0, deque[walSpan]{}, 0, 0
}

// Record implements store.Recorder.
func (s *Store) Record(ctx context.Context, posts []post.Post) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.writerClosed {
		return store.ErrClosed
	}
	// A drop may release cold chunks a summary job of this Record still
	// reads.
	defer s.exitCold(s.enterCold())
	// After a failed fsync under --fsync always nothing more is logged or
	// applied (see refuseWrites).
	if err := s.refuseWrites(); err != nil {
		return err
	}
	now := store.UnixNanos(s.now())
	b := &s.wbatch
	s.builder.build(b, posts, now, s.keep != nil)
	defer func() {
		b.release()
		s.builder.release()
	}()
	if len(b.posts) == 0 {
		return nil
	}
	if err := s.checkLanguageRoom(b); err != nil {
		return err
	}
	if s.wal != nil {
		// Log first: a batch that could not be logged is not applied, so
		// memory never holds what a restart would not.
		s.encBuf = encode(s.encBuf[:0], b)
		if err := writeWAL(s.wal, s.walNext, s.encBuf); err != nil {
			s.logFailed = fmt.Errorf("%w (entry %d: %w)", ErrLogWriteFailed, s.walNext, err)
			s.log.Error("memstore: log write failed; refusing writes until restart", "err", err)
			return s.logFailed
		}
		s.dirty = true
	}
	if s.keep != nil {
		s.cutWords(b)
	}
	s.mu.Lock()
	s.apply(b, now)
	seqEnd, seqFront := s.seqNext, s.seqFront()
	s.mu.Unlock()
	s.runSummaryJobs()
	s.moveCold()
	if s.wal != nil {
		s.walSpans.Push(walSpan{index: s.walNext, seqEnd: seqEnd, size: int64(len(s.encBuf))})
		s.walNext++
		s.sinceCheckpoint += int64(len(s.encBuf))
		s.maintainLog(seqFront, false)
		if err := s.syncAfterRecord(); err != nil {
			// The batch is applied and written, but not durable as
			// promised: the caller counts it as a record error.
			return err
		}
		if s.checkpointDue() {
			s.checkpoint()
		}
	}
	return nil
}

// cutWords cuts the kept posts' texts and hashtags into words for the
// text index before apply takes the lock: the most expensive part of
// keeping text, it then delays no query. Caller holds writeMu.
func (s *Store) cutWords(b *batch) {
	tags := s.cutTags[:0]
	refs := b.refs
	for i := range b.posts {
		p := &b.posts[i]
		mine := refs[:p.nTags]
		refs = refs[p.nTags:]
		if !p.kept {
			continue
		}
		tags = tags[:0]
		for _, r := range mine {
			tags = append(tags, b.tags[r])
		}
		p.wFrom = int32(len(b.words))
		b.words = s.keep.Cut(b.words, p.text, tags)
		p.wTo, p.wordsCut = int32(len(b.words)), true
	}
	clear(tags)
	s.cutTags = tags[:0]
}

// maxLangs is how many language keys a store holds (ids are 16-bit).
const maxLangs = math.MaxUint16 + 1

// checkLanguageRoom refuses a batch that would create more than maxLangs
// languages, before anything is logged, so memory and log stay the same.
// That many keys means the keys are not languages. Caller holds writeMu
// (languages are only added under it, so reading langIDs is safe).
func (s *Store) checkLanguageRoom(b *batch) error {
	added := 0
	for _, key := range b.langs {
		if _, ok := s.langIDs[key]; !ok {
			added++
		}
	}
	if len(s.langs)+added > maxLangs {
		return fmt.Errorf("memstore: record: more than %d distinct languages", maxLangs)
	}
	return nil
}

func (s *Store) seqFront() uint64 { return s.seqNext - uint64(s.order.Len()) }

// apply adds a batch to the columns and enforces retention and MaxPosts.
// Caller holds mu for writing.
func (s *Store) apply(b *batch, now int64) {
	// Resolve the batch's tables once: a language id per batch language, an
	// interned id per batch tag.
	var langBuf [8]uint16
	langIDs := langBuf[:0]
	for _, key := range b.langs {
		langIDs = append(langIDs, s.langID(key))
	}
	tagIDs := s.scratchTagIDs(len(b.tags))
	for i, tag := range b.tags {
		tagIDs[i] = s.tags.Intern(tag)
	}
	refs := b.refs
	for i := range b.posts {
		p := &b.posts[i]
		li := langIDs[p.lang]
		l := s.langs[li]
		tp := &s.trendOne
		tp.Tags = tp.Tags[:0]
		postTags := refs[:p.nTags]
		for _, r := range postTags {
			id := tagIDs[r]
			l.tags.Push(id)
			s.tags.Ref(id)
			tp.Tags = append(tp.Tags, b.tags[r])
		}
		refs = refs[p.nTags:]
		tp.Lang, tp.Time, tp.Author = l.key, p.time, p.author
		tp.HasPoint, tp.Lat, tp.Lon, tp.Source = p.hasPoint, p.point.Lat, p.point.Lon, p.source
		s.trends.Add(tp)
		if s.keep != nil && p.kept {
			s.keep.Add(textindex.Post{
				Seq: s.seqNext, Time: p.time, Lang: l.key, ID: p.id, Handle: p.handle, Text: p.text, URL: p.url,
				Tags: tp.Tags, HasPoint: p.hasPoint, Lat: p.point.Lat, Lon: p.point.Lon, Source: p.source, Conf: p.conf,
				Words: b.words[p.wFrom:p.wTo], WordsCut: p.wordsCut,
			})
		}
		l.tagNext += uint64(p.nTags)
		l.times.PushTimed(p.time, p.time)
		l.tagEnds.Push(uint32(l.tagNext))
		at := l.postNext
		l.postNext++ // the post is in: tagsOf can find its hashtags
		if p.hasPoint {
			l.geoMeta.Push(geoMeta{source: p.source, conf: p.conf})
			l.geo.PushTimed(geoRec{
				lat: p.point.Lat, lon: p.point.Lon,
				seq: uint32(s.seqNext), post: uint32(at),
			}, p.time, l.tagsOf, &l.geoMeta)
			l.geoBySrc[p.source]++
			if end := l.geo.head + l.geo.n; end&chunkMask == 0 {
				if job, ok := l.geo.blockFilled(end>>chunkShift-1, &l.geoMeta); ok {
					job.l = l
					s.sumJobs = append(s.sumJobs, job)
				}
			}
			for _, r := range postTags {
				if tp, full := l.tagPts.add(tagIDs[r], uint32(l.geoNext)); full {
					s.sumJobs = append(s.sumJobs, tp.blockJob(l, tagIDs[r]))
				}
			}
			l.geoNext++
		}
		s.order.Push(li)
		s.seqNext++
		if !s.hasTime || p.time > s.maxTime {
			s.maxTime, s.hasTime = p.time, true
		}
	}
	if s.counting {
		s.written += int64(len(b.posts))
	}
	s.enforceLimits(now)
}

// scratchTagIDs returns apply's reusable slice of n tag ids.
func (s *Store) scratchTagIDs(n int) []uint32 {
	if cap(s.tagIDBuf) < n {
		s.tagIDBuf = make([]uint32, n)
	}
	return s.tagIDBuf[:n]
}

// langID returns the id of the language key, creating it.
func (s *Store) langID(key string) uint16 {
	if id, ok := s.langIDs[key]; ok {
		return id
	}
	id := uint16(len(s.langs)) // Record checked there is room
	key = strings.Clone(key)   // the batch's string may be a view of a log buffer
	l := &lang{key: key}
	l.times.area, l.tagEnds.area, l.tags.area, l.geo.area, l.geoMeta.area = s.area, s.area, s.area, s.area, s.area
	s.langs = append(s.langs, l)
	s.langIDs[key] = id
	at, _ := slices.BinarySearchFunc(s.sorted, key, func(i uint16, k string) int {
		return strings.Compare(s.langs[i].key, k)
	})
	s.sorted = slices.Insert(s.sorted, at, id)
	return id
}

// enforceLimits drops the oldest posts while they are past retention or
// beyond MaxPosts. Caller holds mu for writing.
func (s *Store) enforceLimits(now int64) {
	if s.order.Len() == 0 {
		return
	}
	held := s.order.Len()
	defer func() {
		// Trends count the buckets after the newest one a drop touched
		// (trendFloor), where the index holds exactly the posts held.
		if s.order.Len() != held && s.hasDrop {
			s.trends.DropBefore(s.trendFloor())
		}
		if s.order.Len() != held && s.keep != nil {
			s.keep.DropBefore(s.seqFront())
		}
	}()
	head := min(s.maxTime, now)
	drop := func() {
		// A post dated past the head moves no floor: the head never
		// reaches its bucket while anything is counted.
		if t := s.frontTime(); t <= head && (!s.hasDrop || t > s.dropTime) {
			s.dropTime, s.hasDrop = t, true
		}
		s.dropOldest()
	}
	if s.retention > 0 && s.hasTime {
		cutoff := head - s.retention
		if cutoff < head { // no underflow
			for s.order.Len() > 0 && s.frontTime() < cutoff {
				drop()
			}
		}
	}
	for s.order.Len() > s.maxPosts {
		drop()
	}
}

// trendFloor is where trends start counting once posts were dropped: the
// start of the bucket after the newest dropped post's (one not dated past
// the head). An earlier bucket may have lost posts, and would understate
// its activity; every post of a later one is held, so the index (which
// cannot forget single posts) and a store that reads the posts it holds
// (the Redis store) count the same. Caller holds mu and checked
// hasDrop.
func (s *Store) trendFloor() int64 {
	return (trend.BucketOf(s.dropTime) + 1) * int64(store.TrendBucket)
}

func (s *Store) frontTime() int64 {
	return s.langs[s.order.At(0)].times.At(0)
}

// dropOldest drops the oldest held post from every structure.
func (s *Store) dropOldest() {
	l := s.langs[s.order.At(0)]
	_, nTags := l.tagSpan(0)
	hasPoint := l.geo.Len() > 0 && l.geo.Ptr(0).post == uint32(l.postFront())
	for i := range nTags {
		s.tags.Unref(l.tags.At(i))
		if hasPoint {
			l.tagPts.dropFront(l.tags.At(i), uint32(l.geoNext-uint64(l.geo.Len())))
		}
	}
	l.tags.DropFront(nTags)
	if hasPoint {
		l.geo.DropFront(1)
		l.geoBySrc[l.geoMeta.At(0).source]--
		l.geoMeta.DropFront(1)
	}
	l.times.DropFront(1)
	l.tagEnds.DropFront(1)
	s.order.DropFront(1)
	if s.counting {
		s.dropped++
	}
}

// headNanos returns the head time: the newest post time recorded, clamped to
// now. Caller holds mu.
func (s *Store) headNanos(now int64) (int64, bool) {
	if !s.hasTime {
		return 0, false
	}
	return min(s.maxTime, now), true
}

// Flush implements store.Store: it fsyncs the log.
func (s *Store) Flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.writerClosed {
		return store.ErrClosed
	}
	return s.syncLog()
}

// Close implements store.Store: it fsyncs and closes the log and releases
// the directory lock and the data.
func (s *Store) Close() error {
	s.writeMu.Lock()
	if s.writerClosed {
		s.writeMu.Unlock()
		return store.ErrClosed
	}
	s.writerClosed = true
	s.writeMu.Unlock()
	// A checkpoint being finished takes writeMu at its end.
	s.ckDone.Wait()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.syncTimer != nil {
		s.syncTimer.Stop()
	}
	if s.coldTimer != nil {
		s.coldTimer.Stop()
	}
	var errs []error
	// The snapshot needs the log's last entry, read before the log closes,
	// and is written after its last fsync. A store whose log refuses
	// writes leaves none: its next start goes by the log.
	var snapHeader snapshotHeader
	snapErr := errors.New("no log")
	if s.verifyStop != nil {
		s.verifyStop()
		<-s.verifyDone
	}
	switch {
	case s.area != nil && s.area.Stats().Damaged > 0:
		s.log.Warn("memstore: no snapshot: the cold files are damaged; the next start replays the log", "dir", s.dir)
	case s.wal != nil && s.logFailed == nil:
		snapHeader, snapErr = s.header()
	}
	if s.wal != nil {
		// wal.Close fsyncs the tail segment.
		if err := s.wal.Close(); err != nil {
			errs = append(errs, fmt.Errorf("memstore: close log: %w", err))
			snapErr = err
		}
	}
	snapped := false
	if snapErr == nil {
		if err := s.writeSnapshot(snapHeader); err != nil {
			next := "replays the log"
			if s.keepSnapshot {
				next = "reads the last checkpoint and replays the log after it"
			}
			s.log.Warn("memstore: cannot write the snapshot; the next start "+next, "dir", s.dir, "err", err)
		} else {
			snapped = true
			if s.area != nil && s.keepSnapshot {
				// The checkpoint before it is replaced: its files may go.
				s.pinned = s.area.LiveFiles()
				s.area.Pin(s.pinned)
			}
		}
	}
	if s.lockFile != nil {
		if err := s.lockFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("memstore: release lock: %w", err))
		}
	}
	s.mu.Lock()
	s.closed = true
	s.langs, s.langIDs, s.sorted, s.order, s.tags = nil, nil, nil, deque[uint16]{}, intern.New()
	s.trends = trend.New(nil)
	s.keep = nil
	s.mu.Unlock()
	if s.area != nil {
		// Waits for heat maps still reading their snapshot.
		closeArea := s.area.Close
		if snapped {
			closeArea = s.area.CloseKeep
		}
		if err := closeArea(); err != nil {
			errs = append(errs, fmt.Errorf("memstore: close cold files: %w", err))
		}
	}
	return errors.Join(errs...)
}

// memoryBytes estimates the bytes held for the data: allocated chunks,
// slices of chunk pointers, the interner, per-language overhead. Caller
// holds mu.
func (s *Store) memoryBytes() int64 {
	n := s.order.memBytes() + s.tags.MemoryBytes() + int64(cap(s.langs))*8 + int64(cap(s.sorted))*2
	for _, l := range s.langs {
		n += int64(unsafe.Sizeof(*l)) + int64(len(l.key))
		n += l.times.memBytes() + l.tagEnds.memBytes() + l.tags.memBytes() + l.geo.memBytes() + l.geoMeta.memBytes() + l.tagPts.bytes
	}
	if s.keep != nil {
		n += s.keep.MemoryBytes()
	}
	return n + s.trends.MemoryBytes()
}
