package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
)

// A Worker consumes the stream through a consumer group: it detects each
// post's language and records the kept ones, any number of workers in any
// number of processes sharing the work.
//
// Delivery is at-least-once, recording is idempotent:
//
//   - An entry is acknowledged inside the same record script that records
//     its posts (XACK returns 1 only for the first acknowledger), so a
//     worker killed before the script leaves the entry pending (nothing
//     recorded), and one killed after leaves it recorded and acknowledged.
//   - Entries pending for a consumer that stopped are taken over with
//     XAUTOCLAIM once idle for ClaimIdle; a restarted consumer of the same
//     name first re-reads its own pending entries. If the original holder
//     was only slow and finishes after all, its XACK returns 0 and its
//     posts are skipped.
//   - Each post id recorded is remembered for the dedupe TTL (SET NX on
//     "{prefix}:seen:<id>"), so a post published twice (a Publish retried
//     after a lost reply, a source that repeats itself) is recorded once.
//
// Acknowledged entries are trimmed from the stream (XTRIM MINID) every
// TrimEvery, up to the oldest entry some group still needs.
type Worker struct {
	s    *Store
	opts WorkerOptions
	log  *slog.Logger

	entries, posts, detected, undetected atomic.Int64
	written, duplicates, malformed       atomic.Int64
	claimed, trimmed                     atomic.Int64
}

// WorkerOptions configures NewWorker. Zero values take the defaults.
type WorkerOptions struct {
	// Group is the consumer group (default "geoheat"). Workers of one group
	// share the stream; each group gets every post.
	Group string
	// Consumer names this process in the group (default host-pid); its
	// Consumers loops are Consumer-0, Consumer-1, ... Restarting a worker
	// under the same name resumes its pending entries at once.
	Consumer string
	// Detector detects the language of posts that arrive without one.
	Detector langid.Detector
	// Locator, when set, places the detected posts that carry no point, as
	// the single-process pipeline's Locator does (pipeline.Locator and
	// geo.Resolver satisfy it): after detection, only posts that will be
	// recorded, so a scaled-out run stores the points one process would.
	Locator interface{ Locate(p *post.Post) }
	// Consumers is how many read-detect-record loops run (default
	// runtime.NumCPU()): detection is CPU-bound.
	Consumers int
	// Count is how many entries one read takes (default 4, up to 1024
	// posts); they are recorded by one script call.
	Count int
	// Block is how long a read waits for new entries (default 1 s); it also
	// bounds how long Run takes to notice its context ending.
	Block time.Duration
	// ClaimIdle is how long an entry stays pending with a silent consumer
	// before another takes it over (default DefaultClaimIdle).
	ClaimIdle time.Duration
	// TrimEvery is how often acknowledged entries are trimmed (default 5 s).
	TrimEvery time.Duration
	Logger    *slog.Logger
}

// DefaultClaimIdle is WorkerOptions.ClaimIdle's default: long enough that a
// busy consumer's batch (detection plus one script call) is never taken
// from it, short enough that a crashed consumer's entries move on soon.
const DefaultClaimIdle = 30 * time.Second

// WorkerStats counts what a Worker did since it started.
type WorkerStats struct {
	Entries    int64 `json:"entries"`    // stream entries processed
	Posts      int64 `json:"posts"`      // posts in them
	Detected   int64 `json:"detected"`   // posts with a kept language
	Undetected int64 `json:"undetected"` // posts without one (not recorded)
	Written    int64 `json:"written"`    // posts recorded
	Duplicates int64 `json:"duplicates"` // posts skipped: id already recorded
	Malformed  int64 `json:"malformed"`  // entries that could not be decoded (acknowledged, skipped)
	Claimed    int64 `json:"claimed"`    // entries taken over from other consumers
	Trimmed    int64 `json:"trimmed"`    // entries trimmed from the stream
}

