package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

// fakeMastodon serves the local timeline's stream to a client presenting
// token: each status as an update, then a delete, then it holds the stream
// open until the test ends.
func fakeMastodon(t *testing.T, token string, statuses ...string) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/streaming/public/local" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		for _, name := range statuses {
			status, err := os.ReadFile(filepath.Join("..", "ingest", "mastodon", "testdata", name))
			if err != nil {
				t.Error(err)
				return
			}
			fmt.Fprintf(w, "event: update\ndata: %s\n\n:thump\n\n", bytes.TrimSpace(status))
		}
		fmt.Fprintf(w, "event: delete\ndata: 1\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(fake.Close)
	t.Cleanup(func() { close(stop) })
	return fake
}

// mastodonEnv gives serve the token in MASTODON_TOKEN.
func mastodonEnv(token string, stderr *bytes.Buffer) Env {
	return Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &syncWriter{w: stderr},
		Getenv: func(k string) string {
			if k == envMastodonToken {
				return token
			}
			return ""
		},
		Environ: func() []string { return nil }}
}

// TestServeMastodon runs `serve --source mastodon:local` against a fake
// streaming endpoint: the status becomes a post with its language, the
// delete a notice, and the token stays out of the output.
func TestServeMastodon(t *testing.T) {
	const token = "mastodon-token-never-logged-1a2b"
	fake := fakeMastodon(t, token, "status.json")
	var stderr bytes.Buffer
	env := mastodonEnv(token, &stderr)
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

// TestServeMastodonProfilePlaces: a status whose author's profile has a
// location field (troet.cafe's "📍 Standort", a link and :flag_de:) is
// mapped at Frankfurt as an inferred (profile) point, shown only when asked
// for, like every inferred point.
func TestServeMastodonProfilePlaces(t *testing.T) {
	const token = "mastodon-token-never-logged-3c4d"
	fake := fakeMastodon(t, token, "status.json", "status_profile.json")
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, mastodonEnv(token, &stderr), &stderr, "--source", "mastodon:local", "--mastodon-url", fake.URL,
		"--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--detector", "platform", "--workers", "1")
	waitStatus(t, base, 20*time.Second, func(st httpapi.StatusData) bool {
		return st.Ingest != nil && st.Ingest.Messages == 3 && st.Ingest.Written == 2
	})
	var profile, trusted httpapi.PointsData
	if err := getJSON(t, base+"/api/points?lang=de&geo=profile", &profile); err != nil {
		t.Fatal(err)
	}
	if len(profile.Points) != 1 || math.Abs(profile.Points[0][0]-50.11) > 0.2 || math.Abs(profile.Points[0][1]-8.68) > 0.2 {
		t.Errorf("profile points %+v, want one at Frankfurt", profile.Points)
	}
	if err := getJSON(t, base+"/api/points?lang=de", &trusted); err != nil {
		t.Fatal(err)
	}
	if len(trusted.Points) != 0 {
		t.Errorf("default points %+v: inferred points must be opt-in", trusted.Points)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
