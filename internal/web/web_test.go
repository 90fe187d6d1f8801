package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/web"
)

var built = fstest.MapFS{
	"index.html":                    {Data: []byte("<!DOCTYPE html><title>geoheat</title>")},
	"embed.html":                    {Data: []byte("<!DOCTYPE html><title>embed</title>")},
	"assets/main.js":                {Data: []byte("export {}")},
	"assets/maplibre-gl-worker.mjs": {Data: []byte("self.x = 1")},
	"assets/style.css":              {Data: []byte("body{}")},
	web.OutlinesFile:                {Data: []byte(`{"type":"Topology"}`)},
}

// serve mounts the dashboard on the real API mux, as the app does, so the
// routes are checked against the API's own patterns.
func serve(t *testing.T, opts web.Options, target string) *httptest.ResponseRecorder {
	t.Helper()
	api := httpapi.New(httpapi.Options{})
	web.New(opts).Register(api)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

func TestNotBuilt(t *testing.T) {
	rec := serve(t, web.Options{FS: fstest.MapFS{}}, "/")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "dashboard not built: run `make build`") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if _, err := web.Outlines(fstest.MapFS{}); err != web.ErrNotBuilt {
		t.Errorf("Outlines without a build: %v", err)
	}
}

func TestPageHeaders(t *testing.T) {
	rec := serve(t, web.Options{FS: built}, "/")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<title>geoheat") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	h := rec.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self';", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'",
		"img-src 'self' data: blob: https://tile.openstreetmap.org", "worker-src 'self';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "google", "gstatic", "*;"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP without a Google key allows %q: %s", bad, csp)
		}
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", h)
	}

	embed := serve(t, web.Options{FS: built}, "/embed?lang=es&tag=x")
	if embed.Code != 200 || embed.Header().Get("X-Frame-Options") != "" ||
		!strings.Contains(embed.Header().Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Errorf("embed: %d %v", embed.Code, embed.Header())
	}
}

func TestGoogleOnlyWithKey(t *testing.T) {
	const key = "AIza-test-key"
	rec := serve(t, web.Options{FS: built, GoogleMapsKey: key}, "/")
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "https://*.googleapis.com") || !strings.Contains(csp, "https://*.gstatic.com") {
		t.Errorf("CSP with a key lacks Google's hosts: %s", csp)
	}
	if strings.Contains(csp, key) {
		t.Error("the key leaked into the CSP")
	}
	for _, tc := range []struct {
		opts web.Options
		key  string
		maps []string
	}{
		{web.Options{FS: built}, "", []string{"osm", "outline"}},
		{web.Options{FS: built, GoogleMapsKey: key, Basemap: "google"}, key, []string{"osm", "outline", "google"}},
	} {
		rec := serve(t, tc.opts, "/api/config")
		var env struct {
			Status string     `json:"status"`
			Data   web.Config `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Status != "success" {
			t.Fatalf("config: %v %s", err, rec.Body)
		}
		if env.Data.GoogleMapsKey != tc.key || strings.Join(env.Data.Basemaps, ",") != strings.Join(tc.maps, ",") {
			t.Errorf("config = %+v", env.Data)
		}
		if tc.key == "" && strings.Contains(rec.Body.String(), "google_maps_key") {
			t.Errorf("config names a key without one: %s", rec.Body)
		}
	}
}

func TestAssets(t *testing.T) {
	for path, ct := range map[string]string{
		"/assets/main.js":                "text/javascript; charset=utf-8",
		"/assets/maplibre-gl-worker.mjs": "text/javascript; charset=utf-8",
		"/assets/style.css":              "text/css; charset=utf-8",
		"/" + web.OutlinesFile:           "application/json",
	} {
		rec := serve(t, web.Options{FS: built}, path)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != ct || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	for _, path := range []string{"/assets/nope.js", "/assets/../index.html", "/assets/", "/assets/%2e%2e/index.html"} {
		if rec := serve(t, web.Options{FS: built}, path); rec.Code == 200 {
			t.Errorf("%s served: %s", path, rec.Body)
		}
	}
	// The API's own 404 for unknown endpoints still holds.
	if rec := serve(t, web.Options{FS: built}, "/api/nope"); rec.Code != 404 || !strings.Contains(rec.Body.String(), "not_found") {
		t.Errorf("/api/nope: %d %s", rec.Code, rec.Body)
	}
}
