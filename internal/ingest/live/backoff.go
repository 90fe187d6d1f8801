package live

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// HTTPError is a connection refused with an HTTP status. Sessions return
// it so the loop can pick the right backoff; Body is a short excerpt of the
// server's explanation (never request headers, which carry tokens).
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body)
}

// RateLimited reports a status that asks the client to slow down: 429, and
// 420 ("Enhance Your Calm"), which the old Twitter streams used for it.
func (e *HTTPError) RateLimited() bool { return e.Status == 429 || e.Status == 420 }

// StatusError turns a refused connection (a response other than 200) into
// an *HTTPError, prefixed with the source's name and carrying the first 512
// bytes of the body; 401 and 403 (bad token, no access) are Permanent,
// since retrying cannot fix them.
func StatusError(prefix string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	err := fmt.Errorf("%s: %w", prefix, &HTTPError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))})
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return Permanent(err)
	}
	return err
}

// Sentinel errors of the loop.
var (
	// ErrStalled: nothing (no payload, no keep-alive) arrived within the
	// stall timeout, so the connection is presumed dead.
	ErrStalled = errors.New("live: no data or keep-alive")
	// ErrClosed: the server ended the stream cleanly; live streams never
	// end on their own, so this is retried like a network error.
	ErrClosed = errors.New("live: stream closed by server")
)

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the loop stops and returns it instead of
// reconnecting: bad credentials, a source misconfigured.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Backoff computes reconnection delays the way X documents for its
// streams, a schedule that suits any streaming server:
//
//   - network errors (refused, reset, stalled, closed): linear, +Step each
//     attempt, up to NetworkMax;
//   - HTTP errors: exponential from HTTPStart, doubling, up to HTTPMax;
//   - rate limiting (429, 420): exponential from RateStart, doubling, up to
//     RateMax.
//
// The three schedules advance independently and all restart after a
// successful connection (Reset). Not safe for concurrent use; the loop owns
// it.
type Backoff struct {
	NetworkStep, NetworkMax time.Duration
	HTTPStart, HTTPMax      time.Duration
	RateStart, RateMax      time.Duration

	network, http, rate int // failed attempts in a row, per schedule
}

// XBackoff returns X's documented schedule. X gives no ceiling for 429;
// 15 minutes is the length of its rate-limit windows, so waiting longer
// buys nothing.
func XBackoff() *Backoff {
	return &Backoff{
		NetworkStep: 250 * time.Millisecond, NetworkMax: 16 * time.Second,
		HTTPStart: 5 * time.Second, HTTPMax: 320 * time.Second,
		RateStart: time.Minute, RateMax: 15 * time.Minute,
	}
}

// Next returns how long to wait before reconnecting after err.
func (b *Backoff) Next(err error) time.Duration {
	var he *HTTPError
	switch {
	case errors.As(err, &he) && he.RateLimited():
		b.rate++
		return doubling(b.RateStart, b.RateMax, b.rate)
	case errors.As(err, &he):
		b.http++
		return doubling(b.HTTPStart, b.HTTPMax, b.http)
	default:
		b.network++
		return min(time.Duration(b.network)*b.NetworkStep, b.NetworkMax)
	}
}

// Reset restarts every schedule; called once a connection is established.
func (b *Backoff) Reset() { b.network, b.http, b.rate = 0, 0, 0 }

// doubling returns start·2^(n-1), capped.
func doubling(start, ceiling time.Duration, n int) time.Duration {
	d := start
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}
