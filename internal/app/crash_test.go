package app

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

// crashSeed makes the kill moments reproducible; explore others with
// go test -run TestSIGKILLDurability ./internal/app -crash-seed N. (A flag,
// not a GEOHEAT_* variable: those are rejected when unknown.)
var crashSeed = flag.Uint64("crash-seed", 20141125, "seed of TestSIGKILLDurability's kill moments")

// crashCyclesPerMode × 3 modes is the number of SIGKILLs (≥ 20).
const crashCyclesPerMode = 8

// pollInterval spaces the test's /api/status polls, so that polling does
// not take a core from the ingest it watches.
const pollInterval = 10 * time.Millisecond

// TestSIGKILLDurability kills a real `geoheat serve` with SIGKILL at seeded
// random moments of a fast ingest, for each --fsync mode, and restarts on
// the same data directory each time. It checks:
//
//   - the store always opens again (a torn or corrupt tail never prevents
//     start-up; every fourth cycle appends a torn entry to the log after the
//     kill, and the next serve must start, cut it, and report the repair in
//     /api/status and its logs);
//   - in every mode, every post the last /api/status before the kill
//     reported as written is held after the restart. A SIGKILL leaves the
//     kernel's page cache intact and Record's write(2) returns before the
//     writer counts the batch, so the fsync mode must not matter here (the
//     README's guarantee; memstore's TestRecordedIsInTheKernelWhenRecordReturns
//     checks the same without a process). The part of everysec's and no's
//     guarantee a SIGKILL cannot exercise (power loss) rests on the fsync
//     schedule tested in memstore's TestFsyncModes;
//   - a final SIGTERM loses nothing at any setting;
//   - the same with --checkpoint (the log cut at a snapshot written while
//     serve runs, every second or so here): kills land in and between
//     checkpoints, and each restart starts from the last one.
func TestSIGKILLDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	seed := *crashSeed
	t.Logf("seed %d (-crash-seed to change)", seed)
	bin := buildBinary(t)
	lists, _ := filepath.Abs(stopwordDir(t))
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	for _, run := range []struct {
		name, mode string
		extra      []string
		runFor     int // milliseconds of ingest before a kill, at least (up to 550 more)
	}{
		{"always", "always", nil, 50}, {"everysec", "everysec", nil, 50}, {"no", "no", nil, 50},
		// The log cut at a checkpoint every time it grows by a megabyte
		// or the last snapshot's size (without kept text, a few MB: about
		// a second of this ingest): kills land in and between checkpoints.
		{"everysec-checkpoints", "everysec", []string{"--checkpoint", "1MiB", "--keep-text", "off"}, 1000},
	} {
		mode := run.mode
		t.Run(run.name, func(t *testing.T) {
			dataDir := t.TempDir()
			var held int64   // posts the store holds, from the last restart
			var killed int64 // posts written after the last status poll before a kill
			expectRepair := false
			checkRepair := func(p *serveProc, when string) {
				t.Helper()
				if !expectRepair {
					return
				}
				expectRepair = false
				var st httpapi.StatusData
				if err := getJSON(t, p.base+"/api/status", &st); err != nil {
					t.Fatal(err)
				}
				if r := st.Store.LogRepair; r == nil || r.TornBytes == 0 {
					t.Errorf("%s: torn tail not reported in status: %+v", when, r)
				}
				if !strings.Contains(strings.Join(p.all, "\n"), "torn entry") {
					t.Errorf("%s: torn tail not reported in the logs:\n%s", when, strings.Join(p.all, "\n"))
				}
			}
			for cycle := range crashCyclesPerMode {
				p := startServe(t, bin, dataDir, lists, mode, uint64(cycle)+seed, run.extra...)
				checkRepair(p, fmt.Sprintf("cycle %d", cycle))
				// Let ingest run for a random while, polling what it
				// acknowledges, then kill it without warning.
				deadline := time.Now().Add(time.Duration(run.runFor+rng.IntN(550)) * time.Millisecond)
				var last httpapi.StatusData
				for time.Now().Before(deadline) {
					var st httpapi.StatusData
					if err := getJSON(t, p.base+"/api/status", &st); err == nil && st.Ingest != nil {
						last = st
					}
					time.Sleep(pollInterval)
				}
				if last.Ingest == nil {
					t.Fatalf("cycle %d: no status answered before the kill:\n%s", cycle, p.logs())
				}
				if err := p.cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				_ = p.wait()
				after := storeStatus(t, bin, dataDir)
				acked := held + last.Ingest.Written
				missing := acked - after.Store.Posts
				if missing > 0 {
					t.Fatalf("cycle %d: %d posts acknowledged (held %d + written %d), %d after the restart: %d lost",
						cycle, acked, held, last.Ingest.Written, after.Store.Posts, missing)
				}
				killed += -missing // written after the last status: held, not yet acknowledged to us
				held = after.Store.Posts
				if cycle%4 == 3 {
					// What a write cut short by a crash leaves; the posts
					// already held are intact before it.
					appendTornEntry(t, dataDir)
					expectRepair = true
				}
			}
			// A graceful stop loses nothing in any mode.
			p := startServe(t, bin, dataDir, lists, mode, seed+99, run.extra...)
			checkRepair(p, "final start")
			// With checkpoints, until one is taken too (the kills may
			// all have come before the log grew enough for one).
			for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(pollInterval) {
				var st httpapi.StatusData
				if err := getJSON(t, p.base+"/api/status", &st); err == nil && st.Ingest != nil && st.Ingest.Written > 1000 &&
					(run.extra == nil || strings.Contains(st.Store.Checkpoint, " taken")) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("final start: fewer than 1000 posts written or no checkpoint in 60 s:\n%s", strings.Join(p.all, "\n"))
				}
			}
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := p.wait(); err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs())
			}
			written := int64(-1)
			if m := regexp.MustCompile(`geoheat stopped.*written=(\d+)`).FindStringSubmatch(p.logs()); m != nil {
				written, _ = strconv.ParseInt(m[1], 10, 64)
			}
			after := storeStatus(t, bin, dataDir)
			if written < 0 || after.Store.Posts != held+written {
				t.Fatalf("after SIGTERM: held %d, want %d + %d written", after.Store.Posts, held, written)
			}
			if _, err := os.Stat(filepath.Join(dataDir, "log-cut")); (err == nil) != (run.extra != nil) {
				t.Errorf("%v: the marker of a log cut at a checkpoint: %v", run.extra, err)
			}
			t.Logf("%s: %d kills, no acknowledged post lost (%d more written between the last poll and a kill), %d posts held at the end",
				run.name, crashCyclesPerMode, killed, after.Store.Posts)
		})
	}
}

