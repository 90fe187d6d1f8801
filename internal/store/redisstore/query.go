package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/trend"
)

// Reads that must agree with each other (a language's posts, points and
// hashtags) run in one MULTI/EXEC, which Redis executes between two record
// scripts, never during one. On a Cluster every key of a MULTI shares the
// prefix's hash tag, so it is one slot.

var gridPool = sync.Pool{New: func() any { return analysis.NewGrid(0) }}

func badQuery(format string, args ...any) error {
	return fmt.Errorf("redisstore: %w: "+format, append([]any{store.ErrBadQuery}, args...)...)
}

// languages returns the native layout's language keys, sorted.
func (s *Store) languages(ctx context.Context) ([]string, error) {
	langs, err := s.rdb.SMembers(ctx, s.key("langs")).Result()
	if err != nil {
		return nil, err
	}
	slices.Sort(langs)
	return langs, nil
}

// Counts implements store.Querier: one row per language with posts held,
// ordered by key. In the seed layout Posts is 0: the seed stored no posts,
// only their hashtags and points.
func (s *Store) Counts(ctx context.Context, q store.CountsQuery) ([]store.LangCount, error) {
	if q != (store.CountsQuery{}) {
		return s.countsSelect(ctx, q)
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	if s.layout == LayoutSeed {
		return s.seedCounts(ctx)
	}
	langs, err := s.languages(ctx)
	if err != nil {
		return nil, s.queryErr("counts", err)
	}
	cmds := make([]*redis.IntCmd, 0, 3*len(langs))
	srcs := make([]*redis.MapStringStringCmd, 0, len(langs))
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, l := range langs {
			cmds = append(cmds, p.LLen(ctx, s.key("p", l)), p.LLen(ctx, s.key("g", l)), p.LLen(ctx, s.key("t", l)))
			srcs = append(srcs, p.HGetAll(ctx, s.key("gs", l)))
		}
		return nil
	})
	if err != nil {
		return nil, s.queryErr("counts", err)
	}
	out := make([]store.LangCount, 0, len(langs))
	for i, l := range langs {
		posts := cmds[3*i].Val()
		if posts == 0 {
			continue
		}
		by, err := geoBySource(cmds[3*i+1].Val(), srcs[i].Val())
		if err != nil {
			return nil, s.queryErr("counts", err)
		}
		out = append(out, store.LangCount{
			Lang: l, Posts: posts, Geo: by.Trusted(), Hashtags: cmds[3*i+2].Val(), GeoBySource: by,
		})
	}
	return out, nil
}

// geoBySource reads the ":gs:" hash: points is the ":g:" list's length,
// the hash counts the points that are not exact.
func geoBySource(points int64, gs map[string]string) (store.GeoCounts, error) {
	var by [post.GeoText + 1]int64 // by provenance digit
	by[post.GeoExact] = points
	for k, v := range gs {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || len(k) != 1 || k[0] < '2' || k[0] > '0'+byte(post.GeoText) {
			return store.GeoCounts{}, fmt.Errorf("bad provenance count %q=%q", k, v)
		}
		by[k[0]-'0'] = n
		by[post.GeoExact] -= n
	}
	return store.GeoCounts{Exact: by[post.GeoExact], Place: by[post.GeoPlace], Profile: by[post.GeoProfile], Text: by[post.GeoText]}, nil
}

// tagCounter counts tag strings with Counter.most_common's order, interning
// them into the dense ids analysis.Counter wants.
type tagCounter struct {
	ids   map[string]uint32
	names []string
	c     analysis.Counter
}

func newTagCounter() *tagCounter { return &tagCounter{ids: make(map[string]uint32)} }

func (tc *tagCounter) add(tag string) {
	id, ok := tc.ids[tag]
	if !ok {
		id = uint32(len(tc.names))
		tc.ids[tag] = id
		tc.names = append(tc.names, tag)
	}
	tc.c.Add(id)
}

// top returns the n most common tags and resets the counter.
func (tc *tagCounter) top(n int) []store.TagCount {
	best := tc.c.MostCommon(n, nil)
	out := make([]store.TagCount, len(best))
	for i, b := range best {
		out[i] = store.TagCount{Tag: tc.names[b.ID], Count: b.Count}
	}
	tc.c.Reset()
	clear(tc.ids)
	tc.names = tc.names[:0]
	return out
}

