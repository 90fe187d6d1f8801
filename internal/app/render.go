package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/render"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/web"
)

// heatValues turns the flags into the heat query parameters the API and
// render.ParseRequest share.
func heatValues(cfg *Config) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("lang", cfg.Lang)
	set("tag", cfg.Tag)
	set("window", cfg.Window)
	if cfg.N > 0 {
		q.Set("n", strconv.Itoa(cfg.N))
	}
	set("bbox", cfg.BBox)
	q.Set("width", strconv.Itoa(cfg.Width))
	if cfg.Height > 0 {
		q.Set("height", strconv.Itoa(cfg.Height))
	}
	set("proj", cfg.Proj)
	set("geo", cfg.Geo)
	return q
}

// fetchHeat asks the API (local data dir or --server) for the cells of req.
func fetchHeat(ctx context.Context, env Env, cfg *Config, req render.Request, q url.Values) (store.HeatResult, error) {
	api := url.Values{}
	for _, k := range []string{"lang", "tag", "window", "n", "bbox", "geo"} {
		if v := q.Get(k); v != "" {
			api.Set(k, v)
		}
	}
	api.Set("zoom", strconv.Itoa(req.Query.Zoom))
	api.Set("limit", strconv.Itoa(req.Query.Limit))
	data, err := apiGet(ctx, env, cfg, "/api/heat", api)
	if err != nil {
		return store.HeatResult{}, err
	}
	var d httpapi.HeatData
	if err := json.Unmarshal(data, &d); err != nil {
		return store.HeatResult{}, fmt.Errorf("unexpected /api/heat answer: %w", err)
	}
	res := store.HeatResult{Points: d.Points, CellDeg: d.CellDeg, Truncated: d.Truncated, MaxWeight: d.MaxWeight,
		Cells: make([]store.HeatCell, len(d.Cells))}
	for i, c := range d.Cells {
		res.Cells[i] = store.HeatCell{Lat: c[0], Lon: c[1], Weight: int64(c[2])}
	}
	return res, nil
}

// commandOutlines loads the outlines embedded in this binary; a binary
// built before the dashboard draws without them, and says so.
func commandOutlines(env Env) *render.Outlines {
	o, err := loadOutlines(web.Files("", nil))
	if err != nil {
		fmt.Fprintf(env.Stderr, "geoheat: drawing without country outlines: %v\n", err)
		return nil
	}
	return o
}

func writeOutput(env Env, name string, b []byte) error {
	if name == "-" {
		_, err := env.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	fmt.Fprintf(env.Stderr, "geoheat: wrote %s (%d bytes)\n", name, len(b))
	return nil
}

func runRender(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("render", groupRender, env, args,
		"[--lang L] [--tag T] [--window W | --n N] [--geo all] [--bbox W,S,E,N] [--width 1024] [--height H] [--proj equirect|mercator] -o file.png")
	if err != nil {
		return helpOK(err)
	}
	if cfg.Output == "" {
		return fmt.Errorf("%w: geoheat render needs -o file.png (- for stdout)", ErrUsage)
	}
	q := heatValues(cfg)
	req, err := render.ParseRequest(q)
	if err != nil {
		return fmt.Errorf("%w: geoheat render: %v", ErrUsage, err)
	}
	res, err := fetchHeat(ctx, env, cfg, req, q)
	if err != nil {
		return err
	}
	b, _, err := render.RenderRequest(ctx, staticHeat(res), req, commandOutlines(env))
	if err != nil {
		return err
	}
	return writeOutput(env, cfg.Output, b)
}

// staticHeat answers every heat query with one result already fetched.
type staticHeat store.HeatResult

func (s staticHeat) Heat(context.Context, store.HeatQuery) (store.HeatResult, error) {
	return store.HeatResult(s), nil
}
