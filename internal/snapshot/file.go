package snapshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"

	"github.com/klauspost/compress/s2"
)

// A snapshot file holds the stream compressed: a header (fileMagic, the
// stream's length, a CRC-32C of both), then the stream in S2's framing
// (Snappy's, with larger blocks). The store's snapshot is mostly counts,
// bounds and references, and at a billion posts it is 2.4 GB written at
// every checkpoint while ingest waits, twice on disk while a checkpoint is
// made durable. On a snapshot of 100 M posts S2 (better) left 45 % at
// 480–770 MB/s on this machine's two cores, zstd (fastest) 39 % at
// 280–380 MB/s: the bytes saved were not worth the wait. The length is in
// the header, guarded by its own checksum, because a reader bounds every
// length it reads by what is left: damage the stream's checksum finds
// only at its end would come after every allocation.
const (
	fileMagic      = "geoheat snapshot s2\x00"
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
	enc := s2.NewWriter(out, s2.WriterBetterCompression(), s2.WriterConcurrency(runtime.GOMAXPROCS(0)))
	w := NewWriter(enc)
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

// closeFile ends the compressed stream and writes the header, once the
// stream is flushed into the encoder.
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
// r's current position. A header that does not check is ErrDamaged.
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
	dec := s2.NewReader(r)
	rd := NewReader(dec, int64(size))
	rd.dec = dec
	return rd, nil
}

// closeFile checks that the compressed stream ends after the stream.
func (r *Reader) closeFile(err error) error {
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
