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
	det detector
	st  store.Store
	p   *pipeline.Pipeline
}

// openIngestion builds an ingestion from cfg; serving changes the demo
// source's default rate.
func openIngestion(cfg *Config, env Env, serving bool) (*ingestion, error) {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return nil, err
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
	det, err := openDetector(cfg, env, log)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg, env, log)
	if err != nil {
		return nil, err
	}
	p, err := newPipeline(cfg, src, det, st, env, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &ingestion{log: log, det: det, st: st, p: p}, nil
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
