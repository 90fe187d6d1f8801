package app

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"sync"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/render"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/web"
)

// mountWeb adds the dashboard (/, /embed, assets, /api/config), the live
// stream (/api/live) and the PNG heatmap (/api/heat.png) to the API's mux.
// Live streams end when ctx is cancelled (Ctrl-C), so they never hold up
// the server's shutdown.
func mountWeb(ctx context.Context, api *httpapi.API, cfg *Config, p *pipeline.Pipeline, st store.Querier, env Env, log *slog.Logger) *httpapi.Live {
	key := cfg.GoogleMapsKey
	if key == "" {
		key = env.Getenv("GOOGLE_MAPS_API_KEY")
	}
	files := web.Files(cfg.WebDir, nil)
	web.New(web.Options{GoogleMapsKey: key, Dir: cfg.WebDir, Logger: log}).Register(api)
	opts := httpapi.LiveOptions{Querier: st, Now: env.Now, Logger: log}
	if p != nil { // else live snapshots carry no ingest counters
		opts.Ingest = func() *pipeline.Stats { s := p.Stats(); return &s }
		opts.Series = p.Series
	}
	live := httpapi.NewLive(ctx, opts)
	api.Handle("GET /api/live", live)
	api.Handle("GET /api/heat.png", render.GuardedHandler(st, outlinesLoader(files, log), api.Guard()))
	_, err := fs.Stat(files, "index.html")
	// The key itself is never logged, only whether one is set.
	log.Info("dashboard", "built", err == nil, "google_basemap", key != "", "dev_dir", cfg.WebDir)
	if err != nil {
		log.Warn("dashboard not built: / answers 503; run `make build`")
	}
	return live
}

// outlinesLoader decodes the build's Natural Earth outlines once, on first
// use; without a build it warns once and images have no coastlines.
func outlinesLoader(files fs.FS, log *slog.Logger) func() *render.Outlines {
	var once sync.Once
	var o *render.Outlines
	return func() *render.Outlines {
		once.Do(func() {
			var err error
			o, err = loadOutlines(files)
			if err != nil {
				log.Warn("heat images without country outlines", "err", err)
			}
		})
		return o
	}
}

func loadOutlines(files fs.FS) (*render.Outlines, error) {
	b, err := web.Outlines(files)
	if err != nil {
		return nil, err
	}
	o, err := render.DecodeTopoJSON(b)
	if err != nil {
		return nil, errors.Join(errors.New("decoding "+web.OutlinesFile), err)
	}
	return o, nil
}
