package file

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/testenv"
)

// replayMember is one per-minute member of a generated archive.
type replayMember struct {
	name    string
	lines   [][]byte
	data    []byte // as stored in the archive
	damaged bool
}

// minuteMembers cuts demo traffic into members of very uneven sizes (so
// that a later member is often decoded before an earlier one), compressed
// in turn with bzip2, gzip, zstd and not at all. damage names the members
// to spoil: a gzip stream cut in half, a bzip2 stream with a block's bytes
// overwritten, and a gzip header that is not one.
func minuteMembers(t *testing.T, damage map[int]string) []replayMember {
	t.Helper()
	sizes := []int{700, 3, 40, 1, 250, 0, 2, 90, 7, 160, 30, 0} // 5: empty gzip, 11: empty file
	total := 0
	for _, n := range sizes {
		total += n
	}
	lines := demoLines(t, int64(total))
	encoders := []func(testing.TB, []byte) []byte{bzip2Bytes, gzipBytes, zstdBytes, func(_ testing.TB, b []byte) []byte { return b }}
	exts := []string{".json.bz2", ".json.gz", ".json.zst", ".json"}
	var members []replayMember
	at := 0
	for i, n := range sizes {
		m := replayMember{name: fmt.Sprintf("2013/06/10/12/%02d%s", i, exts[i%4]), lines: lines[at : at+n]}
		at += n
		body := append(bytes.Join(m.lines, []byte("\n")), '\n')
		if n == 0 {
			body = nil
		}
		switch damage[i] {
		case "":
			m.data = encoders[i%4](t, body)
		case "gzip cut":
			z := gzipBytes(t, body)
			m.data, m.damaged, m.name = z[:len(z)/2], true, fmt.Sprintf("2013/06/10/12/%02d.json.gz", i)
		case "bzip2 spoilt":
			z := bzip2Bytes(t, body)
			for j := len(z) / 3; j < len(z)/3+64 && j < len(z); j++ {
				z[j] ^= 0x5a
			}
			m.data, m.damaged, m.name = z, true, fmt.Sprintf("2013/06/10/12/%02d.json.bz2", i)
		case "gzip header":
			m.data, m.damaged, m.name = []byte{0x1f, 0x8b, 0x00, 0x00, 'n', 'o', 't'}, true, fmt.Sprintf("2013/06/10/12/%02d.json.gz", i)
		default:
			t.Fatalf("unknown damage %q", damage[i])
		}
		members = append(members, m)
	}
	return members
}

