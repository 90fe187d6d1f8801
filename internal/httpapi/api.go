// Package httpapi serves geoheat's JSON API. It depends only on a
// store.Querier and a few functions, never on the ingest pipeline's queues,
// so queries never wait for ingest.
//
// Every answer uses one envelope, as Prometheus' API does:
//
//	{"status":"success","data":...}
//	{"status":"error","errorType":"bad_data","error":"..."}
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/geoheat/geoheat/internal/buildinfo"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/store"
)

// Options configures the API.
type Options struct {
	Querier store.Querier
	// Ingest returns the pipeline's statistics, or nil when this process
	// does not ingest (a query-only process).
	Ingest func() *pipeline.Stats
	// Explainer answers /api/detect; nil disables the endpoint (503).
	Explainer langid.Explainer
	// Detector names the detector in /api/detect answers.
	Detector string
	// Build is what the binary carries, shown in /api/status (nil: left out).
	Build   *buildinfo.Info
	Now     func() time.Time
	Started time.Time
	Logger  *slog.Logger
	// Guard caches and rate-limits the expensive endpoints (heat, points,
	// windowed top, trends); nil means a guard over Querier with the
	// process-wide DefaultLimiter.
	Guard *Guard
	// Places reads the country= and near= of /api/trends (the app passes
	// the embedded gazetteer's parser, loaded once); nil means
	// place.DefaultParser, loaded on first use.
	Places PlaceParser
}

// API is the HTTP handler.
type API struct {
	opts Options
	mux  *http.ServeMux
}

// New returns the API handler.
func New(opts Options) *API {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Started.IsZero() {
		opts.Started = opts.Now()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Guard == nil && opts.Querier != nil {
		opts.Guard = NewGuard(GuardOptions{Stats: opts.Querier.Stats})
	}
	if opts.Places == nil {
		opts.Places = sync.OnceValues(place.DefaultParser)
	}
	a := &API{opts: opts, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /healthz", a.healthz)
	// Status, counts of everything, healthz and detect are cheap and never
	// limited: a loaded server must still say how it is doing.
	a.mux.HandleFunc("GET /api/status", a.wrap(a.status))
	a.mux.HandleFunc("GET /api/counts", a.counts)
	a.mux.HandleFunc("GET /api/top", a.top)
	a.mux.HandleFunc("GET /api/points", a.points)
	a.mux.HandleFunc("GET /api/heat", a.heat)
	a.mux.HandleFunc("GET /api/trends", a.trends)
	a.mux.HandleFunc("GET /api/histogram", a.histogram)
	a.mux.HandleFunc("GET /api/posts", a.posts)
	a.mux.HandleFunc("GET /api/detect", a.wrap(a.detect))
	a.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{typ: errNotFound, err: errors.New("no such endpoint: " + r.URL.Path)})
	})
	return a
}

// Guard returns the API's answer cache and limiter, for other expensive
// handlers on the same mux (the PNG heatmap) to share.
func (a *API) Guard() *Guard { return a.opts.Guard }

// Handle registers another handler (the dashboard) on the API's mux.
func (a *API) Handle(pattern string, h http.Handler) { a.mux.Handle(pattern, h) }

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	a.mux.ServeHTTP(w, r)
}

type errorType string

const (
	errBadData     errorType = "bad_data"
	errNotFound    errorType = "not_found"
	errUnavailable errorType = "unavailable"
	errInternal    errorType = "internal"
	errCanceled    errorType = "canceled"
)

type apiError struct {
	typ errorType
	err error
	// retry asks the client to come back in a second (Retry-After: 1):
	// the server was busy, not broken.
	retry bool
}

func (e *apiError) Error() string { return string(e.typ) + ": " + e.err.Error() }

func badData(err error) *apiError { return &apiError{typ: errBadData, err: err} }

// envelope is the one response shape.
type envelope struct {
	Status    string    `json:"status"`
	Data      any       `json:"data,omitempty"`
	ErrorType errorType `json:"errorType,omitempty"`
	Error     string    `json:"error,omitempty"`
}

type handlerFunc func(r *http.Request) (any, *apiError)

