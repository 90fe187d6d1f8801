package storetest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// env is one subtest's store and clock, with helpers that fail the test on
// unexpected errors.
type env struct {
	t     *testing.T
	s     store.Store
	clock *Clock
	ctx   context.Context
	// open opens another fresh store on the same clock, for comparisons
	// between stores fed different streams; Run closes it.
	open func() store.Store
}

func (e *env) record(posts ...post.Post) {
	e.t.Helper()
	if err := e.s.Record(e.ctx, posts); err != nil {
		e.t.Fatalf("Record: %v", err)
	}
}

func (e *env) counts() []store.LangCount {
	e.t.Helper()
	c, err := e.s.Counts(e.ctx, store.CountsQuery{})
	if err != nil {
		e.t.Fatalf("Counts: %v", err)
	}
	return c
}

func (e *env) top(q store.TopQuery) []store.LangTop {
	e.t.Helper()
	r, err := e.s.Top(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Top(%+v): %v", q, err)
	}
	return r
}

// topOf returns the tags of the single language a Top query with a Lang
// returns.
func (e *env) topOf(q store.TopQuery) []store.TagCount {
	e.t.Helper()
	r := e.top(q)
	if len(r) != 1 || r[0].Lang != q.Lang {
		e.t.Fatalf("Top(%+v) = %+v, want one entry for %q", q, r, q.Lang)
	}
	return r[0].Tags
}

// points returns the coordinates of Points' answer.
func (e *env) points(q store.PointsQuery) []post.Point {
	e.t.Helper()
	var out []post.Point
	for _, p := range e.provPoints(q) {
		out = append(out, p.Point)
	}
	return out
}

// provPoints returns Points' answer with provenance.
func (e *env) provPoints(q store.PointsQuery) []store.Point {
	e.t.Helper()
	r, err := e.s.Points(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Points(%+v): %v", q, err)
	}
	if r == nil {
		e.t.Fatalf("Points(%+v) = nil, want a non-nil slice", q)
	}
	return r
}

func (e *env) heat(q store.HeatQuery) store.HeatResult {
	e.t.Helper()
	r, err := e.s.Heat(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Heat(%+v): %v", q, err)
	}
	return r
}

func (e *env) stats() store.Stats {
	e.t.Helper()
	r, err := e.s.Stats(e.ctx)
	if err != nil {
		e.t.Fatalf("Stats: %v", err)
	}
	return r
}

// at returns a post in lang at time T0+offset with hashtags.
func at(lang string, offset time.Duration, tags ...string) post.Post {
	return post.Post{Lang: lang, Time: T0.Add(offset), Hashtags: tags}
}

// geo returns a post in lang at T0+offset with a point and hashtags.
func geo(lang string, offset time.Duration, lat, lon float64, tags ...string) post.Post {
	p := at(lang, offset, tags...)
	p.HasPoint, p.Point = true, post.Point{Lat: lat, Lon: lon}
	return p
}

// inferred returns geo's post with the given provenance and confidence.
func inferred(lang string, offset time.Duration, lat, lon float64, src post.GeoSource, conf float32, tags ...string) post.Post {
	p := geo(lang, offset, lat, lon, tags...)
	p.GeoSource, p.GeoConfidence = src, conf
	return p
}

// sec is shorthand for offsets in seconds.
func sec(n int) time.Duration { return time.Duration(n) * time.Second }

func tc(tag string, n int64) store.TagCount { return store.TagCount{Tag: tag, Count: n} }

func tags(tcs ...store.TagCount) []store.TagCount { return tcs }

// wantTags compares a top list, treating nil and empty alike.
func wantTags(t *testing.T, what string, got, want []store.TagCount) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// cell is an expected heat cell: its weight and the points whose mean it
// must report.
type cell struct {
	weight int64
	pts    []post.Point
}

func pt(lat, lon float64) post.Point { return post.Point{Lat: lat, Lon: lon} }

func mean(pts []post.Point) post.Point {
	var m post.Point
	for _, p := range pts {
		m.Lat += p.Lat
		m.Lon += p.Lon
	}
	m.Lat /= float64(len(pts))
	m.Lon /= float64(len(pts))
	return m
}

// wantCells compares heat cells in order. Means are compared to 1e-9
// degrees: stores may sum in different orders.
func wantCells(t *testing.T, what string, got []store.HeatCell, want []cell) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d cells %+v, want %d", what, len(got), got, len(want))
		return
	}
	for i, w := range want {
		m := mean(w.pts)
		g := got[i]
		if g.Weight != w.weight || math.Abs(g.Lat-m.Lat) > 1e-9 || math.Abs(g.Lon-m.Lon) > 1e-9 {
			t.Errorf("%s: cell %d = %+v, want weight %d at %v", what, i, g, w.weight, m)
		}
	}
}

func describe(v any) string { return fmt.Sprintf("%+v", v) }
