package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/geoheat/geoheat/internal/apiclient"
	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// Query commands (status, counts, top, points, render, map) build the same
// API request whether they ask a running server (--server) or open the
// store themselves (--store and --data-dir, as ingest takes them); in the
// second case the request is served in-process by the same handler, so the
// CLI and the API cannot disagree. A Redis store is shared, so it is read
// directly whether or not a server runs; the embedded store is locked by
// the process that holds it, which is then asked instead.

// apiGet asks the API for path?q: the server --server names, the server
// holding the data directory, or the store itself in this process.
func apiGet(ctx context.Context, env Env, cfg *Config, path string, q url.Values) (json.RawMessage, error) {
	if cfg.Server != "" {
		if _, err := url.ParseRequestURI(cfg.Server); err != nil {
			return nil, fmt.Errorf("%w: bad --server: %v", ErrUsage, err)
		}
		return apiclient.Remote(cfg.Server).WithToken(authToken(cfg, env)).Get(ctx, path, q)
	}
	st, redirect, err := openQueryStore(env, cfg)
	if err != nil {
		return nil, err
	}
	if redirect != "" {
		fmt.Fprintf(env.Stderr, "geoheat: %s is in use by a running server; asking it at %s\n", cfg.DataDir, redirect)
		return apiclient.Remote(redirect).WithToken(authToken(cfg, env)).Get(ctx, path, q)
	}
	defer st.Close()
	return apiclient.InProcess(httpapi.New(httpapi.Options{Querier: st, Now: env.Now, Places: placeParser()})).Get(ctx, path, q)
}

// placeParser reads the country= and near= of trends queries with the
// embedded gazetteer and outlines, loaded on first use (a quarter of a
// second; only trends need them) and then kept.
func placeParser() httpapi.PlaceParser { return sync.OnceValues(place.DefaultParser) }

// openQueryStore opens the store --store names for a query. When a server
// holds the embedded store's directory it returns that server's URL
// instead.
func openQueryStore(env Env, cfg *Config) (st store.Store, redirect string, err error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch {
	case isRedisURL(cfg.Store):
		rs, err := openRedisStore(cfg, env, quiet)
		if err != nil {
			return nil, "", err
		}
		return rs, "", nil
	case cfg.Store == "memory" || cfg.Store == "":
	default:
		return nil, "", fmt.Errorf("%w: unknown --store %q: want memory or redis://host:port/db", ErrUsage, cfg.Store)
	}
	if fi, err := os.Stat(cfg.DataDir); err != nil || !fi.IsDir() {
		return nil, "", fmt.Errorf("no geoheat data in %s: run `geoheat ingest` or `geoheat serve` first, or give --server URL or --store redis://...", cfg.DataDir)
	}
	// The country index places the points as the log is read, for trends
	// by country, as in the process that wrote them.
	ms, err := memstore.Open(memstore.Options{Dir: cfg.DataDir, Now: env.Now, Logger: quiet, CountryOf: countryIndex(quiet)})
	if errors.Is(err, memstore.ErrLocked) {
		b, rerr := os.ReadFile(filepath.Join(cfg.DataDir, serverFile))
		var info serverInfo
		if rerr == nil && json.Unmarshal(b, &info) == nil && info.URL != "" {
			return nil, info.URL, nil
		}
		return nil, "", fmt.Errorf("%s is in use by another geoheat process; query it with --server URL", cfg.DataDir)
	}
	if err != nil {
		return nil, "", err
	}
	return ms, "", nil
}

func printJSON(w io.Writer, data json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// queryFlags parses a query command's flags: its own, --server and --json,
// and the store flags ingest takes, so that a query can read the store an
// ingest filled without a server.
func queryFlags(name string, groups flagGroup, env Env, args []string, synopsis string) (*Config, error) {
	cfg, fs, err := parseFlags(name, groupQuery|groupStore|groups, env, args, synopsis)
	if err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: geoheat %s takes no arguments, got %q", ErrUsage, name, fs.Args())
	}
	if cfg.Server != "" && isRedisURL(cfg.Store) {
		return nil, fmt.Errorf("%w: geoheat %s: give --server or --store redis://..., not both", ErrUsage, name)
	}
	return cfg, nil
}

func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// terminalSafe keeps attacker-controlled text from driving the terminal:
// control characters (escape sequences included) are shown as \uXXXX.
func terminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
