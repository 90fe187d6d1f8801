package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
)

// Exploration queries (store/explore.go: ranges, boxes, keyword search,
// the histogram and the posts behind a spot) read post records, not
// aggregates: the records of the chunks a time range touches (the
// time-bounds index skips the others), every point record for a box over
// everything held, or the kept records for keyword search and Posts. Their
// cost grows with the posts they read (docs/redis.md).

// exploreScript reads, in one consistent step, what an exploration query
// needs: the head, optionally the oldest time held, and the records.
//
//	KEYS[1] prefix
//	ARGV[1] what: "p" the records of the chunks that may hold posts in the
//	        span (chunksIn), "g" every point record, per language; "k" the
//	        kept records
//	ARGV[2] "1" to find the oldest time held (the time-bounds index's low
//	        bounds, as Stats reads them)
//	ARGV[3] cutoff, ARGV[4] below: the span for "p" (chunksIn)
//	ARGV[5...] languages (for "p" and "g")
//
// Returns {head, oldest, records}; head and oldest are "" when there is
// none; records is a list per language, or the kept list for "k".
var exploreScript = redis.NewScript(luaChunksAfter + `
local b = KEYS[1]
local what = ARGV[1]
local head = redis.call('GET', b .. ':head') or ''
local oldest = ''
if ARGV[2] == '1' then
  for _, L in ipairs(redis.call('SMEMBERS', b .. ':langs')) do
    for _, v in ipairs(redis.call('HVALS', b .. ':b:' .. L)) do
      local lo = string.sub(v, 1, 20)
      if oldest == '' or lo < oldest then oldest = lo end
    end
  end
end
local out = {}
if what == 'k' then
  out = redis.call('LRANGE', b .. ':k', 0, -1)
else
  for k = 5, #ARGV do
    if what == 'g' then
      out[#out + 1] = redis.call('LRANGE', b .. ':g:' .. ARGV[k], 0, -1)
    else
      out[#out + 1] = chunksIn(b, ARGV[k], ARGV[3], ARGV[4])
    end
  end
end
return {head, oldest, out}
`)

// explored is exploreScript's reply, decoded.
type explored struct {
	head, oldest       int64 // head clamped to the store clock's now
	hasHead, hasOldest bool
	perLang            [][]string // "p" and "g": post records per language
	kept               []string   // "k": kept records, arrival order
}

// explore runs exploreScript. lo and hi bound the span read for "p" (unix
// ns, hi exclusive; math.MinInt64 / math.MaxInt64 leave an end open).
func (s *Store) explore(ctx context.Context, what byte, wantOldest bool, lo, hi int64, langs []string) (explored, error) {
	cutoff, below := "", ""
	if lo != math.MinInt64 {
		cutoff = encodeTime(lo - 1) // chunksIn takes chunks newer than cutoff
	}
	if hi != math.MaxInt64 {
		below = encodeTime(hi)
	}
	old := "0"
	if wantOldest {
		old = "1"
	}
	args := make([]any, 0, 4+len(langs))
	args = append(args, string(what), old, cutoff, below)
	if what != 'k' {
		for _, l := range langs {
			args = append(args, l)
		}
	}
	var ex explored
	v, err := exploreScript.Run(ctx, s.rdb, []string{s.base}, args...).Slice()
	if err != nil {
		return ex, err
	}
	if len(v) != 3 {
		return ex, fmt.Errorf("explore script returned %d values, want 3", len(v))
	}
	if h, _ := v[0].(string); h != "" {
		t, err := decodeTime(h)
		if err != nil {
			return ex, fmt.Errorf("head %q: %w", h, err)
		}
		ex.head, ex.hasHead = min(t, store.UnixNanos(s.now())), true
	}
	if o, _ := v[1].(string); o != "" {
		t, err := decodeTime(o)
		if err != nil {
			return ex, fmt.Errorf("oldest time %q: %w", o, err)
		}
		ex.oldest, ex.hasOldest = t, true
	}
	out, _ := v[2].([]any)
	if what == 'k' {
		ex.kept = stringsOf(out)
		return ex, nil
	}
	if len(out) != len(langs) {
		return ex, fmt.Errorf("explore script returned %d languages, want %d", len(out), len(langs))
	}
	ex.perLang = make([][]string, len(out))
	for i, x := range out {
		recs, _ := x.([]any)
		ex.perLang[i] = stringsOf(recs)
	}
	return ex, nil
}

