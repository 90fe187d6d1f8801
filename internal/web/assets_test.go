package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/web"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// server runs the dashboard on the real API mux behind a real HTTP server.
func server(t *testing.T, files fs.FS) *httptest.Server {
	t.Helper()
	api := httpapi.New(httpapi.Options{})
	web.New(web.Options{FS: files}).Register(api)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

// fetch sends a GET (or HEAD) with the given headers through a client that
// neither asks for nor undoes compression itself.
func fetch(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAccepts(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"", "gzip", false},
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate, br, zstd", "gzip", true},
		{"gzip", "br", false},
		{"GZIP", "gzip", true},
		{"br;q=0, gzip", "br", false},
		{"br;q=0.5", "br", true},
		{"br; q=0", "br", false},
		{"*", "br", true},
		{"*;q=0", "gzip", false},
		{"*, gzip;q=0", "gzip", false},
		{"identity", "gzip", false},
		{"br;q=oops", "br", false},
	} {
		if got := web.Accepts(tc.header, tc.coding); got != tc.want {
			t.Errorf("accepts(%q, %q) = %v, want %v", tc.header, tc.coding, got, tc.want)
		}
	}
}

func TestImmutable(t *testing.T) {
	for name, want := range map[string]bool{
		"assets/main-7M3RZ4FQ.js":                 true,
		"assets/chunk-EKY6DAZY.js":                true,
		"assets/style-6KEBFDO2.css":               true,
		"assets/maplibre-gl-worker-73D7A024.mjs":  true,
		"assets/main.js":                          false, // dev build: fixed names
		"assets/maplibre-gl-worker.mjs":           false,
		"assets/chunk-EKY6DAZY.js.map":            false,
		"assets/main-7M3RZ4FQ.js.LEGAL.txt":       false,
		"countries-50m.json":                      false,
		"index.html":                              false,
		"assets/main-7m3rz4fq.js":                 false,
		"main-7M3RZ4FQ.js":                        false, // outside assets/
		"assets/sub/chunk-EKY6DAZY.js":            false,
		"assets/chunk-EKY6DAZY.js.gz":             false,
		"assets/maplibre-gl-worker-73D7A024X.mjs": false,
	} {
		if got := web.Immutable(name); got != want {
			t.Errorf("Immutable(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestAssetHeaders checks, over a real server, what each request gets:
// the encoding it accepts, the original bytes once decoded, one strong
// ETag per representation, immutable caching for content-hashed names
// only, and 304s on If-None-Match and If-Modified-Since.
func TestAssetHeaders(t *testing.T) {
	js := bytes.Repeat([]byte("export const ramp = [0, 40, 255, 120];\n"), 200)
	outlines := bytes.Repeat([]byte(`{"type":"Topology","arcs":[[1,2],[3,4]]}`), 200)
	html := []byte("<!DOCTYPE html><title>geoheat</title>" + strings.Repeat("<!-- padding -->", 50))
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	files := fstest.MapFS{
		"index.html":                 {Data: html, ModTime: mod},
		"index.html.gz":              {Data: gz(t, html), ModTime: mod},
		"embed.html":                 {Data: html, ModTime: mod},
		"assets/main-ABCD2345.js":    {Data: js, ModTime: mod},
		"assets/main-ABCD2345.js.gz": {Data: gz(t, js), ModTime: mod},
		// Go has no brotli decoder; the server passes the copy through
		// untouched, which is what this checks (the e2e test has a browser
		// decode real ones).
		"assets/main-ABCD2345.js.br": {Data: []byte("brotli bytes of main"), ModTime: mod},
		"assets/plain.js":            {Data: js, ModTime: mod},
		web.OutlinesFile:             {Data: outlines, ModTime: mod},
		web.OutlinesFile + ".gz":     {Data: gz(t, outlines), ModTime: mod},
	}
	srv := server(t, files)

	type want struct {
		coding string // Content-Encoding
		cache  string // Cache-Control
	}
	for _, tc := range []struct {
		name, path, accept string
		orig               []byte
		want               want
	}{
		{"hashed br", "/assets/main-ABCD2345.js", "gzip, deflate, br, zstd", js, want{"br", web.CacheImmutable}},
		{"hashed gzip", "/assets/main-ABCD2345.js", "gzip", js, want{"gzip", web.CacheImmutable}},
		{"hashed br refused", "/assets/main-ABCD2345.js", "br;q=0, gzip", js, want{"gzip", web.CacheImmutable}},
		{"hashed identity", "/assets/main-ABCD2345.js", "", js, want{"", web.CacheImmutable}},
		{"all refused", "/assets/main-ABCD2345.js", "gzip;q=0, br;q=0", js, want{"", web.CacheImmutable}},
		{"no copies", "/assets/plain.js", "gzip, br", js, want{"", web.CacheRevalidate}},
		{"outlines br falls back to gzip", "/" + web.OutlinesFile, "gzip, br", outlines, want{"gzip", web.CacheRevalidate}},
		{"page", "/", "gzip, br", html, want{"gzip", web.CacheRevalidate}},
		{"page identity", "/", "", html, want{"", web.CacheRevalidate}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, "GET", srv.URL+tc.path, map[string]string{"Accept-Encoding": tc.accept})
			h := resp.Header
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := h.Get("Content-Encoding"); got != tc.want.coding {
				t.Errorf("Content-Encoding = %q, want %q", got, tc.want.coding)
			}
			if got := h.Get("Cache-Control"); got != tc.want.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.want.cache)
			}
			if !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q", h.Get("Vary"))
			}
			if h.Get("Last-Modified") != mod.Format(http.TimeFormat) {
				t.Errorf("Last-Modified = %q", h.Get("Last-Modified"))
			}
			if h.Get("Content-Length") != "" && h.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s for %d bytes", h.Get("Content-Length"), len(body))
			}
			etag := h.Get("ETag")
			if !regexp.MustCompile(`^"[0-9a-f]{32}(-br|-gzip)?"$`).MatchString(etag) {
				t.Errorf("ETag %q is not a strong content hash", etag)
			}
			switch tc.want.coding {
			case "gzip":
				body = gunzip(t, body)
				if !strings.HasSuffix(etag, `-gzip"`) {
					t.Errorf("gzip ETag %q", etag)
				}
			case "br":
				if string(body) != string(files[strings.TrimPrefix(tc.path, "/")+".br"].Data) {
					t.Errorf("br body = %q", body)
				}
				body = tc.orig
			}
			if !bytes.Equal(body, tc.orig) {
				t.Errorf("decoded body differs from the original (%d vs %d bytes)", len(body), len(tc.orig))
			}

			// Revalidation: the same ETag, or the same time, is a 304
			// without a body; another ETag or an older time is a 200.
			for _, rv := range []struct {
				hdr    map[string]string
				status int
			}{
				{map[string]string{"If-None-Match": etag}, 304},
				{map[string]string{"If-None-Match": `"other", ` + etag}, 304},
				{map[string]string{"If-None-Match": `"other"`}, 200},
				{map[string]string{"If-Modified-Since": mod.Format(http.TimeFormat)}, 304},
				{map[string]string{"If-Modified-Since": mod.Add(-time.Hour).Format(http.TimeFormat)}, 200},
				// If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
				{map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": mod.Format(http.TimeFormat)}, 200},
			} {
				rv.hdr["Accept-Encoding"] = tc.accept
				r2, b2 := fetch(t, "GET", srv.URL+tc.path, rv.hdr)
				if r2.StatusCode != rv.status {
					t.Errorf("%v: status %d, want %d", rv.hdr, r2.StatusCode, rv.status)
				}
				if rv.status == 304 && (len(b2) != 0 || r2.Header.Get("ETag") != etag || r2.Header.Get("Cache-Control") != tc.want.cache) {
					t.Errorf("%v: 304 with body %d bytes, headers %v", rv.hdr, len(b2), r2.Header)
				}
			}
		})
	}

	// The page's security headers ride on its 304s and 200s alike.
	resp, _ := fetch(t, "GET", srv.URL+"/", map[string]string{"Accept-Encoding": "gzip"})
	r304, _ := fetch(t, "GET", srv.URL+"/", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": resp.Header.Get("ETag")})
	for _, r := range []*http.Response{resp, r304} {
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("page %d lacks its security headers: %v", r.StatusCode, r.Header)
		}
	}

	// HEAD: the headers of the GET, no body.
	head, body := fetch(t, "HEAD", srv.URL+"/assets/main-ABCD2345.js", map[string]string{"Accept-Encoding": "br"})
	if head.StatusCode != 200 || len(body) != 0 || head.Header.Get("Content-Encoding") != "br" {
		t.Errorf("HEAD: %d, %d bytes, %v", head.StatusCode, len(body), head.Header)
	}

	// The copies are served only in place of their originals.
	for _, p := range []string{"/assets/main-ABCD2345.js.gz", "/assets/main-ABCD2345.js.br", "/" + web.OutlinesFile + ".gz", "/index.html.gz"} {
		if resp, _ := fetch(t, "GET", srv.URL+p, nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestStaleCopyIgnored: a dev build that rewrites a file in a directory a
// production build compressed must not have the old copy served for it.
func TestStaleCopyIgnored(t *testing.T) {
	dir := t.TempDir()
	js := bytes.Repeat([]byte("export const x = 1;\n"), 100)
	write := func(name string, b []byte, mod time.Time) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	write("assets/main.js.gz", gz(t, []byte("old content")), old)
	write("assets/main.js", js, old.Add(time.Minute))
	srv := server(t, os.DirFS(dir))
	resp, body := fetch(t, "GET", srv.URL+"/assets/main.js", map[string]string{"Accept-Encoding": "gzip"})
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, js) {
		t.Fatalf("stale copy served: %v %q", resp.Header, body)
	}
	etag := resp.Header.Get("ETag")

	// A rewrite with new content changes the ETag.
	write("assets/main.js", append(js, '\n'), old.Add(2*time.Minute))
	resp, _ = fetch(t, "GET", srv.URL+"/assets/main.js", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("rewritten file: %d, ETag %s (was %s)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
}

// TestBuiltBundle checks the real production build, when there is one:
// every copy decodes to its original, the pages name only content-hashed
// assets that exist, and no source map is embedded.
func TestBuiltBundle(t *testing.T) {
	files := web.Files("", nil)
	if _, err := fs.Stat(files, "index.html"); err != nil {
		t.Skip("dashboard not built (npm run --prefix web build)")
	}
	node, _ := exec.LookPath("node")
	copies := 0
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(name, ".map") {
			t.Errorf("source map in the embedded build: %s", name)
		}
		ext := filepath.Ext(name)
		if ext != ".gz" && ext != ".br" {
			return nil
		}
		orig, err := fs.ReadFile(files, strings.TrimSuffix(name, ext))
		if err != nil {
			t.Errorf("%s without its original", name)
			return nil
		}
		b, _ := fs.ReadFile(files, name)
		copies++
		if len(b) >= len(orig) {
			t.Errorf("%s (%d bytes) is no smaller than its original (%d)", name, len(b), len(orig))
		}
		switch ext {
		case ".gz":
			if !bytes.Equal(gunzip(t, b), orig) {
				t.Errorf("%s does not decode to its original", name)
			}
		case ".br":
			if node == "" {
				return nil
			}
			cmd := exec.Command(node, "-e", `process.stdout.write(require("zlib").brotliDecompressSync(require("fs").readFileSync(0)))`)
			cmd.Stdin = bytes.NewReader(b)
			out, err := cmd.Output()
			if err != nil || !bytes.Equal(out, orig) {
				t.Errorf("%s does not decode to its original (%v)", name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if copies == 0 {
		t.Error("the build has no precompressed copies")
	}
	for _, page := range []string{"index.html", "embed.html"} {
		b, _ := fs.ReadFile(files, page)
		refs := regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`).FindAllStringSubmatch(string(b), -1)
		if len(refs) < 2 {
			t.Errorf("%s names %d assets", page, len(refs))
		}
		for _, m := range refs {
			if !web.Immutable(m[1]) {
				t.Errorf("%s names %s, which is not content-hashed", page, m[1])
			}
			if _, err := fs.Stat(files, m[1]); err != nil {
				t.Errorf("%s names %s: %v", page, m[1], err)
			}
		}
	}
}
