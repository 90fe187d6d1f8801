package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// Scenarios is every scenario, in the order the table lists them.
var Scenarios = []string{"ingest", "ngram", "redis", "query", "load", "overload", "startup", "seed"}

// Config is one bench run: `geoheat bench`'s flags (see its -h for each).
type Config struct {
	Messages     int64
	Posts        int
	Duration     time.Duration
	Interval     time.Duration
	Overload     time.Duration
	Repeat       int
	QueryIters   int
	Seed         uint64
	StopwordsDir string
	BaselineDir  string
	SeedNLTK     string
	SeedMessages int
	Out          string
	WorkDir      string
	Binary       string
	Profile      string
	LoadBaseline time.Duration
	LoadPosts    int
	SkipMissing  bool
	// Scenarios run, in this order (names from Scenarios).
	Scenarios []string
}

// Product is what the runner needs of geoheat itself. The app supplies
// its own command runner and constructors, so that what is measured is
// exactly what `geoheat ingest` and `geoheat serve` run, and the stage
// timings use the same parser, detector and store.
type Product struct {
	// Exec runs one geoheat command line (without the program name) in
	// this process with the given output, as cmd/geoheat would.
	Exec func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	// NewParser returns the pipeline's parser of raw messages.
	NewParser func() pipeline.Parser
	// OpenDetector opens a --detector by name, with the stopword lists in
	// stopwordsDir.
	OpenDetector func(name, stopwordsDir string) (langid.Detector, error)
	// OpenStore opens the store a --store value names, persisting under
	// dataDir when it is the embedded one.
	OpenStore func(url, dataDir string) (store.Store, error)
}

// ingestSummary is the part of `geoheat ingest --json`'s summary the bench
// reads.
type ingestSummary struct {
	Messages   int64   `json:"messages"`
	Posts      int64   `json:"posts"`
	Undetected int64   `json:"undetected"`
	Written    int64   `json:"written"`
	Seconds    float64 `json:"seconds"`
}

// Run writes a deterministic demo corpus, runs cfg's scenarios and prints
// one table to stdout (docs in BENCHMARKS.md); progress goes to stderr.
// The end-to-end scenarios run product's commands in this process, or the
// geoheat binary as a child when it is at hand (start-up always: process
// start and the Go runtime's own start are part of "start-up").
func Run(ctx context.Context, cfg Config, product Product, stdout, stderr io.Writer) error {
	if len(cfg.Scenarios) == 0 {
		return errors.New("bench: no scenario")
	}
	for _, s := range cfg.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return fmt.Errorf("bench: unknown scenario %q", s)
		}
	}
	b := &runner{cfg: cfg, product: product, stdout: stdout, stderr: stderr}
	return b.run(ctx)
}

type runner struct {
	cfg     Config
	product Product
	stdout  io.Writer
	stderr  io.Writer
	dir     string
	corpus  string
	bytes   int64
	rows    []Row
	details []string
	// ingestRate is the stopwords scenario's messages/s, for the seed ratio
	// and to size the load test's input.
	ingestRate float64
	readNs     float64
}

func (b *runner) logf(format string, args ...any) {
	fmt.Fprintf(b.stderr, "bench: "+format+"\n", args...)
}

