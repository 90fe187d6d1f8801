package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/httpserver"
)

// Bound beyond loopback without a token, serve refuses before opening
// anything, with an error that says what to do.
func TestServeRefusesOpenListenWithoutToken(t *testing.T) {
	dataDir := t.TempDir()
	_, _, err := run(t, context.Background(), "", "serve", "--source", "demo", "--listen", "0.0.0.0:0", "--data-dir", dataDir)
	if !errors.Is(err, ErrUsage) || !errors.Is(err, httpserver.ErrNoToken) || !strings.Contains(err.Error(), "--auth-token") {
		t.Fatalf("serve on 0.0.0.0 without a token: %v; want a usage error naming --auth-token", err)
	}
}

// With a token: everything but /healthz needs it (Bearer or Basic), answers
// carry the API's security headers and no CORS, and the token never shows
// in the logs, not even at debug level.
func TestServeWithAuthToken(t *testing.T) {
	const token = "s3cret-T0KEN-do-not-log"
	corpus := demoCorpus(t, 2000)
	var stderr bytes.Buffer
	logs := &syncWriter{w: &stderr}
	env := Env{Stdin: bytes.NewReader(corpus), Stdout: io.Discard, Stderr: logs,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, env, &stderr, "--source", "-", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--detector", "stopwords", "--stopwords-dir", stopwordDir(t), "--workers", "2",
		"--auth-token", token, "--log-level", "debug")
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
	// Query commands present the token to the server they ask, from the
	// flag or GEOHEAT_AUTH_TOKEN; without it the server's 401 is the error.
	if out, errs, err := run(t, ctx, "", "counts", "--server", base, "--auth-token", token); err != nil || !strings.Contains(out, "lang") {
		t.Errorf("counts --server --auth-token: %v\n%s%s", err, out, errs)
	}
	if _, _, err := run(t, ctx, "", "status", "--server", base); err == nil {
		t.Error("status --server without the token succeeded")
	}
	if strings.Contains(logs.String(), token) { // serve still runs and logs: read under its lock
		t.Error("the token reached the server's log")
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