// begin normalises a query and waits for the store to be ready: how every
// query starts.
func begin[Q interface{ Normalize() (Q, error) }](ctx context.Context, s *Store, q Q) (Q, error) {
	q, err := q.Normalize()
	if err != nil {
		return q, fmt.Errorf("redisstore: %w", err)
	}
	return q, s.begin(ctx)
}

// Top implements store.Querier, exactly as the embedded store answers: N
// defaults to 3, Last to 5000 (when Window is 0 too); Lang "" lists every
// language holding hashtags, by key; a named language that holds none gets
// one entry with no tags; Window > 0 counts the posts with time >
// head − Window and ignores Last.
func (s *Store) Top(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	q, err := begin(ctx, s, q)
	if err != nil {
		return nil, err
	}
	if s.layout == LayoutSeed {
		return s.seedTop(ctx, q)
	}
	now := store.UnixNanos(s.now())
	var langs []string
	if q.Lang == "" {
		if langs, err = s.languages(ctx); err != nil {
			return nil, s.queryErr("top", err)
		}
	} else {
		langs = []string{q.Lang}
	}
	var out []store.LangTop
	if q.Last == 0 {
		// Normalize leaves Last 0 exactly when a window, range, box or
		// keyword query selects the posts.
		out, err = s.topSelect(ctx, q, langs, now)
	} else {
		out, err = s.topLast(ctx, q, langs)
	}
	if err != nil {
		return nil, s.queryErr("top", err)
	}
	if q.Lang != "" && len(out) == 0 {
		out = append(out, store.LangTop{Lang: q.Lang, Tags: []store.TagCount{}})
	}
	return out, nil
}

// topLast counts each language's last q.Last hashtags.
func (s *Store) topLast(ctx context.Context, q store.TopQuery, langs []string) ([]store.LangTop, error) {
	cmds := make([]*redis.StringSliceCmd, len(langs))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range langs {
			cmds[i] = p.LRange(ctx, s.key("t", l), -int64(q.Last), -1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.LangTop, 0, len(langs))
	tc := newTagCounter()
	for i, l := range langs {
		tags := cmds[i].Val()
		if len(tags) == 0 {
			continue // holds no hashtags
		}
		for _, t := range tags {
			tc.add(t)
		}
		out = append(out, store.LangTop{Lang: l, Tags: tc.top(q.N)})
	}
	return out, nil
}

// head returns the head time: the newest post time recorded, clamped to
// now; ok is false when nothing was recorded.
func (s *Store) head(ctx context.Context, now int64) (head int64, ok bool, err error) {
	v, err := s.rdb.Get(ctx, s.key("head")).Result()
	if err == redis.Nil {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	t, err := decodeTime(v)
	if err != nil {
		return 0, false, fmt.Errorf("head %q: %w", v, err)
	}
	return min(t, now), true, nil
}

// Points implements store.Querier: the language's last N points of the
// query's provenances (N defaults to 400, provenances to exact and place),
// oldest first, bit-exact as recorded.
func (s *Store) Points(ctx context.Context, q store.PointsQuery) ([]store.Point, error) {
	q, err := begin(ctx, s, q)
	if err != nil {
		return nil, err
	}
	if s.layout == LayoutSeed {
		return s.seedPoints(ctx, q)
	}
	gk := s.key("g", q.Lang)
	var last *redis.StringSliceCmd
	var n *redis.IntCmd
	var gs *redis.MapStringStringCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		last, n, gs = p.LRange(ctx, gk, -int64(q.N), -1), p.LLen(ctx, gk), p.HGetAll(ctx, s.key("gs", q.Lang))
		return nil
	})
	if err != nil {
		return nil, s.queryErr("points", err)
	}
	by, err := geoBySource(n.Val(), gs.Val())
	if err != nil {
		return nil, s.queryErr("points", err)
	}
	recs := last.Val()
	if !by.Covers(q.Geo) {
		// Some points held are excluded, so the last N matching ones may
		// lie further back (and the records read above may have changed
		// since): the script finds them in one consistent step.
		if recs, err = s.lastGeo(ctx, q.Lang, q.N, q.Geo); err != nil {
			return nil, s.queryErr("points", err)
		}
		slices.Reverse(recs)
	}
	out := make([]store.Point, 0, min(len(recs), q.N))
	var r record
	for k := len(recs) - 1; k >= 0 && len(out) < q.N; k-- {
		if err := parseRecord(recs[k], true, &r); err != nil {
			return nil, s.queryErr("points", err)
		}
		if !q.Geo.Has(r.source) {
			continue
		}
		t, err := recordTime(&r)
		if err != nil {
			return nil, s.queryErr("points", err)
		}
		p := r.storePoint()
		p.Time = time.Unix(0, t).UTC()
		if len(r.tags) > 0 {
			p.Tags = slices.Clone(r.tags)
		}
		out = append(out, p)
	}
	slices.Reverse(out)
	return out, nil
}

