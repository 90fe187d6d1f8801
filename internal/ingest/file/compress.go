package file

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/cosnicolaou/pbzip2"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Magic bytes of the compressions the source understands. The name of the
// file is not consulted: archives are often renamed, and stdin has none.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicBzip2 = []byte("BZh")
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Open opens one file with the decompression the source applies (gzip,
// bzip2, zstd, told from the content), for tools that read the same
// archives outside a pipeline (geoheat geo eval, langid eval). It reads one
// file, not a directory, glob or tar archive. Close releases the decoder
// and the file.
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	r, release, err := decompress(context.Background(), f, runtime.GOMAXPROCS(0))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file: %s: %w", path, err)
	}
	return openedFile{Reader: r, release: release, f: f}, nil
}

type openedFile struct {
	io.Reader
	release func()
	f       *os.File
}

func (d openedFile) Close() error {
	d.release()
	return d.f.Close()
}

// decompress wraps in by its magic bytes: gzip (concatenated members
// included), bzip2, zstd, or none. release stops the decoder's goroutines
// and must be called once whether or not the input was read to the end.
//
// bzWorkers is how many bzip2 blocks may be decoded at once. With 1 (a
// member of an archive, whose members are decoded in parallel already),
// bzip2 is compress/bzip2: no goroutines, one block buffer per stream. With
// more (a single large file), it is pbzip2, which finds the stream's
// blocks (each up to 900 kB of input, decodable on its own) and decodes
// bzWorkers of them at once, in order. pbzip2's decoder is faster alone
// (1.3-1.45x per CPU second on the demo corpus) but allocates two buffers
// per block and runs three goroutines per stream, and beside the pipeline
// it measured no faster than compress/bzip2 (BENCHMARKS.md, "Archive
// replay"). gzip is klauspost/compress's inflate (1.4x the standard
// library's here).
func decompress(ctx context.Context, in io.Reader, bzWorkers int) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(in, 64<<10)
	// Peek one byte first: a live pipe may hold less than a magic number
	// ("{}\n") and wait for more, and JSON never starts like a magic.
	first, err := br.Peek(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	if len(first) == 0 || !isMagicStart(first[0]) {
		return br, func() {}, nil
	}
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	switch {
	case bytes.HasPrefix(magic, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, magicBzip2):
		if bzWorkers <= 1 {
			return bzip2.NewReader(br), func() {}, nil
		}
		return newBzip2Reader(ctx, br, bzWorkers)
	case bytes.HasPrefix(magic, magicZstd):
		// One decoder goroutine: replay is bound by parsing, and a
		// concurrent decoder would only buffer ahead.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}

// newBzip2Reader starts pbzip2's block scanner and decoders on in. Its
// goroutines end at the end of the stream, or when release cancels them:
// pbzip2 notices cancellation on its next Read, so release reads once
// after cancelling rather than leave them blocked on a pipe nobody reads.
func newBzip2Reader(ctx context.Context, in io.Reader, workers int) (io.Reader, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	zr := pbzip2.NewReader(ctx, in, pbzip2.DecompressionOptions(pbzip2.BZConcurrency(max(1, workers))))
	release := func() {
		cancel()
		var b [1]byte
		zr.Read(b[:])
	}
	return bzip2Errors{zr}, release, nil
}

// bzip2Errors prefixes pbzip2's errors, which do not say they come from
// bzip2 ("block checksum mismatch").
type bzip2Errors struct{ r io.Reader }

func (b bzip2Errors) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("bzip2: %w", err)
	}
	return n, err
}

func isMagicStart(c byte) bool { return c == magicGzip[0] || c == magicBzip2[0] || c == magicZstd[0] }

// isTar reports whether br starts with a POSIX (ustar) tar header. JSON
// input (first byte a bracket, whitespace or a byte order mark) is not
// peeked further, so a slow pipe is never waited on for 512 bytes.
func isTar(br *bufio.Reader) bool {
	first, err := br.Peek(1)
	if err != nil {
		return false
	}
	switch first[0] {
	case '{', '[', ' ', '\t', '\r', '\n', 0xEF:
		return false
	}
	hdr, err := br.Peek(512)
	if err != nil {
		return false
	}
	return bytes.Equal(hdr[257:262], []byte("ustar"))
}

// tar replays, one after the other, the members of a tar archive found
// inside a member of another (archives of archives are rare; the outer
// archive is what replay.go decodes in parallel). Memory stays that of one
// member's window.
func (r *reader) tar(in io.Reader) error {
	return eachTarMember(in, "", func(hdr *tar.Header, tr io.Reader) error {
		member := &reader{src: r.src, ctx: r.ctx, sink: r.sink, bzWorkers: r.bzWorkers, name: r.name + "/" + hdr.Name}
		err := member.run(tr)
		if ferr := member.flush(); err == nil {
			err = ferr
		}
		if err != nil {
			return fmt.Errorf("tar member %s: %w", hdr.Name, err)
		}
		return nil
	})
}

// eachTarMember calls fn with each regular member of the tar archive read
// from in, in order, until fn fails (its error is returned as it is) or
// the archive does (its error begins with prefix).
func eachTarMember(in io.Reader, prefix string, fn func(hdr *tar.Header, member io.Reader) error) error {
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%star: %w", prefix, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
	}
}
