package app

import (
	"fmt"
	"log/slog"

	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
)

// ingestion is what the ingesting commands (serve, ingest) open: logger,
// detector, store and pipeline. Close releases it.
type ingestion struct {
	log *slog.Logger
	det detector // nil when publishing: the workers detect
	st  store.Store
	p   *pipeline.Pipeline
	// publishing is `ingest --to redis-stream`: the same pipeline, without
	// detection, into the Redis stream instead of the store.
	publishing bool
}

// openIngestion builds an ingestion from cfg; serving changes the demo
// source's default rate. With --to redis-stream the pipeline runs without
// a detector and its Recorder publishes to the Redis stream, so the
// publisher shares the pipeline's batching, parsing, hashtag cap and
// counters rather than having its own.
func openIngestion(cfg *Config, env Env, serving bool) (*ingestion, error) {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	publishing := false
	switch cfg.To {
	case "", "store":
	case "redis-stream":
		publishing = true
	default:
		return nil, fmt.Errorf("%w: unknown --to %q: want store or redis-stream", ErrUsage, cfg.To)
	}
	src, err := openSource(cfg, env, serving)
	if err != nil {
		return nil, err
	}
	if !serving {
		if err := checkDemoLimit(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("%w: --workers must be at least 1", ErrUsage)
	}
	pc := pipeline.Config{Source: src, NewParser: newTweetParser, Workers: cfg.Workers, Now: env.Now, Logger: log}
	in := &ingestion{log: log, publishing: publishing}
	if publishing {
		rs, err := openRedisStore(cfg, env, log)
		if err != nil {
			return nil, err
		}
		in.st, pc.Recorder = rs, rs.Publisher()
	} else {
		if in.det, err = openDetector(cfg, env, log); err != nil {
			return nil, err
		}
		if pc.Locator, err = openLocator(cfg, log); err != nil {
			return nil, err
		}
		if in.st, err = openStore(cfg, env, log); err != nil {
			return nil, err
		}
		pc.Detector, pc.Recorder = in.det, in.st
	}
	if bs, ok := src.(*blueskySource); ok && bs.dir != nil {
		// Profile records become directory entries in the parse stage;
		// the locator gives posts their author's place from it.
		pc.NewParser = func() pipeline.Parser { return &tweetParser{profile: bs.profileRecord} }
		if pc.Locator != nil {
			pc.Locator = profileLocator{src: bs, next: pc.Locator}
		}
	}
	if in.p, err = pipeline.New(pc); err != nil {
		in.st.Close()
		return nil, err
	}
	return in, nil
}

// Close closes the store, flushing it.
func (in *ingestion) Close() error {
	return in.st.Close()
}

// checkDemoLimit refuses an ingest of the endless demo without --limit.
func checkDemoLimit(cfg *Config) error {
	if cfg.Source == "demo" && cfg.Limit == 0 {
		return fmt.Errorf("%w: ingest --source demo needs --limit N (the demo is endless)", ErrUsage)
	}
	return nil
}
