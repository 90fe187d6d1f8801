package testenv

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// ReadGunzipped returns the contents of the file at path, gunzipped when it
// is gzip (told by its magic bytes, not its name). The shared data holds
// both plain and gzipped files, and the tests reading it want the text; any
// error fails the test.
func ReadGunzipped(tb testing.TB, path string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return out
}

// ReadLines returns the lines of ReadGunzipped(path), split as
// bufio.ScanLines splits them: without "\n" or "\r\n", blank lines kept, no
// empty line after a final newline, and no limit on a line's length. The
// lines share one buffer but each is capped at its own length, so appending
// to one cannot overwrite the next.
func ReadLines(tb testing.TB, path string) [][]byte {
	tb.Helper()
	data := ReadGunzipped(tb, path)
	var lines [][]byte
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		lines = append(lines, line[:len(line):len(line)])
		data = rest
	}
	return lines
}
