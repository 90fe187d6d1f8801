package httpapi

import (
	"context"
	"testing"
	"time"
)

// BenchmarkLimiterAcquire measures a slot taken and given back, with every
// core competing for one slot: the limiter's cost on a cache miss (which
// then runs a query of milliseconds).
func BenchmarkLimiterAcquire(b *testing.B) {
	lim := NewLimiter(1, time.Minute)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			release, err := lim.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
}
