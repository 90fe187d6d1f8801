package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
)

// serve with and without ingest run one path, so what one did the other
// does too: `serve --no-ingest` on a data directory records its address
// (query commands pointed at the directory ask it; before, they were told
// the directory was in use), and `serve` ingesting into Redis answers
// /healthz with the store's health (before, only --no-ingest did).
func TestServePathSameWithAndWithoutIngest(t *testing.T) {
	ctx := context.Background()
	t.Run("no-ingest records its address", func(t *testing.T) {
		dir := t.TempDir()
		if _, errs, err := run(t, ctx, "", "ingest", "--source", "file:testdata/stream.jsonl", "--data-dir", dir,
			"--detector", "stopwords", "--stopwords-dir", miniStopwords); err != nil {
			t.Fatalf("ingest: %v\n%s", err, errs)
		}
		url := serveInProcess(t, "--no-ingest", "--data-dir", dir, "--detector", "stopwords", "--stopwords-dir", miniStopwords)
		b, err := os.ReadFile(filepath.Join(dir, serverFile))
		if err != nil || !strings.Contains(string(b), url) {
			t.Fatalf("%s: %q, %v; want the server's URL %s", serverFile, b, err, url)
		}
		out, errs, err := run(t, ctx, "", "counts", "--data-dir", dir, "--json")
		if err != nil || !strings.Contains(errs, "asking it at "+url) {
			t.Fatalf("counts on the served directory: %v\n%s", err, errs)
		}
		var rows []struct{ Posts int64 }
		mustUnmarshal(t, out, &rows)
		var posts int64
		for _, r := range rows {
			posts += r.Posts
		}
		if posts != 5 { // TestIngestThenQueryFixture's count for this file
			t.Errorf("counts through the server: %d posts, want 5\n%s", posts, out)
		}
	})
	t.Run("ingesting into Redis reports its health", func(t *testing.T) {
		srv := redistest.Start(t)
		url := serveInProcess(t, "--source", "file:testdata/stream.jsonl", "--store", srv.URL(""), "--data-dir", t.TempDir(),
			"--detector", "stopwords", "--stopwords-dir", miniStopwords)
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var h struct {
			Status string
			Store  *struct{ State string }
		}
		if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != http.StatusOK || h.Status != "ok" || h.Store == nil || h.Store.State != "ok" {
			t.Errorf("/healthz %d %s (%v): want 200 with the store's health", resp.StatusCode, body, err)
		}
	})
}