// NewWorker returns a worker on the store's stream.
func (s *Store) NewWorker(opts WorkerOptions) (*Worker, error) {
	if opts.Detector == nil {
		return nil, errors.New("redisstore: worker needs a detector")
	}
	if opts.Group == "" {
		opts.Group = "geoheat"
	}
	if opts.Consumer == "" {
		host, _ := os.Hostname()
		opts.Consumer = host + "-" + strconv.Itoa(os.Getpid())
	}
	if opts.Consumers <= 0 {
		opts.Consumers = runtime.NumCPU()
	}
	if opts.Count <= 0 {
		opts.Count = 4
	}
	if opts.Block <= 0 {
		opts.Block = time.Second
	}
	if opts.ClaimIdle <= 0 {
		opts.ClaimIdle = DefaultClaimIdle
	}
	if opts.TrimEvery <= 0 {
		opts.TrimEvery = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = s.log
	}
	return &Worker{s: s, opts: opts, log: opts.Logger}, nil
}

// Stats returns the worker's counters; safe to call concurrently with Run.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{
		Entries: w.entries.Load(), Posts: w.posts.Load(), Detected: w.detected.Load(),
		Undetected: w.undetected.Load(), Written: w.written.Load(), Duplicates: w.duplicates.Load(),
		Malformed: w.malformed.Load(), Claimed: w.claimed.Load(), Trimmed: w.trimmed.Load(),
	}
}

// Run consumes until ctx ends, then finishes the entries in hand (their
// record script runs with a context that is not cancelled, so a stopped
// worker acknowledges what it recorded) and returns nil. It returns an
// error only for failures retrying cannot fix.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.ensureGroup(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for i := range w.opts.Consumers {
		name := w.opts.Consumer + "-" + strconv.Itoa(i)
		g.Go(func() error { return w.consume(gctx, name) })
	}
	g.Go(func() error { return w.trimLoop(gctx) })
	err := g.Wait()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	return err
}

