package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest sample with at least p % of the
// samples at or below it. Nearest rank never invents a value between two
// samples: the p99 of 200 samples is the second slowest, and over fewer
// than 100 samples it is the maximum, which is the honest answer.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// p·n/100 in that order, less a hair: 99.9/100·1000 is 999.0000000000001
	// in floating point, and its ceiling would skip a rank.
	rank := int(math.Ceil(p*float64(len(sorted))/100 - 1e-9))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// Recorder collects latencies from many goroutines.
type Recorder struct {
	mu      sync.Mutex
	samples map[string][]time.Duration
	errors  map[string]int
	order   []string
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{samples: map[string][]time.Duration{}, errors: map[string]int{}}
}

func (r *Recorder) touch(name string) {
	if _, ok := r.samples[name]; !ok {
		r.samples[name] = nil
		r.order = append(r.order, name)
	}
}

// Add records one successful request.
func (r *Recorder) Add(name string, d time.Duration) {
	r.mu.Lock()
	r.touch(name)
	r.samples[name] = append(r.samples[name], d)
	r.mu.Unlock()
}

// Fail records one failed request.
func (r *Recorder) Fail(name string) {
	r.mu.Lock()
	r.touch(name)
	r.errors[name]++
	r.mu.Unlock()
}

// Errors is the total number of failures.
func (r *Recorder) Errors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.errors {
		n += e
	}
	return n
}

// Summary returns one Latency per name, in first-seen order.
func (r *Recorder) Summary() []Latency {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Latency, 0, len(r.order))
	for _, name := range r.order {
		s := slices.Clone(r.samples[name])
		slices.Sort(s)
		l := Latency{Name: name, N: len(s), Errors: r.errors[name], P50: Percentile(s, 50), P99: Percentile(s, 99)}
		if len(s) > 0 {
			l.Max = s[len(s)-1]
		}
		out = append(out, l)
	}
	return out
}
