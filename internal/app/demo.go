package app

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
)

const demoSynopsis = "[--limit N] [--seed S] [--rate R] [--bursts B] [-o FILE] [--bursts-out FILE]\n\n" +
	"Writes the demo source's raw v1.1 messages as JSON lines; --bursts-out writes the trends injected into them."

// runDemo writes the demo stream to a file, so a replay, a benchmark or the
// seed's own pipeline can read exactly the same messages, and optionally
// the bursts it holds, the ground truth a trend evaluation reads.
func runDemo(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("demo", groupDemo, env, args, demoSynopsis)
	if err != nil {
		return helpOK(err)
	}
	if cfg.Limit <= 0 {
		return fmt.Errorf("%w: --limit must be positive", ErrUsage)
	}
	if err := checkBursts(cfg.Bursts); err != nil {
		return err
	}
	if cfg.BurstsOut == "-" && cfg.Output == "-" {
		return fmt.Errorf("%w: --bursts-out - and -o - would share stdout; name a file for one of them", ErrUsage)
	}
	// A negative --rate (the default) means the synthetic clock's own pace.
	src := demo.New(demo.Options{Seed: cfg.Seed, Rate: max(0, cfg.Rate), BurstsPerHour: cfg.Bursts, Now: env.Now})
	if err := writeFileOrStdout(env, cfg.Output, func(w io.Writer) error {
		return src.WriteFile(w, cfg.Limit)
	}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if cfg.BurstsOut == "" {
		return nil
	}
	span := time.Duration(cfg.Limit) * src.Interval()
	if err := writeFileOrStdout(env, cfg.BurstsOut, func(w io.Writer) error {
		return writeBursts(w, src.ScheduledBursts(span))
	}); err != nil {
		return fmt.Errorf("demo: bursts: %w", err)
	}
	return nil
}

// writeBursts writes one JSON object per burst and line.
func writeBursts(w io.Writer, bursts []demo.Burst) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, b := range bursts {
		if err := enc.Encode(b); err != nil {
			return err
		}
	}
	return nil
}

// writeFileOrStdout runs write on the named file (gzip-compressed when it
// ends in .gz), or on stdout for "-", buffered.
func writeFileOrStdout(env Env, name string, write func(io.Writer) error) error {
	var w io.Writer = env.Stdout
	var f *os.File
	if name != "-" {
		var err error
		if f, err = os.Create(name); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var sink io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(name, ".gz") {
		zw = gzip.NewWriter(bw)
		sink = zw
	}
	if err := write(sink); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close() // a full disk may show only now
	}
	return nil
}
