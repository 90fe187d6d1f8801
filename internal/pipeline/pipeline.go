// Package pipeline joins a source, the parser, the language workers and the
// store writer with bounded queues:
//
//	source -> raw (messages) -> parse -> detect (batches) -> N language workers
//	                                  \-> write (same batches, in order) -> writer
//
// Backpressure per edge: every queue is bounded and every send blocks, so a
// slow store slows the source rather than growing memory; the queue lengths
// in Stats show where it is waiting. Queries never touch these queues.
//
// Order: the parse stage puts every batch on both the detect queue and the
// write queue; the writer takes batches from the write queue in stream order
// and waits for each to be detected. Stored order is therefore the stream's
// order, whatever the number of workers, and the number of batches in flight
// is bounded by the write queue's capacity.
//
// Without a detector (Config.Detector nil) the workers only pass batches
// on: the parsed posts are recorded as they are. `geoheat ingest --to
// redis-stream` runs that way into the Redis stream, so publishing and
// ingesting share this batch-and-parse stage and its counters.
//
// Shutdown: cancelling Run's context stops only the source. Everything it had
// already emitted is parsed, detected and recorded before Run returns, so
// nothing accepted is lost.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"golang.org/x/sync/errgroup"
)

// Outcome is what parsing one message produced.
type Outcome struct {
	Kind        Kind
	Notice      string // notice kind ("delete", "limit", ...) for KindNotice
	GeoRejected bool   // the post carried an invalid point, which was dropped
	// ProfileSkipped: the author's profile text was too long to read
	// (post kept, profile location partly or wholly unread).
	ProfileSkipped bool
	Err            error // why a message is malformed
}

// Kind classifies a parsed message.
type Kind uint8

// Kinds of message.
const (
	KindPost Kind = iota
	KindNotice
	KindMalformed
)

// Parser turns one raw message into a post. Implementations need not be
// goroutine-safe: the pipeline makes one per parsing goroutine.
type Parser interface {
	Parse(data []byte, dst *post.Post) Outcome
}

// Config wires a pipeline. Zero values take the documented defaults.
type Config struct {
	Source    ingest.Source
	NewParser func() Parser
	// Detector, when nil, skips detection: every parsed post goes to the
	// Recorder as parsed, in batches, with the same parse counters. That is
	// `geoheat ingest --to redis-stream`, whose Recorder publishes to the
	// Redis stream and whose workers detect, so that publishing shares the
	// batch-and-parse stage (and its hashtag cap) instead of copying it.
	Detector langid.Detector
	Recorder store.Recorder

	Workers   int // language workers; default runtime.NumCPU()
	Parsers   int // parsing goroutines; default runtime.NumCPU()
	BatchSize int // messages per batch; default 256
	RawQueue  int // raw messages buffered between source and batcher; default 8192
	Queue     int // batches buffered on the parse, detect and write queues; default 4*Workers+4

	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default slog.Default()
	// Observer, when set, is told how long each batch took to detect and
	// to record (metrics); see observer.go.
	Observer Observer
	// Locator, when set, places posts that carry no point (profile
	// location, places named in the text). It runs after detection so the
	// detected language can serve as a prior, and only on posts that will
	// be recorded.
	Locator Locator
	// MaxHashtags caps the hashtags kept per post (the rest are dropped and
	// counted), so one hostile post cannot dominate a batch's memory or a
	// language's top list; default 64, <0 means no cap.
	MaxHashtags int
	// OnDone, when set, is called by the writer after each batch with the
	// number of the source's messages fully handled so far, in stream
	// order: the first n messages were all recorded or deliberately
	// dropped (malformed, notice, undetected). A source that resumes from
	// a position (Jetstream's cursor) saves only what is behind n, so a
	// crash never skips what was still queued. A failed Record stops n
	// where it was: a restart then replays from there (duplicates rather
	// than a gap). Calls come from the writer goroutine and must not
	// block for long. When nil and the source implements HandledTracker,
	// New sets it from the source.
	OnDone func(n int64)
}

// DefaultMaxHashtags is Config.MaxHashtags' default. X allows no more than
// fit in 280 characters (about 90); real posts rarely carry over 30.
const DefaultMaxHashtags = 64

