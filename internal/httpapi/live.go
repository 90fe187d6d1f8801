package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
)

// Live serves GET /api/live?lang=&tag=&window=: a Server-Sent Events stream
// of snapshots (status summary, counts, top hashtags, posts-per-second and
// per-minute series, and a heat version that changes when the stored points
// do), at most one per Interval.
//
// Backpressure: store -> browsers never blocks. One producer goroutine
// builds each tick's snapshots and leaves them in every subscriber's
// one-slot mailbox, overwriting an unread one (latest wins). Each
// subscriber's own handler goroutine writes to its connection under a
// write deadline; a browser that stops reading blocks only that goroutine
// until the deadline drops it. Ingest and other subscribers never wait.
type Live struct {
	opts LiveOptions
	ctx  context.Context

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	version int64 // heat version: bumped when the store's points change
	seq     int64 // snapshots built
	last    store.Stats
	minutes minuteSeries

	droppedSlow atomic.Int64 // subscribers cut off by the write deadline
}

// LiveOptions configures Live.
type LiveOptions struct {
	Querier store.Querier
	// Ingest returns the pipeline's statistics; nil when not ingesting.
	Ingest func() *pipeline.Stats
	// Series returns posts per second over the last minute; may be nil.
	Series func() []int64
	// Interval between snapshots; default 1 s (the issue's "at most once a
	// second").
	Interval time.Duration
	// WriteTimeout drops a subscriber whose connection takes longer than
	// this to accept one snapshot; default 10 s.
	WriteTimeout time.Duration
	// MaxSubscribers bounds concurrent streams; default 256.
	MaxSubscribers int
	Now            func() time.Time
	Logger         *slog.Logger
}

// Selection is what a subscriber watches; it decides the snapshot's top
// hashtags (the other parts are global).
type Selection struct {
	Lang   string `json:"lang"`
	Tag    string `json:"tag"`
	Window string `json:"window"`
}

// Snapshot is one SSE "snapshot" event.
type Snapshot struct {
	Seq         int64                  `json:"seq"`
	Time        time.Time              `json:"time"`
	Selection   Selection              `json:"selection"`
	Status      LiveStatus             `json:"status"`
	Counts      []CountRow             `json:"counts"`
	Top         []TopRow               `json:"top"`
	PerSecond   []int64                `json:"per_second"` // posts written per second, last 60 s, oldest first
	PerMinute   []int64                `json:"per_minute"` // posts written per minute, last 60 min, oldest first
	HeatVersion int64                  `json:"heat_version"`
	Store       store.Stats            `json:"store"`
	Source      *pipeline.SourceStatus `json:"source"` // null when this process does not ingest
}

// LiveStatus is the status panel's summary.
type LiveStatus struct {
	PostsPerSec float64          `json:"posts_per_s"`
	Messages    int64            `json:"messages"`
	Written     int64            `json:"written"`
	Malformed   int64            `json:"malformed"`
	Queues      []pipeline.Queue `json:"queues"`
	Workers     pipeline.Workers `json:"workers"`
	UptimeS     float64          `json:"uptime_s"`
}

type subscriber struct {
	sel    Selection
	query  store.TopQuery
	mu     sync.Mutex
	latest []byte        // unread snapshot event, nil when taken
	notify chan struct{} // cap 1: "latest was set"
}

// put replaces the unread snapshot (latest wins) and never blocks.
func (s *subscriber) put(ev []byte) {
	s.mu.Lock()
	s.latest = ev
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *subscriber) take() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := s.latest
	s.latest = nil
	return ev
}

// NewLive returns the live handler; its producer runs until ctx is done,
// and open streams end then too (so a server shutdown is not held up).
func NewLive(ctx context.Context, opts LiveOptions) *Live {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.MaxSubscribers <= 0 {
		opts.MaxSubscribers = 256
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Live{opts: opts, ctx: ctx, subs: map[*subscriber]struct{}{}, minutes: minuteSeries{now: opts.Now}}
	go l.run()
	return l
}

// Subscribers reports how many streams are open (the
// geoheat_live_subscribers gauge).
func (l *Live) Subscribers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.subs)
}

// DroppedSlow reports how many subscribers were cut off because their
// connection did not take a snapshot within WriteTimeout: browsers (or
// proxies) that stopped reading. Clients that left on their own are not
// counted.
func (l *Live) DroppedSlow() int64 { return l.droppedSlow.Load() }

func (l *Live) run() {
	t := time.NewTicker(l.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
			l.tick()
		}
	}
}

// tick builds one snapshot per distinct selection and posts it to every
// subscriber of that selection.
func (l *Live) tick() {
	l.mu.Lock()
	subs := make([]*subscriber, 0, len(l.subs))
	for s := range l.subs {
		subs = append(subs, s)
	}
	l.mu.Unlock()
	// Sample the store even without subscribers so the per-minute series
	// and the heat version are current when the first browser arrives.
	ctx, cancel := context.WithTimeout(l.ctx, l.opts.Interval*5)
	defer cancel()
	base, err := l.base(ctx)
	if err != nil {
		l.opts.Logger.Debug("live snapshot", "err", err)
		return
	}
	built := map[Selection][]byte{}
	for _, s := range subs {
		ev, ok := built[s.sel]
		if !ok {
			if ev, err = l.event(ctx, base, s); err != nil {
				l.opts.Logger.Debug("live snapshot", "err", err)
				continue
			}
			built[s.sel] = ev
		}
		s.put(ev)
	}
}

