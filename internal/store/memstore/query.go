package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
)

// Queries scan under the read lock and copy out what they return. Scratch
// space (dense counters, span lists, point buffers, grids) is pooled so that
// a busy API does not allocate per query what it needs for millions of
// posts.
var (
	counterPool = sync.Pool{New: func() any { return new(analysis.Counter) }}
	heatPool    = sync.Pool{New: func() any { return &heatScratch{grid: analysis.NewGrid(0)} }}
	spanPool    = sync.Pool{New: func() any { return new([]span) }}
)

type heatScratch struct {
	points []post.Point
	recent []recentPoint
	spans  []span
	grid   *analysis.Grid
}

// recentPoint is a candidate for Heat's Last across languages: age orders
// it (arrival number relative to the oldest held post).
type recentPoint struct {
	age uint32
	p   post.Point
}

func badQuery(format string, args ...any) error {
	return fmt.Errorf("memstore: %w: "+format, append([]any{store.ErrBadQuery}, args...)...)
}

// begin checks the context and takes the read lock, failing when closed.
// The caller must RUnlock when err is nil.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// Counts implements store.Querier: one row per language with posts held,
// ordered by key.
func (s *Store) Counts(ctx context.Context) ([]store.LangCount, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]store.LangCount, 0, len(s.sorted))
	for _, id := range s.sorted {
		l := s.langs[id]
		if l.times.Len() == 0 {
			continue
		}
		out = append(out, store.LangCount{
			Lang:        l.key,
			Posts:       int64(l.times.Len()),
			Geo:         l.geoBySrc[post.GeoExact] + l.geoBySrc[post.GeoPlace],
			Hashtags:    int64(l.tags.Len()),
			GeoBySource: l.geoBySource(),
		})
	}
	return out, nil
}

// Top implements store.Querier. N defaults to 3, Last to 5000 (when Window
// is 0 too). Lang "" lists every language holding hashtags, by key; a named
// language that holds none gets one entry with no tags (the seed printed
// every language). Window > 0 counts the posts with time > head − Window
// and ignores Last.
func (s *Store) Top(ctx context.Context, q store.TopQuery) ([]store.LangTop, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	now := unixNanos(s.now())
	c := counterPool.Get().(*analysis.Counter)
	defer counterPool.Put(c)
	spans := spanPool.Get().(*[]span)
	defer spanPool.Put(spans)

	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var langs []*lang
	if q.Lang == "" {
		for _, id := range s.sorted {
			if l := s.langs[id]; l.tags.Len() > 0 {
				langs = append(langs, l)
			}
		}
	} else if id, ok := s.langIDs[q.Lang]; ok {
		langs = append(langs, s.langs[id])
	}
	head, hasHead := s.headNanos(now)
	out := make([]store.LangTop, 0, max(len(langs), 1))
	var top []analysis.IDCount
	for _, l := range langs {
		c.Reset()
		c.Grow(s.tags.Size())
		add := func(seg []uint32) bool { c.AddAll(seg); return true }
		if q.Window > 0 {
			if hasHead {
				*spans = l.times.After(windowCutoff(head, q.Window), timeOfPost, (*spans)[:0])
				for _, sp := range *spans {
					// A run of consecutive posts has consecutive hashtags.
					from, _ := l.tagSpan(sp.from)
					_, to := l.tagSpan(sp.to - 1)
					l.tags.Segments(from, to, add)
				}
			}
		} else {
			n := l.tags.Len()
			l.tags.Segments(max(n-q.Last, 0), n, add)
		}
		top = c.MostCommon(q.N, top[:0])
		tags := make([]store.TagCount, len(top))
		for i, tc := range top {
			tags[i] = store.TagCount{Tag: s.tags.Name(tc.ID), Count: tc.Count}
		}
		out = append(out, store.LangTop{Lang: l.key, Tags: tags})
	}
	if q.Lang != "" && len(langs) == 0 {
		out = append(out, store.LangTop{Lang: q.Lang, Tags: []store.TagCount{}})
	}
	return out, nil
}