// ensureGroup creates the group at the start of the stream (so entries
// published before any worker ran are consumed), creating the stream too.
func (w *Worker) ensureGroup(ctx context.Context) error {
	backoff := minBackoff
	for {
		err := w.s.rdb.XGroupCreateMkStream(ctx, w.s.streamKey(), w.opts.Group, "0").Err()
		if err == nil || redis.HasErrorPrefix(err, "BUSYGROUP") {
			return nil
		}
		if !retryable(err) {
			return fmt.Errorf("redisstore: work: create group %q: %w", w.opts.Group, err)
		}
		if sleepCtx(ctx, backoff) != nil {
			return ctx.Err()
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// consume is one read-detect-record loop under one consumer name.
func (w *Worker) consume(ctx context.Context, name string) error {
	key := w.s.streamKey()
	// "0" re-reads this consumer's own pending entries (left by a crash of a
	// worker with the same name); ">" then reads new ones.
	cursor := "0"
	claimCursor := "0-0"
	lastClaim := time.Time{}
	backoff := minBackoff
	for ctx.Err() == nil {
		var msgs []redis.XMessage
		var err error
		if time.Since(lastClaim) >= w.opts.ClaimIdle/2 {
			msgs, claimCursor, err = w.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream: key, Group: w.opts.Group, Consumer: name,
				MinIdle: w.opts.ClaimIdle, Start: claimCursor, Count: int64(w.opts.Count),
			}).Result()
			if err == nil {
				if claimCursor == "0-0" {
					lastClaim = time.Now() // a full pass is done; rest a while
				}
				if len(msgs) > 0 {
					w.claimed.Add(int64(len(msgs)))
					w.log.Info("claimed pending entries of a silent consumer", "consumer", name, "entries", len(msgs))
				}
			}
		}
		if err == nil && len(msgs) == 0 {
			block := w.opts.Block
			if cursor == "0" {
				block = -1 // history: answer at once
			}
			var res []redis.XStream
			res, err = w.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
				Group: w.opts.Group, Consumer: name, Streams: []string{key, cursor},
				Count: int64(w.opts.Count), Block: block,
			}).Result()
			if errors.Is(err, redis.Nil) {
				err = nil
			}
			if err == nil {
				for _, st := range res {
					msgs = append(msgs, st.Messages...)
				}
				if cursor == "0" && len(msgs) == 0 {
					cursor = ">"
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !retryable(err) {
				return fmt.Errorf("redisstore: work: read stream: %w", err)
			}
			w.s.health.failing(time.Now(), err)
			if sleepCtx(ctx, backoff) != nil {
				return nil
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		if len(msgs) == 0 {
			continue
		}
		if err := w.process(ctx, msgs); err != nil {
			return err
		}
	}
	return nil
}

// process detects and records the posts of msgs and acknowledges them, in
// one record script. It keeps retrying while Redis is unavailable: the
// entries stay pending meanwhile, so nothing is dropped.
func (w *Worker) process(ctx context.Context, msgs []redis.XMessage) error {
	entries := make([]entry, 0, len(msgs))
	var posts, detected, undetected, malformed int64
	for _, m := range msgs {
		if m.Values == nil {
			// Trimmed or deleted while pending: acknowledge, nothing to do.
			entries = append(entries, entry{id: m.ID})
			continue
		}
		ps, err := decodeEntry(m.Values)
		if err != nil {
			// A poison entry would otherwise be claimed for ever.
			malformed++
			w.log.Warn("skipping a malformed stream entry", "id", m.ID, "err", err)
			entries = append(entries, entry{id: m.ID})
			continue
		}
		for i := range ps {
			posts++
			if ps[i].Lang != "" { // the source already knew the language
				detected++
				continue
			}
			if r := w.opts.Detector.Detect(ps[i].Text); r.Kept {
				ps[i].Lang = r.Lang
				detected++
			} else {
				undetected++
			}
		}
		if w.opts.Locator != nil {
			for i := range ps {
				if ps[i].Lang != "" && !ps[i].HasPoint {
					w.opts.Locator.Locate(&ps[i])
				}
			}
		}
		entries = append(entries, entry{id: m.ID, posts: ps, dedupe: true})
	}
	// An attempt under way when ctx ends is completed (see write), so a
	// stopped worker acknowledges what it recorded.
	res, err := w.s.applyPending(ctx, w.opts.Group, entries)
	if err != nil {
		return err
	}
	w.entries.Add(int64(len(msgs)))
	w.posts.Add(posts)
	w.detected.Add(detected)
	w.undetected.Add(undetected)
	w.malformed.Add(malformed)
	w.written.Add(res.written)
	w.duplicates.Add(res.duplicates)
	return nil
}

// trimLoop trims acknowledged entries every TrimEvery and forgets
// consumers that have been silent with nothing pending for an hour.
func (w *Worker) trimLoop(ctx context.Context) error {
	t := time.NewTicker(w.opts.TrimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		n, err := w.s.TrimConsumed(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("trimming the stream", "err", err)
		}
		w.trimmed.Add(n)
		w.forgetConsumers(ctx)
	}
}

// consumerForget is how long a consumer with nothing pending stays listed.
const consumerForget = time.Hour

func (w *Worker) forgetConsumers(ctx context.Context) {
	cs, err := w.s.rdb.XInfoConsumers(ctx, w.s.streamKey(), w.opts.Group).Result()
	if err != nil {
		return
	}
	for _, c := range cs {
		if c.Pending == 0 && c.Idle > consumerForget {
			w.s.rdb.XGroupDelConsumer(ctx, w.s.streamKey(), w.opts.Group, c.Name)
		}
	}
}

// TrimConsumed deletes the stream entries every consumer group has
// acknowledged: those before the oldest entry still pending in some group,
// or not yet delivered to it. It returns how many entries were deleted.
func (s *Store) TrimConsumed(ctx context.Context) (int64, error) {
	key := s.streamKey()
	groups, err := s.rdb.XInfoGroups(ctx, key).Result()
	if err != nil || len(groups) == 0 {
		return 0, err
	}
	minID := ""
	for _, g := range groups {
		keep := nextID(g.LastDeliveredID)
		if g.Pending > 0 {
			p, err := s.rdb.XPending(ctx, key, g.Name).Result()
			if err != nil {
				return 0, err
			}
			keep = p.Lower
		}
		if minID == "" || compareIDs(keep, minID) < 0 {
			minID = keep
		}
	}
	// Entries delivered after XINFO have later ids than what it reported,
	// and acknowledgements only move the oldest pending entry forward, so
	// minID never passes an entry some group still needs.
	return s.rdb.XTrimMinID(ctx, key, minID).Result()
}

// applyPending is apply for stream entries: the caller still holds the
// entries (they stay pending until acknowledged), so it retries until
// Redis comes back or ctx ends, and counts nothing as dropped.
func (s *Store) applyPending(ctx context.Context, group string, entries []entry) (applied, error) {
	return s.applyMode(ctx, group, entries, true)
}
