package pipeline

// Series returns posts written per second over the last minute, oldest
// first, for the dashboard's sparkline. Safe to call concurrently with Run;
// the slice is the caller's.
func (p *Pipeline) Series() []int64 { return p.rate.Series() }