// geoBySource is Counts' per-provenance breakdown.
func (l *lang) geoBySource() store.GeoCounts {
	b := &l.geoBySrc
	return store.GeoCounts{Exact: b[post.GeoExact], Place: b[post.GeoPlace], Profile: b[post.GeoProfile], Text: b[post.GeoText]}
}

// storePoint returns point i of l with its provenance.
func (l *lang) storePoint(i int) store.Point {
	g, m := l.geo.Ptr(i), l.geoMeta.Ptr(i)
	return store.Point{Point: g.point(), Source: m.source, Confidence: store.ConfidenceOf(m.conf)}
}

// Points implements store.Querier: the language's last N points of the
// query's provenances (N defaults to 400, provenances to exact and place),
// oldest first, bit-exact as recorded.
func (s *Store) Points(ctx context.Context, q store.PointsQuery) ([]store.Point, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	id, ok := s.langIDs[q.Lang]
	if !ok {
		return []store.Point{}, nil
	}
	l := s.langs[id]
	n := l.geo.Len()
	if l.covers(q.Geo) {
		out := make([]store.Point, 0, min(q.N, n))
		at := max(n-q.N, 0)
		l.geo.Segments(at, n, func(seg []geoRec) bool {
			meta := l.geoMeta.Run(at, len(seg))
			for i := range seg {
				out = append(out, store.Point{Point: seg[i].point(), Source: meta[i].source, Confidence: store.ConfidenceOf(meta[i].conf)})
			}
			at += len(seg)
			return true
		})
		return out, nil
	}
	// Some points held are excluded: walk back from the newest until N
	// match, then restore oldest-first order.
	out := make([]store.Point, 0, min(q.N, n))
	for i := n - 1; i >= 0 && len(out) < q.N; i-- {
		if q.Geo.Has(l.geoMeta.Ptr(i).source) {
			out = append(out, l.storePoint(i))
		}
	}
	slices.Reverse(out)
	return out, nil
}

// heatFilter is what a point must pass besides the window.
type heatFilter struct {
	box   analysis.Box
	world bool
	byTag bool
	tag   uint32
	geo   post.GeoSet
	// checkGeo is set per language when it holds points outside geo.
	checkGeo bool
}

// matchPlace reports whether the point g of language l passes the box and
// tag filters; callers check the provenance first, where it is cheapest
// (a run of provenances in step with the points, or none when checkGeo is
// off), so that this stays one call per point as before provenance.
func (f *heatFilter) matchPlace(l *lang, g *geoRec) bool {
	if !f.world && !f.box.Contains(g.point()) {
		return false
	}
	if !f.byTag {
		return true
	}
	from, to := l.tagSpan(l.postIndex(g))
	for i := from; i < to; i++ {
		if l.tags.At(i) == f.tag {
			return true
		}
	}
	return false
}

// Heat implements store.Querier. Points are filtered by language, tag
// (lower-cased like recorded tags), window, bbox, then Last keeps the most
// recent matches across the chosen languages, and the grid aggregates them
// (see analysis.Grid for the cell order and the limit's tie rule).
func (s *Store) Heat(ctx context.Context, q store.HeatQuery) (store.HeatResult, error) {
	if err := analysis.ValidateZoom(q.Zoom); err != nil {
		return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
	}
	q, err := q.Normalize()
	if err != nil {
		return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
	}
	box, err := analysis.NewBox(q.BBox)
	if err != nil {
		return store.HeatResult{}, fmt.Errorf("memstore: %w", err)
	}
	f := heatFilter{box: box, world: box.IsWorld(), geo: q.Geo}
	tag := ""
	if q.Tag != "" {
		tag = pytext.Lower(q.Tag)
	}
	now := unixNanos(s.now())
	sc := heatPool.Get().(*heatScratch)
	defer heatPool.Put(sc)
	sc.points, sc.recent = sc.points[:0], sc.recent[:0]

	if err := s.begin(ctx); err != nil {
		return store.HeatResult{}, err
	}
	found := true
	if tag != "" {
		f.byTag = true
		f.tag, found = s.tags.Lookup(tag)
	}
	if found {
		s.collectHeat(q, &f, now, sc)
	}
	s.mu.RUnlock()

	// Aggregation runs outside the lock: it is the costly part at fine
	// zooms, and the points are copied.
	sc.grid.Reset(q.Zoom)
	sc.grid.AddAll(sc.points)
	return sc.grid.Result(q.Limit), nil
}