// lastGeo runs lastGeoScript: the last n point records of lang whose
// provenance is in set, newest first.
func (s *Store) lastGeo(ctx context.Context, lang string, n int, set post.GeoSet) ([]string, error) {
	var digits []byte
	for g := post.GeoExact; g <= post.GeoText; g++ {
		if set.Has(g) {
			digits = append(digits, '0'+byte(g))
		}
	}
	return lastGeoScript.Run(ctx, s.rdb, []string{s.base}, lang, n, string(digits)).StringSlice()
}

// heatFilter is what a point must pass besides the window.
type heatFilter struct {
	box   analysis.Box
	world bool
	tag   string // lower-cased; "" = any
	geo   post.GeoSet
}

func (f *heatFilter) match(r *record) bool {
	if !r.hasPoint || !f.geo.Has(r.source) || (!f.world && !f.box.Contains(r.point)) {
		return false
	}
	return f.tag == "" || slices.Contains(r.tags, f.tag)
}

// validHeat checks a heat query, fills in its defaults and returns its
// filter.
func validHeat(q store.HeatQuery) (store.HeatQuery, heatFilter, error) {
	if err := analysis.ValidateZoom(q.Zoom); err != nil {
		return q, heatFilter{}, fmt.Errorf("redisstore: %w", err)
	}
	q, err := q.Normalize()
	if err != nil {
		return q, heatFilter{}, fmt.Errorf("redisstore: %w", err)
	}
	box, err := analysis.NewBox(q.BBox)
	if err != nil {
		return q, heatFilter{}, fmt.Errorf("redisstore: %w", err)
	}
	f := heatFilter{box: box, world: box.IsWorld(), geo: q.Geo}
	if q.Tag != "" {
		f.tag = pytext.Lower(q.Tag)
	}
	return q, f, nil
}

// Heat implements store.Querier exactly as the embedded store does: points
// filtered by language, tag (lower-cased), window and bbox; Last keeps the
// most recent matches across the chosen languages (by arrival); the grid
// aggregates them, languages in key order and oldest first within each, or
// in arrival order with Last, so cell means are summed in the same order.
func (s *Store) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	q, f, err := validHeat(q)
	if err != nil {
		return store.HeatResult{}, err
	}
	if err := s.begin(ctx); err != nil {
		return store.HeatResult{}, err
	}
	var points []post.Point
	if s.layout == LayoutSeed {
		points, err = s.seedHeatPoints(ctx, q, &f)
	} else {
		points, err = s.heatPoints(ctx, q, &f)
	}
	if err != nil {
		return store.HeatResult{}, err
	}
	g := gridPool.Get().(*analysis.Grid)
	defer gridPool.Put(g)
	g.Reset(q.Zoom)
	g.AddAll(points)
	return g.Result(q.Limit), nil
}

