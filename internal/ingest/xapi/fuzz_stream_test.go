package xapi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// FuzzReadLine feeds arbitrary stream bytes to the line reader of X's
// streams. Invariants: it ends (io.EOF) having consumed everything; no
// line holds a newline or exceeds maxLine+1 bytes; the lines are the
// input's lines (CR LF or LF terminated); a one-byte reader gives the same.
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("{\"data\":{\"id\":\"1\"}}\r\n\r\n{\"data\":{}}\r\n"))
	f.Add([]byte("\r\n\r\n"))
	f.Add([]byte("no terminator"))
	f.Add([]byte("a\rb\r\r\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		read := func(r io.Reader) [][]byte {
			br := bufio.NewReaderSize(r, 16) // small: long lines take the ErrBufferFull path
			var lines [][]byte
			for i := 0; ; i++ {
				line, err := readLine(br)
				if bytes.IndexByte(line, '\n') >= 0 || len(line) > maxLine+1 {
					t.Fatalf("line %q", line)
				}
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("error %v", err)
					}
					if len(line) > 0 {
						lines = append(lines, line)
					}
					return lines
				}
				lines = append(lines, line)
				if i > len(in) {
					t.Fatal("more lines than bytes")
				}
			}
		}
		got := read(bytes.NewReader(in))
		var want [][]byte
		for _, l := range bytes.SplitAfter(in, []byte("\n")) {
			line := bytes.TrimRight(l, "\r\n")
			if !bytes.HasSuffix(l, []byte("\n")) && len(line) == 0 {
				continue // an unterminated blank tail is nothing
			}
			want = append(want, line)
		}
		if len(got) != len(want) {
			t.Fatalf("%d lines, want %d: %q", len(got), len(want), got)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d = %q, want %q", i, got[i], want[i])
			}
		}
		if one := read(iotest.OneByteReader(bytes.NewReader(in))); len(one) != len(got) {
			t.Fatalf("one byte at a time: %d lines, want %d", len(one), len(got))
		}
	})
}
