package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/trend"
)

// entry is a unit the record scripts apply: posts from one stream entry
// (id set: acknowledged in the same script, skipped if someone else already
// did) or from a Record call (id "").
type entry struct {
	id     string
	posts  []post.Post
	dedupe bool // check post ids against recently recorded ones
}

// applied is what a record script reports.
type applied struct {
	written, duplicates, dropped int64
}

// Record implements store.Recorder. Posts with an empty Lang are ignored, a
// zero Time is recorded as the store clock's now, an invalid point is
// dropped (the post is kept). It returns once Redis has acknowledged every
// post (see the package doc for outages). Batches of more than 512 posts
// are applied in several atomic steps.
func (s *Store) Record(ctx context.Context, posts []post.Post) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	for len(posts) > 0 {
		n := min(len(posts), maxScriptPosts)
		if _, err := s.apply(ctx, "", []entry{{posts: posts[:n]}}); err != nil {
			return err
		}
		posts = posts[n:]
	}
	return nil
}

// apply runs one record script over entries, retrying while Redis is
// unavailable. group names the consumer group whose entries are
// acknowledged ("" for Record).
func (s *Store) apply(ctx context.Context, group string, entries []entry) (applied, error) {
	return s.applyMode(ctx, group, entries, false)
}

// applyMode is apply; pending means the caller keeps the posts if this
// fails (see write).
func (s *Store) applyMode(ctx context.Context, group string, entries []entry, pending bool) (applied, error) {
	now := store.UnixNanos(s.now())
	token := newToken()
	var args []any
	var n int
	var script *redis.Script
	if s.layout == LayoutSeed {
		args, n = s.seedArgs(token, group, entries)
		script = seedRecordScript
	} else {
		args, n = s.nativeArgs(token, group, now, entries)
		script = recordScript
	}
	if n == 0 && group == "" {
		return applied{}, nil
	}
	var res applied
	err := s.write(ctx, "record batch", n, pending, func(ctx context.Context) error {
		vals, err := script.Run(ctx, s.rdb, []string{s.base}, args...).Int64Slice()
		if err != nil {
			return err
		}
		if len(vals) != 4 {
			return fmt.Errorf("record script returned %d values", len(vals))
		}
		// vals[3] == 1: an earlier attempt whose reply was lost applied
		// the batch; its counts are not known, only that it is recorded.
		if vals[3] == 0 {
			res = applied{written: vals[0], duplicates: vals[1], dropped: vals[2]}
		}
		return nil
	})
	return res, err
}

// nativeArgs builds recordScript's arguments; n is how many posts they
// hold.
func (s *Store) nativeArgs(token, group string, now int64, entries []entry) (args []any, n int) {
	ret := ""
	if s.retention > 0 {
		ret = encodeDuration(s.retention)
	}
	keep := s.keepsText()
	keepN, keepAge := s.keepText, ""
	if s.keepAge > 0 {
		keepAge = encodeDuration(s.keepAge)
	}
	if !keep {
		keepN = -1
	}
	args = []any{token, int64(tokenTTL / time.Second), encodeTime(now), ret, s.maxPosts,
		int64(s.dedupeTTL / time.Second), group, keepN, keepAge}
	var payload, kf []byte
	var tags []string
	for _, e := range entries {
		countAt := len(args) + 1
		args = append(args, e.id, 0)
		kept := 0
		for i := range e.posts {
			p := &e.posts[i]
			if p.Lang == "" {
				continue
			}
			kept++
			t := now
			if !p.Time.IsZero() {
				t = store.UnixNanos(p.Time)
			}
			src := store.PointSource(p)
			hasPoint := src != post.GeoNone
			tags = tags[:0]
			for _, h := range p.Hashtags {
				tags = append(tags, pytext.Lower(h))
			}
			payload = appendPayload(payload[:0], hasPoint, p.Point, store.QuantizeConfidence(p.GeoConfidence), tags, trend.AuthorOf(p.UserID, p.ID))
			did := ""
			if e.dedupe {
				did = p.ID
			}
			// The record's provenance digit (codec.go); the script keeps
			// per-provenance counts from it.
			g := strconv.Itoa(int(src))
			kept := ""
			if keep {
				kf = appendKeptFields(kf[:0], p.Lang, p.ID, p.ScreenName, p.URL, p.Text)
				kept = string(kf)
			}
			args = append(args, p.Lang, did, encodeTime(t), g, strconv.Itoa(len(tags)), string(payload), kept)
			for _, t := range tags {
				args = append(args, t)
			}
		}
		args[countAt] = kept
		n += kept
	}
	return args, n
}

// keepsText reports whether the store keeps posts' text.
func (s *Store) keepsText() bool { return s.keepText > 0 }

// seedArgs builds seedRecordScript's arguments; n is how many posts they
// hold.
func (s *Store) seedArgs(token, group string, entries []entry) (args []any, n int) {
	args = []any{token, int64(tokenTTL / time.Second), int64(s.dedupeTTL / time.Second), group}
	for _, e := range entries {
		countAt := len(args) + 1
		args = append(args, e.id, 0)
		kept := 0
		for i := range e.posts {
			p := &e.posts[i]
			if p.Lang == "" {
				continue
			}
			kept++
			// The seed layout holds exact coordinates only, as the seed
			// did: its readers cannot tell a place's centre or an inferred
			// point from a coordinate, so those are not written
			// (docs/redis.md).
			geo := ""
			if store.PointSource(p) == post.GeoExact {
				geo = seedGeo(p.Point)
			}
			did := ""
			if e.dedupe {
				did = p.ID
			}
			args = append(args, seedName(p.Lang), did, geo, len(p.Hashtags))
			for _, h := range p.Hashtags {
				args = append(args, h)
			}
		}
		args[countAt] = kept
		n += kept
	}
	return args, n
}

// seedName is the NLTK list name the seed used for a language key.
func seedName(key string) string { return langid.Describe(key).Name }

// seedKey is the language key geoheat uses for an NLTK list name.
func seedKey(name string) string { return langid.ByName(name).Key() }