// heatPoints collects the points a native heat query aggregates, in the
// order the embedded store adds them to the grid.
func (s *Store) heatPoints(ctx context.Context, q store.HeatQuery, f *heatFilter) ([]post.Point, error) {
	now := store.UnixNanos(s.now())
	var langs []string
	if q.Lang == "" {
		var err error
		if langs, err = s.languages(ctx); err != nil {
			return nil, s.queryErr("heat", err)
		}
	} else {
		langs = []string{q.Lang}
	}
	if len(langs) == 0 {
		return nil, nil
	}
	var perLang [][]string
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if q.Window > 0 || !q.Range.IsZero() || q.Q != "" {
		var head int64
		hasHead := false
		if q.Window > 0 {
			var err error
			if head, hasHead, err = s.head(ctx, now); err != nil {
				return nil, s.queryErr("heat", err)
			}
		}
		lo, hi = store.TimeSpan(q.Window, q.Range, head, hasHead)
		if lo >= hi {
			return nil, nil
		}
		loS, hiS := encodeTime(lo), encodeHi(hi)
		pre := func(r *record) bool { return r.time >= loS && r.time < hiS && f.match(r) }
		ex, err := s.selected(ctx, q.Q, true, false, lo, hi, langs, pre)
		if err != nil {
			return nil, s.queryErr("heat", err)
		}
		perLang = ex.perLang
	} else {
		// Without filters the last Last points are all that Last can keep;
		// a language holding provenances the query leaves out gets its
		// last Last matching points from a script instead.
		from := int64(0)
		if q.Last > 0 && f.world && f.tag == "" {
			from = -int64(q.Last)
		}
		cmds := make([]*redis.StringSliceCmd, len(langs))
		lens := make([]*redis.IntCmd, len(langs))
		srcs := make([]*redis.MapStringStringCmd, len(langs))
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, l := range langs {
				cmds[i] = p.LRange(ctx, s.key("g", l), from, -1)
				if from != 0 {
					lens[i], srcs[i] = p.LLen(ctx, s.key("g", l)), p.HGetAll(ctx, s.key("gs", l))
				}
			}
			return nil
		})
		if err != nil {
			return nil, s.queryErr("heat", err)
		}
		perLang = make([][]string, len(langs))
		for i := range cmds {
			perLang[i] = cmds[i].Val()
		}
		if from != 0 {
			for i, l := range langs {
				by, err := geoBySource(lens[i].Val(), srcs[i].Val())
				if err != nil {
					return nil, s.queryErr("heat", err)
				}
				if !by.Covers(f.geo) {
					// Newest first from the script; the loop below reads
					// from the end, so restore list order.
					if perLang[i], err = s.lastGeo(ctx, l, q.Last, f.geo); err != nil {
						return nil, s.queryErr("heat", err)
					}
					slices.Reverse(perLang[i])
				}
			}
		}
	}
	type recent struct {
		seq uint64
		p   post.Point
	}
	var points []post.Point
	var recents []recent
	var r record
	wantTags := f.tag != ""
	loS, hiS := encodeTime(lo), encodeHi(hi)
	for _, recs := range perLang {
		taken := 0
		for k := range recs {
			raw := recs[k]
			if q.Last > 0 {
				raw = recs[len(recs)-1-k] // newest first
			}
			if err := parseRecord(raw, wantTags, &r); err != nil {
				return nil, s.queryErr("heat", err)
			}
			if r.time < loS || r.time >= hiS || !f.match(&r) {
				continue
			}
			if q.Last == 0 {
				points = append(points, r.point)
				continue
			}
			recents = append(recents, recent{r.seq, r.point})
			if taken++; taken == q.Last {
				break
			}
		}
	}
	if q.Last == 0 {
		return points, nil
	}
	slices.SortFunc(recents, func(a, b recent) int { return cmp.Compare(a.seq, b.seq) })
	if n := len(recents); n > q.Last {
		recents = recents[n-q.Last:]
	}
	points = make([]post.Point, len(recents))
	for i, rp := range recents {
		points[i] = rp.p
	}
	return points, nil
}

