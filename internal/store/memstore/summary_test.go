package memstore

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// TestHeatThroughSummaries checks that heat maps read through block
// summaries, and hashtag maps read through the tags' point lists, are the
// maps read point by point, bit for bit: at every zoom
// summarised and one beyond, for the world, the dashboard's band, boxes
// whose borders cut cells, time spans that cut blocks, languages and
// provenance sets, with posts arriving out of time order, points on cell
// edges, dense points across the boxes' borders, inferred points, runs of
// backfilled posts (gaps inside blocks in a time range), and the
// oldest posts dropped (so the oldest block is partly gone). Blocks of 2, 4 and 8 chunks reach every level.
func TestHeatThroughSummaries(t *testing.T) {
	s := fillMixed(t)
	defer s.Close()
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	blocks := 0
	eachSummary(s, func(*summary) { blocks++ })
	if blocks < 20 {
		t.Fatalf("%d blocks summarised; the test needs many", blocks)
	}
	// Deep cells are kept at level 1; a level-0 block gives its own up
	// once its level-1 block is built.
	deep := 0
	for _, l := range s.langs {
		for b, sum := range l.geo.agg[deepLevel].s {
			if sum == nil {
				continue
			}
			deep += len(sum.deep[0]) + len(sum.deep[1])
			for c := range 1 << aggFanShift {
				if part := l.geo.agg[0].at((l.geo.agg[deepLevel].first+b)<<aggFanShift + c); part != nil && (part.deep[0] != nil || part.deep[1] != nil) {
					t.Fatalf("%s: a level-0 block keeps its deep cells under a level-1 block", l.key)
				}
			}
		}
	}
	if deep == 0 {
		t.Fatal("no level-1 block has deep cells")
	}
	// The busy tag's lists have blocks of every level, and the lists'
	// byte counts follow their summaries through the drops.
	var tagLevels [maxAggLevels]int
	for _, l := range s.langs {
		var bytes int64
		for _, p := range l.tagPts.byTag {
			bytes += postingEntryBytes + int64(cap(p.pos))*4 + tagSumBytes(p)
			if p.sums == nil {
				continue
			}
			for k, lv := range p.sums {
				for _, b := range lv.s {
					tagLevels[k] += b2i(b != nil)
				}
			}
		}
		if bytes != l.tagPts.bytes {
			t.Errorf("%s: tag lists counted at %d bytes, hold %d", l.key, l.tagPts.bytes, bytes)
		}
	}
	for k := range aggLevels {
		if tagLevels[k] == 0 {
			t.Fatalf("tag lists summarised %v blocks per level; the test needs every level", tagLevels[:aggLevels])
		}
	}
	// The tag lists hold exactly the held points' distinct tags: drops
	// took the dropped points out.
	for _, l := range s.langs {
		want := 0
		for i := range l.geo.Len() {
			at, n := l.tagsOf(l.geo.Ptr(i).post)
			seen := map[uint32]bool{}
			for k := range n {
				seen[l.tags.At(int(at-uint32(l.tagFront()))+k)] = true
			}
			want += len(seen)
		}
		got := 0
		for _, p := range l.tagPts.byTag {
			got += len(p.pos)
		}
		if got != want {
			t.Fatalf("%s: tag lists hold %d points, the points carry %d tags", l.key, got, want)
		}
	}

	top, err := s.Top(ctx, store.TopQuery{N: 2, BBox: store.World})
	if err != nil {
		t.Fatal(err)
	}
	tags := []string{"", "busy"}
	for _, lt := range top[:min(2, len(top))] {
		for _, tc := range lt.Tags {
			tags = append(tags, tc.Tag)
		}
	}
	if len(tags) < 3 {
		t.Fatalf("top tags %+v: the test needs some", top)
	}
	compared := 0
	for _, box := range append([]store.BBox{{}}, summaryBoxes...) {
		for _, zoom := range []int{0, 2, 3, 5, aggMaxZoom, aggMaxZoom + 1, deepZoom, deepZoom + 2} {
			for _, sp := range summarySpans(st) {
				for _, geo := range summaryGeos {
					for k, lang := range []string{"", "en", "", "en"} {
						q := store.HeatQuery{Lang: lang, BBox: box, Zoom: zoom, Window: sp.Window, Range: sp.Range, Geo: geo}
						if k >= 2 {
							q.Tag = tags[1+(k+zoom)%(len(tags)-1)]
						}
						via, all := bothWays(t, func() (store.HeatResult, error) { return s.Heat(ctx, q) })
						if !reflect.DeepEqual(via, all) {
							t.Fatalf("%+v: through summaries %d points in %d cells, point by point %d in %d (or they differ)",
								q, via.Points, len(via.Cells), all.Points, len(all.Cells))
						}
						compared += b2i(all.Points > 0)
					}
				}
			}
		}
	}
	if compared < 100 {
		t.Errorf("only %d queries found points; the comparison is too thin", compared)
	}
}