// CapHashtags keeps the first max hashtags of p (max < 0: all) and
// returns how many it cut. The parse stage calls it on every post, for the
// store and the Redis stream alike (Config.Detector).
func CapHashtags(p *post.Post, max int) int64 {
	if max < 0 || len(p.Hashtags) <= max {
		return 0
	}
	cut := len(p.Hashtags) - max
	p.Hashtags = p.Hashtags[:max:max]
	return int64(cut)
}

// Locator places a post that has no point, setting Point, HasPoint,
// GeoSource and GeoConfidence when it can (internal/geo.Resolver).
type Locator interface {
	Locate(p *post.Post)
}

// HandledTracker is implemented by sources that want to learn how many of
// their messages the pipeline has fully handled (see Config.OnDone).
// TrackHandled is called once, by New, before Run; it tells the source that
// reports will follow and returns the function to report to.
type HandledTracker interface {
	TrackHandled() func(n int64)
}

// batch is the unit of work: raw messages grouped by the batcher, parsed
// into posts by a parser, detected by a worker. ready is closed by the
// worker that detected it; the writer waits on it.
type batch struct {
	n     int // messages in the batch (raw is released after parsing)
	raw   []ingest.Message
	posts []post.Post
	ready chan struct{}
}

// Pipeline runs one ingestion. Create it with New, call Run once; Stats may
// be called at any time from any goroutine.
type Pipeline struct {
	cfg Config

	raw    chan ingest.Message
	parse  chan *batch
	detect chan *batch
	write  chan *batch

	state       atomic.Value // sourceState
	workersLive atomic.Int32

	messages    atomic.Int64
	posts       atomic.Int64
	malformed   atomic.Int64
	geoRejected atomic.Int64
	profSkipped atomic.Int64
	undetected  atomic.Int64
	detected    atomic.Int64
	written     atomic.Int64
	recordErrs  atomic.Int64
	located     [post.GeoText + 1]atomic.Int64 // points set by the Locator, by provenance
	tagsCut     atomic.Int64                   // hashtags dropped by MaxHashtags
	done        atomic.Int64                   // messages fully handled, in order (Config.OnDone)

	noticesMu sync.Mutex
	notices   map[string]int64

	rate *RateMeter

	started atomic.Int64 // unix nanos when Run started; 0 before
	ended   atomic.Int64 // unix nanos when Run returned; 0 while running
}

type sourceState struct {
	state string // "starting", "running", "done", "error", "stopped"
	err   string
}

// New validates cfg and returns a pipeline ready to Run.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Source == nil || cfg.NewParser == nil || cfg.Recorder == nil {
		return nil, errors.New("pipeline: source, parser and recorder are required")
	}
	if cfg.Detector == nil && cfg.Locator != nil {
		// Places are inferred after detection (the language is a prior), so
		// without a detector whoever detects must also locate.
		return nil, errors.New("pipeline: a locator needs a detector")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 256
	}
	if cfg.MaxHashtags == 0 {
		cfg.MaxHashtags = DefaultMaxHashtags
	}
	if cfg.Parsers <= 0 {
		cfg.Parsers = runtime.NumCPU()
	}
	if cfg.RawQueue <= 0 {
		cfg.RawQueue = 8192
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4*cfg.Workers + 4
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if t, ok := cfg.Source.(HandledTracker); ok && cfg.OnDone == nil {
		cfg.OnDone = t.TrackHandled()
	}
	p := &Pipeline{
		cfg:     cfg,
		raw:     make(chan ingest.Message, cfg.RawQueue),
		parse:   make(chan *batch, cfg.Queue),
		detect:  make(chan *batch, cfg.Queue),
		write:   make(chan *batch, cfg.Queue),
		notices: make(map[string]int64),
		rate:    NewRateMeter(cfg.Now, time.Minute),
	}
	p.state.Store(sourceState{state: "starting"})
	return p, nil
}

