package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/store/redisstore"
)

// runWork is `geoheat work`: consume the Redis stream `ingest --to
// redis-stream` fills, detect languages, record into the same Redis. Run
// any number of them; Ctrl-C finishes the entries in hand and exits 0.
func runWork(ctx context.Context, env Env, args []string) error {
	cfg, fs, err := parseFlags("work", groupDetect|groupStore|groupWork, env, args,
		"--store redis://host:port/db [--group geoheat] [--consumer NAME] [--workers N] [flags]")
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: geoheat work takes no arguments, got %q", ErrUsage, fs.Args())
	}
	if cfg.Workers < 1 {
		return fmt.Errorf("%w: --workers must be at least 1", ErrUsage)
	}
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	det, err := openDetector(cfg, env, log)
	if err != nil {
		return err
	}
	st, err := openRedisStore(cfg, env, log)
	if err != nil {
		return err
	}
	loc, err := openLocator(cfg, log)
	if err != nil {
		st.Close()
		return err
	}
	w, err := st.NewWorker(redisstore.WorkerOptions{
		Locator:   loc,
		Group:     cfg.Group,
		Consumer:  cfg.Consumer,
		Detector:  det,
		Consumers: cfg.Workers,
		ClaimIdle: cfg.ClaimIdle,
		Logger:    log,
	})
	if err != nil {
		st.Close()
		return err
	}
	started := env.Now()
	log.Info("geoheat working", "store", redacted(cfg.Store), "group", cfg.Group, "consumer", cfg.Consumer, "workers", cfg.Workers)
	fmt.Fprintf(env.Stderr, "geoheat: working on %s (Ctrl-C to stop)\n", redacted(cfg.Store))
	runErr := w.Run(ctx)
	closeErr := st.Close()
	s := w.Stats()
	secs := env.Now().Sub(started).Seconds()
	if cfg.JSON {
		b, _ := json.MarshalIndent(struct {
			redisstore.WorkerStats
			Seconds float64 `json:"seconds"`
		}{s, secs}, "", "  ")
		fmt.Fprintln(env.Stdout, string(b))
	} else {
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		row := func(name string, v any) { fmt.Fprintf(tw, "%s\t%12v\n", name, v) }
		row("stream entries", s.Entries)
		row("posts", s.Posts)
		row("undetected", s.Undetected)
		row("written", s.Written)
		row("duplicates skipped", s.Duplicates)
		row("malformed entries", s.Malformed)
		row("entries claimed", s.Claimed)
		row("seconds", fmt.Sprintf("%.3f", secs))
		if secs > 0 {
			row("posts/s", fmt.Sprintf("%.0f", float64(s.Posts)/secs))
		}
		tw.Flush()
	}
	if runErr != nil {
		return fmt.Errorf("work: %w", runErr)
	}
	if closeErr != nil {
		return fmt.Errorf("work: closing the store: %w", closeErr)
	}
	return nil
}
