package file

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.DiscardHandler)

// collect runs src to the end and returns the messages and Run's error.
func collect(t testing.TB, src *Source) ([]string, error) {
	t.Helper()
	out := make(chan ingest.Message)
	done := make(chan error, 1)
	go func() {
		done <- src.Run(context.Background(), out)
		close(out)
	}()
	var got []string
	for m := range out {
		got = append(got, string(m.Data))
	}
	return got, <-done
}

func runFile(t testing.TB, path string, opts ...Option) ([]string, error) {
	t.Helper()
	src, err := New(path, append([]Option{WithLogger(quiet)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, src)
}

func TestRunFixtures(t *testing.T) {
	linesWant := []string{
		`{"id_str":"1","text":"first"}`,
		`{"id_str":"2","text":"second, with [brackets] and {braces}"}`,
		`{"delete":{"status":{"id_str":"3"}}}`,
	}
	arrayWant := []string{
		"{\n    \"id_str\": \"1\",\n    \"text\": \"a string with \\\"quotes\\\", commas, ] and } inside\",\n" +
			"    \"hashtags\": [\"x\", \"y\"],\n    \"geo\": [40.78, -73.97],\n    \"language\": \"english\"\n  }",
		`{"id_str": "2", "text": "escaped backslash at the end \\", "nested": {"a": [1, 2, {"b": "]"}]}}`,
		`{"id_str": "3", "text": "unicode \u00e9 and a slash \/"}`,
	}
	tests := []struct {
		file    string
		want    []string
		wantErr error  // errors.Is
		errHas  string // substring of the error
	}{
		{file: "lines.jsonl", want: linesWant},
		{file: "lines.jsonl.gz", want: linesWant},
		{file: "lines.jsonl.bz2", want: linesWant},
		{file: "gzip_named_plain.jsonl", want: linesWant}, // gzip found by magic, not name
		{file: "crlf.jsonl", want: []string{`{"id_str":"1","text":"first"}`, `{"id_str":"2","text":"second"}`}},
		{file: "bom.jsonl", want: []string{`{"id_str":"1","text":"bom"}`}},
		{file: "no_trailing_newline.jsonl", want: []string{`{"id_str":"1","text":"complete"}`, `{"id_str":"2","text":"no newline at the end"}`}},
		{
			// Broken lines are emitted (the parser counts them) and never
			// stop the file.
			file: "bad_lines.jsonl",
			want: []string{`{"id_str":"1","text":"ok"}`, `not json at all`, `{"id_str":"2","text":"cut off`, `{"id_str":"3","text":"after the damage"}`},
		},
		{file: "array.json", want: arrayWant},
		{file: "array.json.gz", want: arrayWant},
		{
			file: "arrays_per_line.jsonl",
			want: []string{
				`{"id_str":"0","text":"a plain line first: JSON lines"}`,
				`{"id_str":"1","text":"a"}`, `{"id_str":"2","text":"b"}`, `{"id_str":"3","text":"c"}`,
				`[{"id_str":"5","text":"broken array line"`, `{"id_str":"6","text":"after the broken line"}`,
			},
		},
		{file: "arrays_per_line_first.json", want: []string{`{"id_str":"1"}`, `{"id_str":"2"}`, `{"id_str":"3"}`}},
		{
			file: "pretty_object.json",
			want: []string{
				"{\n  \"id_str\": \"1\",\n  \"text\": \"a pretty-printed object\",\n  \"user\": {\"id_str\": \"9\", \"screen_name\": \"pretty\"}\n}",
				"{\n  \"id_str\": \"2\",\n  \"text\": \"and a second one\"\n}",
			},
		},
		{file: "array_trailing_comma.json", want: []string{`{"id_str":"1"}`, `{"id_str":"2"}`}},
		{
			file: "array_truncated.json", want: []string{`{"id_str":"1","text":"whole"}`},
			wantErr: ErrCorrupt, errHas: "ends inside the value that starts at byte 31",
		},
		{
			file: "array_corrupt.json", want: []string{`{"id_str":"1","text":"whole"}`},
			wantErr: ErrCorrupt, errHas: "expected ',' or ']' but found '{' at byte 31",
		},
		{file: "empty.jsonl"},
		{file: "blank.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			got, err := runFile(t, path)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages:\n%q\nwant\n%q", got, tt.want)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr != nil && !strings.Contains(err.Error(), tt.errHas):
				t.Errorf("error %q does not say %q", err, tt.errHas)
			case err != nil && !strings.HasPrefix(err.Error(), "file: "+path+": "):
				t.Errorf("error %q not prefixed with the path", err)
			}
		})
	}
}