func stringsOf(v []any) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i], _ = x.(string)
	}
	return out
}

// encodeHi encodes an exclusive upper time bound. An open end
// (math.MaxInt64) holds every time, saturated ones included (a far-future
// time is recorded as math.MaxInt64), as textindex's filter does: the
// returned string sorts after every encoded time.
func encodeHi(hi int64) string {
	if hi == math.MaxInt64 {
		return "99999999999999999999"
	}
	return encodeTime(hi)
}

// selection is what a post record must pass to count in an exploration
// query, besides keyword search (which picks the kept records read).
type selection struct {
	lo, hi string // encoded times: lo <= time < hi
	tag    string // lower-cased; "" = any post
	// inBox: the post must have a point of a provenance in geo inside box.
	inBox bool
	box   analysis.Box
	world bool
	geo   post.GeoSet
}

// newSelection builds the selection of span [lo, hi), tag and, when bbox
// is set, a box. Errors wrap store.ErrBadQuery.
func newSelection(lo, hi int64, tag string, bbox store.BBox, geo post.GeoSet) (selection, error) {
	f := selection{lo: encodeTime(lo), hi: encodeHi(hi), geo: geo, world: true}
	if tag != "" {
		f.tag = pytext.Lower(tag)
	}
	if !bbox.IsZero() {
		box, err := analysis.NewBox(bbox)
		if err != nil {
			return f, fmt.Errorf("redisstore: %w", err)
		}
		f.inBox, f.box, f.world = true, box, box.IsWorld()
	}
	return f, nil
}

// point reports whether r has a point of a provenance in the selection's
// set (inside its box, when it has one).
func (f *selection) point(r *record) bool {
	return r.hasPoint && f.geo.Has(r.source) && (f.world || f.box.Contains(r.point))
}

// match reports whether r is selected. r must be parsed with its tags
// when the selection has a tag.
func (f *selection) match(r *record) bool {
	if r.time < f.lo || r.time >= f.hi || (f.inBox && !f.point(r)) {
		return false
	}
	return f.tag == "" || slices.Contains(r.tags, f.tag)
}

// selected reads the post records a selection may hold, per language of
// langs in arrival order: with a keyword query the kept posts matching it,
// with a box over everything held every point record, otherwise the
// records of the chunks the span touches. Callers filter them with match.
//
// pre, when not nil, is a check the records returned must pass anyway:
// kept records that fail it are not indexed for the keyword query.
func (s *Store) selected(ctx context.Context, q string, inBox, wantOldest bool, lo, hi int64, langs []string, pre func(r *record) bool) (explored, error) {
	if pre == nil {
		pre = func(*record) bool { return true }
	}
	switch {
	case q != "":
		ex, err := s.explore(ctx, 'k', wantOldest, lo, hi, nil)
		if err != nil {
			return ex, err
		}
		es, err := decodeKept(ex.kept)
		if err != nil {
			return ex, err
		}
		ws, err := store.ParseSearch(q)
		if err != nil {
			return ex, fmt.Errorf("redisstore: %w", err)
		}
		sel := func(i int) bool { return pre(&es[i].r) && mayMatch(es[i].kr.text, es[i].r.tags, ws) }
		ex.perLang, err = newKeptIndex(es, sel).matching(q, langs)
		return ex, err
	case inBox && lo == math.MinInt64 && hi == math.MaxInt64:
		return s.explore(ctx, 'g', wantOldest, lo, hi, langs)
	default:
		return s.explore(ctx, 'p', wantOldest, lo, hi, langs)
	}
}

// allLanguages returns lang as a list, or every language when it is "".
func (s *Store) allLanguages(ctx context.Context, lang string) ([]string, error) {
	if lang != "" {
		return []string{lang}, nil
	}
	return s.languages(ctx)
}

