// Package demo is a built-in, offline source of realistic traffic: it
// generates raw Twitter v1.1 sample-stream messages (posts, delete and limit
// notices, the odd malformed line) so that a demo, a benchmark or a test
// exercises the same parsing, detection and recording path as a real
// capture, without network or data files.
//
// Posts are multilingual, with text authored for this package, Zipf-
// distributed hashtags with code-point entity indices, and positions
// clustered around real cities of each language; every post's "lang" is the
// language it was written in, so detection accuracy can be measured. The
// output depends only on Options.Seed and the clock: the same seed and
// clock give the same bytes. docs/demo.md lists the shares.
package demo

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
)

// Options configure a Source.
type Options struct {
	// Seed selects the stream; equal seeds (and clocks) give equal bytes.
	Seed uint64
	// Rate is the pace of Run in messages per second; 0 (or a negative,
	// NaN or infinite value) means as fast as the receiver takes them.
	Rate float64
	// Limit stops Run after this many messages; 0 means never.
	Limit int64
	// Now is the clock; nil means time.Now. It is read once by New: that
	// instant starts the synthetic clock (see Source). With a Rate, Run
	// also reads it to pace messages and to stamp each one.
	Now func() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then; nil
	// means a timer. Run calls it only to pace a Rate, so tests can inject
	// one that advances a fake clock instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
	// BurstsPerHour injects trends (see Burst and ScheduledBursts): bursts
	// per hour of stream time over all languages; 0 (or a negative, NaN or
	// infinite value) means none. The command line's --bursts defaults to
	// DefaultBurstsPerHour; this field defaults to none so that corpora
	// built from Go keep their bytes.
	BurstsPerHour float64
	// SpamShare runs the spam scenario (see Spam): one account makes this
	// fraction of the English posts (at most 1), all with one tag, from
	// one city; 0 means none.
	SpamShare float64
}

// syntheticInterval spaces messages on the synthetic clock when no Rate is
// set: 1,000 messages per second of stream time (between the 1 % sample's
// ~60/s and the firehose's ~6,000/s), so that time windows over a replay
// hold a meaningful number of posts whatever the generation speed.
const syntheticInterval = time.Millisecond

// minPacingSleep: when a paced Run is less than this ahead of schedule it
// sends at once rather than sleeping, because timers cannot sleep shorter
// reliably; the schedule (not the sleeps) keeps the average rate exact.
const minPacingSleep = 500 * time.Microsecond

// Source generates the demo stream. It implements ingest.Source.
//
// Message times: Run without a Rate and WriteFile stamp messages with a
// synthetic clock that starts at Options.Now() (read by New) and advances
// by one interval per message: 1/Rate, or syntheticInterval without a Rate.
// Run with a Rate stamps each message with Options.Now() when it is sent.
//
// Run and WriteFile draw from one stream: they continue each other, and
// must not be called concurrently (they serialise if they are).
type Source struct {
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	rate     float64
	limit    int64
	epoch    time.Time     // start of the synthetic clock
	interval time.Duration // synthetic spacing
	// seed and burstsPerHour recompute the burst schedule on demand.
	seed          uint64
	burstsPerHour float64

	mu        sync.Mutex // held while generating
	gen       *generator
	buf       []byte
	generated int64 // messages generated so far, for the synthetic clock

	messages  atomic.Int64
	bytes     atomic.Int64
	lastEvent atomic.Int64 // Unix nanoseconds; 0 before the first message
}

var _ ingest.Source = (*Source)(nil)

// New returns a Source; it builds the account pool (a few milliseconds).
func New(opts Options) *Source {
	s := &Source{
		now:   opts.Now,
		sleep: opts.Sleep,
		rate:  opts.Rate,
		limit: max(0, opts.Limit),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleep == nil {
		s.sleep = ingest.Sleep
	}
	if !(s.rate > 0) || math.IsInf(s.rate, 1) {
		s.rate = 0
	}
	s.interval = syntheticInterval
	if s.rate > 0 {
		s.interval = max(time.Nanosecond, time.Duration(float64(time.Second)/s.rate))
	}
	s.epoch = s.now()
	s.seed, s.burstsPerHour = opts.Seed, opts.BurstsPerHour
	s.gen = newGenerator(opts.Seed, s.epoch, opts.BurstsPerHour, opts.SpamShare)
	s.buf = make([]byte, 0, 16<<10)
	return s
}

// Run sends messages on out until Limit messages have been sent (it
// returns nil) or ctx is done (it returns ctx.Err()). Each Message owns
// its Data.
func (s *Source) Run(ctx context.Context, out chan<- ingest.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		paceStart time.Time
		perMsg    = float64(time.Second) / s.rate
	)
	for sent := int64(0); s.limit == 0 || sent < s.limit; sent++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ms int64
		if s.rate > 0 {
			now := s.now()
			if sent == 0 {
				paceStart = now
			}
			// Message i is due at start + i/Rate: pacing against the
			// schedule, not the previous send, keeps the long-run rate
			// exact despite sleep overshoot and receiver stalls.
			due := paceStart.Add(time.Duration(float64(sent) * perMsg))
			if wait := due.Sub(now); wait >= minPacingSleep {
				if err := s.sleep(ctx, wait); err != nil {
					return err
				}
				now = s.now()
			}
			ms = now.UnixMilli()
		} else {
			ms = s.syntheticMs()
		}
		s.buf, _ = s.gen.next(s.buf[:0], ms)
		data := bytes.Clone(s.buf) // the receiver owns Data; s.buf is reused
		select {
		case out <- ingest.Message{Data: data}:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.record(len(data))
	}
	return nil
}

// WriteFile writes the next n messages as JSON lines (each followed by
// "\n") without pacing, stamped by the synthetic clock: a deterministic
// corpus for benchmarks and replays. It ignores Limit.
func (s *Source) WriteFile(w io.Writer, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	bw := bufio.NewWriterSize(w, 1<<20)
	for i := int64(0); i < n; i++ {
		s.buf, _ = s.gen.next(s.buf[:0], s.syntheticMs())
		s.buf = append(s.buf, '\n')
		if _, err := bw.Write(s.buf); err != nil {
			return err
		}
		s.record(len(s.buf))
	}
	return bw.Flush()
}

// Progress reports the messages and bytes produced so far (by Run and
// WriteFile) and when the last one was; safe to call concurrently.
func (s *Source) Progress() ingest.Progress {
	p := ingest.Progress{
		Name:     "demo",
		Messages: s.messages.Load(),
		Bytes:    s.bytes.Load(),
	}
	if ns := s.lastEvent.Load(); ns != 0 {
		p.LastEvent = time.Unix(0, ns)
	}
	return p
}

// Interval is the spacing of the synthetic clock: the messages WriteFile
// writes (and Run without a Rate sends) are Interval apart in stream time.
func (s *Source) Interval() time.Duration { return s.interval }

func (s *Source) syntheticMs() int64 {
	t := s.epoch.Add(time.Duration(s.generated) * s.interval)
	s.generated++
	return t.UnixMilli()
}

// record counts one message of n bytes as produced now.
func (s *Source) record(n int) {
	s.messages.Add(1)
	s.bytes.Add(int64(n))
	s.lastEvent.Store(s.now().UnixNano())
}
