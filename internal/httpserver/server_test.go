package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

func TestIsLoopback(t *testing.T) {
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
		if got := IsLoopback(tc.addr); got != tc.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tc.addr, got, tc.want)
		}
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

// New refuses to build a server reachable from other machines without a
// token, whatever its caller checked before.
func TestNewNeedsTokenBeyondLoopback(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		listen, token string
		refused       bool
	}{
		{"0.0.0.0:8080", "", true},
		{":8080", "", true},
		{"0.0.0.0:8080", "t0ken", false},
		{"127.0.0.1:0", "", false},
	} {
		_, err := New(Options{Listen: tc.listen, Token: tc.token, Handler: http.NotFoundHandler(), Store: st, Logger: slog.New(slog.DiscardHandler)})
		if got := errors.Is(err, ErrNoToken); got != tc.refused || (!tc.refused && err != nil) {
			t.Errorf("New(listen %q, token %q): %v; want refused %v", tc.listen, tc.token, err, tc.refused)
		}
	}
}
