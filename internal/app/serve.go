package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/pipeline"
	"golang.org/x/sync/errgroup"
)

// serverFile is written into the data directory while a server runs, so
// query commands pointed at the same directory can find it.
const serverFile = "server.json"

type serverInfo struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

func runServe(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("serve", groupIngest|groupStore|groupListen, env, args, "--source demo|file:PATH [flags]")
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	in, err := openIngestion(cfg, env, true)
	if err != nil {
		return err
	}
	log, det, st, p := in.log, in.det, in.st, in.p
	defer func() {
		if err := in.Close(); err != nil {
			log.Error("stopping", "err", err)
		}
	}()
	api := httpapi.New(httpapi.Options{
		Querier:   st,
		Ingest:    func() *pipeline.Stats { s := p.Stats(); return &s },
		Explainer: det,
		Detector:  cfg.Detector,
		Now:       env.Now,
		Logger:    log,
	})
	live := mountWeb(ctx, api, cfg, p, st, env, log)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", cfg.Listen, err)
	}
	url := "http://" + ln.Addr().String()
	info := filepath.Join(cfg.DataDir, serverFile)
	if b, err := json.Marshal(serverInfo{URL: url, PID: os.Getpid()}); err == nil {
		if err := os.WriteFile(info, b, 0o644); err != nil {
			log.Warn("cannot record the server address in the data dir", "err", err)
		}
		defer os.Remove(info)
	}
	srv, err := newHTTPServer(serverOptions{Config: cfg, Env: env, Handler: api, Store: st, Ingest: p, Live: live, Logger: log})
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("geoheat serving", "url", url, "source", p.Stats().Source.Name, "store", cfg.Store, "data_dir", cfg.DataDir)
	fmt.Fprintf(env.Stderr, "geoheat: serving %s (Ctrl-C to stop)\n", url)
	if env.OnListen != nil {
		env.OnListen(url)
	}

	g, gctx := errgroup.WithContext(ctx)
	pipelineDone := make(chan struct{})
	g.Go(func() error {
		defer close(pipelineDone)
		// A failing source or store is reported in status; the server keeps
		// answering queries about what was recorded.
		if err := p.Run(gctx); err != nil {
			log.Error("ingest stopped", "err", err)
		} else {
			log.Info("ingest finished", "source_state", p.Stats().Source.State)
		}
		return nil
	})
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
		if err := st.Flush(context.Background()); err != nil {
			log.Error("flushing the store", "err", err)
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	err = g.Wait()
	s := p.Stats()
	log.Info("geoheat stopped", "messages", s.Messages, "written", s.Written)
	return err
}
