package memstore

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// anonymous drops posts' ids, as sources that predate authors wrote them:
// such batches are encoded as versions 1 and 2.
func anonymous(posts []post.Post) []post.Post {
	for i := range posts {
		posts[i].ID, posts[i].UserID = "", ""
	}
	return posts
}

// TestCodecAuthors: a batch with ids is version 3 and round-trips each
// post's author; flipping any byte is caught.
func TestCodecAuthors(t *testing.T) {
	gen := newGenerator(23)
	posts := withProvenance(gen.batch(200, storetest.T0, time.Minute))
	for i := range posts {
		posts[i].UserID = fmt.Sprint("u", i%17)
	}
	var b, back batch
	newBatchBuilder().build(&b, posts, 0, false)
	data := encode(nil, &b)
	if data[0] != entryVersionAuth {
		t.Fatalf("batch with authors encoded as version %d, want %d", data[0], entryVersionAuth)
	}
	if err := decode(data, &back, true); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(b, back) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, b)
	}
	authors := map[uint32]bool{}
	for _, p := range back.posts {
		authors[p.author] = true
	}
	if len(authors) != 17 || authors[0] {
		t.Errorf("decoded %d authors (0 among them: %v), want 17", len(authors), authors[0])
	}
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x40
		if err := decode(bad, &back, false); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
}

// withProvenance gives every fourth point of posts a place, profile or
// text provenance, with confidences that are not on a quantisation step.
func withProvenance(posts []post.Post) []post.Post {
	k := 0
	for i := range posts {
		if !posts[i].HasPoint {
			continue
		}
		switch k % 4 {
		case 1:
			posts[i].GeoSource, posts[i].GeoConfidence = post.GeoPlace, 1
		case 2:
			posts[i].GeoSource, posts[i].GeoConfidence = post.GeoProfile, 0.613
		case 3:
			posts[i].GeoSource, posts[i].GeoConfidence = post.GeoText, 0.2
		default:
			posts[i].GeoSource, posts[i].GeoConfidence = post.GeoExact, 1
		}
		k++
	}
	return posts
}

// TestCodecProvenance: a batch of exact points is still encoded as version
// 1, byte for byte as before provenance (older builds read it); a batch
// with other provenances is version 2 and round-trips them; corruption of
// the new bytes is caught like any other.
func TestCodecProvenance(t *testing.T) {
	gen := newGenerator(21)
	plain := anonymous(gen.batch(200, storetest.T0, time.Minute))
	if data := encodePosts(plain); data[0] != entryVersion {
		t.Fatalf("exact-only batch encoded as version %d, want %d", data[0], entryVersion)
	}
	// A point with GeoExact and confidence 1 spelled out is the same entry
	// as one that says nothing.
	spelled := append([]post.Post(nil), plain...)
	for i := range spelled {
		if spelled[i].HasPoint {
			spelled[i].GeoSource, spelled[i].GeoConfidence = post.GeoExact, 1
		}
	}
	if !reflect.DeepEqual(encodePosts(plain), encodePosts(spelled)) {
		t.Error("spelling out exact/1 changed the encoding")
	}

	mixed := withProvenance(anonymous(gen.batch(200, storetest.T0, time.Minute)))
	var b, back batch
	newBatchBuilder().build(&b, mixed, 0, false)
	data := encode(nil, &b)
	if data[0] != entryVersionProv {
		t.Fatalf("mixed batch encoded as version %d, want %d", data[0], entryVersionProv)
	}
	if err := decode(data, &back, true); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(b, back) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, b)
	}
	seen := map[post.GeoSource]bool{}
	for _, p := range back.posts {
		if p.hasPoint {
			seen[p.source] = true
		}
	}
	if len(seen) != 4 {
		t.Errorf("decoded provenances %v, want all four", seen)
	}
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x40
		if err := decode(bad, &back, false); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
}

