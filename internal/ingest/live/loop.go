// Package live is the reconnect loop every live source shares (X, Bluesky
// Jetstream, Mastodon): it runs one connection at a time, detects stalled
// connections, backs off between attempts as X documents, and reports the
// connection's state for /api/status.
//
// A source supplies a Connect function that runs one connection until it
// fails; the loop does the rest. This is Benthos's async_reader idea: the
// reconnect policy lives in one place instead of in each source.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
)

// DefaultStall is how long a connection may stay silent (no payload, no
// keep-alive) before it is dropped: X's documented 20 seconds. Jetstream
// and Mastodon send keep-alives or traffic more often than that too.
const DefaultStall = 20 * time.Second

// Connect runs one connection: it dials, calls l.Connected once the server
// accepted, l.Alive on every keep-alive, l.Emit for every payload, and
// returns why the connection ended. It must return soon after ctx is done
// (the loop cancels ctx when the connection stalls). Return *HTTPError for
// refused connections, Permanent(err) for errors retrying cannot fix; a
// nil return means the server closed the stream.
type Connect func(ctx context.Context, l *Link) error

// Config configures a Loop.
type Config struct {
	Name    string  // Progress.Name, e.g. "x:filtered"
	Connect Connect // one connection; see Connect
	// Endpoint names the server in the state report; called before every
	// attempt so a source that fails over between hosts can report the
	// current one. Optional.
	Endpoint func() string
	Backoff  *Backoff      // default XBackoff()
	Stall    time.Duration // default DefaultStall
	Clock    Clock         // default RealClock
	Logger   *slog.Logger  // default discards
	// OnBackoff, when set, is told each delay once the wait has started
	// (tests synchronise on it).
	OnBackoff func(d time.Duration, err error)
}

// Loop runs a live source. Progress is safe to call concurrently with Run.
type Loop struct {
	cfg Config

	messages   atomic.Int64
	bytes      atomic.Int64
	connects   atomic.Int64
	reconnects atomic.Int64
	lastAlive  atomic.Int64 // unix nanoseconds of the last payload or keep-alive
	lastEvent  atomic.Int64 // unix nanoseconds of the last payload
	// emitting is set while Emit waits for the pipeline: a connection the
	// pipeline is not reading from is backpressured, not stalled.
	emitting atomic.Bool

	mu          sync.Mutex
	state       string
	endpoint    string
	lastErr     string
	reconnectAt time.Time
}

var _ ingest.Source = (*Loop)(nil)