func TestRunTruncatedGzip(t *testing.T) {
	got, err := runFile(t, filepath.Join("testdata", "truncated.jsonl.gz"))
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "read failed at byte") {
		t.Fatalf("error %v, want a read error wrapping io.ErrUnexpectedEOF with an offset", err)
	}
	if len(got) == 0 || len(got) >= 2000 {
		t.Fatalf("%d messages, want some but not all of 2000", len(got))
	}
	for i, m := range got { // complete lines only, in order
		if want := fmt.Sprintf(`{"id_str":"%d","text":"line %d of a gzip file that was cut short"}`, i+1, i+1); m != want {
			t.Fatalf("message %d = %q, want %q", i, m, want)
		}
	}
	t.Logf("%d messages before: %v", len(got), err)
}

func TestRunStdinViaReader(t *testing.T) {
	in := "{\"a\":1}\n{\"b\":2}\n"
	src, err := New("-", WithReader(strings.NewReader(in)), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, src)
	if err != nil || !reflect.DeepEqual(got, []string{`{"a":1}`, `{"b":2}`}) {
		t.Fatalf("got %q, %v", got, err)
	}
	if p := src.Progress(); p.Name != "file:-" || p.Messages != 2 || p.Bytes != int64(len(in)) || p.Total != 0 {
		t.Errorf("progress %+v", p)
	}
}

func TestProgress(t *testing.T) {
	path := filepath.Join("testdata", "lines.jsonl.gz")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2014, 6, 10, 12, 0, 0, 0, time.UTC)
	src, err := New(path, WithLogger(quiet), WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	if p := src.Progress(); p.Messages != 0 || !p.LastEvent.IsZero() || p.Total != info.Size() {
		t.Errorf("before Run: %+v", p)
	}
	if _, err := collect(t, src); err != nil {
		t.Fatal(err)
	}
	want := ingest.Progress{Name: "file:" + path, Messages: 3, Bytes: info.Size(), Total: info.Size(), LastEvent: clock}
	if p := src.Progress(); p.Name != want.Name || p.Messages != want.Messages || p.Bytes != want.Bytes ||
		p.Total != want.Total || !p.LastEvent.Equal(want.LastEvent) {
		t.Errorf("progress %+v, want %+v", p, want)
	}
	if err := src.Run(context.Background(), make(chan ingest.Message)); err == nil {
		t.Error("second Run succeeded")
	}
}

func TestNewErrors(t *testing.T) {
	// A directory is a valid source since issue 5 (TestDirectoriesAndGlobs);
	// an empty glob is not.
	for _, path := range []string{"", filepath.Join("testdata", "does-not-exist.jsonl"), filepath.Join("testdata", "*.none")} {
		if _, err := New(path); err == nil || !strings.HasPrefix(err.Error(), "file: ") {
			t.Errorf("New(%q) error %v", path, err)
		}
	}
	for _, size := range []int{0, -1, 1<<30 + 1} {
		if _, err := New("-", WithMaxMessageSize(size)); err == nil {
			t.Errorf("max message size %d accepted", size)
		}
	}
}

