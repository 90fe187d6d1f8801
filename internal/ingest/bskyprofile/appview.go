package bskyprofile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/live"
)

// AppView defaults.
const (
	// DefaultAppView is Bluesky's public, unauthenticated AppView.
	DefaultAppView = "https://public.api.bsky.app"
	// DefaultRate is the request cap. Bluesky publishes 3000 requests per
	// 5 minutes per IP for its API (10/s; docs.bsky.app, "Rate Limits");
	// 3/s stays well under it, leaves room for other clients behind the
	// same address, and still looks up 75 authors a second.
	DefaultRate = 3.0
	// MaxBatch is getProfiles' limit on actors per call (the lexicon's
	// maxLength of "actors").
	MaxBatch = 25
	// DefaultQueue bounds the authors waiting for a lookup: at 75 a second,
	// about a minute of backlog. Beyond it authors are dropped (counted);
	// their next post asks again.
	DefaultQueue = 4096
	// DefaultTimeout bounds one request.
	DefaultTimeout = 10 * time.Second
	// DefaultAttempts bounds the tries of one batch; a batch that fails
	// them all is given up (counted) and its authors may be asked again.
	DefaultAttempts = 4
	// maxResponse bounds a getProfiles answer: 25 profiles of at most a
	// few KB each, with room.
	maxResponse = 1 << 20
	// maxDID bounds a DID (the spec's limit is 2 KB).
	maxDID = 2048
)

// AppViewOptions configures NewAppView. Zero values take the defaults.
type AppViewOptions struct {
	BaseURL  string       // default DefaultAppView
	Client   *http.Client // default http.DefaultClient, each request bounded by Timeout
	Rate     float64      // requests per second; default DefaultRate
	Queue    int          // authors waiting; default DefaultQueue
	Batch    int          // actors per request, at most MaxBatch (the default)
	Timeout  time.Duration
	Attempts int
	// Backoff schedules retries: 429 on its rate schedule, 5xx on its HTTP
	// one, network errors and timeouts linearly (live.Backoff). Default
	// RetryBackoff().
	Backoff *live.Backoff
	Clock   live.Clock // default live.RealClock
	Logger  *slog.Logger
}

// RetryBackoff is the retry schedule of lookups: shorter than a stream's
// reconnection schedule, since a batch is small and retried a few times
// only, but still doubling on 429 and 5xx.
func RetryBackoff() *live.Backoff {
	return &live.Backoff{
		NetworkStep: 500 * time.Millisecond, NetworkMax: 10 * time.Second,
		HTTPStart: time.Second, HTTPMax: 30 * time.Second,
		RateStart: 5 * time.Second, RateMax: 2 * time.Minute,
	}
}

// AppView looks up authors' profiles with app.bsky.actor.getProfiles and
// puts the answers in a Directory. Want queues an author and never blocks;
// Run does the lookups: batched, at most Rate requests a second, with
// retries and backoff. An author the AppView does not return (deleted,
// suspended, no such DID) is put with no place, so it is not asked again
// until the TTL.
type AppView struct {
	opts AppViewOptions
	dir  *Directory
	url  string // .../xrpc/app.bsky.actor.getProfiles

	queue chan string

	mu      sync.Mutex
	pending map[string]bool // queued or in flight: not queued again

	lookups, batches, found, missing, dropped, invalid, givenUp atomic.Int64
	errMu                                                       sync.Mutex
	errs                                                        map[string]int64 // by kind
}

// NewAppView returns the client; it does nothing until Run.
func NewAppView(dir *Directory, opts AppViewOptions) (*AppView, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultAppView
	}
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bskyprofile: bad AppView URL %q: want https://host", opts.BaseURL)
	}
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	if opts.Rate <= 0 {
		opts.Rate = DefaultRate
	}
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.Batch <= 0 || opts.Batch > MaxBatch {
		opts.Batch = MaxBatch
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Backoff == nil {
		opts.Backoff = RetryBackoff()
	}
	if opts.Clock == nil {
		opts.Clock = live.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &AppView{
		opts: opts, dir: dir,
		url:     u.String() + "/xrpc/app.bsky.actor.getProfiles",
		queue:   make(chan string, opts.Queue),
		pending: map[string]bool{},
		errs:    map[string]int64{},
	}, nil
}

// Want queues an author for a lookup unless one is queued or in flight.
// It never blocks: with the queue full the author is dropped and counted.
// Invalid DIDs are counted and never sent. Goroutine-safe.
func (a *AppView) Want(did string) {
	if !ValidDID(did) {
		a.invalid.Add(1)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending[did] {
		return
	}
	select {
	case a.queue <- did:
		a.pending[did] = true
	default:
		a.dropped.Add(1)
	}
}

// Pending returns how many authors are queued or being looked up.
func (a *AppView) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending)
}

// ValidDID reports whether did is a did:plc or did:web identifier in the
// syntax the AT Protocol allows; anything else would only earn a 400.
func ValidDID(did string) bool {
	rest, ok := strings.CutPrefix(did, "did:plc:")
	if ok {
		if len(rest) != 24 {
			return false
		}
		for i := 0; i < len(rest); i++ {
			if c := rest[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
				return false
			}
		}
		return true
	}
	rest, ok = strings.CutPrefix(did, "did:web:")
	if !ok || rest == "" || len(did) > maxDID {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '%' || c == ':') {
			return false
		}
	}
	return true
}

