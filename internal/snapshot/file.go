package snapshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"

	"github.com/klauspost/compress/zstd"
)

// A snapshot file holds the stream compressed: a header (fileMagic, the
// stream's length, a CRC-32C of both), then the stream as one zstd frame.
// The store's snapshot is mostly counts, bounds and references that
// compress to about 40 %, and at a billion posts it is 2.4 GB written at
// every checkpoint, twice on disk while a checkpoint is made durable. The
// length is in the header, guarded by its own checksum, because a reader
// bounds every length it reads by what is left: a damaged frame is found
// by the stream's checksum only at its end, after every allocation.
const (
	fileMagic      = "geoheat snapshot zstd\x00"
	fileHeaderSize = len(fileMagic) + 8 + 4
)

// WriterAtWriter is what a compressing Writer writes to: the file, whose
// header is written last, at its start.
type WriterAtWriter interface {
	io.Writer
	io.WriterAt
}

// NewFileWriter returns a Writer that compresses what it encodes into f,
// from f's current position, which must be its start. Close completes the
// file; FileLen then says how many bytes it holds.
func NewFileWriter(f WriterAtWriter) *Writer {
	out := &countingWriter{w: f}
	if _, err := out.Write(make([]byte, fileHeaderSize)); err != nil {
		w := NewWriter(io.Discard)
		w.Fail(err)
		return w
	}
	enc, err := zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	w := NewWriter(enc)
	if err != nil {
		w.Fail(err)
		return w
	}
	w.file, w.enc, w.out = f, enc, out
	return w
}

// FileLen is how many bytes a Writer from NewFileWriter wrote to its file;
// valid after Close.
func (w *Writer) FileLen() int64 {
	if w.out == nil {
		return 0
	}
	return w.out.n
}

// closeFile ends the frame and writes the header, once the stream is
// flushed into the encoder.
func (w *Writer) closeFile() error {
	if err := w.enc.Close(); err != nil {
		return err
	}
	var h [fileHeaderSize]byte
	copy(h[:], fileMagic)
	binary.LittleEndian.PutUint64(h[len(fileMagic):], uint64(w.n)+4) // and the checksum
	binary.LittleEndian.PutUint32(h[len(fileMagic)+8:], crc32.Checksum(h[:len(fileMagic)+8], castagnoli))
	_, err := w.file.WriteAt(h[:], 0)
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// NewFileReader returns a Reader of a file NewFileWriter wrote, read from
// r's current position. A header that does not check is ErrDamaged. The
// Reader's Close must be called: it releases the decoder.
func NewFileReader(r io.Reader) (*Reader, error) {
	var h [fileHeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrDamaged, err)
	}
	if string(h[:len(fileMagic)]) != fileMagic {
		return nil, fmt.Errorf("%w: not a compressed snapshot", ErrDamaged)
	}
	if crc32.Checksum(h[:len(fileMagic)+8], castagnoli) != binary.LittleEndian.Uint32(h[len(fileMagic)+8:]) {
		return nil, fmt.Errorf("%w: header checksum", ErrDamaged)
	}
	size := binary.LittleEndian.Uint64(h[len(fileMagic):])
	if size < 4 || size > 1<<50 {
		return nil, fmt.Errorf("%w: a stream of %d bytes", ErrDamaged, size)
	}
	dec, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, err
	}
	rd := NewReader(dec, int64(size))
	rd.dec = dec
	return rd, nil
}

// closeFile checks that the frame ends after the stream (which verifies
// the frame's own checksum too) and releases the decoder.
func (r *Reader) closeFile(err error) error {
	defer r.dec.Close()
	if err != nil {
		return err
	}
	var b [1]byte
	switch n, e := r.r.Read(b[:]); {
	case n > 0:
		return fmt.Errorf("%w: bytes after the stream", ErrDamaged)
	case !errors.Is(e, io.EOF):
		return fmt.Errorf("%w: %v", ErrDamaged, e)
	}
	return nil
}