// New returns a Loop; Run starts it.
func New(cfg Config) *Loop {
	if cfg.Backoff == nil {
		cfg.Backoff = XBackoff()
	}
	if cfg.Stall <= 0 {
		cfg.Stall = DefaultStall
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Loop{cfg: cfg, state: "connecting"}
}

// Link is a connection's handle on the loop.
type Link struct {
	loop *Loop
	out  chan<- ingest.Message
}

// Connected reports that the server accepted the connection: the backoff
// schedules restart and the state becomes "connected".
func (l *Link) Connected() {
	lp := l.loop
	lp.connects.Add(1)
	lp.cfg.Backoff.Reset()
	l.Alive()
	lp.setState("connected", "", time.Time{})
}

// Alive records a sign of life (a keep-alive, or any bytes): it defers the
// stall timeout.
func (l *Link) Alive() { l.loop.lastAlive.Store(l.loop.cfg.Clock.Now().UnixNano()) }

// Emit sends one payload to the pipeline, blocking while the raw queue is
// full (the server's data waits in the kernel buffers meanwhile). The
// message owns data. It returns ctx.Err() when ctx is done first.
func (l *Link) Emit(ctx context.Context, msg ingest.Message) error {
	l.loop.emitting.Store(true)
	defer l.loop.emitting.Store(false)
	select {
	case l.out <- msg:
	case <-ctx.Done():
		return ctx.Err()
	}
	lp := l.loop
	now := lp.cfg.Clock.Now().UnixNano()
	lp.messages.Add(1)
	lp.bytes.Add(int64(len(msg.Data)))
	lp.lastEvent.Store(now)
	lp.lastAlive.Store(now)
	return nil
}

// Run connects, and reconnects, until ctx is done (it returns ctx.Err())
// or a connection fails permanently (it returns that error).
func (lp *Loop) Run(ctx context.Context, out chan<- ingest.Message) error {
	for {
		ep := ""
		if lp.cfg.Endpoint != nil {
			ep = lp.cfg.Endpoint()
		}
		lp.mu.Lock()
		lp.endpoint = ep
		lp.mu.Unlock()

		err := lp.session(ctx, out)
		if ctx.Err() != nil {
			lp.setState("stopped", "", time.Time{})
			return ctx.Err()
		}
		if err == nil {
			err = ErrClosed
		}
		if IsPermanent(err) {
			lp.setState("failed", err.Error(), time.Time{})
			return fmt.Errorf("%s: %w", lp.cfg.Name, err)
		}
		lp.reconnects.Add(1)
		d := lp.cfg.Backoff.Next(err)
		wait := lp.cfg.Clock.After(d)
		lp.setState("reconnecting", err.Error(), lp.cfg.Clock.Now().Add(d))
		lp.cfg.Logger.Warn("live source disconnected; reconnecting", "source", lp.cfg.Name, "endpoint", ep, "in", d, "err", err)
		if lp.cfg.OnBackoff != nil {
			lp.cfg.OnBackoff(d, err)
		}
		select {
		case <-wait:
		case <-ctx.Done():
			lp.setState("stopped", "", time.Time{})
			return ctx.Err()
		}
		lp.setState("connecting", "", time.Time{})
	}
}

// session runs one connection under a stall watchdog.
func (lp *Loop) session(ctx context.Context, out chan<- ingest.Message) error {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	link := &Link{loop: lp, out: out}
	link.Alive() // the dial itself gets one stall period

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		lp.watch(sctx, cancel, done)
	}()
	err := lp.cfg.Connect(sctx, link)
	close(done)
	wg.Wait()
	if cause := context.Cause(sctx); errors.Is(cause, ErrStalled) {
		return ErrStalled
	}
	return err
}

// watch cancels the session with ErrStalled once nothing has arrived for
// the stall period. It waits for the remainder of the period since the last
// sign of life, so a busy stream costs one timer per period, not per
// message.
func (lp *Loop) watch(ctx context.Context, cancel context.CancelCauseFunc, done <-chan struct{}) {
	for {
		if lp.emitting.Load() {
			lp.lastAlive.Store(lp.cfg.Clock.Now().UnixNano())
		}
		last := time.Unix(0, lp.lastAlive.Load())
		left := lp.cfg.Stall - lp.cfg.Clock.Now().Sub(last)
		if left <= 0 {
			cancel(ErrStalled)
			return
		}
		select {
		case <-lp.cfg.Clock.After(left):
		case <-done:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (lp *Loop) setState(state, lastErr string, reconnectAt time.Time) {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	lp.state = state
	if lastErr != "" {
		lp.lastErr = lastErr
	}
	lp.reconnectAt = reconnectAt
}

// Progress reports counters and the connection state.
func (lp *Loop) Progress() ingest.Progress {
	now := lp.cfg.Clock.Now()
	lp.mu.Lock()
	st := &ingest.LiveState{
		State:      lp.state,
		Endpoint:   lp.endpoint,
		LastError:  lp.lastErr,
		Connects:   lp.connects.Load(),
		Reconnects: lp.reconnects.Load(),
	}
	if !lp.reconnectAt.IsZero() {
		st.ReconnectIn = max(0, lp.reconnectAt.Sub(now).Seconds())
	}
	lp.mu.Unlock()
	p := ingest.Progress{Name: lp.cfg.Name, Messages: lp.messages.Load(), Bytes: lp.bytes.Load(), Live: st}
	if ns := lp.lastEvent.Load(); ns != 0 {
		p.LastEvent = time.Unix(0, ns).UTC()
	}
	if lp.connects.Load() > 0 {
		st.LastEventAge = max(0, now.Sub(time.Unix(0, lp.lastAlive.Load())).Seconds())
	}
	return p
}

// State is the current state name (connecting, connected, reconnecting,
// stopped, failed).
func (lp *Loop) State() string {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return lp.state
}
