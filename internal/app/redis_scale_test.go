package app

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
)

// proc is a geoheat child process. Its stderr lines are fed to lines (for
// waitLine) and kept in log; done closes when it exited, err is Wait's.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	lines  chan string
	mu     sync.Mutex
	log    bytes.Buffer
	done   chan struct{}
	err    error
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), lines: make(chan string, 4096), done: make(chan struct{})}
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		p.err = p.cmd.Wait() // after stderr is drained, as StderrPipe requires
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *proc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// waitLine waits for a stderr line containing substr and returns it.
func (p *proc) waitLine(t *testing.T, substr string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, substr) {
				return line
			}
		case <-p.done:
			t.Fatalf("%v exited (%v) before printing %q:\n%s", p.cmd.Args, p.err, substr, p.stderrText())
		case <-timeout:
			t.Fatalf("no %q from %v; stderr so far:\n%s", substr, p.cmd.Args, p.stderrText())
		}
	}
}

// wait waits for the process to exit and fails the test unless it exited 0.
func (p *proc) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%v still running", p.cmd.Args)
	}
	if p.err != nil {
		t.Fatalf("%v: %v\n%s", p.cmd.Args, p.err, p.stderrText())
	}
}

// stop sends SIGTERM (as Ctrl-C does) and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// TestScaledOutRun runs the roles as separate processes on one Redis: one
// `ingest --to redis-stream`, two `work`ers (the first killed with SIGKILL
// while it holds entries, its entries taken over by the second, then
// restarted under its name), one `serve --no-ingest`; the counts the
// server answers equal a single-process ingest of the same file.
func TestScaledOutRun(t *testing.T) {
	srv := redistest.Start(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	input := filepath.Join(dir, "stream.jsonl")
	f, err := os.Create(input)
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)
	if err := demo.New(demo.Options{Seed: 11, Now: func() time.Time { return epoch }}).WriteFile(f, 30000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	detect := []string{"--detector", "stopwords", "--stopwords-dir", miniStopwords}

	// The reference: one process, embedded store.
	ref := exec.Command(bin, append([]string{"ingest", "--source", "file:" + input, "--data-dir", filepath.Join(dir, "ref"), "--json"}, detect...)...)
	if out, err := ref.CombinedOutput(); err != nil {
		t.Fatalf("reference ingest: %v\n%s", err, out)
	}
	wantCounts, err := exec.Command(bin, "counts", "--data-dir", filepath.Join(dir, "ref"), "--json").Output()
	if err != nil {
		t.Fatal(err)
	}

	url := srv.URL("prefix=scale")
	ctx := context.Background()
	obs, err := redisstore.Open(ctx, redisstore.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	rdb := obs.Client()
	stream := "{scale}:stream"
	work := func(name string) *proc {
		p := startProc(t, bin, append([]string{"work", "--store", url, "--consumer", name, "--workers", "2", "--claim-idle", "1s", "--json"}, detect...)...)
		p.waitLine(t, "working on")
		return p
	}
	pendingOf := func(prefix string) int64 {
		p, err := rdb.XPending(ctx, stream, "geoheat").Result()
		if err != nil {
			return 0
		}
		var n int64
		for c, k := range p.Consumers {
			if strings.HasPrefix(c, prefix) {
				n += k
			}
		}
		return n
	}

	server := startProc(t, bin, "serve", "--no-ingest", "--store", url, "--listen", "127.0.0.1:0")
	serverURL := strings.Fields(strings.SplitAfter(server.waitLine(t, "serving http://"), "serving ")[1])[0]

	w1 := work("w1")
	pub := startProc(t, bin, "ingest", "--source", "file:"+input, "--store", url, "--to", "redis-stream", "--json")

	// Catch w1 holding entries: pause it, look, resume if it holds none.
	caught := false
	for range 20000 {
		w1.cmd.Process.Signal(syscall.SIGSTOP)
		if pendingOf("w1-") > 0 {
			caught = true
			break
		}
		w1.cmd.Process.Signal(syscall.SIGCONT)
		if st, err := obs.StreamStatus(ctx); err == nil && pub.exited() && len(st.Groups) > 0 && st.Groups[0].CaughtUp {
			break // everything consumed before we could catch it
		}
		time.Sleep(time.Millisecond) // let w1 run a little between looks
	}
	w1.cmd.Process.Kill() // SIGKILL, also of a stopped process
	<-w1.done
	if !caught {
		t.Log("w1 never held entries when paused; the takeover path is then not exercised by this run")
	}
	held := pendingOf("w1-")
	t.Logf("w1 killed holding %d entries", held)

	w2 := work("w2")
	// w2 takes over w1's entries once they have been idle for --claim-idle.
	deadline := time.Now().Add(60 * time.Second)
	for pendingOf("w1-") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("w2 never took over w1's entries")
		}
		time.Sleep(20 * time.Millisecond) // polling another process
	}
	w1 = work("w1") // restarted under its name
	pub.wait(t)
	deadline = time.Now().Add(60 * time.Second)
	for {
		st, err := obs.StreamStatus(ctx)
		if err == nil && len(st.Groups) == 1 && st.Groups[0].CaughtUp {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream not consumed: %+v %v", st, err)
		}
		time.Sleep(20 * time.Millisecond) // polling other processes
	}
	got := httpGetT(t, serverURL+"/api/counts")
	var want, have []httpapi.CountRow
	mustUnmarshal(t, string(wantCounts), &want)
	var env struct {
		Data []httpapi.CountRow `json:"data"`
	}
	mustUnmarshal(t, got, &env)
	have = env.Data
	if len(want) == 0 || !reflect.DeepEqual(have, want) {
		t.Errorf("scaled-out counts differ from a single-process ingest:\n got %+v\nwant %+v", have, want)
	}
	if h := httpGetT(t, serverURL+"/healthz"); !strings.Contains(h, `"status":"ok"`) {
		t.Errorf("/healthz = %s", h)
	}
	w1.stop(t)
	w2.stop(t)
	server.stop(t)
	var s2 redisstore.WorkerStats
	mustUnmarshal(t, w2.stdout.String(), &s2)
	if held > 0 && s2.Claimed == 0 {
		t.Errorf("w2 stats %+v: it claimed nothing, yet w1 died holding %d entries", s2, held)
	}
	t.Logf("w2: %+v", s2)
}

func httpGetT(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