// Stats implements store.Querier. Written and Dropped count every post
// recorded into and dropped from this prefix by any process, since the
// data was created; MemoryBytes is what Redis reports for the prefix's
// data keys (MEMORY USAGE, sampled).
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	if err := s.begin(ctx); err != nil {
		return store.Stats{}, err
	}
	if s.layout == LayoutSeed {
		return s.seedStats(ctx)
	}
	now := store.UnixNanos(s.now())
	langs, err := s.languages(ctx)
	if err != nil {
		return store.Stats{}, s.queryErr("stats", err)
	}
	var head, written, dropped *redis.StringCmd
	type langCmds struct {
		p, g, t *redis.IntCmd
		bounds  *redis.StringSliceCmd
		gs      *redis.MapStringStringCmd
	}
	lc := make([]langCmds, len(langs))
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		head, written, dropped = p.Get(ctx, s.key("head")), p.Get(ctx, s.key("written")), p.Get(ctx, s.key("dropped"))
		for i, l := range langs {
			lc[i] = langCmds{p.LLen(ctx, s.key("p", l)), p.LLen(ctx, s.key("g", l)), p.LLen(ctx, s.key("t", l)), p.HVals(ctx, s.key("b", l)),
				p.HGetAll(ctx, s.key("gs", l))}
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return store.Stats{}, s.queryErr("stats", err)
	}
	var st store.Stats
	st.Written, _ = written.Int64()
	st.Dropped, _ = dropped.Int64()
	oldest := ""
	for _, c := range lc {
		if c.p.Val() == 0 {
			continue
		}
		st.Languages++
		st.Posts += c.p.Val()
		st.Points += c.g.Val()
		if by, err := geoBySource(c.g.Val(), c.gs.Val()); err == nil {
			st.InferredPoints += by.Inferred()
		}
		st.Hashtags += c.t.Val()
		for _, b := range c.bounds.Val() {
			if len(b) == 2*timeWidth && (oldest == "" || b[:timeWidth] < oldest) {
				oldest = b[:timeWidth]
			}
		}
	}
	if h, err := head.Result(); err == nil {
		if t, err := decodeTime(h); err == nil {
			st.Head = time.Unix(0, min(t, now)).UTC()
		}
	}
	if oldest != "" {
		if t, err := decodeTime(oldest); err == nil {
			st.Oldest = time.Unix(0, t).UTC()
		}
	}
	keys := []string{s.key("order"), s.key("langs"), s.key("ever"), s.key("k")}
	for _, l := range langs {
		keys = append(keys, s.key("p", l), s.key("g", l), s.key("t", l), s.key("b", l), s.key("gs", l))
	}
	st.MemoryBytes = s.memoryUsage(ctx, keys)
	return st, nil
}

// memoryUsage sums MEMORY USAGE over keys; missing keys count 0 and errors
// leave the estimate short rather than failing Stats.
func (s *Store) memoryUsage(ctx context.Context, keys []string) int64 {
	cmds := make([]*redis.IntCmd, len(keys))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.MemoryUsage(ctx, k)
		}
		return nil
	})
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n
}

