package pipeline

import (
	"maps"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
)

// Stats is a point-in-time view of a pipeline, for status and summaries.
type Stats struct {
	Source      SourceStatus     `json:"source"`
	Messages    int64            `json:"messages"`     // raw messages read
	Posts       int64            `json:"posts"`        // messages that were posts
	Notices     map[string]int64 `json:"notices"`      // skipped notices by kind
	Malformed   int64            `json:"malformed"`    // messages that could not be parsed
	GeoRejected int64            `json:"geo_rejected"` // posts whose point was invalid (post kept, point dropped)
	Detected    int64            `json:"detected"`     // posts with a kept language
	Undetected  int64            `json:"undetected"`   // posts without one (not recorded)
	Written     int64            `json:"written"`      // posts recorded in the store
	RecordErrs  int64            `json:"record_errors"`
	Queues      []Queue          `json:"queues"`
	Workers     Workers          `json:"workers"`
	PostsPerSec float64          `json:"posts_per_s"` // written over the last minute
	Seconds     float64          `json:"seconds"`     // since Run started (until it ended)
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
		Source:      SourceStatus{Progress: p.cfg.Source.Progress(), State: st.state, Error: st.err},
		Messages:    p.messages.Load(),
		Posts:       p.posts.Load(),
		Notices:     notices,
		Malformed:   p.malformed.Load(),
		GeoRejected: p.geoRejected.Load(),
		Detected:    p.detected.Load(),
		Undetected:  p.undetected.Load(),
		Written:     p.written.Load(),
		RecordErrs:  p.recordErrs.Load(),
		Queues: []Queue{
			{Name: "raw", Len: len(p.raw), Cap: cap(p.raw), Unit: "messages"},
			{Name: "parse", Len: len(p.parse), Cap: cap(p.parse), Unit: "batches"},
			{Name: "detect", Len: len(p.detect), Cap: cap(p.detect), Unit: "batches"},
			{Name: "write", Len: len(p.write), Cap: cap(p.write), Unit: "batches"},
		},
		Workers:     Workers{Alive: int(p.workersLive.Load()), Total: p.cfg.Workers},
		PostsPerSec: p.rate.PerSecond(),
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
