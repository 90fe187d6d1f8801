package file

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/geoheat/geoheat/internal/ingest"
)

const (
	// initialBuffer is the window's starting size; it grows for long
	// messages up to the maximum message size.
	initialBuffer = 256 << 10
	// minBuffer keeps the window large enough to see a gzip header and a
	// byte order mark, whatever the maximum message size.
	minBuffer = 64
)

// A reader hands its messages on in batches of at most maxBatch messages
// or about maxBatchBytes, and hands on what it has before every read, so
// a quiet pipe holds nothing back.
const (
	maxBatch      = 512
	maxBatchBytes = 256 << 10
)

// reader decompresses and splits one input (a file, a stream or one member
// of an archive) and hands its messages on in batches, in order.
type reader struct {
	src  *Source
	name string // the file or member, for the log
	ctx  context.Context
	sink *member // where the batches go
	// out, when set, takes the messages directly (the only input, not an
	// archive: there is no order to keep across members).
	out     chan<- ingest.Message
	pending []ingest.Message
	// pendingBytes is the size of pending's messages.
	pendingBytes int64
	// bzWorkers is how many bzip2 blocks may be decoded at once.
	bzWorkers int
	w         window
	arena     arena
	elems     [][2]int // reused by splitArrays
}

// run decompresses in and splits it, or replays it member by member when
// it is a tar archive (one nested in a member is read serially).
func (r *reader) run(in io.Reader) error {
	input, release, err := decompress(r.ctx, in, r.bzWorkers)
	if err != nil {
		return err
	}
	defer release()
	tarred := bufio.NewReaderSize(input, 64<<10)
	if isTar(tarred) {
		return r.tar(tarred)
	}
	return r.split(tarred)
}

// split emits the messages of decompressed input that is not an archive.
func (r *reader) split(input io.Reader) error {
	r.w = window{r: input, buf: make([]byte, max(minBuffer, min(initialBuffer, r.limit())))}

	first, ok, err := r.firstByte()
	if err != nil || !ok {
		return err // nil for an empty input
	}
	streamOfValues := first == '['
	if first == '{' {
		if streamOfValues, err = r.spansLines(); err != nil {
			return err
		}
	}
	if streamOfValues {
		return r.values()
	}
	return r.lines()
}

// limit is the most unconsumed input the window holds: a whole message
// plus its line ending.
func (r *reader) limit() int { return r.src.maxMsg + 2 }

// fill reads more input, noticing cancellation first. What was split so
// far is handed on before the read, which may block.
func (r *reader) fill() (fillResult, error) {
	if err := r.flush(); err != nil {
		return ended, err
	}
	return r.w.fill(r.limit()), nil
}

// readError is the error for input that ended other than by io.EOF.
func (r *reader) readError() error {
	if r.w.err == io.EOF {
		return nil
	}
	return fmt.Errorf("read failed at byte %d of the decompressed input: %w", r.w.offset(r.w.end), r.w.err)
}

// firstByte skips a byte order mark and whitespace and returns the first
// byte left, unconsumed; ok is false for an input with nothing else.
func (r *reader) firstByte() (first byte, ok bool, err error) {
	w := &r.w
	for w.end-w.start < 3 && w.err == nil {
		if _, err := r.fill(); err != nil {
			return 0, false, err
		}
	}
	if bytes.HasPrefix(w.buf[w.start:w.end], []byte("\xef\xbb\xbf")) {
		w.start += 3
	}
	return r.nextNonSpace()
}

// nextNonSpace consumes whitespace and returns the next byte, unconsumed.
// ok is false at the end of the input (err says whether it ended well).
func (r *reader) nextNonSpace() (c byte, ok bool, err error) {
	w := &r.w
	for {
		w.start = skipSpace(w.buf[:w.end], w.start)
		if w.start < w.end {
			return w.buf[w.start], true, nil
		}
		res, err := r.fill()
		if err != nil {
			return 0, false, err
		}
		if res == ended {
			return 0, false, r.readError()
		}
	}
}

// spansLines looks at the first value of an input that starts with '{'
// without consuming it, and reports whether it spans several lines (a
// pretty-printed object) rather than being the first of JSON lines. When
// it cannot tell (a damaged first line, a huge first value), JSON lines is
// the safer answer: a broken line costs one malformed message there.
func (r *reader) spansLines() (bool, error) {
	w := &r.w
	var v valueScan
	for {
		if _, done := v.scan(w.buf[w.start:w.end], false); done {
			return v.newlineOutside && !v.newlineInString, nil
		}
		if v.newlineInString { // a raw newline is never inside a JSON string
			return false, nil
		}
		res, err := r.fill()
		if err != nil {
			return false, err
		}
		if res != filled {
			return false, nil
		}
	}
}

// lines emits one message per line (JSON lines).
func (r *reader) lines() error {
	w := &r.w
	scanned := 0 // bytes after w.start known to hold no newline
	for {
		if i := bytes.IndexByte(w.buf[w.start+scanned:w.end], '\n'); i >= 0 {
			end := w.start + scanned + i
			if err := r.emitLine(w.buf[w.start:end], w.offset(w.start)); err != nil {
				return err
			}
			w.start, scanned = end+1, 0
			continue
		}
		scanned = w.end - w.start
		res, err := r.fill()
		if err != nil {
			return err
		}
		switch res {
		case full:
			if err := r.skipLine(); err != nil {
				return err
			}
			scanned = 0
		case ended:
			if err := r.readError(); err != nil {
				if w.start < w.end {
					return fmt.Errorf("%w (an incomplete last line of %d bytes was dropped)", err, w.end-w.start)
				}
				return err
			}
			return r.emitLine(w.buf[w.start:w.end], w.offset(w.start))
		}
	}
}

