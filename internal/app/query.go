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
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
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

type envelope struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func apiGet(ctx context.Context, env Env, cfg *Config, path string, q url.Values) (json.RawMessage, error) {
	target := path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	server := strings.TrimRight(cfg.Server, "/")
	var body []byte
	if server == "" {
		b, redirect, err := localGet(ctx, env, cfg, target)
		if err != nil {
			return nil, err
		}
		if redirect == "" {
			body = b
		} else {
			fmt.Fprintf(env.Stderr, "geoheat: %s is in use by a running server; asking it at %s\n", cfg.DataDir, redirect)
			server = redirect
		}
	}
	if body == nil {
		b, err := httpGet(ctx, server+target)
		if err != nil {
			return nil, err
		}
		body = b
	}
	var env2 envelope
	if err := json.Unmarshal(body, &env2); err != nil {
		return nil, fmt.Errorf("unexpected answer from %s: %w", target, err)
	}
	if env2.Status != "success" {
		return nil, fmt.Errorf("%s: %s", env2.ErrorType, env2.Error)
	}
	return env2.Data, nil
}

func httpGet(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: bad --server: %v", ErrUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach geoheat: %w", err)
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
}

// localGet serves target from the store --store names. When a server
// holds the embedded store's directory it returns that server's URL
// instead.
func localGet(ctx context.Context, env Env, cfg *Config, target string) (body []byte, redirect string, err error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var st store.Store
	switch {
	case isRedisURL(cfg.Store):
		rs, err := openRedisStore(cfg, env, quiet)
		if err != nil {
			return nil, "", err
		}
		st = rs
	case cfg.Store == "memory" || cfg.Store == "":
		if fi, err := os.Stat(cfg.DataDir); err != nil || !fi.IsDir() {
			return nil, "", fmt.Errorf("no geoheat data in %s: run `geoheat ingest` or `geoheat serve` first, or give --server URL or --store redis://...", cfg.DataDir)
		}
		ms, err := memstore.Open(memstore.Options{Dir: cfg.DataDir, Now: env.Now, Logger: quiet})
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
		st = ms
	default:
		return nil, "", fmt.Errorf("%w: unknown --store %q: want memory or redis://host:port/db", ErrUsage, cfg.Store)
	}
	defer st.Close()
	api := httpapi.New(httpapi.Options{Querier: st, Now: env.Now})
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	return rec.Body.Bytes(), "", nil
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
