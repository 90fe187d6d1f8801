// Package web serves geoheat's dashboard: the page at /, the embeddable
// view at /embed, their bundled assets, and /api/config, which tells the
// page which basemaps it may use. The assets are built from web/ by npm
// (esbuild) into bundle/ and embedded in the binary; nothing third-party is
// committed. A dev option serves them from disk instead. assets.go says
// how they are cached and compressed.
package web

import (
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"
)

//go:embed all:bundle
var embedded embed.FS

// OutlinesFile is the Natural Earth TopoJSON copied into the build from
// the world-atlas npm package; the page and the PNG renderer both draw it.
const OutlinesFile = "countries-50m.json"

// ErrNotBuilt is returned when the dashboard build is missing.
var ErrNotBuilt = errors.New("web: dashboard not built: run `make build` (npm ci && npm run build in web/)")

// Basemaps the page offers.
const (
	BasemapOSM     = "osm"     // OpenStreetMap raster tiles over the outlines
	BasemapOutline = "outline" // bundled country outlines only: works offline
	BasemapGoogle  = "google"  // Google Maps + deck.gl HeatmapLayer; needs a key
)

// TileURL is the OpenStreetMap raster tile template; its host is the only
// tile host the Content-Security-Policy allows.
const (
	TileURL         = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	tileOrigin      = "https://tile.openstreetmap.org"
	TileAttribution = "© OpenStreetMap contributors"
)

// Options configure the dashboard.
type Options struct {
	// GoogleMapsKey enables the Google basemap. It is handed to the page
	// (a Maps JavaScript API key is a browser key by design; restrict it by
	// HTTP referrer) and must never be logged.
	GoogleMapsKey string
	// Basemap is the default basemap; "" means osm.
	Basemap string
	// Dir, when set, serves the build from this directory instead of the
	// embedded copy; dev: web/dist, which `npm run --prefix web watch`
	// rebuilds on change (with source maps), then reload.
	Dir    string
	FS     fs.FS // tests: the build to serve; overrides Dir and the embedded copy
	Logger *slog.Logger
}

// Dashboard is the handler set. Mount it with Register.
type Dashboard struct {
	opts  Options
	files fs.FS
	cache assetCache
}

// New returns the dashboard.
func New(opts Options) *Dashboard {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	switch opts.Basemap {
	case BasemapOSM, BasemapOutline:
	case BasemapGoogle:
		if opts.GoogleMapsKey == "" {
			opts.Basemap = BasemapOSM
		}
	default:
		opts.Basemap = BasemapOSM
	}
	return &Dashboard{opts: opts, files: Files(opts.Dir, opts.FS)}
}

// Files returns the build: fsys when set, else dir when set, else the
// embedded copy.
func Files(dir string, fsys fs.FS) fs.FS {
	switch {
	case fsys != nil:
		return fsys
	case dir != "":
		return os.DirFS(dir)
	}
	sub, err := fs.Sub(embedded, "bundle")
	if err != nil {
		panic(err) // the embed pattern guarantees bundle exists
	}
	return sub
}

// Outlines returns the Natural Earth TopoJSON of the build, or ErrNotBuilt.
func Outlines(files fs.FS) ([]byte, error) {
	b, err := fs.ReadFile(files, OutlinesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotBuilt
	}
	return b, err
}

// Mux is where the dashboard mounts (httpapi.API or http.ServeMux).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register mounts /, /embed, /assets/, the outlines and /api/config.
func (d *Dashboard) Register(m Mux) {
	m.Handle("GET /{$}", d.page("index.html", false))
	m.Handle("GET /embed", d.page("embed.html", true))
	m.Handle("GET /assets/", http.HandlerFunc(d.asset))
	m.Handle("GET /"+OutlinesFile, http.HandlerFunc(d.asset))
	m.Handle("GET /api/config", http.HandlerFunc(d.config))
}

// Config is /api/config: what the page may draw. The key is the one secret
// here, and it is a browser key by nature (the Maps JavaScript API is
// loaded with it from the browser).
type Config struct {
	Basemap         string   `json:"basemap"`
	Basemaps        []string `json:"basemaps"`
	GoogleMapsKey   string   `json:"google_maps_key,omitempty"`
	TileURL         string   `json:"tile_url"`
	TileAttribution string   `json:"tile_attribution"`
	Outlines        string   `json:"outlines"`
}

func (d *Dashboard) config(w http.ResponseWriter, r *http.Request) {
	c := Config{Basemap: d.opts.Basemap, Basemaps: []string{BasemapOSM, BasemapOutline},
		TileURL: TileURL, TileAttribution: TileAttribution, Outlines: "/" + OutlinesFile}
	if d.opts.GoogleMapsKey != "" {
		c.Basemaps = append(c.Basemaps, BasemapGoogle)
		c.GoogleMapsKey = d.opts.GoogleMapsKey
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(map[string]any{"status": "success", "data": c})
}

// page serves one HTML entry point with the dashboard's security headers.
// Pages name the content-hashed assets, so they are revalidated on every
// load (no-cache, answered by a 304 while the build is the same).
func (d *Dashboard) page(name string, embeddable bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP(d.opts.GoogleMapsKey != "", embeddable))
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if !embeddable {
			h.Set("X-Frame-Options", "DENY")
		}
		if !d.serveFile(w, r, name, cacheRevalidate) {
			for _, k := range []string{"Content-Security-Policy", "Referrer-Policy", "X-Frame-Options"} {
				h.Del(k)
			}
			d.opts.Logger.Debug("dashboard page missing", "page", name)
			http.Error(w, "geoheat: dashboard not built: run `make build` (npm ci && npm run build in web/); the JSON API under /api/ works without it", http.StatusServiceUnavailable)
		}
	})
}

// asset serves a file of the build (see assets.go for caching and
// compression). The pages are served only as / and /embed, and the
// precompressed copies only in place of their originals.
func (d *Dashboard) asset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".html", ".gz", ".br":
		http.NotFound(w, r)
		return
	}
	cc := cacheRevalidate
	if Immutable(name) {
		cc = cacheImmutable
	}
	if !d.serveFile(w, r, name, cc) {
		http.NotFound(w, r)
	}
}
