package memstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// TestTrendIndexFollowsRetention: three days recorded under a day's
// retention leave the trend index holding about a day of buckets and no
// tags of dropped posts, so its memory stays bounded; a trend query then
// reaches back no further than the posts held.
func TestTrendIndexFollowsRetention(t *testing.T) {
	clock := storetest.T0.Add(72 * time.Hour)
	s := open(t, Options{Retention: 24 * time.Hour, Now: func() time.Time { return clock }, Logger: quiet})
	gen := newGenerator(31)
	ctx := context.Background()
	var afterDay1 int64
	var all []post.Post
	for h := range 72 {
		start := storetest.T0.Add(time.Duration(h) * time.Hour)
		batch := gen.batch(3000, start, time.Hour)
		all = append(all, batch...)
		if err := s.Record(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if h == 25 {
			afterDay1 = s.trends.MemoryBytes()
		}
	}
	s.mu.RLock()
	buckets, trendTags := s.trends.Size()
	floor := s.trendFloor()
	s.mu.RUnlock()
	// The index holds the tags of the posts from the first bucket every
	// post of which is held.
	from := time.Unix(0, floor)
	recent := map[string]bool{}
	for _, p := range all {
		if !p.Time.Before(from) {
			for _, tag := range p.Hashtags {
				recent[strings.ToLower(tag)] = true
			}
		}
	}
	held := len(recent)
	// A day of 5-minute buckets, and the one the retention cut falls in.
	if buckets > 24*12+1 {
		t.Errorf("the trend index holds %d buckets under a day's retention, want at most %d", buckets, 24*12+1)
	}
	if trendTags != held {
		t.Errorf("the trend index holds %d tags, the posts since %v %d", trendTags, from, held)
	}
	if now := s.trends.MemoryBytes(); now > afterDay1*3/2 {
		t.Errorf("trend index grew from %d B after a day to %d B after three under a day's retention", afterDay1, now)
	}
	res, err := s.Trends(ctx, store.TrendsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.BaselineShort || res.BaselineHeld > 23*time.Hour+store.TrendBucket {
		t.Errorf("baseline held %v (short %v): want less than the 24h asked, since retention keeps 24h including the window", res.BaselineHeld, res.BaselineShort)
	}
}
