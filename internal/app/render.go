package app

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/render"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/web"
)

// registerRender adds the flags of `render` and `map`.
func (c *Config) registerRender(fs *flag.FlagSet) {
	fs.StringVar(&c.Tag, "tag", "", "only posts with this hashtag (without #)")
	fs.StringVar(&c.Window, "window", "", "only posts within this window of the newest post (5m, 1h, 24h; all)")
	fs.IntVar(&c.N, "n", 0, "only the N most recent points (the seed drew 400); 0 = no limit")
	fs.StringVar(&c.Output, "o", "", "output file (- for stdout)")
	fs.IntVar(&c.Width, "width", render.DefaultWidth, "image width in pixels")
	fs.IntVar(&c.Height, "height", 0, "image height in pixels (0 = keep the area's aspect)")
	fs.StringVar(&c.BBox, "bbox", "", "area drawn, as west,south,east,north (default: the world)")
	fs.StringVar(&c.Proj, "proj", "equirect", "projection: equirect or mercator")
	c.registerGeo(fs)
}

// registerGeo adds --geo, the provenance filter of `points`, `render` and
// `map` (the API's geo= parameter).
func (c *Config) registerGeo(fs *flag.FlagSet) {
	fs.StringVar(&c.Geo, "geo", "", "point provenances: a comma list of exact, place, profile, text, or trusted (exact,place), inferred (profile,text), all (default trusted)")
}

// checkGeo rejects a bad --geo before anything is queried.
func checkGeo(name string, cfg *Config) error {
	if _, err := httpapi.ParseGeo(cfg.Geo); err != nil {
		return fmt.Errorf("%w: geoheat %s: --geo: %v", ErrUsage, name, err)
	}
	return nil
}

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

func runMap(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("map", groupRender, env, args,
		"--lang L [--tag T] [--window W | --n N] [--geo all] [--server URL | --data-dir DIR] -o file.html")
	if err != nil {
		return helpOK(err)
	}
	if cfg.Lang == "" || cfg.Output == "" {
		return fmt.Errorf("%w: geoheat map needs --lang L (en or english) and -o file.html", ErrUsage)
	}
	// The page zooms on the client; cells fine enough for a wide screen.
	cfg.Width, cfg.Height, cfg.BBox = 1600, 0, ""
	q := heatValues(cfg)
	req, err := render.ParseRequest(q)
	if err != nil {
		return fmt.Errorf("%w: geoheat map: %v", ErrUsage, err)
	}
	res, err := fetchHeat(ctx, env, cfg, req, q)
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
		Heat: res, Outlines: commandOutlines(env)}
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
