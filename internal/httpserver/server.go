// Package httpserver is the HTTP server geoheat listens with: limits and
// timeouts, the bearer token when one is set (required beyond loopback),
// security headers, /readyz and /metrics beside the handler it is given,
// and /healthz from the store's health when the store reports one.
package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/metrics"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
)

// HTTP limits. Every endpoint is a GET with its parameters in the query
// string, so the limits are tight: a header block of 32 KiB holds any
// legitimate request line, and bodies are not read at all.
const (
	maxHeaderBytes    = 32 << 10
	maxBodyBytes      = 64 << 10
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	// handlerWriteTimeout bounds writing one answer. The server itself has
	// no WriteTimeout because /api/live streams for as long as the client
	// stays; the live handler drops slow subscribers itself.
	handlerWriteTimeout = time.Minute
)

// ErrNoToken is returned by New for a server that would be reachable from
// other machines without authentication.
var ErrNoToken = errors.New("a token is required to listen beyond loopback")

// Options is what New needs.
type Options struct {
	// Listen is the address the server will be bound to; anything but a
	// loopback address needs a Token.
	Listen  string
	Token   string             // bearer token every path but /healthz requires; "" for none
	Handler http.Handler       // the API with the dashboard mounted
	Store   store.Querier      // for /readyz, /metrics and /healthz
	Ingest  *pipeline.Pipeline // nil when this process does not ingest
	Live    *httpapi.Live      // the dashboard's live stream, for its gauges; may be nil
	Logger  *slog.Logger
}

// New builds the server: /readyz and /metrics next to the API,
// the token check when one is configured (required beyond loopback),
// security headers, body and header limits, and timeouts. With an ingest
// pipeline it also installs the metrics' latency observer, so call it
// before the pipeline runs.
func New(o Options) (*http.Server, error) {
	if o.Token == "" && !IsLoopback(o.Listen) {
		return nil, fmt.Errorf("httpserver: %s: %w", o.Listen, ErrNoToken)
	}
	reg := prometheus.NewRegistry()
	mopts := metrics.Options{Registry: reg, Store: o.Store, Logger: o.Logger}
	if o.Live != nil {
		mopts.Live = o.Live
	}
	if o.Ingest != nil {
		mopts.Ingest = func() *pipeline.Stats { s := o.Ingest.Stats(); return &s }
	}
	m, err := metrics.New(mopts)
	if err != nil {
		return nil, fmt.Errorf("httpserver: %w", err)
	}
	if o.Ingest != nil {
		o.Ingest.SetObserver(m)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET /readyz", readyHandler(o.Store, mopts.Ingest, m.LastRecordError))
	mux.Handle("/", withStoreHealth(o.Handler, o.Store))
	var h http.Handler = mux
	if o.Token != "" {
		h = httpapi.RequireToken(o.Token, h)
	}
	h = hardened(h)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		// Connection-level errors (bad TLS, broken clients) go to the
		// structured log; they never carry request headers.
		ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}, nil
}

// IsLoopback reports whether addr (host:port) can only be reached
// from this machine. An empty host or a name other than localhost counts
// as reachable: a name can resolve to anything.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// hardened adds what every answer needs whatever the handler: a body
// limit, a write deadline (except for the live stream), and for
// machine-readable endpoints a Content-Security-Policy that forbids
// everything (an API answer rendered as a page runs nothing) and nosniff.
// The dashboard's pages set their own policy. No CORS headers are ever set,
// so browsers keep other origins from reading answers.
func hardened(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if r.URL.Path != "/api/live" {
			// Best effort: a ResponseWriter without deadlines (tests'
			// recorders) is served without one.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(handlerWriteTimeout))
		}
		if isMachinePath(r.URL.Path) {
			hd := w.Header()
			hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			hd.Set("X-Content-Type-Options", "nosniff")
			hd.Set("Referrer-Policy", "no-referrer")
		}
		next.ServeHTTP(w, r)
	})
}

// isMachinePath reports whether path answers data rather than a page.
func isMachinePath(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/api/")
}

// recentRecordError is how long a failed Record keeps /readyz at 503: long
// enough for a probe every few seconds to see it, short enough that a
// recovered store is ready again soon.
const recentRecordError = 10 * time.Second

// readyHandler answers /readyz: 200 when the source is not in error and the
// store is healthy (its health report when it has one, it answers Stats,
// and no Record failed in the last recentRecordError), 503 with the reasons
// otherwise. A finished file source is ready: what it had is served.
// lastRecordErr may be nil.
func readyHandler(st store.Querier, ingest func() *pipeline.Stats, lastRecordErr func() (time.Time, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		var reasons []string
		if ingest != nil {
			if s := ingest(); s != nil && s.Source.State == "error" {
				reasons = append(reasons, "source: "+s.Source.Error)
			}
		}
		if hr, ok := st.(redisstore.HealthReporter); ok {
			if h := hr.Health(ctx); !h.Healthy() {
				reasons = append(reasons, fmt.Sprintf("store: %s: %s", h.State, h.LastError))
			}
		} else if _, err := st.Stats(ctx); err != nil {
			reasons = append(reasons, "store: "+err.Error())
		}
		if wr, ok := st.(metrics.WritesRefuser); ok {
			if err := wr.WritesRefused(); err != nil {
				reasons = append(reasons, "store: "+err.Error())
			}
		}
		if lastRecordErr != nil {
			if at, err := lastRecordErr(); err != nil && time.Since(at) < recentRecordError {
				reasons = append(reasons, fmt.Sprintf("store: record failed %s ago: %v", time.Since(at).Round(time.Second), err))
			}
		}
		body := map[string]any{"status": "ok"}
		code := http.StatusOK
		if len(reasons) > 0 {
			body = map[string]any{"status": "unavailable", "reasons": reasons}
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// withStoreHealth answers /healthz from the store's health when it has
// one: 200 while Redis answers, 503 with the outage's details otherwise.
func withStoreHealth(next http.Handler, st store.Querier) http.Handler {
	hr, ok := st.(redisstore.HealthReporter)
	if !ok {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		h := hr.Health(r.Context())
		body := map[string]any{"status": "ok", "store": h}
		code := http.StatusOK
		if !h.Healthy() {
			body["status"], code = "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(body)
	})
}
