package store

import (
	"math"
	"time"
)

// Times are held as unix nanoseconds by every store; these helpers are
// shared so that the stores resolve times and windows alike.

var (
	minNanosTime = time.Unix(0, math.MinInt64)
	maxNanosTime = time.Unix(0, math.MaxInt64)
)

// UnixNanos converts t to unix nanoseconds, saturating outside the years
// 1678..2262 that int64 nanoseconds can represent.
func UnixNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanosTime):
		return math.MinInt64
	case t.After(maxNanosTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// WindowCutoff returns head − window, saturating at math.MinInt64: a
// window reaches back to posts with time > the cutoff.
func WindowCutoff(head int64, window time.Duration) int64 {
	c := head - int64(window)
	if c > head {
		return math.MinInt64
	}
	return c
}
