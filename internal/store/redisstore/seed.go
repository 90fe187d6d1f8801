package redisstore

import (
	"context"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// The seed layout holds, per NLTK language name, the list hashtag_<name>
// (hashtags as written, one RPUSH per post) and the list geo_<name> (points
// as json.dumps([lat, lon])). It answers what the seed's read cells
// answered: counts by LLEN, top hashtags over LRANGE -K -1 (lower-cased
// and counted like Counter.most_common), points by LRANGE -N -1. It holds no
// post times, no posts without hashtags or a point, no link between a post's
// hashtags and its point and no order across languages, so time windows,
// heat by tag, and heat's Last across languages are refused as bad queries.

// seedLang is one language found in a seed-layout database.
type seedLang struct {
	key, name string
}

// seedLangsOf returns the language key (one language) or, when key is
// "", every language the database holds.
func (s *Store) seedLangsOf(ctx context.Context, key string) ([]seedLang, error) {
	if key == "" {
		return s.seedLanguages(ctx)
	}
	return []seedLang{{key: key, name: seedName(key)}}, nil
}

// seedLanguages scans for hashtag_* and geo_* keys and returns their
// languages ordered by geoheat key.
func (s *Store) seedLanguages(ctx context.Context) ([]seedLang, error) {
	names := map[string]bool{}
	for _, pattern := range []string{"hashtag_*", "geo_*"} {
		it := s.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		for it.Next(ctx) {
			k := it.Val()
			if name, ok := strings.CutPrefix(k, "hashtag_"); ok {
				names[name] = true
			} else if name, ok := strings.CutPrefix(k, "geo_"); ok {
				names[name] = true
			}
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]seedLang, 0, len(names))
	for name := range names {
		out = append(out, seedLang{key: seedKey(name), name: name})
	}
	slices.SortFunc(out, func(a, b seedLang) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

func (s *Store) seedCounts(ctx context.Context) ([]store.LangCount, error) {
	langs, err := s.seedLanguages(ctx)
	if err != nil {
		return nil, s.queryErr("counts", err)
	}
	cmds := make([]*redis.IntCmd, 0, 2*len(langs))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, l := range langs {
			cmds = append(cmds, p.LLen(ctx, "geo_"+l.name), p.LLen(ctx, "hashtag_"+l.name))
		}
		return nil
	})
	if err != nil {
		return nil, s.queryErr("counts", err)
	}
	out := make([]store.LangCount, 0, len(langs))
	for i, l := range langs {
		geo, tags := cmds[2*i].Val(), cmds[2*i+1].Val()
		if geo == 0 && tags == 0 {
			continue
		}
		// The seed layout holds exact points only.
		out = append(out, store.LangCount{Lang: l.key, Geo: geo, Hashtags: tags, GeoBySource: store.GeoCounts{Exact: geo}})
	}
	return out, nil
}

func (s *Store) seedTop(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	switch {
	case q.Window > 0 || !q.Range.IsZero():
		return nil, badQuery("the seed layout holds no post times: use last, not a window or range")
	case !q.BBox.IsZero():
		return nil, badQuery("the seed layout does not link hashtags to points: top cannot take a bbox")
	case q.Q != "":
		return nil, badQuery("the seed layout keeps no text: top cannot take q")
	}
	langs, err := s.seedLangsOf(ctx, q.Lang)
	if err != nil {
		return nil, s.queryErr("top", err)
	}
	cmds := make([]*redis.StringSliceCmd, len(langs))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range langs {
			cmds[i] = p.LRange(ctx, "hashtag_"+l.name, -int64(q.Last), -1)
		}
		return nil
	})
	if err != nil {
		return nil, s.queryErr("top", err)
	}
	out := make([]store.LangTop, 0, len(langs))
	for i, l := range langs {
		tags := cmds[i].Val()
		if len(tags) == 0 && q.Lang == "" {
			continue
		}
		top := analysis.MostCommon(tags, q.N)
		if top == nil {
			top = []store.TagCount{}
		}
		out = append(out, store.LangTop{Lang: l.key, Tags: top})
	}
	return out, nil
}

// The seed layout holds exact points only (record.go writes no other
// provenance there), so a query that leaves out exact points gets none.

func (s *Store) seedPoints(ctx context.Context, q store.PointsQuery) ([]store.Point, error) {
	if !q.Geo.Has(post.GeoExact) {
		return []store.Point{}, nil
	}
	vals, err := s.rdb.LRange(ctx, "geo_"+seedName(q.Lang), -int64(q.N), -1).Result()
	if err != nil {
		return nil, s.queryErr("points", err)
	}
	out := make([]store.Point, 0, len(vals))
	for _, v := range vals {
		p, err := parseSeedGeo(v)
		if err != nil {
			// Someone else's junk in a seed list: skip it, as a reader of
			// untrusted data should.
			continue
		}
		out = append(out, store.Point{Point: p, Source: post.GeoExact, Confidence: 1})
	}
	return out, nil
}

func (s *Store) seedHeatPoints(ctx context.Context, q store.HeatQuery, f *heatFilter) ([]post.Point, error) {
	switch {
	case q.Window > 0 || !q.Range.IsZero():
		return nil, badQuery("the seed layout holds no post times: heat cannot take a window or range")
	case q.Q != "":
		return nil, badQuery("the seed layout keeps no text: heat cannot take q")
	case q.Tag != "":
		return nil, badQuery("the seed layout does not link hashtags to points: heat cannot filter by tag")
	case q.Last > 0 && q.Lang == "":
		return nil, badQuery("the seed layout keeps no order across languages: heat's last needs a language")
	}
	langs, err := s.seedLangsOf(ctx, q.Lang)
	if err != nil {
		return nil, s.queryErr("heat", err)
	}
	var points []post.Point
	if !f.geo.Has(post.GeoExact) {
		return nil, nil
	}
	for _, l := range langs {
		vals, err := s.rdb.LRange(ctx, "geo_"+l.name, 0, -1).Result()
		if err != nil {
			return nil, s.queryErr("heat", err)
		}
		var matched []post.Point
		for _, v := range vals {
			p, err := parseSeedGeo(v)
			if err != nil || !p.Valid() || (!f.world && !f.box.Contains(p)) {
				continue
			}
			matched = append(matched, p)
		}
		if q.Last > 0 && len(matched) > q.Last {
			matched = matched[len(matched)-q.Last:]
		}
		points = append(points, matched...)
	}
	return points, nil
}

func (s *Store) seedStats(ctx context.Context) (store.Stats, error) {
	counts, err := s.seedCounts(ctx)
	if err != nil {
		return store.Stats{}, err
	}
	var st store.Stats
	var keys []string
	for _, c := range counts {
		st.Languages++
		st.Points += c.Geo
		st.Hashtags += c.Hashtags
		name := seedName(c.Lang)
		keys = append(keys, "geo_"+name, "hashtag_"+name)
	}
	st.MemoryBytes = s.memoryUsage(ctx, keys)
	return st, nil
}
