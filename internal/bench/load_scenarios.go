package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

// loopSource returns a file source that replays the corpus often enough to
// last about seconds at rate messages/s.
func (b *runner) loopSource(name string, seconds, rate float64) (string, error) {
	copies := int(math.Ceil(seconds*rate/float64(b.cfg.Messages))) + 1
	dir := filepath.Join(b.dir, name)
	os.RemoveAll(dir)
	if err := LoopDir(dir, b.corpus, copies); err != nil {
		return "", err
	}
	return "file:" + dir, nil
}

// statusMessages reads the pipeline's message count from /api/status.
func statusMessages(ctx context.Context, c *http.Client, base string) (int64, error) {
	m, _, err := statusCounts(ctx, c, base)
	return m, err
}

// statusCounts reads the pipeline's message count and the posts the store
// holds from /api/status.
func statusCounts(ctx context.Context, c *http.Client, base string) (int64, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/status", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var env struct {
		Data httpapi.StatusData `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return 0, 0, err
	}
	if env.Data.Ingest == nil {
		return 0, 0, errors.New("status has no ingest")
	}
	return env.Data.Ingest.Messages, env.Data.Store.Posts, nil
}

// load runs `geoheat serve` (a child process when the binary is at hand)
// on a replayed corpus at full speed and measures the ingest rate unloaded,
// with 50 API clients and 50 live subscribers (issue 7), with 200 and 100
// for --duration (issue 8), the same with every request a view of its own
// (random place, size, language and span: RandomView, issue 16), and
// unloaded again. The clients run in the
// bench's process: on 2 cores they take CPU from the server wherever they
// run, as browsers on the same machine would.
func (b *runner) load(ctx context.Context) error {
	phase := b.cfg.LoadBaseline
	// The fill, four phases and slack.
	total := 3*phase + 2*b.cfg.Duration + 10*time.Second + time.Duration(float64(b.cfg.LoadPosts)/100_000*float64(time.Second))
	rate := max(b.ingestRate, 150_000) * 1.5 // generous: running dry would end the test early
	src, err := b.loopSource("loop-load", total.Seconds(), rate)
	if err != nil {
		return err
	}
	data := filepath.Join(b.dir, "data-load")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := b.startServe(sctx, []string{"serve", "--source", src, "--detector", "stopwords", "--stopwords-dir", b.cfg.StopwordsDir,
		"--data-dir", data, "--max-posts", strconv.Itoa(b.cfg.LoadPosts), "--log-level", "error"})
	if err != nil {
		return err
	}
	base, done := srv.base, srv.done
	// Under 200 clients a saturated server can take seconds to answer even
	// /api/status; the rate sampler waits rather than failing the run.
	c := &http.Client{Timeout: 2 * time.Minute}
	// measurePhase returns the ingest rate over d while clients run (when
	// o has any).
	measurePhase := func(d time.Duration, o LoadOptions) (float64, LoadResult, string, error) {
		lctx, lcancel := context.WithCancel(sctx)
		var res LoadResult
		var wg sync.WaitGroup
		if o.Clients+o.Subscribers > 0 {
			o.Base, o.Interval = base, b.cfg.Interval
			wg.Go(func() { res = RunLoad(lctx, o) })
			// Let every client connect and the subscribers subscribe
			// before the rate is measured.
			time.Sleep(min(2*time.Second+b.cfg.Interval, d/2))
		}
		m0, err := statusMessages(sctx, c, base)
		t0 := time.Now()
		load := LoadAvg()
		if err == nil {
			time.Sleep(d)
		}
		var m1, held int64
		if err == nil {
			m1, held, err = statusCounts(sctx, c, base)
		}
		secs := time.Since(t0).Seconds()
		lcancel()
		wg.Wait()
		return float64(m1-m0) / secs, res, fmt.Sprintf("%s–%s (%s posts held at the end)", load, LoadAvg(), human64(held)), err
	}
	// A heat query's cost grows with the points held, so the phases are
	// compared at the same store size: ingest first fills the store to
	// --load-posts (then it holds that many, dropping the oldest).
	warm := time.Now()
	var held int64
	for time.Since(warm) < 5*time.Minute && held < int64(b.cfg.LoadPosts) {
		if _, held, err = statusCounts(sctx, c, base); err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.logf("  load: store holds %d posts after %s", held, time.Since(warm).Round(time.Second))
	r0, _, load0, err := measurePhase(phase, LoadOptions{})
	if err != nil {
		return err
	}
	b.logf("  load: unloaded %.0f msg/s", r0)
	r1, res1, load1, err := measurePhase(phase, LoadOptions{Clients: 50, Subscribers: 50})
	if err != nil {
		return err
	}
	b.logf("  load: 50+50 %.0f msg/s, %d requests, %d errors", r1, res1.Requests, res1.Errors)
	r2, res2, load2, err := measurePhase(b.cfg.Duration, LoadOptions{Clients: 200, Subscribers: 100})
	if err != nil {
		return err
	}
	b.logf("  load: 200+100 %.0f msg/s, %d requests, %d errors", r2, res2.Requests, res2.Errors)
	r4, res4, load4, err := measurePhase(b.cfg.Duration, LoadOptions{Clients: 200, Subscribers: 100, RandomViews: true})
	if err != nil {
		return err
	}
	b.logf("  load: 200+100, a view each %.0f msg/s, %d requests, %d errors", r4, res4.Requests, res4.Errors)
	// Unloaded again: the machine's other load drifts, so the reference
	// is the mean of the unloaded phases before and after.
	r3, _, load3, err := measurePhase(phase, LoadOptions{})
	if err != nil {
		return err
	}
	b.logf("  load: unloaded again %.0f msg/s", r3)
	r0, load0 = (r0+r3)/2, load0+"; after: "+load3
	mem, _ := ReadMem(srv.pid)
	// A phase that ran the corpus dry would understate the rate.
	if st, err := statusMessages(sctx, c, base); err == nil && st >= int64(float64(b.cfg.Messages)*float64(b.countLoop("loop-load"))) {
		b.details = append(b.details, "warning: the load test's input ran out; rates are understated")
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) && sctx.Err() == nil {
		return err
	}
	b.rows = append(b.rows,
		Row{Scenario: "load: serve, no clients", MsgPerSec: r0, MBPerSec: r0 * float64(b.bytes) / float64(b.cfg.Messages) / 1e6, Load: load0,
			Note: fmt.Sprintf("geoheat serve, stopwords, file replay, store full at %s posts; mean of %s before and %s after the loaded phases", human(b.cfg.LoadPosts), phase, phase)},
		loadRow("load: 50 clients + 50 live", r1, r0, float64(b.bytes)/float64(b.cfg.Messages), res1, load1, phase, b.cfg.Interval),
		loadRow("load: 200 clients + 100 live", r2, r0, float64(b.bytes)/float64(b.cfg.Messages), res2, load2, b.cfg.Duration, b.cfg.Interval),
		loadRow("load: 200 clients (a view each) + 100 live", r4, r0, float64(b.bytes)/float64(b.cfg.Messages), res4, load4, b.cfg.Duration, b.cfg.Interval),
	)
	b.rows[len(b.rows)-1].RSSBytes = mem.Peak
	return nil
}

// served is a running `geoheat serve`.
type served struct {
	base string
	pid  string     // for /proc: a child's pid, or "self"
	done chan error // receives the command's end
}

// startServe starts `geoheat serve` with args plus a free loopback port:
// a child process when the binary is at hand (the clients then load it as
// a browser would, from another process), else in this process. It
// returns once the server answers /healthz; cancelling ctx stops it
// (Ctrl-C for a child: it drains and exits).
func (b *runner) startServe(ctx context.Context, args []string) (*served, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args = append(args, "--listen", addr)
	s := &served{base: "http://" + addr, pid: "self", done: make(chan error, 1)}
	if bin := b.binary(); bin != "" {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		s.pid = strconv.Itoa(cmd.Process.Pid)
		go func() { s.done <- cmd.Wait() }()
	} else {
		ResetPeak()
		go func() { _, err := b.subcommand(ctx, args); s.done <- err }()
	}
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("serve ended before answering: %v", err)
		default:
		}
		if Get(ctx, c, s.base+"/healthz") == nil {
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, errors.New("serve did not answer /healthz within 60 s")
}

func (b *runner) countLoop(name string) int {
	es, _ := os.ReadDir(filepath.Join(b.dir, name))
	return len(es)
}

func loadRow(name string, rate, unloaded, msgBytes float64, res LoadResult, load string, d, interval time.Duration) Row {
	drop := 0.0
	if unloaded > 0 {
		drop = 100 * (1 - rate/unloaded)
	}
	return Row{Scenario: name, MsgPerSec: rate, MBPerSec: rate * msgBytes / 1e6, Latencies: res.Latencies, Load: load,
		Note: fmt.Sprintf("ingest %+.1f%% vs unloaded; %d requests (each client every %s), %d errors, %d live snapshots, %d streams dropped; %s",
			-drop, res.Requests, interval, res.Errors, res.Snapshots, res.LiveDropped, d)}
}

// overload replays the corpus through the ngram detector (the slowest
// stage) with a bounded store, sampling RSS every second: the file source
// reads an order of magnitude faster than ngram detects, so only
// backpressure keeps memory flat. It runs `geoheat ingest` as a child
// process when the binary is at hand, so that its RSS is the pipeline's
// alone (in this process the bench's corpus and earlier scenarios'
// garbage would be counted too).
func (b *runner) overload(ctx context.Context) error {
	d := b.cfg.Overload
	src, err := b.loopSource("loop-overload", d.Seconds()+10, 200_000)
	if err != nil {
		return err
	}
	data := filepath.Join(b.dir, "data-overload")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	args := []string{"ingest", "--source", src, "--detector", "ngram", "--data-dir", data, "--max-posts", "200000", "--json", "--log-level", "error"}
	octx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	load := LoadAvg()
	var out bytes.Buffer
	done := make(chan error, 1)
	pid := "self"
	how := "in this process"
	if bin := b.binary(); bin != "" {
		cmd := exec.Command(bin, args...)
		// One core for the pipeline: with two, the ngram pipeline is only
		// ~6× slower than the reader; with one it is over 10×, the
		// overload the issue asks memory to stay flat under.
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			return err
		}
		pid, how = strconv.Itoa(cmd.Process.Pid), "child process, GOMAXPROCS=1"
		go func() {
			<-octx.Done()
			cmd.Process.Signal(os.Interrupt) // drains, prints the summary
		}()
		go func() { done <- cmd.Wait() }()
	} else {
		ResetPeak()
		go func() {
			o, err := b.subcommand(octx, args)
			out.Write(o)
			if octx.Err() != nil {
				err = nil
			}
			done <- err
		}()
	}
	var samples []int64
	var peak int64
	tick := time.NewTicker(time.Second)
	var runErr error
loop:
	for {
		select {
		case runErr = <-done:
			break loop
		case <-tick.C:
			if m, err := ReadMem(pid); err == nil {
				samples = append(samples, m.RSS)
				peak = max(peak, m.Peak)
			}
		}
	}
	tick.Stop()
	var sum ingestSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return fmt.Errorf("overload summary: %w (run: %v): %q", err, runErr, out.String())
	}
	if sum.Seconds <= 0 || len(samples) < 3 {
		return fmt.Errorf("overload ran %.1f s with %d samples", sum.Seconds, len(samples))
	}
	rate := float64(sum.Messages) / sum.Seconds
	// The model loads in the first seconds; flatness is judged after that,
	// from the third of the run on.
	steady := samples[len(samples)/3:]
	lo, hi := slices.Min(steady), slices.Max(steady)
	mb := func(v int64) string { return fmt.Sprintf("%.0f", float64(v)/(1<<20)) }
	var all []string
	for _, s := range samples {
		all = append(all, mb(s))
	}
	over := ""
	if b.readNs > 0 {
		over = fmt.Sprintf("; the reader alone does %.0f msg/s (%.0f× the pipeline)", 1e9/b.readNs, 1e9/b.readNs/rate)
	}
	b.rows = append(b.rows, Row{Scenario: "overload (ngram, file replay)", Messages: sum.Messages, MsgPerSec: rate,
		MBPerSec: rate * float64(b.bytes) / float64(b.cfg.Messages) / 1e6, RSSBytes: peak, Load: load + "–" + LoadAvg(),
		Note: fmt.Sprintf("%s; RSS after warm-up %s–%s MB (%+.1f%% first to last steady sample), store capped at 200k posts%s", how, mb(lo), mb(hi),
			100*float64(steady[len(steady)-1]-steady[0])/float64(steady[0]), over)})
	b.details = append(b.details, "overload RSS samples, MB, one per second: "+strings.Join(all, " "))
	return nil
}
