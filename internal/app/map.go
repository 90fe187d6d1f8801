package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/render"
)

func runMap(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("map", groupRender, env, args,
		"--lang L [--tag T] [--window W | --n N] [--geo all] [--server URL | --store redis://... | --data-dir DIR] -o file.html")
	if err != nil {
		return helpOK(err)
	}
	if cfg.Lang == "" || cfg.Output == "" {
		return fmt.Errorf("%w: geoheat map needs --lang L (en or english) and -o file.html", ErrUsage)
	}
	// The world at 2048 px: the detail of 0.35° cells, sharp on a wide
	// screen, about 120 kB of PNG.
	cfg.Width, cfg.Height, cfg.BBox = 2048, 0, ""
	q := heatValues(cfg)
	req, err := render.ParseRequest(q)
	if err != nil {
		return fmt.Errorf("%w: geoheat map: %v", ErrUsage, err)
	}
	res, err := fetchHeat(ctx, env, cfg, req, q)
	if err != nil {
		return err
	}
	img, _, err := render.RenderRequest(ctx, staticHeat(res), req, commandOutlines(env))
	if err != nil {
		return err
	}
	top := url.Values{"lang": {cfg.Lang}, "n": {"10"}}
	if w, _ := httpapi.ParseWindow(cfg.Window); w > 0 {
		top.Set("window", cfg.Window)
	}
	data, err := apiGet(ctx, env, cfg, "/api/top", top)
	if err != nil {
		return err
	}
	var rows []httpapi.TopRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return fmt.Errorf("unexpected /api/top answer: %w", err)
	}
	geo, _ := httpapi.ParseGeo(cfg.Geo) // ParseRequest checked it
	page := render.Page{Lang: cfg.Lang, Tag: cfg.Tag, Window: cfg.Window, N: cfg.N, Geo: geo.String(), Generated: env.Now(),
		Points: res.Points, Cells: len(res.Cells), PNG: img}
	if len(rows) > 0 {
		page.Lang = rows[0].Name
		page.Top = rows[0].Tags
	}
	page.Title = "geoheat: " + page.Lang + " heatmap"
	if cfg.Tag != "" {
		page.Title = "geoheat: #" + cfg.Tag + " heatmap"
	}
	var buf bytes.Buffer
	if err := render.WritePage(&buf, page); err != nil {
		return err
	}
	return writeOutput(env, cfg.Output, buf.Bytes())
}