func tarOfMembers(t testing.TB, members []replayMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "2013/06/10/12/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(m.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkReplayed asserts that got is every intact member's lines, each once,
// in member order, with at most a proper prefix of each damaged member's
// lines in its place; it returns how many damaged members gave some lines.
func checkReplayed(t *testing.T, members []replayMember, got []string) {
	t.Helper()
	i := 0
	for _, m := range members {
		kept := 0
		for kept < len(m.lines) && i < len(got) && got[i] == string(m.lines[kept]) {
			kept++
			i++
		}
		switch {
		case !m.damaged && kept != len(m.lines):
			at := "the end"
			if i < len(got) {
				at = fmt.Sprintf("%.60q", got[i])
			}
			t.Fatalf("member %s: %d of %d lines, then %s", m.name, kept, len(m.lines), at)
		case m.damaged && kept == len(m.lines) && kept > 0:
			t.Errorf("damaged member %s gave all its %d lines", m.name, kept)
		}
	}
	if i != len(got) {
		t.Fatalf("%d messages after the last member's: %.60q", len(got)-i, got[i])
	}
}

// TestArchiveReplay replays Archive Team style archives and directories
// built here: every message of an intact member arrives exactly once, in
// archive order, whatever member finishes decoding first; a damaged member
// is logged and counted, what it gave before the damage kept, and the
// replay goes on with the next.
func TestArchiveReplay(t *testing.T) {
	damage := map[int]string{2: "gzip cut", 4: "bzip2 spoilt", 8: "gzip header"}
	members := minuteMembers(t, damage)
	archive := tarOfMembers(t, members)
	for _, tt := range []struct {
		name     string
		layout   string // tar, tar.gz or dir
		streamed bool   // every member too large to buffer
	}{
		{"tar", "tar", false},
		{"tar.gz", "tar.gz", false},
		{"tar, members streamed", "tar", true},
		{"directory of minutes", "dir", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "minutes."+tt.layout)
			switch tt.layout {
			case "tar":
				os.WriteFile(path, archive, 0o644)
			case "tar.gz":
				os.WriteFile(path, gzipBytes(t, archive), 0o644)
			case "dir":
				path = filepath.Join(dir, "minutes")
				for _, m := range members {
					p := filepath.Join(path, filepath.FromSlash(m.name))
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.WriteFile(p, m.data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			var log bytes.Buffer
			src, err := New(path, WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			if err != nil {
				t.Fatal(err)
			}
			if tt.streamed {
				src.bufferLimit = 1
			}
			got, err := collect(t, src)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			checkReplayed(t, members, got)
			c := src.Counters()
			if c["members"] != int64(len(members)) || c["members_damaged"] != int64(len(damage)) {
				t.Errorf("counters %v, want %d members, %d damaged", c, len(members), len(damage))
			}
			if p := src.Progress(); p.Messages != int64(len(got)) || p.Bytes != p.Total {
				t.Errorf("progress %+v after %d messages", p, len(got))
			}
			for i := range damage {
				if want := members[i].name; !strings.Contains(log.String(), want) || !strings.Contains(log.String(), "damaged member") {
					t.Errorf("log does not name damaged member %s:\n%s", want, log.String())
				}
			}
		})
	}
}

// TestArchiveCutShort: an archive that ends inside a member ends the replay
// with an error naming it, after every earlier member and what the cut one
// gave.
func TestArchiveCutShort(t *testing.T) {
	members := minuteMembers(t, nil)
	archive := tarOfMembers(t, members)
	// The cut falls inside member 4's data (after its 512-byte header).
	cut := bytes.Index(archive, members[4].data[:64]) + len(members[4].data)/2
	path := filepath.Join(t.TempDir(), "cut.tar")
	os.WriteFile(path, archive[:cut], 0o644)
	src, err := New(path, WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, src)
	if err == nil || !strings.Contains(err.Error(), "tar member "+members[4].name+": cut short") {
		t.Fatalf("Run: %v, want the member cut short named", err)
	}
	members[4].damaged = true
	checkReplayed(t, members[:5], got)
}

// TestLargeBzip2FileDecodedByBlocks: a single bzip2 file of many blocks
// (bzip2 -1: 100 kB each), decoded several blocks at a time, gives every
// line once and in order.
func TestLargeBzip2FileDecodedByBlocks(t *testing.T) {
	lines := demoLines(t, 2000)
	body := append(bytes.Join(lines, []byte("\n")), '\n')
	cmd := exec.Command(testenv.RequireTool(t, "bzip2"), "-1", "-c")
	cmd.Stdin = bytes.NewReader(body)
	z, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if blocks := len(body) / 100_000; blocks < 20 {
		t.Fatalf("only %d blocks", blocks)
	}
	path := filepath.Join(t.TempDir(), "big.json.bz2")
	os.WriteFile(path, z, 0o644)
	got, err := runFile(t, path)
	if err != nil {
		t.Fatal(err)
	}
	checkReplayed(t, []replayMember{{name: "big", lines: lines}}, got)
}

// TestArchiveReplayCancelled: cancelling a replay with members in flight
// returns context.Canceled promptly and leaves no goroutine behind
// (TestMain checks).
func TestArchiveReplayCancelled(t *testing.T) {
	members := minuteMembers(t, nil)
	path := filepath.Join(t.TempDir(), "minutes.tar")
	os.WriteFile(path, tarOfMembers(t, members), 0o644)
	for _, after := range []int{0, 1, 500, 1000} {
		src, err := New(path, WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		out, done, cancel := startRun(src, 0)
		for range after {
			<-out
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("after %d messages: Run returned %v, want context.Canceled", after, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("after %d messages: Run did not return after cancellation", after)
		}
	}
}