// Run looks up queued authors until ctx ends; it always returns ctx.Err().
// Each request waits for the rate cap first, then takes up to Batch
// authors: under load, batches fill while the cap holds them back.
func (a *AppView) Run(ctx context.Context) error {
	interval := time.Duration(float64(time.Second) / a.opts.Rate)
	var last time.Time
	for {
		var first string
		select {
		case first = <-a.queue:
		case <-ctx.Done():
			return ctx.Err()
		}
		// The token bucket, of depth one: a request no sooner than
		// interval after the one before (retries included).
		if wait := interval - a.opts.Clock.Now().Sub(last); !last.IsZero() && wait > 0 {
			if err := a.sleep(ctx, wait); err != nil {
				return err
			}
		}
		batch := []string{first}
	fill:
		for len(batch) < a.opts.Batch {
			select {
			case did := <-a.queue:
				batch = append(batch, did)
			default:
				break fill
			}
		}
		for attempt := 1; ; attempt++ {
			last = a.opts.Clock.Now()
			err := a.fetch(ctx, batch)
			if err == nil {
				a.opts.Backoff.Reset()
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			kind := errKind(err)
			a.countErr(kind)
			if attempt == 1 || attempt == a.opts.Attempts {
				a.opts.Logger.Warn("bluesky profiles: lookup failed", "err", err, "attempt", attempt, "authors", len(batch))
			}
			if kind == "client" || attempt >= a.opts.Attempts {
				// A 4xx other than 429 will not change on retry.
				a.givenUp.Add(1)
				break
			}
			wait := max(a.opts.Backoff.Next(err), retryAfter(err), interval)
			if err := a.sleep(ctx, wait); err != nil {
				return err
			}
		}
		a.mu.Lock()
		for _, did := range batch {
			delete(a.pending, did)
		}
		a.mu.Unlock()
	}
}

func (a *AppView) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-a.opts.Clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// rateLimitedError carries a 429's Retry-After.
type rateLimitedError struct {
	*live.HTTPError
	after time.Duration
}

func (e *rateLimitedError) Unwrap() error { return e.HTTPError }

func retryAfter(err error) time.Duration {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		return rl.after
	}
	return 0
}

// profilesAnswer is the part of getProfiles' answer read
// (app.bsky.actor.defs#profileViewDetailed).
type profilesAnswer struct {
	Profiles []struct {
		DID         string `json:"did"`
		DisplayName string `json:"displayName"`
		Description string `json:"description"`
	} `json:"profiles"`
}

// fetch asks for one batch and puts every author in the directory.
func (a *AppView) fetch(ctx context.Context, batch []string) error {
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	q := url.Values{"actors": batch}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("bskyprofile: getProfiles: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	a.batches.Add(1)
	a.lookups.Add(int64(len(batch)))
	resp, err := a.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("bskyprofile: getProfiles: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := live.StatusError("bskyprofile: getProfiles", resp)
		var he *live.HTTPError
		if errors.As(err, &he) && he.RateLimited() {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &rateLimitedError{HTTPError: he, after: min(time.Duration(secs)*time.Second, 5*time.Minute)}
		}
		return err
	}
	var ans profilesAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&ans); err != nil {
		return fmt.Errorf("bskyprofile: getProfiles: %w: %v", errDecode, err)
	}
	now := a.opts.Clock.Now().UnixMicro()
	asked := map[string]bool{}
	for _, did := range batch {
		asked[did] = true
	}
	for _, p := range ans.Profiles {
		if !asked[p.DID] {
			continue // not ours: an AppView answering for others is not trusted
		}
		delete(asked, p.DID)
		a.found.Add(1)
		a.dir.Put(p.DID, capText(p.DisplayName, 640), capText(p.Description, 2560), now)
	}
	for did := range asked {
		// Not returned: no such account, deleted or taken down.
		a.missing.Add(1)
		a.dir.Put(did, "", "", now)
	}
	return nil
}

var errDecode = errors.New("bad answer")

// capText cuts an AppView string to the lexicon's limit in bytes, on a
// character boundary (as jetstream does for profile records).
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// errKind names an error for the counters: timeout, rate_limited, server
// (5xx), client (other 4xx), decode, network.
func errKind(err error) string {
	var he *live.HTTPError
	var ne net.Error
	switch {
	case errors.As(err, &he) && he.RateLimited():
		return "rate_limited"
	case errors.As(err, &he) && he.Status >= 500:
		return "server"
	case errors.As(err, &he):
		return "client"
	case errors.Is(err, errDecode):
		return "decode"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	default:
		return "network"
	}
}

func (a *AppView) countErr(kind string) {
	a.errMu.Lock()
	a.errs[kind]++
	a.errMu.Unlock()
}

// Counters returns the lookup counters; the map is the caller's.
func (a *AppView) Counters() map[string]int64 {
	c := map[string]int64{
		"profile_lookups":          a.lookups.Load(), // authors asked for (retries included)
		"profile_batches":          a.batches.Load(), // requests made
		"profile_found":            a.found.Load(),
		"profile_missing":          a.missing.Load(),
		"profile_queue_dropped":    a.dropped.Load(),
		"profile_invalid_did":      a.invalid.Load(),
		"profile_batches_given_up": a.givenUp.Load(),
	}
	a.errMu.Lock()
	for kind, n := range a.errs {
		c["profile_errors_"+kind] = n
	}
	a.errMu.Unlock()
	return c
}
