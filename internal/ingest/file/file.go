// Package file is the source that replays messages from a file or stdin.
//
// # Input
//
// The path may be a file, a directory (its regular files, recursively, in
// lexical order) or a glob ("*.json.gz", quoted against the shell).
// Compression is detected from the magic bytes (gzip, concatenated members
// included; bzip2; zstd), not from the name; a tar archive (after
// decompression) is replayed member by member, each member decompressed
// and split on its own (compress.go). A UTF-8 byte order mark at the
// start is ignored.
//
// # Order and parallelism
//
// The members of a tar archive and the files of a directory or glob are
// decoded in parallel, one per core, and their messages are sent in input
// order: every message of a member, in the member's order, before any of
// the next member's (replay.go). At most 2×GOMAXPROCS members are in
// flight. A single bzip2 file is decoded several blocks at a time (its
// 900 kB blocks are independent); a single gzip file on one core (a
// deflate stream cannot be split), as is zstd, fast enough not to matter. The layout is detected from the first non-whitespace
// byte of the decompressed stream:
//
//   - '[': a stream of JSON values, normally one array (a REST response, the
//     seed's static_tweet_data.json) or several ("[...]\n[...]"). Each
//     element of a top-level array is one message; a top-level value that
//     is not an array is one message. Values are split structurally (string
//     and escape aware) without being parsed, in constant memory whatever
//     the size of the array.
//   - '{' whose first value spans several lines (a pretty-printed object, or
//     several): the same stream of JSON values. This is not JSON lines,
//     and splitting it at newlines would turn one object into dozens of
//     malformed fragments.
//   - anything else: JSON lines. One message per line; a trailing "\r" is
//     removed; blank lines are skipped. A line that is a JSON array (some
//     REST captures are one response per line) is split into its elements,
//     provided it is one well-formed array; otherwise the whole line is one
//     message, left for the parser to count as malformed. A broken line is
//     never fatal: it becomes a malformed message and the next line is read.
//
// # Limits and damage
//
// A message (line or array element) longer than the maximum size (16 MiB by
// default, WithMaxMessageSize) is skipped without being buffered, counted
// (Skipped) and logged, and reading continues after it.
//
// A damaged member of an archive, or one damaged file of several (a
// decompression error, a JSON-value stream that loses its structure), is
// logged, counted (Counters: "members_damaged") and skipped; what it gave
// before the damage is kept and the replay goes on with the next member
// (bzip2 checks a block's CRC after decoding it, so a damaged block may
// first give a few lines the parser then counts as malformed).
// An archive that ends inside a member, or whose tar structure is broken,
// ends Run with an error naming the member, after everything before it.
//
// For a single input, errors stop Run after everything before them was
// emitted, and say where:
// a read error, such as a truncated or corrupt gzip stream
// (io.ErrUnexpectedEOF, gzip.ErrChecksum), or a JSON-value stream that ends
// inside a value or loses its structure (ErrCorrupt, with the byte offset
// in the decompressed stream). A truncated value is dropped rather than
// emitted: it cannot be a valid message, and the error is what tells the
// user the file is damaged. In JSON lines, the last line without a newline
// is emitted as usual, unless a read error cut it short.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
)

// DefaultMaxMessageSize is the longest message emitted by default.
const DefaultMaxMessageSize = 16 << 20

// maxMaxMessageSize bounds WithMaxMessageSize: the window holds a whole
// message in memory.
const maxMaxMessageSize = 1 << 30

// ErrCorrupt reports a JSON-value stream (an array file) that ends inside a
// value or whose structure cannot be followed any more. Run wraps it as
// "file: <path>: corrupt JSON stream: ... at byte N".
var ErrCorrupt = errors.New("corrupt JSON stream")

// Source reads messages from one file or reader. Create it with New; Run
// may be called once. Progress and Skipped are safe for concurrent use.
type Source struct {
	path   string
	reader io.Reader // WithReader, or nil to open path
	maxMsg int
	logger *slog.Logger
	now    func() time.Time

	total int64    // file size for regular files (summed over files), else 0
	files []string // the files path names, in replay order (expand)
	speed float64  // WithSpeed; 0: as fast as possible
	pace  *pacer   // set by Run when speed > 0; one origin across files
	// bufferLimit: larger tar members are decoded straight from the
	// archive, one at a time (maxBufferedMember; tests lower it).
	bufferLimit int64

	started   atomic.Bool
	messages  atomic.Int64
	bytesRead atomic.Int64
	skipped   atomic.Int64
	members   atomic.Int64 // inputs and archive members read
	damaged   atomic.Int64 // of which skipped for damage
	lastEvent atomic.Int64 // unix nanoseconds, 0 before the first message
}

var _ ingest.Source = (*Source)(nil)

// Option configures a Source.
type Option func(*Source)

// WithReader makes the source read r instead of opening path, which then
// only names the source. Use it for tests and for streams that are not
// files; path "-" without it reads os.Stdin.
func WithReader(r io.Reader) Option { return func(s *Source) { s.reader = r } }

// WithMaxMessageSize sets the longest message emitted (default
// DefaultMaxMessageSize). Longer ones are skipped and counted.
func WithMaxMessageSize(n int) Option { return func(s *Source) { s.maxMsg = n } }

// WithLogger sets where skipped messages are reported (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Source) { s.logger = l } }

// WithClock sets the clock for Progress.LastEvent (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Source) { s.now = now } }