// countsSelect answers Counts for a range or a box: per language, the
// posts selected, their points by provenance and their hashtags; languages
// with none selected are left out.
func (s *Store) countsSelect(ctx context.Context, q store.CountsQuery) ([]store.LangCount, error) {
	q, err := begin(ctx, s, q)
	if err != nil {
		return nil, err
	}
	if s.layout == LayoutSeed {
		return nil, badQuery("the seed layout holds no post times and does not link hashtags to points: counts cannot take a range or bbox")
	}
	lo, hi := q.Range.Nanos()
	f, err := newSelection(lo, hi, "", q.BBox, q.Geo)
	if err != nil {
		return nil, err
	}
	langs, err := s.languages(ctx)
	if err != nil {
		return nil, s.queryErr("counts", err)
	}
	ex, err := s.selected(ctx, "", f.inBox, false, lo, hi, langs, nil)
	if err != nil {
		return nil, s.queryErr("counts", err)
	}
	out := make([]store.LangCount, 0, len(langs))
	var r record
	for i, l := range langs {
		c := store.LangCount{Lang: l}
		var by [post.GeoText + 1]int64
		for _, raw := range ex.perLang[i] {
			if err := parseRecord(raw, true, &r); err != nil {
				return nil, s.queryErr("counts", err)
			}
			if !f.match(&r) {
				continue
			}
			c.Posts++
			c.Hashtags += int64(len(r.tags))
			if r.hasPoint {
				by[r.source]++
			}
		}
		if c.Posts == 0 {
			continue
		}
		c.GeoBySource = store.GeoCounts{Exact: by[post.GeoExact], Place: by[post.GeoPlace], Profile: by[post.GeoProfile], Text: by[post.GeoText]}
		c.Geo = c.GeoBySource.Trusted()
		out = append(out, c)
	}
	return out, nil
}

