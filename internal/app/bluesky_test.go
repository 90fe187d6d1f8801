package app

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
)

// TestServeBluesky runs `serve --source bluesky` against a fake Jetstream
// and checks the posts reach the store and the cursor is saved on exit.
func TestServeBluesky(t *testing.T) {
	events, err := os.ReadFile(filepath.Join("..", "ingest", "jetstream", "testdata", "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(events)), "\n")
	stop := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for _, l := range lines {
			if err := c.Write(r.Context(), websocket.MessageText, []byte(l)); err != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer fake.Close()
	defer close(stop)

	dataDir := t.TempDir()
	var stderr bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &syncWriter{w: &stderr},
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, env, &stderr, "--source", "bluesky", "--jetstream-url", "ws"+strings.TrimPrefix(fake.URL, "http"),
		"--listen", "127.0.0.1:0", "--data-dir", dataDir, "--detector", "platform", "--workers", "1")
	st := waitStatus(t, base, 20*time.Second, func(st httpapi.StatusData) bool {
		return st.Ingest != nil && st.Ingest.Messages == int64(len(lines)) && st.Ingest.Written+st.Ingest.Undetected == st.Ingest.Posts
	})
	if st.Ingest.Posts != 2 || st.Ingest.Notices["bluesky_delete"] != 1 || st.Ingest.Notices["bluesky_identity"] != 1 || st.Ingest.Malformed != 0 {
		t.Errorf("ingest %+v notices %v", st.Ingest, st.Ingest.Notices)
	}
	if live := st.Ingest.Source.Live; live == nil || live.State != "connected" {
		t.Errorf("live state %+v", live)
	}
	if st.Build == nil || !st.Build.Complete || len(st.Build.Components) != 3 {
		t.Errorf("status build = %+v, want the three embedded parts, complete", st.Build)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dataDir, jetstream.CursorFile))
	if err != nil || !strings.Contains(string(b), `"time_us":1000004`) {
		t.Fatalf("cursor %s, %v", b, err)
	}
}