// Run ingests until the source ends or ctx is cancelled, then drains every
// queue into the recorder. It returns the source's error, if any (not the
// cancellation), or the first record error.
func (p *Pipeline) Run(ctx context.Context) error {
	p.started.Store(p.cfg.Now().UnixNano())
	defer func() { p.ended.Store(p.cfg.Now().UnixNano()) }()

	// Downstream stages drain whatever the source emitted even after ctx is
	// cancelled; they stop when their input closes.
	drain := context.WithoutCancel(ctx)
	var g errgroup.Group
	var sourceErr error

	g.Go(func() error {
		defer close(p.raw)
		p.state.Store(sourceState{state: "running"})
		err := p.cfg.Source.Run(ctx, p.raw)
		switch {
		case err == nil:
			p.state.Store(sourceState{state: "done"})
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			p.state.Store(sourceState{state: "stopped"})
		default:
			p.state.Store(sourceState{state: "error", err: err.Error()})
			p.cfg.Logger.Error("source failed", "source", p.cfg.Source.Progress().Name, "err", err)
			sourceErr = fmt.Errorf("pipeline: source: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		defer close(p.parse)
		defer close(p.write)
		p.batchStage()
		return nil
	})
	var parsers sync.WaitGroup
	for i := 0; i < p.cfg.Parsers; i++ {
		parsers.Add(1)
		go func() {
			defer parsers.Done()
			p.parseStage()
		}()
	}
	go func() {
		parsers.Wait()
		close(p.detect)
	}()
	var workers sync.WaitGroup
	for i := 0; i < p.cfg.Workers; i++ {
		workers.Add(1)
		p.workersLive.Add(1)
		go func() {
			defer workers.Done()
			defer p.workersLive.Add(-1)
			p.detectStage()
		}()
	}
	var recordErr error
	g.Go(func() error {
		recordErr = p.writeStage(drain)
		return nil
	})
	_ = g.Wait()
	workers.Wait()
	if sourceErr != nil {
		return sourceErr
	}
	return recordErr
}

// batchStage groups raw messages into batches without waiting for a batch
// to fill: whatever is queued is taken, so a slow live stream still flows.
// Each batch goes on the write queue first, which fixes the stream order,
// then on the parse queue.
func (p *Pipeline) batchStage() {
	for {
		m, ok := <-p.raw
		if !ok {
			return
		}
		b := &batch{raw: make([]ingest.Message, 1, p.cfg.BatchSize), ready: make(chan struct{})}
		b.raw[0] = m
	fill:
		for len(b.raw) < p.cfg.BatchSize {
			select {
			case m, ok = <-p.raw:
				if !ok {
					break fill
				}
				b.raw = append(b.raw, m)
			default:
				break fill
			}
		}
		b.n = len(b.raw)
		// The write queue is bounded: this is where a slow store pushes back.
		p.write <- b
		p.parse <- b
	}
}

// parseStage turns each batch's raw messages into posts; several run in
// parallel, since parsing costs as much as detection.
func (p *Pipeline) parseStage() {
	parser := p.cfg.NewParser()
	c := &parseCounts{notices: map[string]int64{}}
	for b := range p.parse {
		b.posts = make([]post.Post, 0, len(b.raw))
		for _, m := range b.raw {
			p.parseOne(parser, m, b, c)
		}
		b.raw = nil
		p.addCounts(c)
		p.detect <- b
	}
}

// parseCounts are one batch's parse outcomes, added to the shared counters
// once per batch rather than once per message.
type parseCounts struct {
	messages, posts, geoRejected, malformed, tagsCut, profSkipped int64
	notices                                                       map[string]int64
}

func (p *Pipeline) parseOne(parser Parser, m ingest.Message, b *batch, c *parseCounts) {
	c.messages++
	b.posts = append(b.posts, post.Post{})
	dst := &b.posts[len(b.posts)-1]
	out := parser.Parse(m.Data, dst)
	switch out.Kind {
	case KindPost:
		c.posts++
		if out.GeoRejected {
			c.geoRejected++
		}
		if out.ProfileSkipped {
			c.profSkipped++
		}
		c.tagsCut += CapHashtags(dst, p.cfg.MaxHashtags)
		return
	case KindNotice:
		c.notices[out.Notice]++
	default:
		c.malformed++
	}
	b.posts = b.posts[:len(b.posts)-1]
}

func (p *Pipeline) addCounts(c *parseCounts) {
	p.messages.Add(c.messages)
	p.posts.Add(c.posts)
	p.geoRejected.Add(c.geoRejected)
	p.profSkipped.Add(c.profSkipped)
	p.malformed.Add(c.malformed)
	p.tagsCut.Add(c.tagsCut)
	if len(c.notices) > 0 {
		p.noticesMu.Lock()
		for k, n := range c.notices {
			p.notices[k] += n
		}
		p.noticesMu.Unlock()
		clear(c.notices)
	}
	c.messages, c.posts, c.geoRejected, c.malformed, c.tagsCut, c.profSkipped = 0, 0, 0, 0, 0, 0
}

func (p *Pipeline) detectStage() {
	for b := range p.detect {
		if p.cfg.Detector == nil {
			close(b.ready) // posts go on as parsed (Config.Detector)
			continue
		}
		start := time.Now()
		detected, undetected := DetectPosts(p.cfg.Detector, b.posts)
		if p.cfg.Locator != nil {
			for i := range b.posts {
				ps := &b.posts[i]
				if ps.Lang == "" || ps.HasPoint {
					continue
				}
				p.cfg.Locator.Locate(ps)
				if ps.HasPoint && ps.GeoSource <= post.GeoText {
					p.located[ps.GeoSource].Add(1)
				}
			}
		}
		p.detected.Add(detected)
		p.undetected.Add(undetected)
		if p.cfg.Observer != nil {
			p.cfg.Observer.ObserveDetect(len(b.posts), time.Since(start))
		}
		close(b.ready)
	}
}

func (p *Pipeline) writeStage(ctx context.Context) error {
	var firstErr error
	var group []*batch
	var posts []post.Post
	var next *batch // taken from the queue before it was ready: the next group's first
	for {
		b := next
		next = nil
		if b == nil {
			var ok bool
			if b, ok = <-p.write; !ok {
				return firstErr
			}
		}
		<-b.ready
		group = append(group[:0], b)
		posts = p.keep(posts[:0], b)
		// Group commit: the batches that are ready behind this one go
		// into the same Record. A store that makes its writer wait (for
		// queries holding a read lock) then waits once per group, not
		// once per batch, so a writer that fell behind catches up
		// instead of falling further behind; a writer that keeps up
		// records batch by batch as before.
		for len(group) < maxGroup && next == nil {
			var nb *batch
			select {
			case nb = <-p.write:
			default:
			}
			if nb == nil {
				break // nothing queued, or the queue is closed
			}
			select {
			case <-nb.ready:
				group = append(group, nb)
				posts = p.keep(posts, nb)
			default:
				next = nb
			}
		}
		if len(posts) == 0 {
			for _, b := range group {
				p.handled(b, firstErr)
			}
			continue
		}
		start := time.Now()
		err := p.cfg.Recorder.Record(ctx, posts)
		if p.cfg.Observer != nil {
			p.cfg.Observer.ObserveRecord(len(posts), time.Since(start), err)
		}
		clear(posts) // drop the references to the batches' texts
		if err != nil {
			p.recordErrs.Add(1)
			p.cfg.Logger.Error("record failed", "posts", len(posts), "err", err)
			if firstErr == nil {
				firstErr = fmt.Errorf("pipeline: record: %w", err)
			}
			continue
		}
		p.written.Add(int64(len(posts)))
		p.rate.Add(int64(len(posts)))
		for _, b := range group {
			p.handled(b, firstErr)
		}
	}
}

// maxGroup bounds the batches one Record takes (group commit): 8 of 256
// messages keep the store's write lock a few milliseconds at most.
const maxGroup = 8

// keep appends to dst the posts of b to record: those with a language
// when the pipeline detects.
func (p *Pipeline) keep(dst []post.Post, b *batch) []post.Post {
	for _, ps := range b.posts {
		if p.cfg.Detector == nil || ps.Lang != "" {
			dst = append(dst, ps)
		}
	}
	return dst
}

// handled moves the done count past b, unless a Record failed before it:
// done counts an unbroken prefix of the stream.
func (p *Pipeline) handled(b *batch, recordErr error) {
	if recordErr != nil {
		return
	}
	n := p.done.Add(int64(b.n))
	if p.cfg.OnDone != nil {
		p.cfg.OnDone(n)
	}
}

// DetectPosts sets Lang on each post that has none, as the pipeline's
// workers do: detectors that weigh the platform's own tag (--detector
// platform|auto) get it. It returns how many posts have a language now
// (those that already had one included) and how many have none.
func DetectPosts(d langid.Detector, posts []post.Post) (detected, undetected int64) {
	// Asserted once per call, not per post.
	postDetector, withTag := d.(langid.PostDetector)
	for i := range posts {
		ps := &posts[i]
		if ps.Lang != "" { // the source already knew the language
			detected++
			continue
		}
		var r langid.Result
		if withTag {
			r = postDetector.DetectPost(ps.Text, ps.PlatformLang)
		} else {
			r = d.Detect(ps.Text)
		}
		if r.Kept {
			ps.Lang = r.Lang
			detected++
		} else {
			undetected++
		}
	}
	return detected, undetected
}
