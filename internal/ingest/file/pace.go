package file

import (
	"bytes"
	"context"
	"time"
)

// WithSpeed replays at n times the pace the messages were posted, by
// their created_at (v1.1 "Mon Jan 02 15:04:05 -0700 2006" or v2 RFC 3339);
// 0 (the default) replays as fast as possible. Messages without a readable
// created_at (notices) are not delayed.
func WithSpeed(n float64) Option { return func(s *Source) { s.speed = n } }

// pacer holds the replay's time origin: the first timed message's
// created_at and the wall time it was sent.
type pacer struct {
	speed      float64
	first      time.Time
	start      time.Time
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
	haveOrigin bool
}

// wait delays the message posted at t until its turn. Messages that are
// late (or out of order in the archive) go at once: pacing never
// reorders.
func (p *pacer) wait(ctx context.Context, t time.Time) error {
	if !p.haveOrigin {
		p.first, p.start, p.haveOrigin = t, p.now(), true
		return nil
	}
	due := p.start.Add(time.Duration(float64(t.Sub(p.first)) / p.speed))
	if d := due.Sub(p.now()); d > 0 {
		return p.sleep(ctx, d)
	}
	return nil
}

var createdAtKey = []byte(`"created_at":`)

// peekCreatedAt finds the first "created_at" string in a message without
// parsing it: top-level in v1.1 tweets (their first key), inside "data" in
// v2 envelopes. A quoted tweet's created_at could come first only in
// hand-made JSON; pacing is approximate by nature.
func peekCreatedAt(data []byte) (time.Time, bool) {
	i := bytes.Index(data, createdAtKey)
	if i < 0 {
		return time.Time{}, false
	}
	rest := bytes.TrimLeft(data[i+len(createdAtKey):], " ")
	if len(rest) < 2 || rest[0] != '"' {
		return time.Time{}, false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return time.Time{}, false
	}
	v := string(rest[1 : 1+end])
	if t, err := time.Parse(time.RubyDate, v); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}