// collectHeat copies the points a heat query aggregates into sc.points,
// oldest first within a language. Caller holds mu for reading.
func (s *Store) collectHeat(q store.HeatQuery, f *heatFilter, now int64, sc *heatScratch) {
	var langs []*lang
	if q.Lang == "" {
		for _, id := range s.sorted {
			langs = append(langs, s.langs[id])
		}
	} else if id, ok := s.langIDs[q.Lang]; ok {
		langs = append(langs, s.langs[id])
	}
	head, hasHead := s.headNanos(now)
	seqFront := uint32(s.seqFront())
	for _, l := range langs {
		f.checkGeo = !l.covers(f.geo)
		// The posts to look at: the window's runs, or all.
		sc.spans = sc.spans[:0]
		if q.Window > 0 {
			if !hasHead {
				continue
			}
			sc.spans = l.geo.After(windowCutoff(head, q.Window), timeOfGeo, sc.spans)
		} else if l.geo.Len() > 0 {
			sc.spans = append(sc.spans, span{0, l.geo.Len()})
		}
		if q.Last == 0 {
			for _, sp := range sc.spans {
				at := sp.from
				l.geo.Segments(sp.from, sp.to, func(seg []geoRec) bool {
					if f.checkGeo {
						// The parallel run of provenances, read in step
						// rather than looked up per point.
						meta := l.geoMeta.Run(at, len(seg))
						for i := range seg {
							if f.geo.Has(meta[i].source) && f.matchPlace(l, &seg[i]) {
								sc.points = append(sc.points, seg[i].point())
							}
						}
					} else {
						for i := range seg {
							if f.matchPlace(l, &seg[i]) {
								sc.points = append(sc.points, seg[i].point())
							}
						}
					}
					at += len(seg)
					return true
				})
			}
			continue
		}
		// Newest first, up to Last from this language; the merge below
		// keeps the Last newest over all languages.
		taken := 0
	runs:
		for k := len(sc.spans) - 1; k >= 0; k-- {
			sp := sc.spans[k]
			for i := sp.to - 1; i >= sp.from; i-- {
				if f.checkGeo && !f.geo.Has(l.geoMeta.Ptr(i).source) {
					continue
				}
				g := l.geo.Ptr(i)
				if !f.matchPlace(l, g) {
					continue
				}
				sc.recent = append(sc.recent, recentPoint{age: g.seq - seqFront, p: g.point()})
				if taken++; taken == q.Last {
					break runs
				}
			}
		}
	}
	if q.Last == 0 {
		return
	}
	// Oldest first, so that cell means are summed in arrival order.
	slices.SortFunc(sc.recent, func(a, b recentPoint) int { return cmp.Compare(a.age, b.age) })
	recent := sc.recent
	if n := len(recent); n > q.Last {
		recent = recent[n-q.Last:]
	}
	for _, r := range recent {
		sc.points = append(sc.points, r.p)
	}
}

// Stats implements store.Querier.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	now := unixNanos(s.now())
	if err := s.begin(ctx); err != nil {
		return store.Stats{}, err
	}
	defer s.mu.RUnlock()
	st := store.Stats{
		Posts:       int64(s.order.Len()),
		MemoryBytes: s.memoryBytes(),
		Dropped:     s.dropped,
		Written:     s.written,
		LogRepair:   s.logRepair(),
	}
	oldest, hasOldest := int64(0), false
	for _, l := range s.langs {
		if l.times.Len() == 0 {
			continue
		}
		st.Languages++
		st.Points += int64(l.geo.Len())
		st.InferredPoints += l.geoBySrc[post.GeoProfile] + l.geoBySrc[post.GeoText]
		st.Hashtags += int64(l.tags.Len())
		if t, ok := l.times.MinTime(timeOfPost); ok && (!hasOldest || t < oldest) {
			oldest, hasOldest = t, true
		}
	}
	if head, ok := s.headNanos(now); ok {
		st.Head = time.Unix(0, head).UTC()
	}
	if hasOldest {
		st.Oldest = time.Unix(0, oldest).UTC()
	}
	return st, nil
}
