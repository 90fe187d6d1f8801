package file

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/testenv"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

// bzip2Bytes compresses with the bzip2 tool (Go has only a decompressor);
// without the tool the test skips (fails under CI).
func bzip2Bytes(t testing.TB, b []byte) []byte {
	cmd := exec.Command(testenv.RequireTool(t, "bzip2"), "-c")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// demoLines returns n messages of the demo stream (v1.1 posts, notices and
// the odd malformed line), one per line without the newline.
func demoLines(t testing.TB, n int64) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	src := demo.New(demo.Options{Seed: 13, Now: func() time.Time { return time.Date(2013, 6, 10, 12, 0, 0, 0, time.UTC) }})
	if err := src.WriteFile(&buf, n); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	if int64(len(lines)) != n {
		t.Fatalf("demo wrote %d lines, want %d", len(lines), n)
	}
	return lines
}

// TestTarArchiveOfMinutes builds an Archive Team style tar (one compressed
// file per minute: .json.gz, .json.bz2, .json.zst) from demo traffic and
// replays it as a stream: every line arrives, in order.
func TestTarArchiveOfMinutes(t *testing.T) {
	lines := demoLines(t, 900)
	members := []struct {
		name string
		enc  func(testing.TB, []byte) []byte
	}{
		{"2013/06/10/12/00.json.gz", gzipBytes},
		{"2013/06/10/12/01.json.bz2", bzip2Bytes},
		{"2013/06/10/12/02.json.zst", zstdBytes},
	}
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	tw.WriteHeader(&tar.Header{Name: "2013/06/10/12/", Typeflag: tar.TypeDir, Mode: 0o755})
	var want []string
	per := len(lines) / len(members)
	for i, m := range members {
		chunk := lines[i*per : (i+1)*per]
		data := m.enc(t, append(bytes.Join(chunk, []byte("\n")), '\n'))
		for _, l := range chunk {
			want = append(want, string(l))
		}
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, outer := range []struct {
		name string
		data []byte
	}{{"minutes.tar", archive.Bytes()}, {"minutes.tar.gz", gzipBytes(t, archive.Bytes())}} {
		t.Run(outer.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), outer.name)
			if err := os.WriteFile(path, outer.data, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := New(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d messages, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("message %d differs: %.80s", i, got[i])
				}
			}
			if p := src.Progress(); p.Bytes != int64(len(outer.data)) || p.Total != p.Bytes {
				t.Errorf("progress %+v, want all %d bytes", p, len(outer.data))
			}
		})
	}
}

func TestBzip2AndZstdFiles(t *testing.T) {
	body := []byte("{\"a\":1}\n{\"b\":2}\n")
	for name, data := range map[string][]byte{"x.json.zst": zstdBytes(t, body), "x.json.bz2": bzip2Bytes(t, body), "renamed.txt": zstdBytes(t, body)} {
		path := filepath.Join(t.TempDir(), name)
		os.WriteFile(path, data, 0o644)
		src, err := New(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := collect(t, src)
		if err != nil || strings.Join(got, "|") != `{"a":1}|{"b":2}` {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
}

func TestDirectoriesAndGlobs(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "12"), 0o755)
	os.WriteFile(filepath.Join(dir, "12", "01.json.gz"), gzipBytes(t, []byte("{\"n\":2}\n")), 0o644)
	os.WriteFile(filepath.Join(dir, "12", "00.json.zst"), zstdBytes(t, []byte("{\"n\":1}\n")), 0o644)
	os.WriteFile(filepath.Join(dir, "13.json"), []byte("{\"n\":3}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("junk\n"), 0o644)
	for pattern, want := range map[string]string{
		dir:                                  `{"n":1}|{"n":2}|{"n":3}`,
		filepath.Join(dir, "12", "*.json.*"): `{"n":1}|{"n":2}`,
		filepath.Join(dir, "*"):              `{"n":1}|{"n":2}|{"n":3}`,
	} {
		src, err := New(pattern)
		if err != nil {
			t.Fatal(err)
		}
		got, err := collect(t, src)
		if err != nil || strings.Join(got, "|") != want {
			t.Errorf("%s: %q %v, want %s", pattern, got, err, want)
		}
		if p := src.Progress(); p.Total == 0 || p.Bytes != p.Total {
			t.Errorf("%s: progress %+v", pattern, p)
		}
	}
	if _, err := New(filepath.Join(dir, "*.nothing")); err == nil {
		t.Error("empty glob accepted")
	}
}

// TestSpeedPacesByCreatedAt: at 10x, tweets posted 10 s and 30 s after the
// first wait 1 s and 3 s after it; notices and late tweets do not wait.
func TestSpeedPacesByCreatedAt(t *testing.T) {
	body := strings.Join([]string{
		`{"created_at":"Mon Jun 10 12:00:00 +0000 2013","id_str":"1"}`,
		`{"delete":{}}`,
		`{"created_at":"Mon Jun 10 12:00:10 +0000 2013","id_str":"2"}`,
		`{"data":{"id":"3","created_at":"2013-06-10T12:00:30.000Z"}}`,
		`{"created_at":"Mon Jun 10 12:00:05 +0000 2013","id_str":"4"}`,
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "paced.jsonl")
	os.WriteFile(path, []byte(body), 0o644)
	src, err := New(path, WithSpeed(10))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	src.pace = &pacer{speed: 10, now: func() time.Time { return now },
		sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			now = now.Add(d)
			return nil
		}}
	got, err := collect(t, src)
	if err != nil || len(got) != 5 {
		t.Fatalf("%d messages, %v", len(got), err)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !reflect.DeepEqual(slept, want) {
		t.Errorf("slept %v, want %v", slept, want)
	}
	if _, err := New(path, WithSpeed(-1)); err == nil {
		t.Error("negative speed accepted")
	}
}