// New returns a source for path ("-" for stdin). It checks that the file
// exists and is readable now, so that a typo fails at startup rather than
// when the pipeline starts; the file is opened by Run.
func New(path string, opts ...Option) (*Source, error) {
	if path == "" {
		return nil, errors.New("file: empty path")
	}
	s := &Source{path: path, maxMsg: DefaultMaxMessageSize, logger: slog.Default(), now: time.Now, bufferLimit: maxBufferedMember}
	for _, o := range opts {
		o(s)
	}
	if s.speed < 0 {
		return nil, fmt.Errorf("file: speed %v must not be negative", s.speed)
	}
	if s.maxMsg <= 0 || s.maxMsg > maxMaxMessageSize {
		return nil, fmt.Errorf("file: max message size %d outside 1..%d", s.maxMsg, maxMaxMessageSize)
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	switch {
	case s.reader != nil:
		if f, ok := s.reader.(*os.File); ok {
			s.total = regularSize(f)
		}
	case path == "-":
		s.total = regularSize(os.Stdin)
	default:
		files, total, err := expand(path)
		if err != nil {
			return nil, err
		}
		s.files, s.total = files, total
	}
	return s, nil
}

// regularSize is f's size when it is a regular file (stdin redirected from
// a file), else 0 (a pipe or a terminal has no known size).
func regularSize(f *os.File) int64 {
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return 0
	}
	return info.Size()
}

// Progress reports how far Run has got. Bytes counts input bytes read from
// the file, compressed bytes for a gzip file, so that Bytes/Total is the
// fraction done; reading ahead makes it run slightly ahead of Messages.
func (s *Source) Progress() ingest.Progress {
	p := ingest.Progress{
		Name:     "file:" + s.path,
		Messages: s.messages.Load(),
		Bytes:    s.bytesRead.Load(),
		Total:    s.total,
	}
	if ns := s.lastEvent.Load(); ns != 0 {
		p.LastEvent = time.Unix(0, ns)
	}
	return p
}

// Skipped returns how many messages were skipped for exceeding the
// maximum message size.
func (s *Source) Skipped() int64 { return s.skipped.Load() }

// DropOversize is the reason Dropped gives for messages over the size limit.
const DropOversize = "oversize"

// Dropped implements pipeline.SourceDropper: the messages skipped, by
// reason, for /api/status and geoheat_dropped_total. Zero counts are
// included, so the metric exists before the first skip.
func (s *Source) Dropped() map[string]int64 {
	return map[string]int64{DropOversize: s.skipped.Load()}
}

// Counters implements pipeline.SourceCounter: "members" counts the files
// and archive members replayed, "members_damaged" those of them whose rest
// was skipped because it could not be decompressed or split.
func (s *Source) Counters() map[string]int64 {
	return map[string]int64{"members": s.members.Load(), "members_damaged": s.damaged.Load()}
}

// Run reads the input and sends one message per line or array element, in
// input order (replay.go: members are decoded in parallel, sent in order).
// It returns nil at the end of the input, ctx.Err() when cancelled, or an
// error saying what is wrong with the input and where. Cancellation is
// noticed at every send and every read (a read from a terminal or a pipe
// blocks until data or EOF arrives). Every goroutine Run starts has ended
// when it returns.
func (s *Source) Run(ctx context.Context, out chan<- ingest.Message) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("file: Run called twice")
	}
	if s.speed > 0 && s.pace == nil {
		s.pace = &pacer{speed: s.speed, now: s.now, sleep: ingest.Sleep}
	}
	if s.reader == nil && s.path != "-" {
		return s.runReplay(ctx, out, s.files, openFile)
	}
	stream := s.reader
	if stream == nil {
		stream = os.Stdin
	}
	return s.runReplay(ctx, out, []string{s.path}, func(ctx context.Context, _ string) (io.Reader, func(), error) {
		return newCtxReader(ctx, stream), func() {}, nil
	})
}

// ctxReader makes reads from a stream that may block forever (stdin, a
// pipe) give way to ctx: the read runs in its own goroutine and Read
// returns ctx.Err() as soon as ctx is done, so Ctrl-C stops a source waiting
// on a quiet stdin. The abandoned read finishes (and its goroutine exits)
// when the stream delivers data or is closed. Regular files never block, so
// they are read directly.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	buf     []byte
	rest    []byte // read but not yet returned (a later Read asked for less)
	restErr error
	pending bool
	res     chan readResult
}

type readResult struct {
	n   int
	err error
}

func newCtxReader(ctx context.Context, r io.Reader) *ctxReader {
	return &ctxReader{ctx: ctx, r: r, res: make(chan readResult, 1)}
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(c.rest) > 0 || c.restErr != nil {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		if len(c.rest) > 0 {
			return n, nil
		}
		err := c.restErr
		c.restErr = nil
		return n, err
	}
	if !c.pending {
		if cap(c.buf) < len(p) {
			c.buf = make([]byte, len(p))
		}
		buf := c.buf[:len(p)]
		c.pending = true
		go func() {
			n, err := c.r.Read(buf)
			c.res <- readResult{n, err}
		}()
	}
	select {
	case r := <-c.res:
		c.pending = false
		n := copy(p, c.buf[:r.n])
		if n < r.n {
			c.rest, c.restErr = c.buf[n:r.n], r.err
			return n, nil
		}
		return n, r.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}

// countingReader counts the bytes read from the underlying input for
// Progress.Bytes.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
