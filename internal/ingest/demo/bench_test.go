package demo

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/geoheat/geoheat/internal/ingest"
)

// reportRate adds messages/s and MB/s to a benchmark's output.
func reportRate(b *testing.B, bytes int64) {
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "msgs/s")
	b.ReportMetric(float64(bytes)/secs/1e6, "MB/s")
}

// BenchmarkGenerate measures what Run does per message minus the channel:
// render into the reused buffer, then copy into the receiver-owned slice.
func BenchmarkGenerate(b *testing.B) {
	s := New(Options{Seed: 1, Now: fixedClock})
	b.ReportAllocs()
	var total int64
	var sink []byte
	for b.Loop() {
		s.buf, _ = s.gen.next(s.buf[:0], s.syntheticMs())
		sink = bytes.Clone(s.buf)
		total += int64(len(sink))
	}
	reportRate(b, total)
}

// BenchmarkRun measures the source end to end, with a receiver draining
// the channel on another goroutine as the pipeline's parser would.
func BenchmarkRun(b *testing.B) {
	s := New(Options{Seed: 1, Now: fixedClock, Limit: int64(b.N)})
	out := make(chan ingest.Message, 1024)
	done := make(chan int64)
	go func() {
		var total int64
		for m := range out {
			total += int64(len(m.Data))
		}
		done <- total
	}()
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.Run(context.Background(), out); err != nil {
		b.Fatal(err)
	}
	close(out)
	total := <-done
	b.StopTimer()
	reportRate(b, total)
}

// BenchmarkWriteFile measures writing a corpus (no per-message copy).
func BenchmarkWriteFile(b *testing.B) {
	s := New(Options{Seed: 1, Now: fixedClock})
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.WriteFile(io.Discard, int64(b.N)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportRate(b, s.Progress().Bytes)
}

// BenchmarkNew measures building a Source (its account pool).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New(Options{Seed: 1, Now: fixedClock})
	}
}