// Trends implements store.Querier exactly as the embedded store answers:
// one script reads the records of the selected languages from the start of
// the query's baseline on (the time-bounds index skips older chunks), with
// the head, the oldest time held and the newest time dropped in the same
// consistent step; the records feed a fresh trend.Index, whose Query both
// stores share. A query therefore reads every post of its span: its cost
// grows with the posts held over window + baseline (BenchmarkTrends).
//
// Trends count the buckets after the newest post dropped by retention or
// MaxPosts (one not past the head), as the embedded store does: a bucket
// some of whose posts are gone would understate its activity. Records
// written before authors existed count as one unknown author.
func (s *Store) Trends(ctx context.Context, q store.TrendsQuery) (store.TrendsResult, error) {
	q, err := begin(ctx, s, q)
	if err != nil {
		return store.TrendsResult{}, err
	}
	if s.layout == LayoutSeed {
		return store.TrendsResult{}, badQuery("the seed layout holds no post times and no authors: trends need both")
	}
	if q.Country != "" && s.countryOf == nil {
		return store.TrendsResult{}, fmt.Errorf("redisstore: %w", trend.ErrNoCountries)
	}
	now := store.UnixNanos(s.now())
	limit := now
	if !q.At.IsZero() {
		limit = min(limit, store.UnixNanos(q.At))
	}
	// The posts of whole buckets from the baseline's first to the head's:
	// span reaches at least that far back from the head (more is read and
	// not counted).
	span := (ceilBuckets(q.Window) + ceilBuckets(q.Baseline)) * trendBucketNanos
	args := []any{encodeTime(limit), encodeDuration(time.Duration(span))}
	if q.Lang != "" {
		args = append(args, q.Lang)
	}
	v, err := trendsScript.Run(ctx, s.rdb, []string{s.base}, args...).Slice()
	if err != nil {
		return store.TrendsResult{}, s.queryErr("trends", err)
	}
	rd, err := readTrendsReply(v)
	if err != nil {
		return store.TrendsResult{}, s.queryErr("trends", err)
	}
	// Country codes are only compared by country queries: other queries
	// skip the point-in-polygon test.
	var countryOf trend.CountryFunc
	if q.Country != "" {
		countryOf = s.countryOf
	}
	ix := trend.New(countryOf)
	head := min(rd.head, now)
	if rd.empty {
		// The window is still placed at the head, if there is one.
		return ix.Query(q, head, 0, true)
	}
	oldest := rd.oldest
	if rd.hasDropped {
		oldest = max(oldest, (trend.BucketOf(rd.dropped)+1)*trendBucketNanos)
	}
	// Feed only what Query reads: posts of the buckets from the span's
	// start to the head's (as limited by At), with their point only when
	// the query selects by place, and for place queries only posts with a
	// point (no other post is in any place).
	qhead := min(head, limit)
	from, last := qhead-span, trend.BucketOf(qhead)
	area := q.HasArea()
	var (
		r  record
		tp trend.Post
	)
	for i, recs := range rd.recs {
		tp.Lang = rd.langs[i]
		for _, raw := range recs {
			if err := parseRecord(raw, true, &r); err != nil {
				return store.TrendsResult{}, s.queryErr("trends", err)
			}
			if len(r.tags) == 0 || (area && !r.hasPoint) {
				continue
			}
			t, err := decodeTime(r.time)
			if err != nil {
				return store.TrendsResult{}, s.queryErr("trends", fmt.Errorf("record time %q: %w", r.time, err))
			}
			if t <= from || trend.BucketOf(t) > last {
				continue
			}
			tp.Time, tp.Tags, tp.Author = t, r.tags, r.author
			tp.HasPoint = area
			tp.Lat, tp.Lon, tp.Source = r.point.Lat, r.point.Lon, r.source
			ix.Add(&tp)
		}
	}
	return ix.Query(q, head, oldest, false)
}

// trendBucketNanos is store.TrendBucket in nanoseconds.
const trendBucketNanos = int64(store.TrendBucket)

// ceilBuckets is how many trend buckets d spans, rounded up, as
// trend.Index.Query counts them.
func ceilBuckets(d time.Duration) int64 {
	return (int64(d) + trendBucketNanos - 1) / trendBucketNanos
}

// trendsRead is trendsScript's reply, decoded.
type trendsRead struct {
	empty        bool // nothing held
	head, oldest int64
	dropped      int64 // newest time dropped, when hasDropped
	hasDropped   bool
	langs        []string
	recs         [][]string // per language
}

func readTrendsReply(v []any) (trendsRead, error) {
	var rd trendsRead
	if len(v) != 6 {
		return rd, fmt.Errorf("trends script returned %d values, want 6", len(v))
	}
	head, _ := v[0].(string)
	dropped, _ := v[1].(string)
	held, _ := v[2].(int64)
	oldest, _ := v[3].(string)
	if head == "" {
		rd.empty = true
		return rd, nil
	}
	var err error
	if rd.head, err = decodeTime(head); err != nil {
		return rd, fmt.Errorf("head %q: %w", head, err)
	}
	if held == 0 {
		rd.empty = true
		return rd, nil
	}
	if rd.oldest, err = decodeTime(oldest); err != nil {
		return rd, fmt.Errorf("oldest time %q: %w", oldest, err)
	}
	if dropped != "" {
		if rd.dropped, err = decodeTime(dropped); err != nil {
			return rd, fmt.Errorf("dropmax %q: %w", dropped, err)
		}
		rd.hasDropped = true
	}
	langs, _ := v[4].([]any)
	recs, _ := v[5].([]any)
	if len(langs) != len(recs) {
		return rd, fmt.Errorf("trends script returned %d languages and %d record lists", len(langs), len(recs))
	}
	for i := range langs {
		l, _ := langs[i].(string)
		rs, _ := recs[i].([]any)
		out := make([]string, len(rs))
		for j, x := range rs {
			out[j], _ = x.(string)
		}
		rd.langs = append(rd.langs, l)
		rd.recs = append(rd.recs, out)
	}
	return rd, nil
}
