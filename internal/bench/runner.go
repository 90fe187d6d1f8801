package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Scenarios is every scenario, in the order the table lists them.
var Scenarios = []string{"ingest", "ngram", "redis", "query", "trends", "load", "overload", "startup", "seed"}

// Optional scenarios run only when named: scale fills up to a billion
// posts, hours of work.
var Optional = []string{"scale"}

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
	ScaleSizes   []int
	ScaleRestart bool
	// Checkpoint is the scale store's memstore.Options.Checkpoint (with
	// ScaleRestart): the log is cut at a snapshot every this many bytes.
	Checkpoint  int64
	SkipMissing bool
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
		if !slices.Contains(Scenarios, s) && !slices.Contains(Optional, s) {
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
		case "trends":
			err = b.trends(ctx)
		case "load":
			err = b.load(ctx)
		case "overload":
			err = b.overload(ctx)
		case "startup":
			err = b.startup(ctx)
		case "seed":
			err = b.seed(ctx)
		case "scale":
			err = b.scale(ctx)
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