// emitLine emits a line, or its elements when it is a JSON array. Blank
// lines are skipped. offset is the line's position, for the log.
func (r *reader) emitLine(line []byte, offset int64) error {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	i := skipSpace(line, 0)
	if i == len(line) {
		return nil
	}
	if len(line) > r.src.maxMsg { // the window holds a little more than that
		r.skipped(offset, int64(len(line)))
		return nil
	}
	if line[i] == '[' {
		var ok bool
		if r.elems, ok = splitArrays(line, r.elems[:0]); ok {
			for _, e := range r.elems {
				if err := r.emit(line[e[0]:e[1]]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return r.emit(line)
}

// skipLine discards the rest of an oversized line, up to and including its
// newline, without keeping it in memory.
func (r *reader) skipLine() error {
	w := &r.w
	start := w.offset(w.start)
	for {
		if i := bytes.IndexByte(w.buf[w.start:w.end], '\n'); i >= 0 {
			r.skipped(start, w.offset(w.start+i)-start)
			w.start += i + 1
			return nil
		}
		w.drop()
		res, err := r.fill()
		if err != nil {
			return err
		}
		if res == ended {
			r.skipped(start, w.offset(w.end)-start)
			return r.readError()
		}
	}
}

// values emits the elements of top-level arrays, and other top-level
// values whole (a JSON array file, a pretty-printed object).
func (r *reader) values() error {
	w := &r.w
	inArray, needComma := false, false
	for {
		c, ok, err := r.nextNonSpace()
		if err != nil {
			return err
		}
		off := w.offset(w.start)
		if !ok {
			if inArray {
				return fmt.Errorf("%w: the input ends inside an array at byte %d", ErrCorrupt, off)
			}
			return nil
		}
		switch {
		case !inArray && c == '[':
			w.start++
			inArray, needComma = true, false
			continue
		case inArray && c == ']':
			w.start++
			inArray = false
			continue
		case inArray && needComma:
			if c != ',' {
				return fmt.Errorf("%w: expected ',' or ']' but found %q at byte %d", ErrCorrupt, c, off)
			}
			w.start++
			needComma = false
			continue
		case c == ',' || c == ']' || c == '}':
			return fmt.Errorf("%w: expected a value but found %q at byte %d", ErrCorrupt, c, off)
		}
		if err := r.value(); err != nil {
			return err
		}
		needComma = inArray
	}
}

// value emits the value that starts at w.start, or skips it when it is
// longer than the maximum message size.
func (r *reader) value() error {
	w := &r.w
	start := w.offset(w.start)
	var v valueScan
	skipping := false
	for {
		end, done := v.scan(w.buf[w.start:w.end], w.err != nil)
		if done {
			if skipping || end > r.src.maxMsg {
				r.skipped(start, w.offset(w.start+end)-start)
			} else if err := r.emit(w.buf[w.start : w.start+end]); err != nil {
				return err
			}
			w.start += end
			return nil
		}
		if v.pos > r.src.maxMsg {
			skipping = true
		}
		if skipping {
			w.drop()
			v.pos = 0
		}
		res, err := r.fill()
		if err != nil {
			return err
		}
		switch res {
		case full:
			skipping = true
		case ended:
			if w.err != io.EOF {
				return r.readError()
			}
			if _, done := v.scan(w.buf[w.start:w.end], true); !done {
				return fmt.Errorf("%w: the input ends inside the value that starts at byte %d", ErrCorrupt, start)
			}
		}
	}
}

// skipped counts and reports a message that was too long.
func (r *reader) skipped(offset, size int64) {
	r.src.skipped.Add(1)
	r.src.logger.Warn("file: skipped a message longer than the maximum",
		"path", r.name, "offset", offset, "size", size, "max", r.src.maxMsg)
}

// emit queues a copy of data to be handed on.
func (r *reader) emit(data []byte) error {
	if r.out != nil {
		return r.src.send(r.ctx, r.out, ingest.Message{Data: r.arena.copy(data)})
	}
	r.pending = append(r.pending, ingest.Message{Data: r.arena.copy(data)})
	r.pendingBytes += int64(len(data))
	if len(r.pending) >= maxBatch || r.pendingBytes >= maxBatchBytes {
		return r.flush()
	}
	return nil
}

// flush hands the queued messages on; the receiver owns the batch. It
// waits while the member's decoded messages not yet sent weigh
// memberBudget.
func (r *reader) flush() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if len(r.pending) == 0 {
		return nil
	}
	b := batch{msgs: r.pending, weight: max(1, min(r.pendingBytes, memberBudget))}
	if err := r.sink.budget.Acquire(r.ctx, b.weight); err != nil {
		return err
	}
	select {
	case r.sink.batches <- b:
		r.pending, r.pendingBytes = nil, 0
		return nil
	case <-r.ctx.Done():
		r.sink.budget.Release(b.weight)
		return r.ctx.Err()
	}
}
