package live

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 7, 4, 12, 0, 0, 0, time.UTC)

type backoffEvent struct {
	d   time.Duration
	err error
}

// TestBackoffSchedule drives a loop whose connections fail in a scripted
// way and asserts every delay against X's documented schedule, with a
// manual clock: no real sleeping.
func TestBackoffSchedule(t *testing.T) {
	netErr := errors.New("connection refused")
	script := []struct {
		err       error // what the connection returns
		connected bool  // whether it got through first
		want      time.Duration
	}{
		{netErr, false, 250 * time.Millisecond},
		{netErr, false, 500 * time.Millisecond},
		{netErr, false, 750 * time.Millisecond},
		{&HTTPError{Status: 503}, false, 5 * time.Second},
		{&HTTPError{Status: 503}, false, 10 * time.Second},
		{&HTTPError{Status: 500}, false, 20 * time.Second},
		{&HTTPError{Status: 429}, false, time.Minute},
		{&HTTPError{Status: 420}, false, 2 * time.Minute},
		{&HTTPError{Status: 429}, false, 4 * time.Minute},
		// A connection that got through restarts every schedule.
		{nil, true, 250 * time.Millisecond},
		{&HTTPError{Status: 503}, false, 5 * time.Second},
		{&HTTPError{Status: 429}, false, time.Minute},
	}
	// Ceilings.
	for range 70 {
		script = append(script, struct {
			err       error
			connected bool
			want      time.Duration
		}{netErr, false, -1})
	}

	clock := NewManualClock(t0)
	events := make(chan backoffEvent, 1)
	attempt := 0
	loop := New(Config{
		Name:  "test",
		Clock: clock,
		Connect: func(ctx context.Context, l *Link) error {
			s := script[attempt]
			attempt++
			if s.connected {
				l.Connected()
			}
			return s.err
		},
		OnBackoff: func(d time.Duration, err error) { events <- backoffEvent{d, err} },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- loop.Run(ctx, make(chan ingest.Message)) }()

	var last time.Duration
	for i, s := range script {
		ev := <-events
		if s.want >= 0 && ev.d != s.want {
			t.Errorf("attempt %d (%v): wait %v, want %v", i, s.err, ev.d, s.want)
		}
		last = ev.d
		if i == 3 {
			p := loop.Progress()
			if p.Live.State != "reconnecting" || p.Live.ReconnectIn != 5 || p.Live.LastError != "HTTP 503" {
				t.Errorf("state while reconnecting: %+v", *p.Live)
			}
		}
		if i == len(script)-1 {
			break
		}
		clock.Advance(ev.d)
	}
	if last != 16*time.Second {
		t.Errorf("network backoff ceiling %v, want 16s", last)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if st := loop.State(); st != "stopped" {
		t.Errorf("state %q after cancel", st)
	}
}

func TestBackoffCeilings(t *testing.T) {
	b := XBackoff()
	var d time.Duration
	for range 20 {
		d = b.Next(&HTTPError{Status: 503})
	}
	if d != 320*time.Second {
		t.Errorf("HTTP ceiling %v", d)
	}
	for range 20 {
		d = b.Next(&HTTPError{Status: 429})
	}
	if d != 15*time.Minute {
		t.Errorf("429 ceiling %v", d)
	}
}

// TestStallReconnects: a connection that goes silent is dropped after the
// stall period and retried as a network error.
func TestStallReconnects(t *testing.T) {
	clock := NewManualClock(t0)
	events := make(chan backoffEvent, 1)
	connected := make(chan struct{}, 1)
	loop := New(Config{
		Name:  "test",
		Clock: clock,
		Connect: func(ctx context.Context, l *Link) error {
			l.Connected()
			connected <- struct{}{}
			<-ctx.Done() // silent: no data, no keep-alive
			return fmt.Errorf("read: %w", ctx.Err())
		},
		OnBackoff: func(d time.Duration, err error) { events <- backoffEvent{d, err} },
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- loop.Run(ctx, make(chan ingest.Message)) }()

	<-connected
	waitFor(t, clock, DefaultStall) // the watchdog is armed
	clock.Advance(DefaultStall - time.Second)
	select {
	case ev := <-events:
		t.Fatalf("dropped after %v: %v", DefaultStall-time.Second, ev.err)
	default:
	}
	clock.Advance(time.Second)
	ev := <-events
	if !errors.Is(ev.err, ErrStalled) || ev.d != 250*time.Millisecond {
		t.Fatalf("after stall: %v in %v, want ErrStalled in 250ms", ev.err, ev.d)
	}
	cancel()
	<-done
}

// TestBackpressureIsNotAStall: a connection blocked on a full pipeline
// queue stays up however long the pipeline takes.
func TestBackpressureIsNotAStall(t *testing.T) {
	clock := NewManualClock(t0)
	emitted := make(chan error, 1)
	loop := New(Config{
		Name:  "test",
		Clock: clock,
		Connect: func(ctx context.Context, l *Link) error {
			l.Connected()
			emitted <- l.Emit(ctx, ingest.Message{Data: []byte(`{}`)})
			<-ctx.Done()
			return ctx.Err()
		},
		OnBackoff: func(d time.Duration, err error) { t.Errorf("reconnected: %v", err) },
	})
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan ingest.Message) // nobody reads yet
	done := make(chan error, 1)
	go func() { done <- loop.Run(ctx, out) }()

	for !loop.emitting.Load() { // Emit is blocked on out
		runtime.Gosched()
	}
	for range 5 {
		waitFor(t, clock, -1)
		clock.Advance(DefaultStall)
	}
	<-out
	if err := <-emitted; err != nil {
		t.Fatal(err)
	}
	if p := loop.Progress(); p.Messages != 1 || p.Live.State != "connected" {
		t.Errorf("progress %+v %+v", p, *p.Live)
	}
	cancel()
	<-done
}

func TestPermanentStops(t *testing.T) {
	loop := New(Config{
		Name:    "test",
		Clock:   NewManualClock(t0),
		Connect: func(ctx context.Context, l *Link) error { return Permanent(&HTTPError{Status: 401}) },
	})
	err := loop.Run(context.Background(), make(chan ingest.Message))
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 401 || loop.State() != "failed" {
		t.Fatalf("Run = %v (state %s), want the 401", err, loop.State())
	}
}

// waitFor waits until the loop registers a timer of duration d (any when
// d < 0), so the test advances the clock only once someone waits on it.
func waitFor(t *testing.T, c *ManualClock, d time.Duration) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-c.Waits():
			if d < 0 || got == d {
				return
			}
		case <-timeout:
			t.Fatalf("nobody waited for %v", d)
		}
	}
}