// TestSummariesReadFewPoints checks that a world map over everything held
// reads through summaries all but the newest, filling block's points
// (blocks of 4, 16 and 64 chunks here).
func TestSummariesReadFewPoints(t *testing.T) {
	defer func(shift int) { aggFanShift = shift }(aggFanShift)
	aggFanShift = 2
	s := fillWith(t, Options{Now: storetest.NewClock(storetest.T0.Add(time.Hour)).Now}, 300_000, nil)
	defer s.Close()
	var summarised, held int
	for _, l := range s.langs {
		held += l.geo.Len()
		_ = blockRuns(&l.geo.agg, l.geo.base, l.geo.head, 0, l.geo.Len(), nil,
			func(_ *summary, from, to int) bool { summarised += to - from; return true },
			func(int, int) bool { return true })
	}
	// Each language leaves at most its newest block of 4 chunks.
	if unread := held - summarised; summarised == 0 || unread > len(s.langs)*4*chunkLen {
		t.Errorf("%d of %d points summarised", summarised, held)
	}
}

// TestTagPointsBytes checks the tag lists' running byte count against
// their capacities through adds and drops, down to nothing.
func TestTagPointsBytes(t *testing.T) {
	var tp tagPoints
	count := func() int64 {
		var n int64
		for _, p := range tp.byTag {
			n += postingEntryBytes + int64(cap(p.pos))*4
		}
		return n
	}
	rng := rand.New(rand.NewPCG(7, 8))
	type pt struct{ tags []uint32 }
	var held []pt
	next := uint32(0)
	for step := range 20000 {
		if rng.IntN(3) > 0 || len(held) == 0 {
			p := pt{tags: []uint32{uint32(rng.IntN(5)), uint32(rng.IntN(300))}}
			for _, tag := range p.tags {
				tp.add(tag, next+uint32(len(held)))
			}
			held = append(held, p)
		} else {
			for _, tag := range held[0].tags {
				tp.dropFront(tag, next)
			}
			held, next = held[1:], next+1
		}
		if step%101 == 0 && tp.bytes != count() {
			t.Fatalf("step %d: bytes %d, lists hold %d", step, tp.bytes, count())
		}
	}
	for len(held) > 0 {
		for _, tag := range held[0].tags {
			tp.dropFront(tag, next)
		}
		held, next = held[1:], next+1
	}
	if tp.bytes != 0 || len(tp.byTag) != 0 {
		t.Errorf("everything dropped: %d bytes, %d lists", tp.bytes, len(tp.byTag))
	}
}

