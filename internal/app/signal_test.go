package app

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

// buildBinary compiles cmd/geoheat into a temp dir, for tests that run
// the real process (signals, kill -9, several processes on one Redis).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "geoheat")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/geoheat")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A real process, stopped by SIGINT or SIGTERM in the middle of a fast
// ingest, drains its queues, flushes the store, writes its snapshot and
// exits 0; a restart reads the snapshot and finds every post it reported
// as written.
func TestSignalDrainsAndPersists(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	lists, _ := filepath.Abs(stopwordDir(t))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dataDir := t.TempDir()
			cmd := exec.Command(bin, "serve", "--source", "demo", "--rate", "0", "--listen", "127.0.0.1:0",
				"--data-dir", dataDir, "--detector", "stopwords", "--stopwords-dir", lists)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			logs := make(chan string, 1024)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					logs <- sc.Text()
				}
				close(logs)
			}()
			serving := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)`)
			var base string
			var all []string
			for base == "" {
				line, ok := <-logs
				if !ok {
					t.Fatalf("exited before serving:\n%s", strings.Join(all, "\n"))
				}
				all = append(all, line)
				if m := serving.FindStringSubmatch(line); m != nil {
					base = m[1]
				}
			}
			rest := make(chan []string, 1)
			go func() {
				var lines []string
				for l := range logs {
					lines = append(lines, l)
				}
				rest <- lines
			}()
			st := waitStatus(t, base, 60*time.Second, func(st httpapi.StatusData) bool {
				return st.Ingest != nil && st.Ingest.Written >= 20_000
			})
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			// Drain stderr before Wait closes the pipe (StderrPipe's rule), or
			// the final summary line can be lost.
			tail := <-rest
			err = cmd.Wait()
			if err != nil {
				t.Fatalf("exit after %v: %v\n%s", sig, err, strings.Join(tail, "\n"))
			}
			// The last log line reports how many posts were written in all.
			var written int64 = -1
			for _, l := range tail {
				if m := regexp.MustCompile(`geoheat stopped.*written=(\d+)`).FindStringSubmatch(l); m != nil {
					written, _ = strconv.ParseInt(m[1], 10, 64)
				}
			}
			if written < st.Ingest.Written {
				t.Fatalf("final written %d < %d seen before the signal:\n%s", written, st.Ingest.Written, strings.Join(tail, "\n"))
			}
			out, err := exec.Command(bin, "status", "--data-dir", dataDir, "--json", "--log-level", "error").Output()
			if err != nil {
				t.Fatal(err)
			}
			var after httpapi.StatusData
			mustUnmarshal(t, string(out), &after)
			if after.Store.Posts != written {
				t.Fatalf("restart holds %d posts, the process reported %d written", after.Store.Posts, written)
			}
			// The clean stop wrote a snapshot, which the restart read
			// instead of replaying the log.
			if !strings.HasPrefix(after.Store.Snapshot, "read the snapshot") {
				t.Errorf("the restart started with %q; want the snapshot the stop wrote", after.Store.Snapshot)
			}
		})
	}
}
