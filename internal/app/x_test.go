package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

const testXToken = "test-bearer-token-never-logged-9f8e7d"

// TestServeXFiltered runs `serve --source x:filtered` against a fake X
// stream and reads the posts and the live state back from /api/status;
// the token must not appear in any output.
func TestServeXFiltered(t *testing.T) {
	lines, err := os.ReadFile(filepath.Join("..", "ingest", "xapi", "testdata", "stream.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testXToken || r.URL.Path != "/2/tweets/search/stream" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
		w.Write(lines)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer fake.Close()
	defer close(stop)

	var stderr, stdout bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &syncWriter{w: &stdout}, Stderr: &syncWriter{w: &stderr},
		Getenv: func(k string) string {
			if k == envXBearerToken {
				return testXToken
			}
			return ""
		},
		Environ: func() []string { return []string{"GEOHEAT_X_BASE_URL=" + fake.URL} }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, env, &stderr, "--source", "x:filtered", "--x-base-url", fake.URL, "--listen", "127.0.0.1:0",
		"--data-dir", t.TempDir(), "--detector", "platform", "--workers", "1", "--log-level", "debug")
	st := waitStatus(t, base, 20*time.Second, func(st httpapi.StatusData) bool {
		return st.Ingest != nil && st.Ingest.Messages == 3 && st.Ingest.Written+st.Ingest.Undetected == st.Ingest.Posts && st.Ingest.Posts == 2
	})
	live := st.Ingest.Source.Live
	if live == nil || live.State != "connected" || live.Connects != 1 || st.Ingest.Source.Name != "x:filtered" {
		t.Errorf("source status %+v live %+v", st.Ingest.Source, live)
	}
	if st.Ingest.Notices["error"] != 1 {
		t.Errorf("notices %v, want one error", st.Ingest.Notices)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if strings.Contains(stderr.String()+stdout.String(), testXToken) {
		t.Fatal("the bearer token was printed")
	}
}

func TestXRules(t *testing.T) {
	var mu sync.Mutex
	rules := []map[string]string{{"id": "1", "value": "has:geo", "tag": "geo"}}
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testXToken || r.URL.Path != "/2/tweets/search/stream/rules" {
			http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodGet {
			json.NewEncoder(w).Encode(map[string]any{"data": rules})
			return
		}
		var body struct {
			Add    []map[string]string    `json:"add"`
			Delete struct{ IDs []string } `json:"delete"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, a := range body.Add {
			a["id"] = "2"
			rules = append(rules, a)
		}
		if len(body.Delete.IDs) > 0 {
			rules = rules[:0]
			json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"summary": map[string]int{"deleted": len(body.Delete.IDs)}}})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"data": body.Add})
	}))
	defer fake.Close()

	runX := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		env := Env{Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string {
				if k == envXBearerToken {
					return testXToken
				}
				return ""
			},
			Environ: func() []string { return nil }}
		err := Run(context.Background(), env, append([]string{"x", "rules", "--x-base-url", fake.URL}, args...))
		if strings.Contains(out.String()+errb.String(), testXToken) {
			t.Fatal("token printed")
		}
		return out.String(), err
	}
	out, err := runX("list")
	if err != nil || !strings.Contains(out, "has:geo") {
		t.Fatalf("list: %q %v", out, err)
	}
	out, err = runX("add", "has:geo lang:es", "es")
	if err != nil || !strings.Contains(out, "has:geo lang:es") || !strings.Contains(out, "2") {
		t.Fatalf("add: %q %v", out, err)
	}
	if out, err = runX("delete", "1", "2"); err != nil || !strings.Contains(out, "deleted 2") {
		t.Fatalf("delete: %q %v", out, err)
	}
	if _, err := runX("frobnicate"); err == nil {
		t.Fatal("unknown op accepted")
	}
	// No token: a usage error, before any request.
	err = Run(context.Background(), Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }, Environ: func() []string { return nil }},
		[]string{"x", "rules", "--x-base-url", fake.URL, "list"})
	if err == nil || !strings.Contains(err.Error(), "X_BEARER_TOKEN") {
		t.Fatalf("no token: %v", err)
	}
}
