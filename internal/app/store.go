package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/dustin/go-humanize"
	"log/slog"
	"strings"

	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/trend"
)

// openStore opens the store --store names: the embedded one under --data-dir,
// or Redis (openRedisStore).
func openStore(cfg *Config, env Env, log *slog.Logger) (store.Store, error) {
	switch {
	case cfg.Store == "memory" || cfg.Store == "":
	case isRedisURL(cfg.Store):
		return openRedisStore(cfg, env, log)
	default:
		return nil, fmt.Errorf("%w: unknown --store %q: want memory or redis://host:port/db", ErrUsage, cfg.Store)
	}
	if cfg.MaxPosts < 0 || cfg.Retention < 0 {
		return nil, fmt.Errorf("%w: --max-posts and --retention must not be negative", ErrUsage)
	}
	fsync, err := memstore.ParseFsync(cfg.Fsync)
	if err != nil {
		return nil, fmt.Errorf("%w: --fsync: %v", ErrUsage, err)
	}
	checkpoint, err := ParseCheckpoint(cfg.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: --checkpoint: %v", ErrUsage, err)
	}
	keep, keepAge := cfg.KeepText.StoreLimits(cfg.MaxPosts)
	return memstore.Open(memstore.Options{
		Checkpoint:  checkpoint,
		Dir:         cfg.DataDir,
		Retention:   cfg.Retention,
		MaxPosts:    cfg.MaxPosts,
		KeepText:    keep,
		KeepTextAge: keepAge,
		Now:         env.Now,
		Logger:      log,
		Fsync:       fsync,
		CountryOf:   countryIndex(log),
	})
}

// countryIndex is the country outlines' point-in-polygon lookup the stores
// place points with for trends by country, or nil (with a warning) when
// the binary was built without the outlines.
func countryIndex(log *slog.Logger) trend.CountryFunc {
	c, err := place.DefaultCountries()
	if err != nil {
		log.Warn("trends by country are off: no country outlines in this binary", "err", err)
		return nil
	}
	return c.CountryOf
}

// isRedisURL reports whether --store names a Redis store.
func isRedisURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	return ok && (scheme == "redis" || scheme == "rediss" || strings.HasPrefix(scheme, "redis+") || strings.HasPrefix(scheme, "rediss+"))
}

// openRedisStore opens the Redis store --store names, waiting up to 10 s
// for Redis to answer.
func openRedisStore(cfg *Config, env Env, log *slog.Logger) (*redisstore.Store, error) {
	if !isRedisURL(cfg.Store) {
		return nil, fmt.Errorf("%w: this needs --store redis://host:port/db (got %q)", ErrUsage, cfg.Store)
	}
	layout, err := redisstore.ParseLayout(cfg.RedisLayout)
	if err != nil {
		return nil, fmt.Errorf("%w: --redis-layout: %v", ErrUsage, err)
	}
	if cfg.MaxPosts < 0 || cfg.Retention < 0 {
		return nil, fmt.Errorf("%w: --max-posts and --retention must not be negative", ErrUsage)
	}
	keep, keepAge := cfg.KeepText.StoreLimits(cfg.MaxPosts)
	st, err := redisstore.Open(context.Background(), redisstore.Options{
		URL:         cfg.Store,
		Layout:      layout,
		Retention:   cfg.Retention,
		MaxPosts:    cfg.MaxPosts,
		KeepText:    keep,
		KeepTextAge: keepAge,
		Now:         env.Now,
		Logger:      log,
		CountryOf:   countryIndex(log),
	})
	if errors.Is(err, redisstore.ErrBadURL) {
		return nil, fmt.Errorf("%w: --store: %v", ErrUsage, err)
	}
	return st, err
}

// redacted hides a password in a store URL.
func redacted(s string) string {
	if at := strings.LastIndex(s, "@"); at > 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "…@" + s[at+1:]
		}
	}
	return s
}

// ParseCheckpoint reads a --checkpoint value: off (or empty) is 0, else a
// size of log such as 1GiB or 512MB, at least a megabyte (below that every
// few batches would rewrite the snapshot).
func ParseCheckpoint(v string) (int64, error) {
	if v == "" || v == "off" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(v)
	if err != nil {
		return 0, fmt.Errorf("%q: want off or a size such as 1GiB", v)
	}
	if n < 1<<20 || n > 1<<50 {
		return 0, fmt.Errorf("%q: want a size from 1MiB to 1PiB, or off", v)
	}
	return int64(n), nil
}