// TestOldLogLoadsAsExact: a log written before provenance existed (version
// 1 entries, which the current encoder still writes for exact-only
// batches) loads with every point exact at confidence 1, and a log mixing
// both versions replays to the same answers the live store gave.
func TestOldLogLoadsAsExact(t *testing.T) {
	dir := t.TempDir()
	gen := newGenerator(22)
	old := anonymous(gen.batch(300, storetest.T0, time.Minute))
	entry := encodePosts(old)
	if entry[0] != 1 {
		t.Fatalf("want a version 1 entry, got %d", entry[0])
	}
	writeRawLog(t, dir, entry)
	s := open(t, Options{Dir: dir})
	ctx := context.Background()
	counts, err := s.Counts(ctx, store.CountsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var points int64
	for _, c := range counts {
		if (c.GeoBySource != store.GeoCounts{Exact: c.GeoBySource.Exact}) {
			t.Errorf("%s: old log holds points other than exact: %+v", c.Lang, c.GeoBySource)
		}
		points += c.GeoBySource.Exact
		if c.Geo != c.GeoBySource.Exact {
			t.Errorf("%s: geo %d, exact %d", c.Lang, c.Geo, c.GeoBySource.Exact)
		}
		pts, err := s.Points(ctx, store.PointsQuery{Lang: c.Lang, N: 1000, Geo: post.GeoSetAll})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pts {
			if p.Source != post.GeoExact || p.Confidence != 1 {
				t.Fatalf("%s: old point loaded as %+v", c.Lang, p)
			}
		}
	}
	if points == 0 {
		t.Fatal("the generated batch has no points")
	}
	// Append a version 2 batch through the store, reopen, compare.
	if err := s.Record(ctx, withProvenance(gen.batch(300, storetest.T0.Add(time.Minute), time.Minute))); err != nil {
		t.Fatal(err)
	}
	before := provenanceSnapshot(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, Options{Dir: dir})
	defer s.Close()
	if after := provenanceSnapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("after reopen:\n got %+v\nwant %+v", after, before)
	}
}

type provSnap struct {
	Counts []store.LangCount
	Points map[string][]store.Point
	Heat   map[post.GeoSet]store.HeatResult
}

func provenanceSnapshot(t *testing.T, s store.Store) provSnap {
	t.Helper()
	ctx := context.Background()
	snap := provSnap{Points: map[string][]store.Point{}, Heat: map[post.GeoSet]store.HeatResult{}}
	var err error
	if snap.Counts, err = s.Counts(ctx, store.CountsQuery{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range snap.Counts {
		if snap.Points[c.Lang], err = s.Points(ctx, store.PointsQuery{Lang: c.Lang, N: 2000, Geo: post.GeoSetAll}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []post.GeoSet{post.GeoSetTrusted, post.GeoSetInferred, post.GeoSetAll} {
		if snap.Heat[g], err = s.Heat(ctx, store.HeatQuery{Zoom: 5, Geo: g, Last: 150}); err != nil {
			t.Fatal(err)
		}
	}
	return snap
}

// TestProvenanceCountsFollowDrops: MaxPosts drops the oldest posts; the
// per-provenance counts (which also decide whether a query may skip the
// per-point check) stay equal to what the points say.
func TestProvenanceCountsFollowDrops(t *testing.T) {
	s := open(t, Options{MaxPosts: 500})
	defer s.Close()
	ctx := context.Background()
	gen := newGenerator(23)
	for i := range 10 {
		if err := s.Record(ctx, withProvenance(gen.batch(173, storetest.T0.Add(time.Duration(i)*time.Minute), time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := s.Counts(ctx, store.CountsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		for g := post.GeoExact; g <= post.GeoText; g++ {
			pts, err := s.Points(ctx, store.PointsQuery{Lang: c.Lang, N: 1000, Geo: 1 << g})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pts {
				if p.Source != g {
					t.Fatalf("Points(%s) returned a %s point", g, p.Source)
				}
			}
			if int64(len(pts)) != c.GeoBySource.Of(g) {
				t.Errorf("%s: %d %s points, counts say %d", c.Lang, len(pts), g, c.GeoBySource.Of(g))
			}
		}
	}
}
