package pipeline

import (
	"maps"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/post"
)

// Stats is a point-in-time view of a pipeline, for status and summaries.
type Stats struct {
	Source      SourceStatus     `json:"source"`
	Messages    int64            `json:"messages"`     // raw messages read
	Posts       int64            `json:"posts"`        // messages that were posts
	Notices     map[string]int64 `json:"notices"`      // skipped notices by kind
	Malformed   int64            `json:"malformed"`    // messages that could not be parsed
	GeoRejected int64            `json:"geo_rejected"` // posts whose point was invalid (post kept, point dropped)
	// ProfileSkipped counts posts whose author profile was too long to
	// read (post kept; Mastodon fields and bio).
	ProfileSkipped int64 `json:"profile_skipped"`
	Detected       int64 `json:"detected"`   // posts with a kept language
	Undetected     int64 `json:"undetected"` // posts without one (not recorded)
	Written        int64 `json:"written"`    // posts recorded in the store
	RecordErrs     int64 `json:"record_errors"`
	// Located counts points the Locator inferred, by provenance
	// ("profile", "text"); HashtagsCut counts hashtags over MaxHashtags.
	Located     map[string]int64 `json:"located,omitempty"`
	HashtagsCut int64            `json:"hashtags_cut"`
	Handled     int64            `json:"handled"` // messages fully handled (recorded or dropped), an unbroken prefix of the stream
	// SourceDropped counts what the source skipped before sending it, by
	// reason ("oversize": a file message over the size limit); absent for
	// sources that skip nothing.
	SourceDropped map[string]int64 `json:"source_dropped,omitempty"`
	// SourceCounters are a source's own counters (Bluesky's profile
	// lookups: requests, errors by kind, cache hits); absent for sources
	// that keep none. See SourceCounter.
	SourceCounters map[string]int64 `json:"source_counters,omitempty"`
	// SourceGauges are a source's own levels (Bluesky's profile cache size
	// and lookups pending); see SourceGauger.
	SourceGauges map[string]int64 `json:"source_gauges,omitempty"`
	Queues       []Queue          `json:"queues"`
	Workers      Workers          `json:"workers"`
	PostsPerSec  float64          `json:"posts_per_s"` // written over the last minute
	Seconds      float64          `json:"seconds"`     // since Run started (until it ended)
}

// SourceStatus describes the source.
type SourceStatus struct {
	ingest.Progress
	State string `json:"state"` // starting, running, done, stopped, error
	Error string `json:"error,omitempty"`
}

// Queue is one bounded edge of the pipeline.
type Queue struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
	Cap  int    `json:"cap"`
	Unit string `json:"unit"` // "messages" or "batches"
}

// Workers counts language workers.
type Workers struct {
	Alive int `json:"alive"`
	Total int `json:"total"`
}

// SourceDropper is implemented by sources that skip some input before it
// becomes a message (the file source's oversized lines), so that what they
// drop is counted with the pipeline's own drops in status and metrics.
type SourceDropper interface {
	// Dropped returns the skips so far by reason; safe to call
	// concurrently with Run. The map is the caller's.
	Dropped() map[string]int64
}

// SourceCounter is implemented by sources that keep counters of work done
// beside the stream (Bluesky's profile lookups), so that status and
// metrics show them without the pipeline knowing what they count.
type SourceCounter interface {
	// Counters returns monotonic counts by name (snake_case, constant,
	// safe as metric labels); safe to call concurrently with Run. The map
	// is the caller's.
	Counters() map[string]int64
}

// SourceGauger is SourceCounter for levels that go up and down.
type SourceGauger interface {
	Gauges() map[string]int64
}

// Notices returns the total number of skipped notices.
func (s Stats) NoticeCount() int64 {
	var n int64
	for _, v := range s.Notices {
		n += v
	}
	return n
}

// Stats returns a snapshot; safe to call concurrently with Run.
func (p *Pipeline) Stats() Stats {
	st := p.state.Load().(sourceState)
	p.noticesMu.Lock()
	notices := maps.Clone(p.notices)
	p.noticesMu.Unlock()
	s := Stats{
		Source:         SourceStatus{Progress: p.cfg.Source.Progress(), State: st.state, Error: st.err},
		Messages:       p.messages.Load(),
		Posts:          p.posts.Load(),
		Notices:        notices,
		Malformed:      p.malformed.Load(),
		GeoRejected:    p.geoRejected.Load(),
		ProfileSkipped: p.profSkipped.Load(),
		Detected:       p.detected.Load(),
		Undetected:     p.undetected.Load(),
		Written:        p.written.Load(),
		RecordErrs:     p.recordErrs.Load(),
		Handled:        p.done.Load(),
		HashtagsCut:    p.tagsCut.Load(),
		Queues: []Queue{
			{Name: "raw", Len: len(p.raw), Cap: cap(p.raw), Unit: "messages"},
			{Name: "parse", Len: len(p.parse), Cap: cap(p.parse), Unit: "batches"},
			{Name: "detect", Len: len(p.detect), Cap: cap(p.detect), Unit: "batches"},
			{Name: "write", Len: len(p.write), Cap: cap(p.write), Unit: "batches"},
		},
		Workers:     Workers{Alive: int(p.workersLive.Load()), Total: p.cfg.Workers},
		PostsPerSec: p.rate.PerSecond(),
	}
	if p.cfg.Locator != nil {
		s.Located = map[string]int64{}
		for g := post.GeoExact; g <= post.GeoText; g++ {
			if n := p.located[g].Load(); n > 0 {
				s.Located[g.String()] = n
			}
		}
	}
	if d, ok := p.cfg.Source.(SourceDropper); ok {
		s.SourceDropped = d.Dropped()
	}
	if c, ok := p.cfg.Source.(SourceCounter); ok {
		s.SourceCounters = c.Counters()
	}
	if g, ok := p.cfg.Source.(SourceGauger); ok {
		s.SourceGauges = g.Gauges()
	}
	if start := p.started.Load(); start != 0 {
		end := p.cfg.Now()
		if e := p.ended.Load(); e != 0 {
			end = time.Unix(0, e)
		}
		s.Seconds = end.Sub(time.Unix(0, start)).Seconds()
	}
	return s
}
