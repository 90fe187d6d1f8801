package file

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

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
	r, release, err := decompress(f)
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
// included), bzip2, zstd, or none. closeFn releases the decoder.
func decompress(in io.Reader) (io.Reader, func(), error) {
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
		return bzip2.NewReader(br), func() {}, nil
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

// tar replays every regular member of a tar archive in archive order, each
// decompressed and split as a file of its own, without unpacking anything
// to disk. Memory stays that of one member's window.
func (r *reader) tar(in io.Reader) error {
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		member := &reader{src: r.src, ctx: r.ctx, out: r.out}
		if err := member.run(tr); err != nil {
			return fmt.Errorf("tar member %s: %w", hdr.Name, err)
		}
	}
}
