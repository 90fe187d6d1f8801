package app

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/geoheat/geoheat/internal/ingest/demo"
)

// runDemo writes the demo stream to a file, so a replay, a benchmark or the
// seed's own pipeline can read exactly the same messages.
func runDemo(ctx context.Context, env Env, args []string) error {
	cfg := &Config{}
	fs := flag.NewFlagSet("geoheat demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (same seed, same messages)")
	fs.Int64Var(&cfg.Limit, "limit", 10_000, "how many messages")
	out := fs.String("o", "-", "output file (.gz is compressed); - for stdout")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: geoheat demo [--limit N] [--seed S] [-o FILE]\n\nWrites the demo source's raw v1.1 messages as JSON lines.\n\nFlags:")
		fs.SetOutput(env.Stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// The flag package printed the usage already.
			return nil
		}
		return fmt.Errorf("%w: geoheat demo: %v", ErrUsage, err)
	}
	if cfg.Limit <= 0 {
		return fmt.Errorf("%w: --limit must be positive", ErrUsage)
	}
	var w io.Writer = env.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var sink io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(*out, ".gz") {
		zw = gzip.NewWriter(bw)
		sink = zw
	}
	src := demo.New(demo.Options{Seed: cfg.Seed, Now: env.Now})
	if err := src.WriteFile(sink, cfg.Limit); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return bw.Flush()
}
