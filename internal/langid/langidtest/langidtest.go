// Package langidtest holds what the detectors' tests share. Only tests
// import it.
package langidtest

import (
	"testing"
	"time"
)

// BenchmarkTexts runs detect over texts, one text an op, cycling through
// them, and reports the mean text size as bytes/op and the rate as texts/s
// (per core: the loop is sequential), so every detector's benchmark is
// measured and reported the same way.
func BenchmarkTexts(b *testing.B, detect func(string), texts []string) {
	b.Helper()
	if len(texts) == 0 {
		b.Fatal("no texts")
	}
	bytes := 0
	for _, t := range texts {
		bytes += len(t)
	}
	b.SetBytes(int64(bytes / len(texts)))
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		detect(texts[i])
		if i++; i == len(texts) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "texts/s")
}