// TestHeatCostFollowsTheView is the scale scenario in small (make test
// runs it): it fills two stores, one holding four times the posts of the
// other, and checks that what a heat map reads (points one by one plus
// summary cells; heatWorkHook) at most doubles for views over everything
// held, where reading every point would quadruple it (checked too, so
// that the test can fail); and that a box's top list reads fewer
// hashtag cells than the box holds points, growing slower than them. Blocks of 2, 4, ... 1,024 chunks stand in for
// the store's 32, 1,024 and 32,768, so that a few hundred thousand posts
// reach the levels a billion does.
func TestHeatCostFollowsTheView(t *testing.T) {
	defer func(shift, levels int) { aggFanShift, aggLevels = shift, levels }(aggFanShift, aggLevels)
	aggFanShift, aggLevels = 1, 10
	var work int64
	heatWorkHook = func(w int64) { work = w }
	defer func() { heatWorkHook = nil }()
	queries := map[string]store.HeatQuery{
		"world, everything":          {Zoom: 3, Limit: 5000},
		"dashboard band, everything": {BBox: store.BBox{West: -180, South: -85, East: 180, North: 85}, Zoom: 3},
		"English, everything":        {Lang: "en", Zoom: 2},
		"Western Europe, everything": {BBox: store.BBox{West: -10, South: 35, East: 20, North: 60}, Zoom: 5},
		// Edges on the finest cells (multiples of 22.5/128°): nothing is
		// read point by point but the newest blocks.
		"Western Europe, on cell edges": {BBox: store.BBox{West: -57 * 0.17578125, South: 199 * 0.17578125, East: 114 * 0.17578125, North: 341 * 0.17578125}, Zoom: 5},
		"world, last hour":              {Window: time.Hour, Zoom: 3},
		// A busy tag (on half the points): its list's blocks.
		"hashtag, everything":     {Tag: "busy", Zoom: 3},
		"hashtag, Western Europe": {Tag: "busy", BBox: store.BBox{West: -10, South: 35, East: 20, North: 60}, Zoom: 5},
	}
	topBoxes := map[string]store.BBox{
		"top, world, everything":          store.World,
		"top, Western Europe, everything": {West: -10, South: 35, East: 20, North: 60},
	}
	busy := func(b []post.Post) []post.Post {
		for i := range b {
			if b[i].HasPoint && i%2 == 0 {
				b[i].Hashtags = append(b[i].Hashtags, "busy")
			}
		}
		return b
	}
	cost := func(n int, summaries bool) map[string]int64 {
		s := fillWith(t, Options{}, n, busy)
		defer s.Close()
		useSummaries = summaries
		defer func() { useSummaries = true }()
		out := map[string]int64{}
		for name, q := range queries {
			if _, err := s.Heat(context.Background(), q); err != nil {
				t.Fatal(err)
			}
			out[name] = work
		}
		// Top lists of boxes: what they read through summaries, or (point
		// by point) the points in the box, which that must at least read.
		var read atomic.Int64
		topWorkHook = func(n int64) { read.Add(n) }
		defer func() { topWorkHook = nil }()
		for name, box := range topBoxes {
			read.Store(0)
			if _, err := s.Top(context.Background(), store.TopQuery{N: 10, BBox: box}); err != nil {
				t.Fatal(err)
			}
			out[name] = read.Load()
			if !summaries {
				useSummaries = true
				h, err := s.Heat(context.Background(), store.HeatQuery{BBox: box})
				useSummaries = false
				if err != nil {
					t.Fatal(err)
				}
				out[name] = h.Points
			}
		}
		return out
	}
	const small, large = 300_000, 1_200_000
	sumSmall, sumLarge := cost(small, true), cost(large, true)
	rawSmall, rawLarge := cost(small, false), cost(large, false)
	names := slices.Collect(maps.Keys(queries))
	for name := range topBoxes {
		names = append(names, name)
	}
	for _, name := range names {
		ratio := float64(sumLarge[name]) / float64(sumSmall[name])
		raw := float64(rawLarge[name]) / float64(rawSmall[name])
		t.Logf("%-28s read %8d → %8d (×%.2f); point by point %8d → %8d (×%.2f)", name, sumSmall[name], sumLarge[name], ratio, rawSmall[name], rawLarge[name], raw)
		if _, top := topBoxes[name]; top {
			// A top list must count every distinct hashtag of the box:
			// what it reads grows with the (cell, tag) pairs, about as
			// n^0.8 for this Zipf vocabulary, but stays below the
			// points it would read one by one.
			if sumSmall[name] == 0 || ratio > 3.5 || float64(sumLarge[name]) > 0.7*float64(rawLarge[name]) {
				t.Errorf("%s: reads ×%.2f for ×4 the posts (want at most ×3.5), %d against %d points in the box (want at most 70 %%)",
					name, ratio, sumLarge[name], rawLarge[name])
			}
		} else if ratio > 2 {
			t.Errorf("%s: reads ×%.2f for ×4 the posts, want at most ×2", name, ratio)
		}
		if name != "world, last hour" && raw < 3 {
			t.Errorf("%s: point by point reads only ×%.2f for ×4 the posts: the comparison does not show anything", name, raw)
		}
	}
}

