package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/httpserver"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
)

// serverFile is written into the data directory while a server holds the
// embedded store there, so query commands pointed at the same directory can
// find it.
const serverFile = "server.json"

type serverInfo struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

const serveSynopsis = "--source demo|file:PATH [flags] | --no-ingest [--store redis://...]"

// runServe is `geoheat serve`: the API and the dashboard over the store,
// with an ingest pipeline filling it unless --no-ingest (a shared Redis
// filled by `geoheat work` or by the seed, or a data directory filled
// earlier). Both run the same listen/serve/shutdown path; only whether a
// pipeline runs differs.
func runServe(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("serve", groupIngest|groupStore|groupListen, env, args, serveSynopsis)
	if err != nil {
		return helpOK(err)
	}
	if err := checkListenAuth(cfg, env); err != nil {
		return err // before any source or store is opened
	}
	if cfg.NoIngest && cfg.Source != "" {
		return fmt.Errorf("%w: --no-ingest serves the store only; drop --source", ErrUsage)
	}
	var (
		log       *slog.Logger
		st        store.Store
		p         *pipeline.Pipeline // nil with --no-ingest
		explainer detector           // nil: /api/detect answers 503
	)
	if cfg.NoIngest {
		if log, err = newLogger(env.Stderr, cfg.LogLevel); err != nil {
			return err
		}
		if st, err = openStore(cfg, env, log); err != nil {
			return err
		}
		// /api/detect works when the detector loads; it is not needed to
		// serve the store.
		if det, err := openDetector(cfg, env, log); err == nil {
			explainer = det
		} else {
			log.Debug("no detector: /api/detect answers 503", "err", err)
		}
	} else {
		in, err := openIngestion(cfg, env, true)
		if err != nil {
			return err
		}
		log, st, p, explainer = in.log, in.st, in.p, in.det
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()

	info := binaryInfo()
	opts := httpapi.Options{Querier: st, Detector: cfg.Detector, Now: env.Now, Logger: log, Build: &info, Places: placeParser()}
	// Loaded now rather than on the first trends query, which would wait
	// for it; the stores' country index has loaded the outlines already.
	if _, err := opts.Places(); err != nil {
		log.Warn("trends by country or named place are off: this binary lacks the gazetteer or the country outlines", "err", err)
	}
	if explainer != nil {
		opts.Explainer = explainer
	}
	if p != nil {
		opts.Ingest = func() *pipeline.Stats { s := p.Stats(); return &s }
	}
	api := httpapi.New(opts)
	live := mountWeb(ctx, api, cfg, p, st, env, log)
	srv, err := httpserver.New(httpserver.Options{Listen: cfg.Listen, Token: authToken(cfg, env), Handler: api, Store: st, Ingest: p, Live: live, Logger: log})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", cfg.Listen, err)
	}
	url := "http://" + ln.Addr().String()
	if !isRedisURL(cfg.Store) {
		// The embedded store locks its directory; this tells query
		// commands pointed at it where to ask instead. A Redis store is
		// shared: they read it directly.
		info := filepath.Join(cfg.DataDir, serverFile)
		if b, err := json.Marshal(serverInfo{URL: url, PID: os.Getpid()}); err == nil {
			if err := os.WriteFile(info, b, 0o644); err != nil {
				log.Warn("cannot record the server address in the data dir", "err", err)
			}
			defer os.Remove(info)
		}
	}
	if p != nil {
		log.Info("geoheat serving", "url", url, "source", p.Stats().Source.Name, "store", redacted(cfg.Store), "data_dir", cfg.DataDir)
		fmt.Fprintf(env.Stderr, "geoheat: serving %s (Ctrl-C to stop)\n", url)
	} else {
		log.Info("geoheat serving the store only", "url", url, "store", redacted(cfg.Store))
		fmt.Fprintf(env.Stderr, "geoheat: serving %s from %s, not ingesting (Ctrl-C to stop)\n", url, redacted(cfg.Store))
	}
	if env.OnListen != nil {
		env.OnListen(url)
	}

	g, gctx := errgroup.WithContext(ctx)
	pipelineDone := make(chan struct{})
	if p == nil {
		close(pipelineDone)
	} else {
		g.Go(func() error {
			defer close(pipelineDone)
			// A failing source or store is reported in status; the server
			// keeps answering queries about what was recorded.
			if err := p.Run(gctx); err != nil {
				log.Error("ingest stopped", "err", err)
			} else {
				log.Info("ingest finished", "source_state", p.Stats().Source.State)
			}
			return nil
		})
	}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		// Ingest drains first (the API keeps answering meanwhile), then the
		// server stops with a fresh context so in-flight requests finish.
		<-pipelineDone
		if p != nil {
			if err := st.Flush(context.Background()); err != nil {
				log.Error("flushing the store", "err", err)
			}
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	err = g.Wait()
	if p != nil {
		s := p.Stats()
		log.Info("geoheat stopped", "messages", s.Messages, "written", s.Written)
	}
	return err
}

// authToken returns the configured token. ff already maps
// GEOHEAT_AUTH_TOKEN onto the flag from the process environment; the Env
// lookup covers callers that inject their environment (tests).
func authToken(cfg *Config, env Env) string {
	if cfg.AuthToken != "" {
		return cfg.AuthToken
	}
	if env.Getenv != nil {
		return env.Getenv(envPrefix + "_AUTH_TOKEN")
	}
	return ""
}

// checkListenAuth refuses to serve beyond loopback without a token. It runs
// before anything is opened, so the error is the first thing the user sees.
func checkListenAuth(cfg *Config, env Env) error {
	if authToken(cfg, env) != "" || httpserver.IsLoopback(cfg.Listen) {
		return nil
	}
	return fmt.Errorf("%w: serve: --listen %s: %w: give --auth-token (or GEOHEAT_AUTH_TOKEN)", ErrUsage, cfg.Listen, httpserver.ErrNoToken)
}
