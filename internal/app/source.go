package app

import (
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/ingest/mastodon"
	"github.com/geoheat/geoheat/internal/ingest/xapi"
)

// Environment variables holding live-source credentials. They are read
// here and passed on; nothing logs them.
const (
	envXBearerToken  = "X_BEARER_TOKEN"
	envMastodonToken = "MASTODON_TOKEN"
)

// defaultServeDemoRate keeps `geoheat serve --source demo` lively without
// burning both cores; `--rate 0` lifts the limit.
const defaultServeDemoRate = 300

// openSource builds the --source; serving changes the demo's default rate
// (paced for a live dashboard instead of as fast as possible).
func openSource(cfg *Config, env Env, serving bool) (ingest.Source, error) {
	spec := strings.TrimSpace(cfg.Source)
	switch {
	case spec == "":
		return nil, fmt.Errorf("%w: --source is required: demo, or file:PATH (- for stdin)", ErrUsage)
	case spec == "demo":
		rate := cfg.Rate
		if rate < 0 {
			rate = 0
			if serving {
				rate = defaultServeDemoRate
			}
		}
		if err := checkBursts(cfg.Bursts); err != nil {
			return nil, err
		}
		return demo.New(demo.Options{Seed: cfg.Seed, Rate: rate, Limit: cfg.Limit, BurstsPerHour: cfg.Bursts, Now: env.Now}), nil
	case spec == "-" || spec == "file:-":
		return openFile(cfg, env, "-", file.WithReader(env.Stdin))
	case strings.HasPrefix(spec, "file:"):
		return openFile(cfg, env, strings.TrimPrefix(spec, "file:"), file.WithSpeed(cfg.Speed))
	case isLiveSource(spec):
		return openLiveSource(cfg, env, spec) // x.go
	default:
		if _, err := os.Stat(spec); err == nil {
			return openFile(cfg, env, spec, file.WithSpeed(cfg.Speed))
		}
		return nil, fmt.Errorf("%w: unknown --source %q: want demo, file:PATH (- for stdin), x:filtered, x:sample, bluesky, mastodon[:local|:hashtag:TAG]", ErrUsage, spec)
	}
}

// openFile builds a file source that logs (oversized messages, damaged
// archive members) where the command logs, at its --log-level.
func openFile(cfg *Config, env Env, path string, opts ...file.Option) (ingest.Source, error) {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	return file.New(path, append(opts, file.WithLogger(log))...)
}

// checkBursts rejects a --bursts the demo would quietly read as none.
func checkBursts(perHour float64) error {
	if !(perHour >= 0) || math.IsInf(perHour, 1) {
		return fmt.Errorf("%w: --bursts must be a finite number of bursts per hour, 0 or more", ErrUsage)
	}
	return nil
}

// isLiveSource reports whether a --source names a live source.
func isLiveSource(spec string) bool {
	return strings.HasPrefix(spec, "x:") || spec == "bluesky" || spec == "mastodon" || strings.HasPrefix(spec, "mastodon:")
}

// openLiveSource builds x:filtered, x:sample, bluesky and
// mastodon[:local|:public|:hashtag:TAG] from the configuration.
func openLiveSource(cfg *Config, env Env, spec string) (ingest.Source, error) {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	switch {
	case spec == "x:filtered" || spec == "x:sample":
		src, err := xapi.New(xapi.Options{
			Stream:  strings.TrimPrefix(spec, "x:"),
			BaseURL: cfg.XBaseURL,
			Token:   env.Getenv(envXBearerToken),
			Logger:  log,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: --source %s: %v", ErrUsage, spec, err)
		}
		return src, nil
	case strings.HasPrefix(spec, "x:"):
		return nil, fmt.Errorf("%w: unknown --source %q: want x:filtered or x:sample", ErrUsage, spec)
	case spec == "bluesky":
		// The cursor lives next to the store's files so that a restart
		// with the same --data-dir resumes where the last run stopped.
		var dict []byte
		if cfg.JetstreamZstdDict != "" {
			if dict, err = os.ReadFile(cfg.JetstreamZstdDict); err != nil {
				return nil, fmt.Errorf("%w: --jetstream-zstd-dict: %v", ErrUsage, err)
			}
		}
		src, err := openBluesky(cfg, jetstream.Options{
			Hosts:    strings.Split(cfg.JetstreamURL, ","),
			DataDir:  cfg.DataDir,
			Logger:   log,
			ZstdDict: dict,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: --source bluesky: %v", ErrUsage, err)
		}
		return src, nil
	case spec == "mastodon" || strings.HasPrefix(spec, "mastodon:"):
		src, err := mastodon.New(mastodon.Options{
			Instance: cfg.MastodonURL,
			Stream:   strings.TrimPrefix(strings.TrimPrefix(spec, "mastodon"), ":"),
			Token:    env.Getenv(envMastodonToken),
			Logger:   log,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: --source %s: %v", ErrUsage, spec, err)
		}
		return src, nil
	}
	return nil, fmt.Errorf("%w: --source %s is not available in this build yet", ErrUsage, spec)
}
