package testenv

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a helper ended the test.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// call runs f with a recorder on its own goroutine (f may Goexit).
func call(f func(tb testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestRequireToolPolicy(t *testing.T) {
	const missing = "geoheat-no-such-tool"
	t.Run("found", func(t *testing.T) {
		t.Setenv(CIEnv, "1")
		var got string
		r := call(func(tb testing.TB) { got = RequireTool(tb, missing, "sh") })
		if r.skipped || r.failed || !filepath.IsAbs(got) {
			t.Fatalf("RequireTool(missing, sh) = %q, %+v", got, r)
		}
	})
	t.Run("missing skips", func(t *testing.T) {
		t.Setenv(CIEnv, "")
		r := call(func(tb testing.TB) { RequireTool(tb, missing) })
		if !r.skipped || r.failed || !strings.Contains(r.msg, missing) {
			t.Fatalf("%+v, want a skip naming the tool", r)
		}
	})
	t.Run("missing fails under CI", func(t *testing.T) {
		t.Setenv(CIEnv, "1")
		r := call(func(tb testing.TB) { RequireTool(tb, missing) })
		if r.skipped || !r.failed || !strings.Contains(r.msg, missing) {
			t.Fatalf("%+v, want a failure naming the tool", r)
		}
	})
}

func TestSharedPolicy(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tweets"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(SharedDataEnv, dir)
	t.Setenv(RequireSharedDataEnv, "")
	t.Setenv(CIEnv, "1") // CI alone does not require the shared data
	if got := call(func(tb testing.TB) { tb.(*recorder).msg = Shared(tb, "tweets") }); got.skipped || got.failed || got.msg != filepath.Join(dir, "tweets") {
		t.Fatalf("present: %+v", got)
	}
	if got := call(func(tb testing.TB) { Shared(tb, "langid") }); !got.skipped || !strings.Contains(got.msg, SharedDataEnv) {
		t.Fatalf("absent: %+v, want a skip naming %s", got, SharedDataEnv)
	}
	t.Setenv(RequireSharedDataEnv, "1")
	if got := call(func(tb testing.TB) { Shared(tb, "langid") }); !got.failed {
		t.Fatalf("absent with %s: %+v, want a failure", RequireSharedDataEnv, got)
	}
}

func TestSharedDataDirBesideTheRepository(t *testing.T) {
	t.Setenv(SharedDataEnv, "")
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	dir, err := SharedDataDir()
	if err != nil || dir != filepath.Join(filepath.Dir(root), "shared", "data") {
		t.Fatalf("SharedDataDir() = %q, %v; root %s", dir, err, root)
	}
}

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
