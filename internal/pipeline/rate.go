package pipeline

import (
	"sync"
	"time"
)

// RateMeter counts events in one-second buckets over a sliding span, so
// "posts/s over the last minute" costs one lock per batch, not per post.
type RateMeter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets []int64 // ring, one per second
	last    int64   // unix second of the newest bucket written
	first   int64   // unix second of the first Add, to average over less than span early on
}

// NewRateMeter returns a meter over span (rounded to whole seconds, >= 1).
func NewRateMeter(now func() time.Time, span time.Duration) *RateMeter {
	n := int(span / time.Second)
	if n < 1 {
		n = 1
	}
	return &RateMeter{now: now, buckets: make([]int64, n)}
}

// Add records n events now.
func (m *RateMeter) Add(n int64) {
	sec := m.now().Unix()
	m.mu.Lock()
	m.advance(sec)
	if m.first == 0 {
		m.first = sec
	}
	m.buckets[sec%int64(len(m.buckets))] += n
	m.mu.Unlock()
}

// advance clears the buckets between the last write and sec.
func (m *RateMeter) advance(sec int64) {
	if m.last == 0 {
		m.last = sec
		return
	}
	span := int64(len(m.buckets))
	if sec-m.last >= span {
		clear(m.buckets)
	} else {
		for s := m.last + 1; s <= sec; s++ {
			m.buckets[s%span] = 0
		}
	}
	if sec > m.last {
		m.last = sec
	}
}

// PerSecond returns the mean rate over the completed span (or since the
// first event, when that is shorter).
func (m *RateMeter) PerSecond() float64 {
	sec := m.now().Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.first == 0 {
		return 0
	}
	m.advance(sec)
	var sum int64
	for _, v := range m.buckets {
		sum += v
	}
	secs := float64(len(m.buckets))
	if elapsed := float64(sec-m.first) + 1; elapsed < secs {
		secs = elapsed
	}
	return float64(sum) / secs
}

// Series returns per-second counts, oldest first, for sparklines.
func (m *RateMeter) Series() []int64 {
	sec := m.now().Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.advance(sec)
	span := int64(len(m.buckets))
	out := make([]int64, span)
	for i := int64(0); i < span; i++ {
		out[i] = m.buckets[((sec-span+1+i)%span+span)%span]
	}
	return out
}
