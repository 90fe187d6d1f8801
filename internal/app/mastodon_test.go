package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

// TestServeMastodon runs `serve --source mastodon:local` against a fake
// streaming endpoint: the status becomes a post with its language, the
// delete a notice, and the token stays out of the output.
func TestServeMastodon(t *testing.T) {
	status, err := os.ReadFile(filepath.Join("..", "ingest", "mastodon", "testdata", "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	const token = "mastodon-token-never-logged-1a2b"
	stop := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/streaming/public/local" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "event: update\ndata: %s\n\n:thump\n\nevent: delete\ndata: 1\n\n", bytes.TrimSpace(status))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer fake.Close()
	defer close(stop)

	var stderr bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &syncWriter{w: &stderr},
		Getenv: func(k string) string {
			if k == envMastodonToken {
				return token
			}
			return ""
		},
		Environ: func() []string { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, env, &stderr, "--source", "mastodon:local", "--mastodon-url", fake.URL,
		"--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--detector", "platform", "--workers", "1", "--log-level", "debug")
	st := waitStatus(t, base, 20*time.Second, func(st httpapi.StatusData) bool {
		return st.Ingest != nil && st.Ingest.Messages == 2 && st.Ingest.Written+st.Ingest.Undetected == st.Ingest.Posts
	})
	if st.Ingest.Posts != 1 || st.Ingest.Notices["mastodon_delete"] != 1 || st.Ingest.Written != 1 {
		t.Errorf("ingest %+v", st.Ingest)
	}
	var counts []struct {
		Lang  string `json:"lang"`
		Posts int64  `json:"posts"`
	}
	if err := getJSON(t, base+"/api/counts", &counts); err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Lang != "es" {
		t.Errorf("counts %+v, want one Spanish post", counts)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if strings.Contains(stderr.String(), token) {
		t.Fatal("token logged")
	}
}
