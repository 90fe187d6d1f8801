package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/store"
)

// HeatSource is what rendering needs of the store.
type HeatSource interface {
	Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error)
}

// Request is a parsed heat image request: what to select and how to draw it.
type Request struct {
	Query      store.HeatQuery
	View       store.BBox // zero: DefaultView
	Width      int
	Height     int
	Projection Projection
}

// maxCells bounds the cells one image aggregates; beyond it the lightest
// cells are dropped, which a heatmap does not show anyway.
const maxCells = 20000

// ParseRequest reads lang, tag, window, from, to, q, n, geo, bbox, width,
// height and proj (equirect or mercator) with the API's own parameter
// rules.
func ParseRequest(v url.Values) (Request, error) {
	var r Request
	var err error
	if r.Query.Lang, err = httpapi.ParseLang(v.Get("lang")); err != nil {
		return r, err
	}
	if r.Query.Tag, err = httpapi.ParseTag(v.Get("tag")); err != nil {
		return r, err
	}
	if r.Query.Window, err = httpapi.ParseWindow(v.Get("window")); err != nil {
		return r, err
	}
	if r.Query.Range, err = httpapi.ParseRange(v); err != nil {
		return r, err
	}
	if r.Query.Q, err = httpapi.ParseQ(v.Get("q")); err != nil {
		return r, err
	}
	if r.Query.Last, err = httpapi.IntParam(v, "n", 0, 0, 1_000_000); err != nil {
		return r, err
	}
	if s := v.Get("bbox"); s != "" {
		if r.View, err = httpapi.ParseBBox(s); err != nil {
			return r, err
		}
	}
	if r.Width, err = httpapi.IntParam(v, "width", DefaultWidth, 16, MaxSize); err != nil {
		return r, err
	}
	if r.Height, err = httpapi.IntParam(v, "height", 0, 0, MaxSize); err != nil {
		return r, err
	}
	switch v.Get("proj") {
	case "", "equirect", "equirectangular":
	case "mercator", "webmercator":
		r.Projection = WebMercator
	default:
		return r, fmt.Errorf("bad proj %q: want equirect or mercator", v.Get("proj"))
	}
	// Inferred points are opt-in here as everywhere: geo= as the API reads it.
	if r.Query.Geo, err = httpapi.ParseGeo(v.Get("geo")); err != nil {
		return r, err
	}
	r.Query.BBox = r.View
	if r.Query.BBox.IsZero() {
		r.Query.BBox = store.World
	}
	r.Query.Zoom = ZoomFor(r.View, r.Width)
	r.Query.Limit = maxCells
	return r, nil
}

// ZoomFor picks the heat grid zoom whose cells are about 3 pixels wide when
// view is drawn width pixels wide: finer would only cost time, coarser
// would show blocks.
func ZoomFor(view store.BBox, width int) int {
	if view.IsZero() {
		view = DefaultView
	}
	span := view.East - view.West
	if span <= 0 {
		span += 360
	}
	cellDeg := 3 * span / float64(max(width, 1))
	z := int(math.Round(math.Log2(22.5 / cellDeg)))
	return min(max(z, 0), 22)
}

// RenderRequest queries src and draws the result.
func RenderRequest(ctx context.Context, src HeatSource, r Request, outlines *Outlines) ([]byte, store.HeatResult, error) {
	res, err := src.Heat(ctx, r.Query)
	if err != nil {
		return nil, res, err
	}
	img := Draw(res, r, outlines)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, res, fmt.Errorf("render: encode png: %w", err)
	}
	return buf.Bytes(), res, nil
}

// Draw draws res, the answer to r's query, as r asks.
func Draw(res store.HeatResult, r Request, outlines *Outlines) *image.RGBA {
	return Render(res.Cells, Options{Width: r.Width, Height: r.Height, View: r.View, Projection: r.Projection,
		Outlines: outlines, CellDeg: res.CellDeg})
}

// pngKey is a parsed image request as a cache key: requests that parse
// alike draw alike.
type pngKey Request

// Handler serves GET /api/heat.png. outlines is called per request so the
// caller can load them lazily; it may return nil (no outlines drawn).
// Errors use the API's JSON envelope.
//
// Images are cached and rate-limited like /api/heat (an image costs the
// same heat query plus the drawing): when src also reports store.Stats, an
// image is redrawn at most once a second while the store changes, and
// drawings share httpapi.DefaultLimiter with the API's own queries.
func Handler(src HeatSource, outlines func() *Outlines) http.Handler {
	opts := httpapi.GuardOptions{}
	if s, ok := src.(interface {
		Stats(context.Context) (store.Stats, error)
	}); ok {
		opts.Stats = s.Stats
	}
	return GuardedHandler(src, outlines, httpapi.NewGuard(opts))
}

// GuardedHandler is Handler with the caller's guard (for example the API's
// own, to share its cache bounds and limiter).
func GuardedHandler(src HeatSource, outlines func() *Outlines, g *httpapi.Guard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r, err := ParseRequest(req.URL.Query())
		if err != nil {
			httpapi.WriteError(w, req, httpapi.BadData(err))
			return
		}
		ans, err := g.Do(req.Context(), pngKey(r), func(ctx context.Context) (httpapi.Answer, error) {
			b, res, err := RenderRequest(ctx, src, r, outlines())
			if err != nil {
				return httpapi.Answer{}, err
			}
			return httpapi.Answer{Body: b, Header: http.Header{"X-Geoheat-Points": {strconv.FormatInt(res.Points, 10)}}}, nil
		})
		if err != nil {
			httpapi.WriteError(w, req, err)
			return
		}
		for k, v := range ans.Header {
			w.Header()[k] = slices.Clone(v)
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(ans.Body)))
		_, _ = w.Write(ans.Body)
	})
}