// TestSummariesWhileRecording runs heat maps through summaries while
// Record fills and drops blocks (blocks of 2 and 4 chunks, so that many
// are built), for the race detector, and checks the last map against one
// read point by point.
//
// With cold chunks (every chunk but the newest of a column in small
// files), the heat maps read their snapshots while drops empty files:
// a file unmapped under a reader would crash the test.
func TestSummariesWhileRecording(t *testing.T) {
	t.Run("heap", func(t *testing.T) { summariesWhileRecording(t, Options{}) })
	t.Run("cold", func(t *testing.T) {
		summariesWhileRecording(t, Options{ColdDir: t.TempDir(), coldKeep: 1, coldFileSize: 256 << 10})
	})
}

func summariesWhileRecording(t *testing.T, opts Options) {
	defer func(shift, levels int) { aggFanShift, aggLevels = shift, levels }(aggFanShift, aggLevels)
	aggFanShift, aggLevels = 1, 4
	opts.MaxPosts, opts.Now = 60_000, storetest.NewClock(storetest.T0.Add(24*time.Hour)).Now
	s := open(t, opts)
	defer s.Close()
	gen := newGenerator(7)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		for i := range 800 {
			start := storetest.T0.Add(time.Duration(i) * 256 * time.Second / 50)
			if err := s.Record(ctx, gen.batch(256, start, 256*time.Second/50)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	queries := []store.HeatQuery{{Zoom: 3}, {Lang: "en", Zoom: 5, BBox: store.BBox{West: -10, South: 35, East: 20, North: 60}}, {Window: 10 * time.Minute, Zoom: 2}, {Tag: "tag0", Zoom: 4},
		{Zoom: deepZoom, BBox: snappedAround(gen.cities[0], 0.4)}}
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
		}
		for _, q := range queries {
			if _, err := s.Heat(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Top(ctx, store.TopQuery{BBox: store.BBox{West: -10, South: 35, East: 20, North: 60}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range queries {
		via, err := s.Heat(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		useSummaries = false
		all, err := s.Heat(ctx, q)
		useSummaries = true
		if err != nil {
			t.Fatal(err)
		}
		if via.Points == 0 || !reflect.DeepEqual(via, all) {
			t.Errorf("%+v: %d points through summaries, %d point by point (or they differ)", q, via.Points, all.Points)
		}
	}
}

// TestTagBlocksAtSpanGaps checks that a hashtag's block summary is used
// only when every one of its points is in the query's span: here the
// tag's second block (of 2,048 points, blocks of 2 chunks) begins, or
// ends, with points backfilled before the range, which the range skips.
func TestTagBlocksAtSpanGaps(t *testing.T) {
	defer func(shift int) { aggFanShift = shift }(aggFanShift)
	aggFanShift = 1
	size := blockChunks(0) * chunkLen
	for _, gap := range []struct {
		name     string
		from, to int // the backfilled posts
	}{
		{"gap at the block's start", size, size + 3},
		{"gap at the block's end", 2*size - 3, 2 * size},
		{"gap inside the block", size + 100, size + 103},
		{"the block's last point", 2*size - 1, 2 * size},
		{"the block's first point", size, size + 1},
	} {
		t.Run(gap.name, func(t *testing.T) {
			s := open(t, Options{Now: storetest.NewClock(storetest.T0.Add(24 * time.Hour)).Now})
			defer s.Close()
			posts := make([]post.Post, 3*size)
			for i := range posts {
				at := storetest.T0.Add(time.Hour + time.Duration(i)*time.Second)
				if i >= gap.from && i < gap.to {
					at = storetest.T0 // before the range below
				}
				posts[i] = post.Post{ID: fmt.Sprint(i + 1), Time: at, Lang: "en", Hashtags: []string{"x"},
					HasPoint: true, Point: post.Point{Lat: 10 + float64(i%97)*0.3, Lon: -20 + float64(i%89)*0.4}}
			}
			for b := 0; b < len(posts); b += 256 {
				if err := s.Record(context.Background(), posts[b:b+256]); err != nil {
					t.Fatal(err)
				}
			}
			id, _ := s.tags.Lookup("x")
			if p := s.langs[0].tagPts.of(id); p == nil || p.sums == nil || p.sums[1].at(0) == nil {
				t.Fatal("the tag's list has no level-1 block: the test needs one")
			}
			q := store.HeatQuery{Tag: "x", Zoom: 3, Range: store.Range{From: storetest.T0.Add(time.Hour), To: storetest.T0.Add(3 * time.Hour)}}
			via, err := s.Heat(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(3*size - (gap.to - gap.from)); via.Points != want {
				t.Errorf("%d points through the tag's summaries, want %d", via.Points, want)
			}
		})
	}
}

// fillMixed fills a store (the caller shrinks the blocks) with what makes
// summaries hard: posts arriving out of time order, runs of backfilled
// posts (gaps inside blocks in a time range), points on cell edges, dense
// points across the test boxes' borders, inferred points, a busy hashtag,
// and the oldest posts dropped (so the oldest block is partly gone).
func fillMixed(t *testing.T) *Store { return fillMixedWith(t, Options{}) }

// fillMixedWith is fillMixed with opts (MaxPosts is set).
func fillMixedWith(t *testing.T, opts Options) *Store {
	shift := aggFanShift
	t.Cleanup(func() { aggFanShift = shift })
	aggFanShift = 1 // blocks of 2, 4 and 8 chunks
	rng := rand.New(rand.NewPCG(3, 4))
	batches := 0
	mix := func(b []post.Post) []post.Post {
		// Backfills: runs of batches two hours old, so that a range
		// skips runs of points in the middle (gaps inside blocks).
		batches++
		backfill := batches%25 < 4
		for i := range b {
			p := &b[i]
			if backfill {
				p.Time = p.Time.Add(-2 * time.Hour)
			}
			// Late posts: up to ten minutes before their neighbours.
			if rng.IntN(10) == 0 {
				p.Time = p.Time.Add(-time.Duration(rng.IntN(600)) * time.Second)
			}
			if !p.HasPoint {
				continue
			}
			if rng.IntN(2) == 0 {
				// A busy tag: its list fills blocks of every level.
				p.Hashtags = append(p.Hashtags, "Busy")
			}
			switch rng.IntN(8) {
			case 0: // on a zoom-3 cell edge
				p.Point = post.Point{Lat: float64(rng.IntN(60)-30) * 2.8125, Lon: float64(rng.IntN(100)-50) * 2.8125}
			case 1:
				p.GeoSource, p.GeoConfidence = post.GeoProfile, 0.5
			case 2:
				p.GeoSource, p.GeoConfidence = post.GeoText, 0.25
			case 3, 4: // all over the European boxes below and their borders
				p.Point = post.Point{Lat: 32 + rng.Float64()*32, Lon: -13 + rng.Float64()*45}
			case 5: // all over the city box below and its border
				p.Point = post.Point{Lat: 40.1 + rng.Float64()*0.9, Lon: -73.4 + rng.Float64()*0.4}
			}
		}
		return b
	}
	opts.MaxPosts = 150_000
	return fillWith(t, opts, 200_000, mix)
}

// TestTopThroughSummaries checks that the top hashtags of a box read
// through the summaries' hashtag cells are the lists read point by point,
// counts and the order of ties included (N 40 reaches the many tags with
// equal small counts): for boxes on and off the hashtag cells' edges, a
// city, the world, the dashboard's band and one across the antimeridian,
// over spans that cut blocks, per language and provenance set.
func TestTopThroughSummaries(t *testing.T) {
	s := fillMixed(t)
	defer s.Close()
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	tagCells := 0
	eachSummary(s, func(b *summary) { tagCells += len(b.tags[0]) + len(b.tags[1]) })
	if tagCells == 0 {
		t.Fatal("no summary counts hashtags: the test compares nothing")
	}
	var read, fineEntries, finePoints atomic.Int64
	topWorkHook = func(n int64) { read.Add(n) }
	topFineHook = func(entries, points int64) { fineEntries.Add(entries); finePoints.Add(points) }
	defer func() { topWorkHook, topFineHook = nil, nil }()
	compared := 0
	for _, box := range summaryBoxes {
		for _, sp := range summarySpans(st) {
			for _, geo := range summaryGeos {
				for _, lang := range []string{"", "en"} {
					q := store.TopQuery{N: 40, Lang: lang, BBox: box, Window: sp.Window, Range: sp.Range, Geo: geo}
					via, all := bothWays(t, func() ([]store.LangTop, error) { return s.Top(ctx, q) })
					if !reflect.DeepEqual(via, all) {
						for i := range min(len(via), len(all)) {
							if !reflect.DeepEqual(via[i], all[i]) {
								t.Fatalf("%+v: %s through summaries\n%v\npoint by point\n%v", q, all[i].Lang, via[i].Tags, all[i].Tags)
							}
						}
						t.Fatalf("%+v: %d languages through summaries, %d point by point", q, len(via), len(all))
					}
					for _, lt := range all {
						compared += b2i(len(lt.Tags) > 0)
					}
				}
			}
		}
	}
	if compared < 50 || read.Load() == 0 {
		t.Errorf("%d lists compared, %d read through summaries: the comparison is too thin", compared, read.Load())
	}
	// The strips along a box's border come from level-1 blocks' fine
	// hashtag cells, and the points of the cells the border cuts are read.
	if fineEntries.Load() == 0 || finePoints.Load() == 0 {
		t.Errorf("%d fine hashtag cells and %d cells and points around them read: the border's way through them is not compared", fineEntries.Load(), finePoints.Load())
	}
}

// TestTopFromTheFirstColumn asks for the top hashtags of boxes starting
// at -180° whose southern border cuts the 1.4° cells where the points
// lie: the strips along the border start at the first column, where a
// range "up to the column before the whole ones" has no column.
func TestTopFromTheFirstColumn(t *testing.T) {
	shift := aggFanShift
	t.Cleanup(func() { aggFanShift = shift })
	aggFanShift = 1 // blocks of 2, 4 and 8 chunks
	s := open(t, Options{})
	defer s.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for b := range 40 {
		batch := make([]post.Post, 256)
		for i := range batch {
			batch[i] = post.Post{ID: fmt.Sprint(b*256 + i + 1), Lang: "en", Time: t0.Add(time.Duration(b*256+i) * time.Second),
				Hashtags: []string{fmt.Sprintf("t%d", rng.IntN(12))}, HasPoint: true,
				Point: post.Point{Lat: 10 + rng.Float64()*1.2, Lon: -180 + rng.Float64()*3}}
		}
		if err := s.Record(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	var fine atomic.Int64
	topFineHook = func(entries, _ int64) { fine.Add(entries) }
	defer func() { topFineHook = nil }()
	for _, box := range []store.BBox{
		{West: -180, South: 10.3, East: -170, North: 30},
		{West: -180, South: 0, East: -177.5, North: 10.9},
	} {
		q := store.TopQuery{N: 20, BBox: box}
		via, all := bothWays(t, func() ([]store.LangTop, error) { return s.Top(ctx, q) })
		if !reflect.DeepEqual(via, all) {
			t.Fatalf("%+v: through summaries\n%v\npoint by point\n%v", box, via, all)
		}
		if len(all) == 0 || len(all[0].Tags) == 0 {
			t.Fatalf("%+v: no hashtag counted: the test compares nothing", box)
		}
	}
	if fine.Load() == 0 {
		t.Error("no fine hashtag cell read: the strips are not compared")
	}
}

// TestMergeTagCells checks the k-way merge of parts' hashtag cells
// against adding them up in a map: counts add, the first occurrence is
// the earliest part's, the result is sorted.
func TestMergeTagCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const partLen = 1000
	for round := range 50 {
		parts := make([]*summary, 1+rng.IntN(8))
		type key struct{ cell, tag uint32 }
		want := map[key]tagCell{}
		for j := range parts {
			seen := map[key]bool{}
			var cells []tagCell
			for range rng.IntN(60) {
				k := key{uint32(rng.IntN(4)), uint32(rng.IntN(10))}
				if seen[k] {
					continue
				}
				seen[k] = true
				c := tagCell{key: k.cell, tag: k.tag, n: 1 + uint32(rng.IntN(5)), first: uint32(rng.IntN(partLen)), idx: uint16(rng.IntN(3))}
				cells = append(cells, c)
				w, ok := want[k]
				if !ok {
					w = c
					w.first += uint32(j * partLen)
				} else {
					w.n += c.n
				}
				want[k] = w
			}
			slices.SortFunc(cells, tagCellLess)
			parts[j] = &summary{}
			parts[j].tags[1] = cells
		}
		got := mergeTagCells(parts, partLen, func(p *summary) []tagCell { return p.tags[1] })
		if len(got) != len(want) {
			t.Fatalf("round %d: %d cells merged, want %d", round, len(got), len(want))
		}
		for i, c := range got {
			if i > 0 && tagCellLess(got[i-1], c) >= 0 {
				t.Fatalf("round %d: not sorted at %d", round, i)
			}
			if w := want[key{c.key, c.tag}]; c != w {
				t.Fatalf("round %d: %+v, want %+v", round, c, w)
			}
		}
	}
}

// TestHistogramThroughSummaries checks that a box's histogram counting
// whole blocks from their summaries (where a block's times fall in one
// bucket) is the histogram counted point by point: for boxes on and off
// cell edges, the world, one across the antimeridian, few and many
// buckets, ranges that cut blocks, per language and provenance set.
func TestHistogramThroughSummaries(t *testing.T) {
	s := fillMixed(t)
	defer s.Close()
	ctx := context.Background()
	st, _ := s.Stats(ctx)
	var blocks int
	histogramBlockHook = func() { blocks++ }
	defer func() { histogramBlockHook = nil }()
	compared := 0
	for _, box := range summaryBoxes {
		for _, sp := range summarySpans(st) {
			if sp.Window > 0 {
				continue // a histogram takes a range
			}
			for _, buckets := range []int{1, 3, 60} {
				for _, geo := range summaryGeos {
					for _, lang := range []string{"", "en"} {
						q := store.HistogramQuery{Lang: lang, BBox: box, Range: sp.Range, Buckets: buckets, Geo: geo}
						via, all := bothWays(t, func() (store.HistogramResult, error) { return s.Histogram(ctx, q) })
						if !reflect.DeepEqual(via, all) {
							t.Fatalf("%+v: through summaries %d points, point by point %d (or buckets differ)\n%v\n%v", q, via.Points, all.Points, via.Buckets, all.Buckets)
						}
						compared += b2i(all.Points > 0)
					}
				}
			}
		}
	}
	if compared < 50 || blocks < 100 {
		t.Errorf("%d histograms with points compared, %d blocks counted from summaries: too thin", compared, blocks)
	}
}

// The boxes, spans and provenance sets the summary tests compare answers
// over: the world, the dashboard's band, a box cutting cells, one on cell
// edges (zoom 3, so zoom 4 and 7 too), a city with no whole cell at low
// zooms, the city on finest-cell edges, one across the antimeridian (not
// summarised).
var (
	summaryBoxes = []store.BBox{
		store.World,
		{West: -180, South: -85, East: 180, North: 85},
		{West: -10, South: 35, East: 30, North: 60},
		{West: -11.25, South: 33.75, East: 28.125, North: 61.875},
		{West: -73.3, South: 40.2, East: -73.1, North: 40.9},
		{West: -73.4, South: 40.15, East: -72.9, North: 40.95}, // whole finest cells and a rim
		// The city widened to finest-cell edges as the dashboard asks for
		// it (snapOut): at street zoom it takes level-1 blocks' deep cells.
		{West: -417*0.17578125 - 1e-7, South: 228*0.17578125 - 1e-7, East: -415*0.17578125 + 1e-7, North: 233*0.17578125 + 1e-7},
		{West: 170, South: -50, East: -170, North: -10},
	}
	summaryGeos = []post.GeoSet{0, post.GeoSetAll, post.GeoSetInferred, 1 << post.GeoExact}
)

// summarySpan is a Window or a Range.
type summarySpan struct {
	Window time.Duration
	Range  store.Range
}

// summarySpans are everything held, a window, and a range cutting blocks
// at both ends.
func summarySpans(st store.Stats) []summarySpan {
	return []summarySpan{
		{},
		{Window: 17 * time.Minute},
		{Range: store.Range{From: st.Oldest.Add(7 * time.Minute), To: st.Head.Add(-13 * time.Minute)}},
	}
}

// bothWays returns a query's answer through the summaries and the tags'
// point lists, and read point by point.
func bothWays[R any](t *testing.T, query func() (R, error)) (via, all R) {
	t.Helper()
	via, err := query()
	if err != nil {
		t.Fatal(err)
	}
	useSummaries, useTagPoints = false, false
	all, err = query()
	useSummaries, useTagPoints = true, true
	if err != nil {
		t.Fatal(err)
	}
	return via, all
}

// eachSummary calls fn with every language block summary s holds.
func eachSummary(s *Store, fn func(*summary)) {
	for _, l := range s.langs {
		for _, lv := range l.geo.agg {
			for _, b := range lv.s {
				if b != nil {
					fn(b)
				}
			}
		}
	}
}

// snappedAround returns the box of half-size d around c widened to
// finest-cell edges, as the dashboard's snapOut does.
func snappedAround(c post.Point, d float64) store.BBox {
	const cell = 0.17578125
	return store.BBox{
		West: math.Floor((c.Lon-d)/cell)*cell - 1e-7, South: math.Floor((c.Lat-d)/cell)*cell - 1e-7,
		East: math.Ceil((c.Lon+d)/cell)*cell + 1e-7, North: math.Ceil((c.Lat+d)/cell)*cell + 1e-7,
	}
}

// TestGallop checks gallop against sort.Search from every start before
// the answer: empty, all below, all above, runs of equal keys, and gaps
// that end on and between its probes.
func TestGallop(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 100, 1000} {
		keys := make([]uint32, n)
		for i := range keys {
			keys[i] = uint32(r.IntN(n/3 + 2))
		}
		slices.Sort(keys)
		for k := uint32(0); k <= uint32(n/3+3); k++ {
			want := sort.Search(n, func(i int) bool { return keys[i] >= k })
			for from := 0; from <= want; from++ {
				if got := gallop(n, from, func(i int) bool { return keys[i] < k }); got != want {
					t.Fatalf("n %d, key %d, from %d: %d, want %d", n, k, from, got, want)
				}
			}
		}
	}
}
