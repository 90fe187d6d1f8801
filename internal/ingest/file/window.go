package file

import "io"

// window buffers the decompressed input. buf[start:end] is read and not yet
// consumed; offsets in errors are stream offsets (base + index).
type window struct {
	r          io.Reader
	buf        []byte
	start, end int
	base       int64 // stream offset of buf[0]
	err        error // first read error, io.EOF at the end; sticky
}

type fillResult int

const (
	filled fillResult = iota // at least one more byte is in buf[start:end]
	full                     // buf[start:end] already holds limit bytes
	ended                    // no more input; see err
)

// maxEmptyReads bounds how often a Read may return nothing without an
// error before the input counts as broken (io.ErrNoProgress).
const maxEmptyReads = 100

// fill reads more input after end. When the buffer has no room it first
// moves the unconsumed bytes to the front, then doubles the buffer, up to
// limit bytes of unconsumed data.
func (w *window) fill(limit int) fillResult {
	if w.err != nil {
		return ended
	}
	if w.end == len(w.buf) {
		switch {
		case w.start > 0:
			n := copy(w.buf, w.buf[w.start:w.end])
			w.base += int64(w.start)
			w.start, w.end = 0, n
		case len(w.buf) < limit:
			grown := make([]byte, min(2*len(w.buf), limit))
			w.end = copy(grown, w.buf[w.start:w.end])
			w.buf = grown
		default:
			return full
		}
	}
	for range maxEmptyReads {
		n, err := w.r.Read(w.buf[w.end:])
		w.end += n
		if err != nil {
			w.err = err
		}
		if n > 0 {
			return filled
		}
		if err != nil {
			return ended
		}
	}
	w.err = io.ErrNoProgress
	return ended
}

// drop discards everything read so far (used while skipping an oversized
// message, so that it is never held in memory).
func (w *window) drop() {
	w.base += int64(w.end)
	w.start, w.end = 0, 0
}

// offset is the stream offset of buf[i].
func (w *window) offset(i int) int64 { return w.base + int64(i) }