// topSelect counts the hashtags of each language's posts selected by
// window or range, box and keyword query.
func (s *Store) topSelect(ctx context.Context, q store.TopQuery, langs []string, now int64) ([]store.LangTop, error) {
	// Only languages holding hashtags are listed, even with none selected.
	lens := make([]*redis.IntCmd, len(langs))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range langs {
			lens[i] = p.LLen(ctx, s.key("t", l))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var held []string
	for i, l := range langs {
		if lens[i].Val() > 0 {
			held = append(held, l)
		}
	}
	if len(held) == 0 {
		return nil, nil
	}
	var head int64
	hasHead := false
	if q.Window > 0 {
		if head, hasHead, err = s.head(ctx, now); err != nil {
			return nil, err
		}
	}
	lo, hi := store.TimeSpan(q.Window, q.Range, head, hasHead)
	out := make([]store.LangTop, 0, len(held))
	if lo >= hi {
		for _, l := range held {
			out = append(out, store.LangTop{Lang: l, Tags: []store.TagCount{}})
		}
		return out, nil
	}
	f, err := newSelection(lo, hi, "", q.BBox, q.Geo)
	if err != nil {
		return nil, err
	}
	ex, err := s.selected(ctx, q.Q, f.inBox, false, lo, hi, held, f.match)
	if err != nil {
		return nil, err
	}
	tc := newTagCounter()
	var r record
	for i, l := range held {
		for _, raw := range ex.perLang[i] {
			if err := parseRecord(raw, true, &r); err != nil {
				return nil, err
			}
			if !f.match(&r) {
				continue
			}
			for _, t := range r.tags {
				tc.add(t)
			}
		}
		out = append(out, store.LangTop{Lang: l, Tags: tc.top(q.N)})
	}
	return out, nil
}

// recordTime decodes r's time.
func recordTime(r *record) (int64, error) {
	t, err := decodeTime(r.time)
	if err != nil {
		return 0, fmt.Errorf("record time %q: %w", r.time, err)
	}
	return t, nil
}

// Histogram implements store.Querier: the selection's posts and points per
// bucket of store.HistogramPlan, read from the records of the span (the
// time-bounds index skips chunks outside it), or from the kept records
// with a keyword query. An open From is the oldest post held, an open To
// just after the head (the head's posts included).
func (s *Store) Histogram(ctx context.Context, q store.HistogramQuery) (store.HistogramResult, error) {
	q, err := begin(ctx, s, q)
	if err != nil {
		return store.HistogramResult{}, err
	}
	if s.layout == LayoutSeed {
		return store.HistogramResult{}, badQuery("the seed layout holds no post times: no histogram")
	}
	lo, hi := q.Range.Nanos()
	f, err := newSelection(lo, hi, q.Tag, q.BBox, q.Geo)
	if err != nil {
		return store.HistogramResult{}, err
	}
	langs, err := s.allLanguages(ctx, q.Lang)
	if err != nil {
		return store.HistogramResult{}, s.queryErr("histogram", err)
	}
	ex, err := s.selected(ctx, q.Q, f.inBox, true, lo, hi, langs, f.match)
	if err != nil {
		return store.HistogramResult{}, s.queryErr("histogram", err)
	}
	if q.Range.From.IsZero() || q.Range.To.IsZero() {
		// Open ends are the oldest post held and the head (included).
		if !ex.hasHead || !ex.hasOldest {
			return store.HistogramResult{Buckets: []store.HistogramBucket{}}, nil // holds nothing
		}
		if q.Range.From.IsZero() {
			lo = ex.oldest
		}
		if q.Range.To.IsZero() {
			hi = ex.head
			if hi < math.MaxInt64 {
				hi++
			}
		}
	}
	start, step, n := store.HistogramPlan(lo, hi, q.Buckets)
	res := store.HistogramResult{Step: step, Buckets: make([]store.HistogramBucket, n)}
	if lo < hi {
		res.From, res.To = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	}
	for i := range res.Buckets {
		res.Buckets[i].Start = time.Unix(0, start+int64(i)*int64(step)).UTC()
	}
	// Strictly below hi, even at math.MaxInt64: every bucket is in [lo, hi).
	f.lo, f.hi = encodeTime(lo), encodeTime(hi)
	var r record
	for _, recs := range ex.perLang {
		for _, raw := range recs {
			if err := parseRecord(raw, f.tag != "", &r); err != nil {
				return store.HistogramResult{}, s.queryErr("histogram", err)
			}
			if !f.match(&r) {
				continue
			}
			t, err := recordTime(&r)
			if err != nil {
				return store.HistogramResult{}, s.queryErr("histogram", err)
			}
			i := (t - start) / int64(step)
			if t < start || i >= int64(n) {
				continue // unreachable: match keeps t in [lo, hi)
			}
			b := &res.Buckets[i]
			b.Posts++
			res.Posts++
			if f.point(&r) {
				b.Points++
				res.Points++
			}
		}
	}
	return res, nil
}

// Posts implements store.Querier: the newest kept posts of the selection,
// newest first (ties: the later arrival first), from a textindex.Index
// built of every kept record (docs/redis.md has the cost).
func (s *Store) Posts(ctx context.Context, q store.PostsQuery) (store.PostsResult, error) {
	q, err := begin(ctx, s, q)
	if err != nil {
		return store.PostsResult{}, err
	}
	if s.layout == LayoutSeed {
		return store.PostsResult{}, badQuery("the seed layout keeps no text: no posts")
	}
	if !q.BBox.IsZero() {
		if _, err := analysis.NewBox(q.BBox); err != nil {
			return store.PostsResult{}, fmt.Errorf("redisstore: %w", err)
		}
	}
	ex, err := s.explore(ctx, 'k', false, math.MinInt64, math.MaxInt64, nil)
	if err != nil {
		return store.PostsResult{}, s.queryErr("posts", err)
	}
	es, err := decodeKept(ex.kept)
	if err != nil {
		return store.PostsResult{}, s.queryErr("posts", err)
	}
	// The checks the index will make again, but cheaply, before indexing.
	lo, hi := q.Range.Nanos()
	f, err := newSelection(lo, hi, q.Tag, q.BBox, q.Geo)
	if err != nil {
		return store.PostsResult{}, err
	}
	sel := func(i int) bool { return (q.Lang == "" || es[i].kr.lang == q.Lang) && f.match(&es[i].r) }
	if q.Q != "" {
		ws, err := store.ParseSearch(q.Q)
		if err != nil {
			return store.PostsResult{}, fmt.Errorf("redisstore: %w", err)
		}
		cheap := sel
		sel = func(i int) bool { return cheap(i) && mayMatch(es[i].kr.text, es[i].r.tags, ws) }
	} else {
		// Without words to match, only the newest N selected can rank:
		// index those alone (Newest's order: time, then arrival).
		var cand []int
		for i := range es {
			if sel(i) {
				cand = append(cand, i)
			}
		}
		slices.SortFunc(cand, func(a, b int) int {
			if c := cmp.Compare(es[b].t, es[a].t); c != 0 {
				return c
			}
			return cmp.Compare(b, a)
		})
		rank := make(map[int]bool, q.N)
		for _, i := range cand[:min(len(cand), q.N)] {
			rank[i] = true
		}
		sel = func(i int) bool { return rank[i] }
	}
	return newKeptIndex(es, sel).posts(q)
}
