// Package ingest defines the source contract: a source produces raw
// messages (one JSON payload each) and the pipeline parses, detects and
// records them.
package ingest

import (
	"context"
	"time"
)

// Message is one raw payload as the source read it: a JSON object such as a
// Twitter v1.1 stream line, a delete notice, or an element of the seed's
// static array. It may be malformed; the parse stage counts and skips those.
//
// Data is owned by the receiver: a source must not reuse the backing array
// after sending a Message.
type Message struct {
	Data []byte
}

// Source produces messages.
type Source interface {
	// Run sends messages on out until the source is exhausted (it returns
	// nil) or ctx is cancelled (it returns ctx.Err()). Every send must sit in
	// a select with <-ctx.Done(). Run is called once. Run does not close out.
	Run(ctx context.Context, out chan<- Message) error
	// Progress reports how far the source is; safe to call concurrently
	// with Run.
	Progress() Progress
}

// Progress describes a source's position.
type Progress struct {
	Name      string    `json:"name"`       // e.g. "file:tweets.jsonl.gz", "demo"
	Messages  int64     `json:"messages"`   // messages sent so far
	Bytes     int64     `json:"bytes"`      // input bytes consumed so far (compressed bytes for compressed files)
	Total     int64     `json:"total"`      // total input bytes when known (files), else 0
	LastEvent time.Time `json:"last_event"` // when the last message was sent; zero before the first
	// Live is the connection state of a live source (x:, bluesky,
	// mastodon); nil for files and the demo. It rides on Progress so that
	// /api/status shows it without the pipeline knowing about live sources.
	Live *LiveState `json:"live,omitempty"`
}

// LiveState is a live source's connection, as internal/ingest/live reports
// it. Durations are seconds so the JSON reads well in `geoheat status`.
type LiveState struct {
	State        string  `json:"state"`                      // connecting, connected, reconnecting, stopped or failed
	Endpoint     string  `json:"endpoint,omitempty"`         // the host or URL in use (never a token)
	ReconnectIn  float64 `json:"reconnect_in_s,omitempty"`   // while reconnecting: seconds until the next attempt
	LastError    string  `json:"last_error,omitempty"`       // why the last connection ended
	LastEventAge float64 `json:"last_event_age_s,omitempty"` // seconds since the last payload or keep-alive; 0 before the first
	Connects     int64   `json:"connects"`                   // connections established so far
	Reconnects   int64   `json:"reconnects"`                 // connections lost and retried
}

// Sleep waits for d or until ctx is cancelled, whichever comes first; it
// returns ctx.Err() in the latter case. Sources that pace their output use
// it as their default sleep.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