func (b *runner) run(ctx context.Context) error {
	dir := b.cfg.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "geoheat-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b.dir = dir
	b.corpus = filepath.Join(dir, fmt.Sprintf("corpus-%d-%d.jsonl", b.cfg.Messages, b.cfg.Seed))
	if st, err := os.Stat(b.corpus); err == nil && b.cfg.WorkDir != "" {
		b.bytes = st.Size() // same name, same seed: the same bytes
	} else {
		b.logf("writing %d demo messages (seed %d)", b.cfg.Messages, b.cfg.Seed)
		n, err := WriteCorpus(b.corpus, b.cfg.Messages, b.cfg.Seed)
		if err != nil {
			return err
		}
		b.bytes = n
	}
	if b.cfg.Profile != "" {
		stop, err := startCPUProfile(b.cfg.Profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Fprintf(b.stdout, "machine: %s; load average at start %s\n", Machine(), LoadAvg())
	fmt.Fprintf(b.stdout, "corpus: %d demo messages (seed %d), %.0f bytes each on average, %.0f MB\n",
		b.cfg.Messages, b.cfg.Seed, float64(b.bytes)/float64(b.cfg.Messages), float64(b.bytes)/1e6)
	if !ResetPeak() {
		fmt.Fprintln(b.stdout, "note: cannot reset VmHWM (/proc/self/clear_refs): in-process peak RSS is cumulative")
	}
	for _, s := range b.cfg.Scenarios {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.logf("scenario %s (load average %s)", s, LoadAvg())
		var err error
		switch s {
		case "ingest":
			err = b.ingest(ctx, "stopwords", "memory")
		case "ngram":
			err = b.ingest(ctx, "ngram", "memory")
		case "redis":
			err = b.redis(ctx)
		case "query":
			err = b.query(ctx)
		case "load":
			err = b.load(ctx)
		case "overload":
			err = b.overload(ctx)
		case "startup":
			err = b.startup(ctx)
		case "seed":
			err = b.seed(ctx)
		}
		var skip skipError
		if errors.As(err, &skip) && b.cfg.SkipMissing {
			b.rows = append(b.rows, Row{Scenario: s, Load: LoadAvg(), Note: "skipped: " + skip.why})
			continue
		}
		if err != nil {
			return fmt.Errorf("bench %s: %w", s, err)
		}
		// Each scenario starts from a clean heap, so one's garbage is not
		// the next one's RSS.
		runtime.GC()
		debug.FreeOSMemory()
	}
	fmt.Fprintln(b.stdout)
	if err := PrintTable(b.stdout, b.rows); err != nil {
		return err
	}
	for _, d := range b.details {
		fmt.Fprintln(b.stdout, d)
	}
	if b.cfg.Out != "" {
		f, err := os.OpenFile(b.cfg.Out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "\n`geoheat bench %s` — %s, %s; machine: %s\n\n", strings.Join(os.Args[min(2, len(os.Args)):], " "),
			time.Now().UTC().Format("2006-01-02 15:04 UTC"), fmt.Sprintf("corpus %d messages, %.0f B each", b.cfg.Messages, float64(b.bytes)/float64(b.cfg.Messages)), Machine())
		PrintMarkdown(f, b.rows)
		for _, d := range b.details {
			fmt.Fprintf(f, "\n%s\n", d)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// pool parses the corpus into posts to fill stores with. The corpus lines
// are read here and dropped on return, so they are not part of any
// scenario's memory.
func (b *runner) pool() ([]post.Post, error) {
	lines, _, err := ReadLines(b.corpus)
	if err != nil {
		return nil, err
	}
	return PostPool(lines, b.product.NewParser), nil
}

type skipError struct{ why string }

func (e skipError) Error() string { return "skipped: " + e.why }

// subcommand runs one geoheat command line in this process and returns
// its stdout; stderr goes to the bench's progress only on failure.
func (b *runner) subcommand(ctx context.Context, args []string) ([]byte, error) {
	var out, errOut bytes.Buffer
	err := b.product.Exec(ctx, args, &out, &errOut)
	if err != nil {
		return out.Bytes(), fmt.Errorf("geoheat %s: %w (%s)", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// ingestOnce runs `geoheat ingest --json` on the corpus and returns its
// summary and the peak RSS of the run. With the geoheat binary at hand it
// runs as a child process: the numbers are then exactly those of the
// command, its peak RSS is its own (from wait4's rusage), and its garbage
// collector does not see the bench's heap. Otherwise (tests) it runs in
// this process through Run, and the peak is this process's VmHWM.
func (b *runner) ingestOnce(ctx context.Context, detector, storeURL, source string, extra ...string) (ingestSummary, int64, error) {
	data := filepath.Join(b.dir, "data-ingest")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	args := []string{"ingest", "--source", source, "--detector", detector, "--stopwords-dir", b.cfg.StopwordsDir,
		"--store", storeURL, "--data-dir", data, "--json", "--log-level", "warn"}
	args = append(args, extra...)
	var out []byte
	var peak int64
	if bin := b.binary(); bin != "" {
		cmd := exec.CommandContext(ctx, bin, args...)
		// A cancelled run (overload's deadline) is told like Ctrl-C: it
		// drains and prints its summary.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if cmd.ProcessState != nil {
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				peak = ru.Maxrss << 10 // kilobytes on Linux
			}
		}
		if err != nil && ctx.Err() == nil {
			return ingestSummary{}, 0, fmt.Errorf("%s %s: %w (%s)", bin, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		out = stdout.Bytes()
	} else {
		ResetPeak()
		o, err := b.subcommand(ctx, args)
		mem, _ := ReadMem("self")
		// A cancelled run (overload's deadline) still prints its summary.
		if err != nil && ctx.Err() == nil {
			return ingestSummary{}, 0, err
		}
		out, peak = o, mem.Peak
	}
	var sum ingestSummary
	if err := json.Unmarshal(out, &sum); err != nil {
		return sum, 0, fmt.Errorf("ingest summary: %w: %q", err, out)
	}
	return sum, peak, nil
}

// ingestRows runs repeat end-to-end ingests and the stage timings, and adds
// one row with the median run.
func (b *runner) ingestRows(ctx context.Context, name, detector, storeURL string) (float64, error) {
	type run struct {
		sum  ingestSummary
		peak int64
		load string
	}
	var runs []run
	for i := range b.cfg.Repeat {
		load := LoadAvg()
		sum, peak, err := b.ingestOnce(ctx, detector, storeURL, "file:"+b.corpus)
		if err != nil {
			return 0, err
		}
		if sum.Messages != b.cfg.Messages || sum.Seconds <= 0 {
			return 0, fmt.Errorf("run %d read %d messages of %d in %.3f s", i+1, sum.Messages, b.cfg.Messages, sum.Seconds)
		}
		b.logf("  %s run %d: %.0f msg/s (load %s)", name, i+1, float64(sum.Messages)/sum.Seconds, load)
		runs = append(runs, run{sum, peak, load})
	}
	slices.SortFunc(runs, func(x, y run) int { return cmp.Compare(x.sum.Seconds, y.sum.Seconds) })
	med := runs[len(runs)/2]
	rate := float64(med.sum.Messages) / med.sum.Seconds
	var loads []string
	var rates []string
	for _, r := range runs {
		loads = append(loads, r.load)
		rates = append(rates, fmt.Sprintf("%.0f", float64(r.sum.Messages)/r.sum.Seconds))
	}
	stages, err := b.stages(ctx, detector, storeURL)
	if err != nil {
		return 0, err
	}
	note := fmt.Sprintf("median of %d (%s msg/s); %d posts, %d written, %d undetected%s", len(runs), strings.Join(rates, ", "), med.sum.Posts, med.sum.Written, med.sum.Undetected, b.listsNote(detector))
	b.rows = append(b.rows, Row{
		Scenario: name, Messages: med.sum.Messages, MsgPerSec: rate, MBPerSec: float64(b.bytes) / med.sum.Seconds / 1e6,
		Stages: stages, RSSBytes: med.peak, Load: strings.Join(loads, " "), Note: note,
	})
	return rate, nil
}

// listsNote names the stopword lists a stopwords row used.
func (b *runner) listsNote(detector string) string {
	if detector != "stopwords" {
		return ""
	}
	return "; lists " + b.cfg.StopwordsDir
}

// stages measures read, parse, detect and record one at a time with the
// product's own parser, detector and store (see MeasureStages).
func (b *runner) stages(ctx context.Context, detector, storeURL string) ([]Stage, error) {
	data := filepath.Join(b.dir, "data-stages")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	det, err := b.product.OpenDetector(detector, b.cfg.StopwordsDir)
	if err != nil {
		return nil, err
	}
	st, err := b.product.OpenStore(storeURL, data)
	if err != nil {
		return nil, err
	}
	stages, err := MeasureStages(ctx, StageInputs{Corpus: b.corpus, NewParser: b.product.NewParser, Detector: det, Recorder: st})
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && len(stages) > 0 && b.readNs == 0 {
		b.readNs = stages[0].NsPerMsg
	}
	return stages, err
}

func (b *runner) ingest(ctx context.Context, detector, storeURL string) error {
	rate, err := b.ingestRows(ctx, "ingest ("+detector+")", detector, storeURL)
	if detector == "stopwords" && err == nil {
		b.ingestRate = rate
	}
	return err
}

// redis ingests into a private redis-server started for the scenario, and
// keeps its commandstats for the report: the Redis store's cost is mostly
// in the server, which a Go profile does not show.
func (b *runner) redis(ctx context.Context) error {
	if Which("redis-server") == "" {
		return skipError{"redis-server not installed"}
	}
	rdir := filepath.Join(b.dir, "redis")
	os.MkdirAll(rdir, 0o755)
	r, err := StartRedis(rdir)
	if err != nil {
		return err
	}
	defer r.Stop()
	url := fmt.Sprintf("redis://%s/0", r.Addr())
	if _, err := b.ingestRows(ctx, "ingest (stopwords) → redis", "stopwords", url); err != nil {
		return err
	}
	if stats, err := r.Command("INFO commandstats"); err == nil {
		var keep []string
		for _, line := range strings.Split(stats, "\n") {
			if strings.HasPrefix(line, "cmdstat_") {
				keep = append(keep, "    "+strings.TrimSpace(line))
			}
		}
		b.details = append(b.details, "redis INFO commandstats after the redis scenario (all runs and the stage timing):\n"+strings.Join(keep, "\n"))
	}
	return nil
}

// query fills an in-memory memstore with --posts posts over 24 h and times
// the dashboard's queries directly and through the API on loopback.
func (b *runner) query(ctx context.Context) error {
	pool, err := b.pool()
	if err != nil {
		return err
	}
	if len(pool) == 0 {
		return errors.New("the corpus has no posts")
	}
	n := b.cfg.Posts
	st, err := memstore.Open(memstore.Options{MaxPosts: n, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer st.Close()
	before := HeapInUse()
	ResetPeak()
	load := LoadAvg()
	took, err := Fill(ctx, st, pool, n, time.Now(), 24*time.Hour)
	if err != nil {
		return err
	}
	after := HeapInUse()
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if stats.Posts != int64(n) {
		return fmt.Errorf("store holds %d posts, want %d", stats.Posts, n)
	}
	perPost := float64(int64(after)-int64(before)) / float64(n)
	cases := DashboardQueries()
	direct, err := TimeDirect(ctx, st, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	srv, err := ServeAPI(st)
	if err != nil {
		return err
	}
	defer srv.Close()
	viaHTTP, err := TimeHTTP(ctx, srv.URL, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	mem, _ := ReadMem("self")
	note := fmt.Sprintf("%d posts over 24 h (%d with a point, %d hashtags, %d languages); filled at %.1f M posts/s; store's own estimate %.1f B/post; %d runs per query",
		n, stats.Points, stats.Hashtags, stats.Languages, float64(n)/took.Seconds()/1e6, float64(stats.MemoryBytes)/float64(n), b.cfg.QueryIters)
	b.rows = append(b.rows,
		Row{Scenario: fmt.Sprintf("query direct (%s posts)", human(n)), Latencies: direct, BytesPerPost: perPost, RSSBytes: mem.Peak, Load: load, Note: note},
		Row{Scenario: fmt.Sprintf("query HTTP (%s posts)", human(n)), Latencies: viaHTTP, Load: LoadAvg(), Note: "GET on loopback, body read, one client"},
	)
	return nil
}

// human64 rounds a count to millions or thousands for notes.
func human64(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f M", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0f k", float64(n)/1e3)
	}
	return strconv.FormatInt(n, 10)
}

func human(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%d M", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%d k", n/1000)
	}
	return strconv.Itoa(n)
}

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
// for --duration (issue 8), and unloaded again. The clients run in the
// bench's process: on 2 cores they take CPU from the server wherever they
// run, as browsers on the same machine would.
func (b *runner) load(ctx context.Context) error {
	phase := b.cfg.LoadBaseline
	// The fill, four phases and slack.
	total := 3*phase + b.cfg.Duration + 10*time.Second + time.Duration(float64(b.cfg.LoadPosts)/100_000*float64(time.Second))
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

// binary is the geoheat executable for child processes: --binary, else
// this executable when it is geoheat (not a test binary), else "".
func (b *runner) binary() string {
	if b.cfg.Binary != "" {
		return b.cfg.Binary
	}
	if exe, err := os.Executable(); err == nil && filepath.Base(exe) == "geoheat" {
		return exe
	}
	return ""
}

// startup builds a data directory holding --posts posts (through the
// store, as ingest would leave it) and times `geoheat serve` from process
// start until /readyz answers 200 and /api/status shows every post.
func (b *runner) startup(ctx context.Context) error {
	pool, err := b.pool()
	if err != nil {
		return err
	}
	data := filepath.Join(b.dir, "data-startup")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	st, err := memstore.Open(memstore.Options{Dir: data, MaxPosts: b.cfg.Posts, Fsync: memstore.FsyncNo, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	if _, err := Fill(ctx, st, pool, b.cfg.Posts, time.Now(), 24*time.Hour); err != nil {
		st.Close()
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	st = nil
	runtime.GC()
	debug.FreeOSMemory()
	size := dirSize(data)
	bin := b.binary()
	for _, v := range []struct{ name, detector string }{{"startup: serve --no-ingest", "ngram"}, {"startup: serve --no-ingest --detector stopwords", "stopwords"}} {
		load := LoadAvg()
		took, peak, how, err := b.startOnce(ctx, bin, data, v.detector)
		if err != nil {
			return err
		}
		b.rows = append(b.rows, Row{Scenario: v.name, Latencies: []Latency{{Name: "to ready", N: 1, P50: took, P99: took}},
			RSSBytes: peak, Load: load, Note: fmt.Sprintf("%s posts persisted (%.0f MB on disk, %.1f B/post); %s", human(b.cfg.Posts), float64(size)/1e6, float64(size)/float64(b.cfg.Posts), how)})
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// startOnce starts serve on data and waits until it is ready with every
// post visible.
func (b *runner) startOnce(ctx context.Context, bin, data, detector string) (time.Duration, int64, string, error) {
	port, err := FreePort()
	if err != nil {
		return 0, 0, "", err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"serve", "--no-ingest", "--data-dir", data, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--detector", detector,
		"--stopwords-dir", b.cfg.StopwordsDir, "--max-posts", strconv.Itoa(b.cfg.Posts), "--log-level", "error"}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cmd *exec.Cmd
	done := make(chan error, 1)
	how := "in this process (no geoheat binary: pass --binary for a child process)"
	ResetPeak()
	t0 := time.Now()
	if bin != "" {
		how = "child process " + filepath.Base(bin)
		cmd = exec.CommandContext(sctx, bin, args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(runtime.GOMAXPROCS(0)))
		if err := cmd.Start(); err != nil {
			return 0, 0, "", err
		}
		go func() { done <- cmd.Wait() }()
	} else {
		go func() { _, err := b.subcommand(sctx, args); done <- err }()
	}
	c := &http.Client{Timeout: 2 * time.Second}
	var took time.Duration
	var peak int64
	for {
		select {
		case err := <-done:
			return 0, 0, "", fmt.Errorf("serve exited before ready: %v", err)
		default:
		}
		if time.Since(t0) > 5*time.Minute {
			return 0, 0, "", errors.New("serve not ready after 5 minutes")
		}
		if Get(sctx, c, base+"/readyz") == nil {
			if req, err := http.NewRequestWithContext(sctx, http.MethodGet, base+"/api/status", nil); err == nil {
				if resp, err := c.Do(req); err == nil {
					var env struct {
						Data httpapi.StatusData `json:"data"`
					}
					derr := json.NewDecoder(resp.Body).Decode(&env)
					resp.Body.Close()
					if derr == nil && env.Data.Store.Posts == int64(b.cfg.Posts) {
						took = time.Since(t0)
						break
					}
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if cmd != nil {
		if m, err := ReadMem(strconv.Itoa(cmd.Process.Pid)); err == nil {
			peak = m.Peak
		}
		cmd.Process.Signal(os.Interrupt)
	} else if m, err := ReadMem("self"); err == nil {
		peak = m.Peak
	}
	cancel()
	<-done
	return took, peak, how, nil
}

// seed runs the seed's own pipeline on the first --seed-messages messages
// of the same corpus and prints the ratio to this run's stopwords ingest.
func (b *runner) seed(ctx context.Context) error {
	if SeedPython() == "" || Which("redis-server") == "" {
		return skipError{"python3 or redis-server not installed"}
	}
	if _, err := os.Stat(filepath.Join(b.cfg.BaselineDir, "seed_pipeline.py")); err != nil {
		return skipError{"no seed pipeline at " + b.cfg.BaselineDir}
	}
	corpus := filepath.Join(b.dir, "seed.jsonl")
	lines, _, err := ReadLines(b.corpus)
	if err != nil {
		return err
	}
	if err := WriteSeedCorpus(lines, b.cfg.SeedMessages, corpus); err != nil {
		return err
	}
	rdir := filepath.Join(b.dir, "redis-seed")
	os.MkdirAll(rdir, 0o755)
	load := LoadAvg()
	res, err := RunSeed(ctx, b.cfg.BaselineDir, corpus, b.cfg.SeedNLTK, rdir)
	if err != nil {
		// The seed is Python with Debian packages (its README); a machine
		// without them still gets geoheat's own numbers.
		return skipError{err.Error()}
	}
	note := fmt.Sprintf("seed_pipeline.py (multiprocessing) on the first %d well-formed messages, NLTK_DATA=%s; %d tweets written in %.2f s", res.Messages, b.cfg.SeedNLTK, res.Written, res.Seconds)
	if b.ingestRate > 0 && res.MessagesPer > 0 {
		note = fmt.Sprintf("geoheat ingest (stopwords) is %.0f× the seed in this run; ", b.ingestRate/res.MessagesPer) + note
	}
	b.rows = append(b.rows, Row{Scenario: "seed (Python, Redis)", Messages: res.Messages, MsgPerSec: res.MessagesPer, Load: load, Note: note})
	return nil
}

// startCPUProfile profiles the whole bench run; the returned func stops
// and writes it.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
