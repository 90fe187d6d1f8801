package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/testenv"
)

// demoCorpus returns n deterministic demo messages as JSON lines.
func demoCorpus(t *testing.T, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	src := demo.New(demo.Options{Seed: 7, Now: func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) }})
	if err := src.WriteFile(&buf, n); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stopwordDir prefers NLTK's real lists (shared data) and falls back to
// the tiny self-written ones.
func stopwordDir(t *testing.T) string {
	if dir, err := testenv.LookupShared("nltk_stopwords", "notebook_era_2012", "corpora", "stopwords", "english"); err == nil {
		return filepath.Dir(filepath.Dir(filepath.Dir(dir)))
	}
	return miniStopwords
}

// waitStatus polls base's /api/status every few milliseconds until done
// accepts it, failing the test after timeout with what it last saw.
func waitStatus(t *testing.T, base string, timeout time.Duration, done func(httpapi.StatusData) bool) httpapi.StatusData {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var st httpapi.StatusData
		if err := getJSON(t, base+"/api/status", &st); err != nil {
			t.Fatal(err)
		}
		if done(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("status not reached within %v; last ingest: %+v", timeout, st.Ingest)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startServeInProcess runs `geoheat serve ARGS` in-process with env (its OnListen
// replaced) until ctx is cancelled, waits until it listens and returns its
// URL and the channel that receives Run's result. When serve exits before
// listening it fails the test with the error and, when stderr is not nil,
// what serve wrote there (env.Stderr is expected to write to it).
func startServeInProcess(t *testing.T, ctx context.Context, env Env, stderr *bytes.Buffer, args ...string) (string, <-chan error) {
	t.Helper()
	listening := make(chan string, 1)
	env.OnListen = func(u string) { listening <- u }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, env, append([]string{"serve"}, args...)) }()
	select {
	case u := <-listening:
		return u, done
	case err := <-done:
		if stderr != nil {
			t.Fatalf("serve exited: %v\n%s", err, stderr.String())
		}
		t.Fatalf("serve exited: %v", err)
	}
	return "", nil
}

func getJSON(t *testing.T, url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, body)
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Status != "success" {
		return fmt.Errorf("%s: bad envelope %.200s", url, body)
	}
	return json.Unmarshal(env.Data, v)
}

// The API answers while ingestion runs: the source (stdin) is held open
// half-way, the queries must answer then, and after Ctrl-C (cancel) every
// accepted post is in the store.
func TestServeAnswersWhileIngesting(t *testing.T) {
	corpus := demoCorpus(t, 20_000)
	half := bytes.Index(corpus[len(corpus)/2:], []byte("\n")) + len(corpus)/2 + 1
	firstHalf := int64(bytes.Count(corpus[:half], []byte("\n")))
	pr, pw := io.Pipe()
	dataDir := t.TempDir()
	var stderr bytes.Buffer
	env := Env{Stdin: pr, Stdout: io.Discard, Stderr: &syncWriter{w: &stderr},
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, env, &stderr, "--source", "-", "--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--detector", "stopwords", "--stopwords-dir", stopwordDir(t), "--workers", "2")
	if _, err := pw.Write(corpus[:half]); err != nil {
		t.Fatal(err)
	}
	// The first half is read; the source is still open: ingest is running.
	st := waitStatus(t, base, 30*time.Second, func(st httpapi.StatusData) bool {
		return st.Ingest != nil && st.Ingest.Messages == firstHalf && st.Ingest.Written+st.Ingest.Undetected == st.Ingest.Posts
	})
	if st.Ingest.Source.State != "running" {
		t.Fatalf("source state %q while stdin is open", st.Ingest.Source.State)
	}
	// Hammer every endpoint from several clients while the second half flows.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, path := range []string{"/api/status", "/api/counts", "/api/top?n=5", "/api/top?lang=en&window=15m",
					"/api/points?lang=english&n=400", "/api/heat?zoom=3&limit=500", "/api/heat?bbox=-10,35,5,45&zoom=6&window=1h",
					"/api/detect?text=the+end+of+the+world"} {
					var v any
					if err := getJSON(t, base+path, &v); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	if _, err := pw.Write(corpus[half:]); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Ctrl-C with stdin still open: drain, flush, exit cleanly.
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v\n%s", err, stderr.String())
	}
	pw.Close()
	out, _, err := run(t, context.Background(), "", "status", "--data-dir", dataDir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var after httpapi.StatusData
	mustUnmarshal(t, out, &after)
	if after.Store.Posts == 0 || after.Store.Posts < st.Ingest.Written {
		t.Fatalf("after restart the store holds %d posts; %d were written before the second half", after.Store.Posts, st.Ingest.Written)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String is what was written so far, read under the lock, for a check
// while the writers still run.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.w.(fmt.Stringer); ok {
		return b.String()
	}
	return ""
}