func TestOversizedMessagesAreSkipped(t *testing.T) {
	long := `{"text":"` + strings.Repeat("x", 5000) + `"}`
	tests := []struct {
		name, in string
		want     []string
	}{
		{"line", "{\"a\":1}\n" + long + "\n{\"b\":2}\n", []string{`{"a":1}`, `{"b":2}`}},
		{"last line", "{\"a\":1}\n" + long, []string{`{"a":1}`}},
		{"line at the limit", "{\"a\":1}\n" + long[:1000] + "\r\n" + long[:1001] + "\n", []string{`{"a":1}`, long[:1000]}},
		{"array element", "[{\"a\":1}," + long + ",{\"b\":2}]", []string{`{"a":1}`, `{"b":2}`}},
		{"gzip", gzipString(t, "{\"a\":1}\n"+long+"\n{\"b\":2}\n"), []string{`{"a":1}`, `{"b":2}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			src, err := New("-", WithReader(strings.NewReader(tt.in)), WithMaxMessageSize(1000),
				WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect(t, src)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
			if src.Skipped() != 1 || !strings.Contains(log.String(), "skipped a message longer than the maximum") {
				t.Errorf("skipped %d, log %q", src.Skipped(), log.String())
			}
		})
	}
}

func gzipString(t testing.TB, s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Long lines grow the window well past its initial size.
func TestLongLines(t *testing.T) {
	var in strings.Builder
	var want []string
	for i, n := range []int{10, 3 << 20, 100, initialBuffer - 1, initialBuffer, initialBuffer + 1, 5} {
		line := fmt.Sprintf(`{"i":%d,"t":"%s"}`, i, strings.Repeat("y", n))
		want = append(want, line)
		in.WriteString(line + "\n")
	}
	src, err := New("-", WithReader(strings.NewReader(in.String())), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, src)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d messages, %v", len(got), err)
	}
}

// Each message owns its bytes: appending to one or keeping it after the
// source moved on must not affect another.
func TestMessagesOwnTheirBytes(t *testing.T) {
	src, err := New(filepath.Join("testdata", "lines.jsonl"), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan ingest.Message, 10)
	if err := src.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var msgs []ingest.Message
	for m := range out {
		if cap(m.Data) != len(m.Data) {
			t.Errorf("cap %d > len %d: an append would write into the next message", cap(m.Data), len(m.Data))
		}
		msgs = append(msgs, m)
	}
	before := string(msgs[1].Data)
	msgs[0].Data = append(msgs[0].Data, "garbage"...)
	for i := range msgs[2].Data {
		msgs[2].Data[i] = 'x'
	}
	if string(msgs[1].Data) != before {
		t.Errorf("message 1 changed to %q", msgs[1].Data)
	}
}

// infiniteReader is an endless JSON-lines stream.
type infiniteReader struct{ line []byte }

func (r infiniteReader) Read(p []byte) (int, error) {
	n := 0
	for n+len(r.line) <= len(p) {
		n += copy(p[n:], r.line)
	}
	if n == 0 {
		n = copy(p, r.line)
	}
	return n, nil
}

func TestCancellation(t *testing.T) {
	for _, tt := range []struct {
		name   string
		prefix string
		line   string
	}{
		{"lines", "", "{\"id_str\":\"1\"}\n"},
		{"array", "[", "{\"id_str\":\"1\"},"},       // one endless array
		{"skipping", "", strings.Repeat("x", 4096)}, // one endless oversized line: no sends at all
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := io.MultiReader(strings.NewReader(tt.prefix), infiniteReader{[]byte(tt.line)})
			src, err := New("-", WithReader(in), WithLogger(quiet), WithMaxMessageSize(1024))
			if err != nil {
				t.Fatal(err)
			}
			out, done, cancel := startRun(src, 0)
			if tt.name != "skipping" {
				for range 100 {
					<-out
				}
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) || err != context.Canceled {
					t.Errorf("Run returned %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancellation")
			}
		})
	}
}

func TestSplitArrays(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`[1, "two", {"three": [3]}, [4], true, null]`, []string{`1`, `"two"`, `{"three": [3]}`, `[4]`, `true`, `null`}, true},
		{` [ ] `, nil, true},
		{`[{"a":"]"}] [{"b":"\"]"}]`, []string{`{"a":"]"}`, `{"b":"\"]"}`}, true},
		{`[{"a":1}`, nil, false},
		{`[{"a":1}]x`, nil, false},
		{`[,1]`, nil, false},
		{`[1 2]`, nil, false},
		{`[{"a":"unterminated}]`, nil, false},
	}
	for _, tt := range tests {
		elems, ok := splitArrays([]byte(tt.in), nil)
		var got []string
		for _, e := range elems {
			got = append(got, tt.in[e[0]:e[1]])
		}
		if ok != tt.ok || ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitArrays(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// A reader that delivers one byte at a time exercises every resume point
// of the scanners.
func TestOneByteReads(t *testing.T) {
	for _, name := range []string{"lines.jsonl", "array.json", "pretty_object.json", "arrays_per_line.jsonl", "crlf.jsonl", "bom.jsonl", "lines.jsonl.bz2", "lines.jsonl.gz"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := runFile(t, filepath.Join("testdata", name))
		src, err := New(name, WithReader(iotest.OneByteReader(bytes.NewReader(raw))), WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		got, err := collect(t, src)
		if !reflect.DeepEqual(got, want) || (err == nil) != (wantErr == nil) {
			t.Errorf("%s: one byte at a time gave %q, %v; want %q, %v", name, got, err, want, wantErr)
		}
	}
}

// A reader that is a regular file (stdin redirected from a file) has a
// known size, so Progress can show a fraction.
func TestTotalForFileReader(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "lines.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	src, err := New("-", WithReader(f), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Progress().Total; got != info.Size() {
		t.Errorf("Total %d, want %d", got, info.Size())
	}
	if src, err = New("-", WithReader(strings.NewReader("{}")), WithLogger(quiet)); err != nil || src.Progress().Total != 0 {
		t.Errorf("Total for a plain reader: %d, %v", src.Progress().Total, err)
	}
}

// Cancelling a source that waits on a quiet stream (stdin, a pipe) returns
// at once instead of waiting for data that may never come.
func TestRunCancelWhileStreamIsQuiet(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	src, err := New("-", WithReader(pr))
	if err != nil {
		t.Fatal(err)
	}
	out, done, cancel := startRun(src, 4)
	if _, err := pw.Write([]byte("{\"a\":1}\n")); err != nil {
		t.Fatal(err)
	}
	if m := <-out; string(m.Data) != `{"a":1}` {
		t.Fatalf("got %q", m.Data)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	pw.Close() // lets the abandoned read finish, for goleak
}

// Reads of different sizes through the cancellable reader lose nothing.
func TestCtxReaderKeepsShortReads(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	r := newCtxReader(context.Background(), bytes.NewReader(data))
	var got []byte
	sizes := []int{4096, 3, 1, 700, 8192}
	for i := 0; ; i++ {
		buf := make([]byte, sizes[i%len(sizes)])
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, want %d", len(got), len(data))
	}
}

// Open reads a compressed file as the source does: the same bytes out of
// gzip, bzip2 and zstd, and a plain file as is.
func TestOpenDecompresses(t *testing.T) {
	want := []byte("{\"id\":1}\n{\"id\":2}\n")
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"plain.jsonl": want, "a.gz": gzipBytes(t, want), "a.bz2": bzip2Bytes(t, want), "a.zst": zstdBytes(t, want),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := Open(filepath.Join(dir, "absent")); err == nil {
		t.Error("Open of a missing file: no error")
	}
}

// startRun runs src into a channel of buffer messages until cancel; Run's
// error arrives on done.
func startRun(src *Source, buffer int) (out chan ingest.Message, done chan error, cancel context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	out, done = make(chan ingest.Message, buffer), make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()
	return out, done, cancel
}
