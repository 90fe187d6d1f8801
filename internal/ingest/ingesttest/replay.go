// Package ingesttest holds sources for tests and benchmarks of what
// consumes an ingest.Source (the pipeline, the app's wiring).
package ingesttest

import (
	"context"

	"github.com/geoheat/geoheat/internal/ingest"
)

// Replay sends messages held in memory, in order, then ends: what a test
// or benchmark feeds a pipeline when it times the pipeline and not the
// disk or a generator.
type Replay struct {
	Msgs [][]byte
	Name string // its Progress name
}

// Run implements ingest.Source.
func (s *Replay) Run(ctx context.Context, out chan<- ingest.Message) error {
	for _, m := range s.Msgs {
		select {
		case out <- ingest.Message{Data: m}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Progress implements ingest.Source.
func (s *Replay) Progress() ingest.Progress { return ingest.Progress{Name: s.Name} }
