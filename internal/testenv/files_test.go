package testenv

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// ReadLines splits as bufio.ScanLines does, plain or gzipped alike.
func TestReadLinesMatchesScanLines(t *testing.T) {
	for _, text := range []string{
		"", "\n", "a", "a\n", "a\r\nb\n\nc", "a\n\n\n", "\r\n", "x\ry\n",
	} {
		var want [][]byte
		sc := bufio.NewScanner(bytes.NewReader([]byte(text)))
		for sc.Scan() {
			want = append(want, append([]byte(nil), sc.Bytes()...))
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(text))
		zw.Close()
		dir := t.TempDir()
		for name, data := range map[string][]byte{"plain.txt": []byte(text), "packed.gz": gz.Bytes()} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			got := ReadLines(t, path)
			if !slices.EqualFunc(got, want, bytes.Equal) {
				t.Errorf("%s %q: ReadLines = %q, ScanLines %q", name, text, got, want)
			}
		}
	}
}

// Appending to one line must not overwrite the next in the shared buffer.
func TestReadLinesAppendKeepsNextLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.txt")
	if err := os.WriteFile(path, []byte("ab\ncd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := ReadLines(t, path)
	_ = append(lines[0], 'X')
	if string(lines[1]) != "cd" {
		t.Fatalf("second line %q after appending to the first", lines[1])
	}
}
