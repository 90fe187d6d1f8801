package file

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzRun feeds arbitrary input to the source. Invariants: Run returns;
// messages are non-empty and within the size limit; reading one byte at a
// time gives the same messages and outcome (every resume point of the
// scanners agrees with the fast path); a valid JSON array yields exactly
// its elements.
func FuzzRun(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add([]byte("[1,\"a\\\"]\",{\"b\":[]}]"))
	f.Add([]byte("{\n\"a\":\"b\\\\\"}\n{\"c\":1}"))

	const max = 64
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err, skipped := checkFuzzRuns(t, max, func(oneByte bool) ([]string, error, int64) {
			src := newFuzzSource(t, in, max, oneByte)
			got, err := collect(t, src)
			return got, err, src.Skipped()
		})
		if err != nil && !strings.HasPrefix(err.Error(), "file: fuzz: ") {
			t.Fatalf("error %q lacks the prefix", err)
		}

		trimmed := bytes.Trim(in, " \t\r\n") // JSON whitespace only: "\f" is data
		var elems []json.RawMessage
		if len(trimmed) > 0 && trimmed[0] == '[' && !bytes.HasPrefix(in, []byte{0x1f, 0x8b}) &&
			json.Unmarshal(trimmed, &elems) == nil && skipped == 0 {
			if err != nil || len(got) != len(elems) {
				t.Fatalf("valid array of %d elements gave %d messages, %v", len(elems), len(got), err)
			}
			for i, e := range elems {
				if got[i] != string(e) {
					t.Fatalf("element %d = %q, want %q", i, got[i], e)
				}
			}
		}
	})
}

// newFuzzSource returns a source over in with a message limit of max,
// reading one byte at a time when oneByte.
func newFuzzSource(t *testing.T, in []byte, max int, oneByte bool) *Source {
	var r io.Reader = bytes.NewReader(in)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	src, err := New("fuzz", WithReader(r), WithMaxMessageSize(max), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// checkFuzzRuns runs the input at once and one byte at a time and checks
// the invariants both fuzzers share: messages are non-empty and within max,
// and both runs give the same messages, skips and outcome. It returns the
// run at once.
func checkFuzzRuns(t *testing.T, max int, run func(oneByte bool) ([]string, error, int64)) ([]string, error, int64) {
	got, err, skipped := run(false)
	for _, m := range got {
		if len(m) == 0 || len(m) > max {
			t.Fatalf("message of %d bytes: %q", len(m), m)
		}
	}
	got1, err1, skipped1 := run(true)
	if !reflect.DeepEqual(got, got1) || (err == nil) != (err1 == nil) || skipped != skipped1 {
		t.Fatalf("one byte at a time: %q, %v, %d skipped; at once: %q, %v, %d skipped", got1, err1, skipped1, got, err, skipped)
	}
	return got, err, skipped
}