// base fills the selection-independent parts of a snapshot.
func (l *Live) base(ctx context.Context) (Snapshot, error) {
	st, err := l.opts.Querier.Stats(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	counts, err := l.opts.Querier.Counts(ctx, store.CountsQuery{})
	if err != nil {
		return Snapshot{}, err
	}
	now := l.opts.Now()
	snap := Snapshot{Time: now, Store: st, Counts: countRows(counts)}
	if l.opts.Ingest != nil {
		if s := l.opts.Ingest(); s != nil {
			src := s.Source
			snap.Source = &src
			snap.Status = LiveStatus{PostsPerSec: s.PostsPerSec, Messages: s.Messages, Written: s.Written,
				Malformed: s.Malformed, Queues: s.Queues, Workers: s.Workers, UptimeS: s.Seconds}
		}
	}
	if l.opts.Series != nil {
		snap.PerSecond = l.opts.Series()
	}
	l.mu.Lock()
	if st.Points != l.last.Points || st.Dropped != l.last.Dropped || !st.Head.Equal(l.last.Head) {
		l.version++
	}
	l.last = st
	snap.HeatVersion = l.version
	l.minutes.observe(st.Written)
	snap.PerMinute = l.minutes.series()
	l.seq++
	snap.Seq = l.seq
	l.mu.Unlock()
	return snap, nil
}

// event adds the subscriber's top hashtags and encodes the SSE event.
func (l *Live) event(ctx context.Context, snap Snapshot, s *subscriber) ([]byte, error) {
	top, err := l.opts.Querier.Top(ctx, s.query)
	if err != nil {
		return nil, err
	}
	snap.Selection = s.sel
	snap.Top = topRows(top)
	var buf bytes.Buffer
	buf.WriteString("event: snapshot\ndata: ")
	if err := newEncoder(&buf).Encode(snap); err != nil { // Encode ends with '\n'; JSON has no raw newlines
		return nil, err
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}

// ParseSelection validates a live query.
func ParseSelection(v map[string][]string) (Selection, store.TopQuery, error) {
	get := url.Values(v).Get
	var sel Selection
	var q store.TopQuery
	lang, err := ParseLang(get("lang"))
	if err != nil {
		return sel, q, err
	}
	w, err := ParseWindow(get("window"))
	if err != nil {
		return sel, q, err
	}
	tag := get("tag")
	if len(tag) > 280 {
		return sel, q, errors.New("tag is too long")
	}
	sel = Selection{Lang: lang, Tag: tag, Window: get("window")}
	if w == 0 {
		sel.Window = ""
	}
	// One language: its top 10; all languages: the seed's top 3 of each.
	q = store.TopQuery{Lang: lang, N: 3, Last: defLast, Window: w}
	if lang != "" {
		q.N = 10
	}
	if w > 0 {
		q.Last = 0
	}
	return sel, q, nil
}

// ServeHTTP streams snapshots until the client goes, the server stops, or a
// write misses its deadline.
func (l *Live) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sel, q, err := ParseSelection(r.URL.Query())
	if err != nil {
		writeError(w, badData(err))
		return
	}
	if l.ctx.Err() != nil {
		writeError(w, &apiError{typ: errUnavailable, err: errors.New("shutting down")})
		return
	}
	s := &subscriber{sel: sel, query: q, notify: make(chan struct{}, 1)}
	l.mu.Lock()
	if len(l.subs) >= l.opts.MaxSubscribers {
		l.mu.Unlock()
		writeError(w, &apiError{typ: errUnavailable, err: fmt.Errorf("too many live streams (%d)", l.opts.MaxSubscribers)})
		return
	}
	l.subs[s] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.subs, s)
		l.mu.Unlock()
	}()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must not hold events back
	w.WriteHeader(http.StatusOK)
	// The first snapshot is built at once so a page fills without waiting
	// for the next tick; the browser retries after 2 s if the stream drops.
	first := []byte("retry: 2000\n\n")
	if base, err := l.base(r.Context()); err == nil {
		if ev, err := l.event(r.Context(), base, s); err == nil {
			first = append(first, ev...)
		}
	}
	if !l.write(rc, w, first) {
		return
	}
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			if !l.write(rc, w, []byte(": keepalive\n\n")) {
				return
			}
		case <-s.notify:
			if ev := s.take(); ev != nil && !l.write(rc, w, ev) {
				return
			}
		}
	}
}

func (l *Live) write(rc *http.ResponseController, w http.ResponseWriter, b []byte) bool {
	_ = rc.SetWriteDeadline(l.opts.Now().Add(l.opts.WriteTimeout))
	_, err := w.Write(b)
	if err == nil {
		err = rc.Flush()
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			l.droppedSlow.Add(1)
		}
		l.opts.Logger.Debug("live subscriber dropped", "err", err)
		return false
	}
	return true
}

// minuteSeries turns the store's running written count into posts per
// minute over the last hour: one sample per tick, one bucket per minute.
type minuteSeries struct {
	now     func() time.Time
	buckets [60]int64
	minute  int64 // unix minute of the newest bucket
	prev    int64 // written count at the previous sample
	started bool
}

func (m *minuteSeries) observe(written int64) {
	minute := m.now().Unix() / 60
	if !m.started {
		m.started, m.prev, m.minute = true, written, minute
		return
	}
	if minute-m.minute >= 60 {
		m.buckets = [60]int64{}
	} else {
		for x := m.minute + 1; x <= minute; x++ {
			m.buckets[x%60] = 0
		}
	}
	if minute > m.minute {
		m.minute = minute
	}
	if d := written - m.prev; d > 0 {
		m.buckets[m.minute%60] += d
	}
	m.prev = written
}

func (m *minuteSeries) series() []int64 {
	out := make([]int64, 60)
	for i := range out {
		out[i] = m.buckets[((m.minute-59+int64(i))%60+60)%60]
	}
	return out
}
