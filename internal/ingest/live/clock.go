package live

import (
	"sync"
	"time"
)

// Clock is the time the loop waits on; tests inject a ManualClock so
// backoff schedules are asserted exactly and instantly.
type Clock interface {
	Now() time.Time
	// After is time.After: the channel receives once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time                         { return time.Now() }
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// ManualClock is a Clock that moves only when told. Waiters registered with
// After fire when Advance passes their deadline. Safe for concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
	// waiting receives every duration passed to After, so a test can wait
	// for the loop to start a wait (no sleeping) and assert its length.
	waiting chan time.Duration
}

type manualWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewManualClock returns a clock at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, waiting: make(chan time.Duration, 1024)}
}

func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ManualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, manualWaiter{at: c.now.Add(d), ch: ch})
	}
	select {
	case c.waiting <- d:
	default: // a test that does not watch the waits must not block the loop
	}
	return ch
}

// Waits receives the duration of every After call, in order.
func (c *ManualClock) Waits() <-chan time.Duration { return c.waiting }

// Advance moves the clock by d and fires the waiters that are due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}
