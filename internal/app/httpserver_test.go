package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

func TestIsLoopbackListen(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:0", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"example.com:80", false},
		{"garbage", false},
	} {
		if got := isLoopbackListen(tc.addr); got != tc.want {
			t.Errorf("isLoopbackListen(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// Bound beyond loopback without a token, serve refuses before opening
// anything, with an error that says what to do.
func TestServeRefusesOpenListenWithoutToken(t *testing.T) {
	dataDir := t.TempDir()
	_, _, err := run(t, context.Background(), "", "serve", "--source", "demo", "--listen", "0.0.0.0:0", "--data-dir", dataDir)
	if !errors.Is(err, ErrUsage) || !errors.Is(err, errNoToken) || !strings.Contains(err.Error(), "--auth-token") {
		t.Fatalf("serve on 0.0.0.0 without a token: %v; want a usage error naming --auth-token", err)
	}
}

// With a token: everything but /healthz needs it (Bearer or Basic), answers
// carry the API's security headers and no CORS, and the token never shows
// in the logs, not even at debug level.
func TestServeWithAuthToken(t *testing.T) {
	const token = "s3cret-T0KEN-do-not-log"
	corpus := demoCorpus(t, 2000)
	listening := make(chan string, 1)
	var stderr bytes.Buffer
	env := Env{Stdin: bytes.NewReader(corpus), Stdout: io.Discard, Stderr: &syncWriter{w: &stderr},
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil },
		OnListen: func(u string) { listening <- u }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, env, []string{"serve", "--source", "-", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(),
			"--detector", "stopwords", "--stopwords-dir", stopwordDir(t), "--workers", "2",
			"--auth-token", token, "--log-level", "debug"})
	}()
	var base string
	select {
	case base = <-listening:
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, stderr.String())
	}
	get := func(path string, set func(*http.Request)) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if set != nil {
			set(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	for _, tc := range []struct {
		name string
		path string
		set  func(*http.Request)
		want int
	}{
		{"healthz is open", "/healthz", nil, 200},
		{"no token", "/api/status", nil, 401},
		{"wrong token", "/api/status", bearer("wrong-guess-123"), 401},
		{"token prefix", "/api/status", bearer(token[:len(token)-1]), 401},
		{"bearer", "/api/status", bearer(token), 200},
		{"basic (browsers)", "/api/counts", func(r *http.Request) { r.SetBasicAuth("anyone", token) }, 200},
		{"metrics need it", "/metrics", nil, 401},
		{"metrics", "/metrics", bearer(token), 200},
		{"readyz", "/readyz", bearer(token), 200},
		{"dashboard needs it", "/", nil, 401},
		{"token in the query is not accepted", "/api/status?token=" + token, nil, 401},
		{"huge header", "/api/status", func(r *http.Request) { r.Header.Set("X-Junk", strings.Repeat("x", 64<<10)) }, 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(tc.path, tc.set)
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s: %d, want %d: %.200s", tc.path, resp.StatusCode, tc.want, body)
			}
			if strings.Contains(body, "wrong-guess-123") {
				t.Errorf("the answer echoes the presented token: %s", body)
			}
			if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	resp, body := get("/api/counts", func(r *http.Request) {
		bearer(token)(r)
		r.Header.Set("Origin", "https://evil.example")
	})
	if resp.StatusCode != 200 {
		t.Fatalf("counts: %d %s", resp.StatusCode, body)
	}
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("CORS header set: %q", v)
	}
	if v := resp.Header.Get("Content-Security-Policy"); !strings.Contains(v, "default-src 'none'") {
		t.Errorf("API answer CSP = %q", v)
	}
	if v := resp.Header.Get("X-Content-Type-Options"); v != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", v)
	}
	_, metrics := get("/metrics", bearer(token))
	for _, name := range []string{"geoheat_messages_total", "geoheat_dropped_total", "geoheat_queue_length", "geoheat_record_batch_seconds_bucket", "geoheat_store_posts"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), token) || strings.Contains(stderr.String(), "wrong-guess-123") {
		t.Fatalf("a token appears in the logs:\n%s", stderr.String())
	}
}

// failingStore is a Querier whose Stats fails, as a closed or broken store's
// does.
type failingStore struct{ store.Querier }

func (failingStore) Stats(context.Context) (store.Stats, error) {
	return store.Stats{}, fmt.Errorf("memstore: %w", store.ErrClosed)
}

// /readyz is 503 with the reasons when the source failed or the store does
// not answer, 200 otherwise.
func TestReadyz(t *testing.T) {
	okStore, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer okStore.Close()
	running := func() *pipeline.Stats { return &pipeline.Stats{Source: pipeline.SourceStatus{State: "running"}} }
	failed := func() *pipeline.Stats {
		return &pipeline.Stats{Source: pipeline.SourceStatus{State: "error", Error: "file: read: disk on fire"}}
	}
	noErr := func() (time.Time, error) { return time.Time{}, nil }
	recentErr := func() (time.Time, error) { return time.Now(), errors.New("write log entry: no space left on device") }
	oldErr := func() (time.Time, error) { return time.Now().Add(-time.Minute), errors.New("no space left on device") }
	for _, tc := range []struct {
		name    string
		st      store.Querier
		ingest  func() *pipeline.Stats
		lastErr func() (time.Time, error)
		want    int
		reason  string
	}{
		{"healthy", okStore, running, noErr, 200, ""},
		{"no ingest", okStore, nil, nil, 200, ""},
		{"source failed", okStore, failed, noErr, 503, "disk on fire"},
		{"store failing", failingStore{}, running, noErr, 503, "store: closed"},
		{"record failed just now", okStore, running, recentErr, 503, "no space left"},
		{"record failed a minute ago", okStore, running, oldErr, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			readyHandler(tc.st, tc.ingest, tc.lastErr).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.reason) {
				t.Errorf("readyz = %d %s, want %d mentioning %q", rec.Code, rec.Body.String(), tc.want, tc.reason)
			}
		})
	}
}