// serveProc is a running `geoheat serve`.
type serveProc struct {
	cmd  *exec.Cmd
	base string
	out  chan []string // stderr lines, once the process exits
	all  []string
}

// logs returns the process's stderr; call it after Wait.
// wait reads stderr to its end, then reaps the process: StderrPipe's reader
// must be drained before Wait closes it, or the last lines (the "geoheat
// stopped ... written=N" summary) can be lost.
func (p *serveProc) wait() error {
	p.logs()
	return p.cmd.Wait()
}

func (p *serveProc) logs() string {
	if p.out != nil {
		p.all = append(p.all, <-p.out...)
		p.out = nil
	}
	return strings.Join(p.all, "\n")
}

// startServe starts a fast demo ingest on dataDir and returns once it
// serves. The stopword detector keeps start-up at tens of milliseconds.
func startServe(t *testing.T, bin, dataDir, lists, mode string, seed uint64, extra ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--source", "demo", "--rate", "20000", "--seed", fmt.Sprint(seed),
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--fsync", mode, "--workers", "2",
		"--detector", "stopwords", "--stopwords-dir", lists}, extra...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	p := &serveProc{cmd: cmd}
	serving := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)`)
	for p.base == "" {
		line, ok := <-lines
		if !ok {
			cmd.Wait()
			t.Fatalf("geoheat serve --fsync %s exited before serving (refused to start?):\n%s", mode, strings.Join(p.all, "\n"))
		}
		p.all = append(p.all, line)
		if m := serving.FindStringSubmatch(line); m != nil {
			p.base = m[1]
		}
	}
	p.out = make(chan []string, 1)
	go func() {
		var rest []string
		for l := range lines {
			rest = append(rest, l)
		}
		p.out <- rest
	}()
	return p
}

// storeStatus opens the data directory with `geoheat status` (a restart of
// the store without ingest) and returns its answer.
func storeStatus(t *testing.T, bin, dataDir string) httpapi.StatusData {
	t.Helper()
	cmd := exec.Command(bin, "status", "--data-dir", dataDir, "--json", "--log-level", "warn")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("status after the kill: %v\n%s", err, stderr.String())
	}
	var st httpapi.StatusData
	mustUnmarshal(t, string(out), &st)
	return st
}

// appendTornEntry appends what a write cut short leaves: a length prefix
// promising more bytes than follow.
func appendTornEntry(t *testing.T, dataDir string) {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(dataDir, "wal", strings.Repeat("[0-9]", 20)))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no log segment in %s: %v", dataDir, err)
	}
	slices.Sort(segs)
	f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte{0xc8, 0x01, 'p', 'a', 'r', 't'}); err != nil { // 200 promised, 4 follow
		t.Fatal(err)
	}
}
