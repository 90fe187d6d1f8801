package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How the build's files are cached by browsers:
//
//   - Content-hashed names (assets/main-7M3RZ4FQ.js, assets/chunk-*.js, the
//     worker, the stylesheet: build.mjs names them by their content) never
//     change content, so browsers keep them a year without asking
//     (Cache-Control: public, max-age=31536000, immutable).
//   - Everything else (the pages, the outlines, files of a dev build) is
//     no-cache: browsers keep it but revalidate every use, and a strong
//     ETag (the content's hash) and Last-Modified make that a 304.
//
// The production build writes .gz and .br copies next to every
// compressible file (web/scripts/precompress.mjs); a browser that accepts
// the encoding gets the copy, with Content-Encoding and Vary:
// Accept-Encoding. Nothing is compressed at request time.
const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	hashedNameLength = 8
)

// hashedName matches the names the build gives by content: esbuild's
// [name]-[hash] and chunk-[hash] (8 characters of A-Z and 2-7) and the
// worker's 8 upper-case hex digits.
var hashedName = regexp.MustCompile(`^assets/(?:[^/]+-)?[A-Z0-9]{` + strconv.Itoa(hashedNameLength) + `}\.(?:js|mjs|css)$`)

// Immutable reports whether name (a path in the build) is content-hashed,
// and so served as immutable.
func Immutable(name string) bool { return hashedName.MatchString(name) }

// encodings are the precompressed copies, in order of preference: the
// suffix of the copy and its Content-Encoding.
var encodings = []struct{ suffix, coding string }{
	{".br", "br"},
	{".gz", "gzip"},
}

// fileMeta is what revalidation needs of one file: its strong ETag (the
// content's hash, without the quotes and the encoding suffix) and its
// modification time.
type fileMeta struct {
	hash    string
	modTime time.Time
	size    int64 // of the original, to notice a dev build's rewrite
}

// assetCache remembers each file's hash, so it is computed once per file
// for an embedded build and again for a dev build's file only when its
// size or time changes. Safe for concurrent use.
type assetCache struct {
	mu    sync.Mutex
	files map[string]fileMeta
}

// startTime stands in for the modification time of embedded files, which
// have none: the executable's own time (the embedded build cannot be newer
// than the binary that holds it), else the process's start.
var startTime = func() time.Time {
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil && !fi.ModTime().IsZero() {
			return fi.ModTime().UTC().Truncate(time.Second)
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}()

func (c *assetCache) meta(name string, info fs.FileInfo, data []byte) fileMeta {
	mod := info.ModTime()
	if mod.IsZero() {
		mod = startTime
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.files[name]; ok && m.size == info.Size() && m.modTime.Equal(mod) {
		return m
	}
	sum := sha256.Sum256(data)
	m := fileMeta{hash: hex.EncodeToString(sum[:16]), modTime: mod, size: info.Size()}
	if c.files == nil {
		c.files = make(map[string]fileMeta)
	}
	c.files[name] = m
	return m
}

// serveFile answers a GET or HEAD for name in the build with its cache
// headers, the best precompressed copy the client accepts, and 304s for
// If-None-Match and If-Modified-Since. It reports false, having written
// nothing, when name is not in the build.
func (d *Dashboard) serveFile(w http.ResponseWriter, r *http.Request, name, cacheControl string) bool {
	data, err := fs.ReadFile(d.files, name)
	if err != nil {
		return false
	}
	info, err := fs.Stat(d.files, name)
	if err != nil {
		return false
	}
	m := d.cache.meta(name, info, data)
	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", cacheControl)
	h.Add("Vary", "Accept-Encoding")
	etag := m.hash
	body := data
	for _, e := range encodings {
		if !accepts(r.Header.Get("Accept-Encoding"), e.coding) {
			continue
		}
		if b, ok := d.precompressed(name+e.suffix, info); ok {
			body = b
			etag += "-" + e.coding // each representation has its own strong ETag
			h.Set("Content-Encoding", e.coding)
			break
		}
	}
	h.Set("ETag", `"`+etag+`"`)
	// ServeContent leaves Content-Length out when Content-Encoding is set
	// (for writers that compress on the fly); ours are whole files.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	http.ServeContent(w, r, name, m.modTime, bytes.NewReader(body))
	return true
}

// precompressed returns a copy of the build written next to the original,
// unless it is older than the original (a dev build rewrote the original
// after a production build compressed it).
func (d *Dashboard) precompressed(name string, orig fs.FileInfo) ([]byte, bool) {
	info, err := fs.Stat(d.files, name)
	if err != nil || info.ModTime().Before(orig.ModTime()) {
		return nil, false
	}
	b, err := fs.ReadFile(d.files, name)
	return b, err == nil
}

// accepts reports whether an Accept-Encoding header value allows coding:
// named, or "*", with a q-value above 0 (RFC 9110, section 12.5.3).
func accepts(header, coding string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		ok := true
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				ok = err == nil && q > 0
			}
		}
		if name == coding {
			return ok // an explicit entry wins over "*"
		}
		star = ok
	}
	return star
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8" // module workers insist on a JS type
	case ".json", ".map":
		return "application/json"
	case ".html":
		return "text/html; charset=utf-8"
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}
