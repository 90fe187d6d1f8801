package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/geoheat/geoheat/internal/apiclient"
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
	set("from", cfg.Explore.From)
	set("to", cfg.Explore.To)
	set("q", cfg.Explore.Q)
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
func fetchHeat(ctx context.Context, env Env, cfg *Config, req render.Request, q url.Values) (res store.HeatResult, err error) {
	err = withAPI(env, cfg, func(c *apiclient.Client) error {
		res, err = fetchHeatWith(ctx, c, req, q)
		return err
	})
	return res, err
}

// fetchHeatWith asks c for the cells of req (q being its parameters).
func fetchHeatWith(ctx context.Context, c *apiclient.Client, req render.Request, q url.Values) (store.HeatResult, error) {
	api := url.Values{}
	for _, k := range []string{"lang", "tag", "window", "from", "to", "q", "n", "bbox", "geo"} {
		if v := q.Get(k); v != "" {
			api.Set(k, v)
		}
	}
	api.Set("zoom", strconv.Itoa(req.Query.Zoom))
	api.Set("limit", strconv.Itoa(req.Query.Limit))
	data, err := c.Get(ctx, "/api/heat", api)
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
		if len(c) < 3 {
			return store.HeatResult{}, fmt.Errorf("unexpected /api/heat answer: cell %v", c)
		}
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
	cfg, err := queryFlags("render", groupRender|groupRange|groupSearch|groupAnimate, env, args,
		"[--lang L] [--tag T] [--q WORDS] [--window W | --n N | --from T --to T [--step 1h]] [--geo all] [--bbox W,S,E,N] [--width 1024] [--height H] [--proj equirect|mercator] -o file.png|file.gif")
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
	if cfg.Explore.Step != 0 {
		return renderAnimation(ctx, env, cfg, req, q)
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

// renderAnimation writes the animated GIF of `render --from --to --step`:
// one frame per step over [from, to), each the heatmap of that step's
// posts with its time span as caption.
func renderAnimation(ctx context.Context, env Env, cfg *Config, req render.Request, q url.Values) error {
	from, to, step := req.Query.Range.From, req.Query.Range.To, cfg.Explore.Step
	switch {
	case from.IsZero() || to.IsZero():
		return fmt.Errorf("%w: geoheat render --step needs --from and --to", ErrUsage)
	case step <= 0:
		return fmt.Errorf("%w: geoheat render: --step %v: want a positive duration such as 1h", ErrUsage, step)
	case req.Query.Window > 0 || req.Query.Last > 0:
		return fmt.Errorf("%w: geoheat render --step: not with --window or --n (each frame is its step's posts)", ErrUsage)
	}
	frames := (to.Sub(from) + step - 1) / step
	if frames > render.MaxFrames {
		return fmt.Errorf("%w: geoheat render: %v from %s in steps of %v is %d frames: at most %d", ErrUsage,
			to.Sub(from), from.Format(time.RFC3339), step, frames, render.MaxFrames)
	}
	outlines := commandOutlines(env)
	anim := render.NewAnimation()
	// A second a frame, at least 5 s for the whole loop.
	delay := max(100, 500/int(frames))
	err := withAPI(env, cfg, func(c *apiclient.Client) error {
		for t := from; t.Before(to); t = t.Add(step) {
			end := t.Add(step)
			if end.After(to) {
				end = to
			}
			fq := url.Values{}
			for k, v := range q {
				fq[k] = v
			}
			fq.Set("from", t.UTC().Format(time.RFC3339Nano))
			fq.Set("to", end.UTC().Format(time.RFC3339Nano))
			res, err := fetchHeatWith(ctx, c, req, fq)
			if err != nil {
				return usageError("render", err)
			}
			img := render.Draw(res, req, outlines)
			render.Caption(img, fmt.Sprintf("%s - %s  %d points", t.UTC().Format(timeLayout), end.UTC().Format(timeLayout), res.Points))
			if err := anim.Add(img, delay); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := anim.Encode(&buf); err != nil {
		return err
	}
	return writeOutput(env, cfg.Output, buf.Bytes())
}
