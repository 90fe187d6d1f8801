package pipeline

import "time"

// Observer is told how long the pipeline's stages take, batch by batch, so
// that metrics can keep latency histograms without the pipeline depending
// on a metrics library. Calls come from the worker and writer goroutines
// concurrently and sit on the hot path: implementations must be
// goroutine-safe and must not block.
type Observer interface {
	// ObserveDetect reports one batch of posts detected by a worker.
	ObserveDetect(posts int, took time.Duration)
	// ObserveRecord reports one Record call of the writer and its error.
	ObserveRecord(posts int, took time.Duration, err error)
}

// SetObserver sets Config.Observer after New, for wiring that builds the
// metrics after the pipeline. Call it before Run; it is not synchronized
// with the running stages.
func (p *Pipeline) SetObserver(o Observer) { p.cfg.Observer = o }
