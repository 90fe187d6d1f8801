package redisstore_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

func TestMain(m *testing.M) {
	// go-redis probes a server it could not dial from a goroutine that
	// sleeps a second between probes and notices Close only then.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

// open opens a store on url with its own prefix, closed at cleanup.
func open(t *testing.T, url string, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	opts.URL = url
	if opts.Prefix == "" {
		opts.Prefix = redistest.Prefix(t)
	}
	s, err := redisstore.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the store suite on a real redis-server, every
// subtest under its own key prefix.
func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, srv.URL(""), redisstore.Options{Now: now})
	})
}

// TestConformanceCluster runs the suite on a three-master Redis Cluster:
// every key shares the prefix's hash tag, so the scripts and MULTIs stay in
// one slot.
func TestConformanceCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, c.URL(""), redisstore.Options{Now: now})
	})
}

// TestSeedLayoutHoldsExactPointsOnly: the seed layout's geo_<name> lists
// get exact coordinates only (the seed's readers cannot tell a place or an
// inferred point from a coordinate), and read back as exact points.
func TestSeedLayoutHoldsExactPointsOnly(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(""), redisstore.Options{Layout: redisstore.LayoutSeed})
	ctx := context.Background()
	mk := func(lat float64, src post.GeoSource, conf float32) post.Post {
		return post.Post{Lang: "en", Hashtags: []string{"h"}, HasPoint: true, Point: post.Point{Lat: lat, Lon: 1}, GeoSource: src, GeoConfidence: conf}
	}
	legacy := post.Post{Lang: "en", HasPoint: true, Point: post.Point{Lat: 5, Lon: 1}} // no provenance: exact
	if err := s.Record(ctx, []post.Post{mk(1, post.GeoExact, 1), mk(2, post.GeoPlace, 1), mk(3, post.GeoProfile, 0.5), mk(4, post.GeoText, 0.3), legacy}); err != nil {
		t.Fatal(err)
	}
	vals, err := s.Client().LRange(ctx, "geo_english", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"[1.0, 1.0]", "[5.0, 1.0]"}; !reflect.DeepEqual(vals, want) {
		t.Errorf("geo_english = %q, want %q", vals, want)
	}
	if n, _ := s.Client().LLen(ctx, "hashtag_english").Result(); n != 4 {
		t.Errorf("hashtag_english holds %d, want every post's hashtag (4)", n)
	}
	pts, err := s.Points(ctx, store.PointsQuery{Lang: "en", Geo: post.GeoSetAll})
	if err != nil || len(pts) != 2 || pts[0].Source != post.GeoExact || pts[0].Confidence != 1 {
		t.Errorf("Points(all) = %+v, %v", pts, err)
	}
	if pts, err := s.Points(ctx, store.PointsQuery{Lang: "en", Geo: post.GeoSetInferred}); err != nil || len(pts) != 0 {
		t.Errorf("Points(inferred) = %+v, %v; want none", pts, err)
	}
	c, err := s.Counts(ctx)
	if err != nil || len(c) != 1 || c[0].Geo != 2 || c[0].GeoBySource != (store.GeoCounts{Exact: 2}) {
		t.Errorf("Counts = %+v, %v", c, err)
	}
}