func (a *API) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, aerr := h(r)
		if aerr != nil {
			if aerr.typ == errInternal {
				a.opts.Logger.Error("api", "path", r.URL.Path, "err", aerr.err)
			}
			writeError(w, aerr)
			return
		}
		writeJSON(w, http.StatusOK, envelope{Status: "success", Data: data})
	}
}

// storeError maps a store error onto the error-to-status table.
func storeError(err error) *apiError {
	switch {
	case errors.Is(err, store.ErrBadQuery):
		return badData(err)
	case errors.Is(err, store.ErrClosed):
		return &apiError{typ: errUnavailable, err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{typ: errCanceled, err: err}
	default:
		return &apiError{typ: errInternal, err: err}
	}
}

func writeError(w http.ResponseWriter, e *apiError) {
	code := http.StatusInternalServerError
	switch e.typ {
	case errBadData:
		code = http.StatusBadRequest
	case errNotFound:
		code = http.StatusNotFound
	case errUnavailable:
		code = http.StatusServiceUnavailable
	case errCanceled:
		code = 499 // client closed request, as nginx and Prometheus report it
	}
	if e.retry {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, code, envelope{Status: "error", ErrorType: e.typ, Error: e.err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", contentJSON)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = newEncoder(w).Encode(v)
}

func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // hashtags are attacker-controlled; keep <>& escaped even in JSON
	return enc
}

// encodeSuccess encodes data in the success envelope, exactly as writeJSON
// would send it, for the answer cache.
func encodeSuccess(data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := newEncoder(&buf).Encode(envelope{Status: "success", Data: data}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// guardError maps an error from a guarded computation: the limiter's
// refusal, or the request's context ending while it waited, is a 503 with
// Retry-After (a client that has gone never reads it; one whose deadline
// passed learns to retry).
func guardError(r *http.Request, err error) *apiError {
	var aerr *apiError
	switch {
	case errors.As(err, &aerr):
		return aerr
	case errors.Is(err, ErrBusy), r.Context().Err() != nil:
		return &apiError{typ: errUnavailable, err: ErrBusy, retry: true}
	default:
		return storeError(err)
	}
}

// WriteError answers err in the API's envelope, mapped as the API maps the
// errors of its guarded queries (for handlers outside the package that
// serve from a Guard, such as the PNG heatmap): ErrBusy or the request
// ending is a 503 with Retry-After, store errors as storeError says.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, guardError(r, err))
}

// BadData marks err as the client's mistake: WriteError answers it 400
// bad_data.
func BadData(err error) error { return badData(err) }

// serveGuarded answers from the guard in JSON: key identifies the
// normalised query (its type names the endpoint); compute builds the data
// on a miss. Expensive computations take a limiter slot; cheap ones are
// only cached.
func (a *API) serveGuarded(w http.ResponseWriter, r *http.Request, key any, expensive bool, compute func(ctx context.Context) (any, *apiError)) {
	a.serveFormat(w, r, key, expensive, FormatJSON, "", compute)
}

// serveFormat is serveGuarded for an answer in format (ParseFormat), name
// being the endpoint's short name (the export's file name). Each format of
// a query is cached apart.
func (a *API) serveFormat(w http.ResponseWriter, r *http.Request, key any, expensive bool, format, name string, compute func(ctx context.Context) (any, *apiError)) {
	if format != FormatJSON {
		key = exportKey{key: key, format: format}
	}
	fn := func(ctx context.Context) (Answer, error) {
		data, aerr := compute(ctx)
		if aerr != nil {
			return Answer{}, aerr
		}
		ans, err := encodeAnswer(data, format, name)
		if err != nil {
			return Answer{}, &apiError{typ: errInternal, err: err}
		}
		return ans, nil
	}
	var ans Answer
	var err error
	if expensive {
		ans, err = a.opts.Guard.Do(r.Context(), key, fn)
	} else {
		ans, err = a.opts.Guard.DoCheap(r.Context(), key, fn)
	}
	if err != nil {
		aerr := guardError(r, err)
		if aerr.typ == errInternal {
			a.opts.Logger.Error("api", "path", r.URL.Path, "err", aerr.err)
		}
		writeError(w, aerr)
		return
	}
	h := w.Header()
	for k, v := range ans.Header {
		h[k] = append([]string(nil), v...) // the cached header is shared: never hand it out
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentJSON)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(ans.Body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ans.Body)
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
