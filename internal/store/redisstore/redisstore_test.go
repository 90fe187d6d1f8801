package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
	"github.com/geoheat/geoheat/internal/trend"
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
		return open(t, srv.URL(""), redisstore.Options{Now: now, CountryOf: storetest.CountryOf})
	}, func(t *testing.T, now func() time.Time, so storetest.Options) store.Store {
		return open(t, srv.URL(""), withOptions(redisstore.Options{Now: now, CountryOf: storetest.CountryOf}, so))
	})
}

// withOptions maps storetest's options onto the store's.
func withOptions(o redisstore.Options, so storetest.Options) redisstore.Options {
	o.KeepText, o.KeepTextAge, o.Retention = so.KeepText, so.KeepTextAge, so.Retention
	return o
}

// TestConformanceCluster runs the suite on a three-master Redis Cluster:
// every key shares the prefix's hash tag, so the scripts and MULTIs stay in
// one slot.
func TestConformanceCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return open(t, c.URL(""), redisstore.Options{Now: now, CountryOf: storetest.CountryOf})
	}, func(t *testing.T, now func() time.Time, so storetest.Options) store.Store {
		return open(t, c.URL(""), withOptions(redisstore.Options{Now: now, CountryOf: storetest.CountryOf}, so))
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
	c, err := s.Counts(ctx, store.CountsQuery{})
	if err != nil || len(c) != 1 || c[0].Geo != 2 || c[0].GeoBySource != (store.GeoCounts{Exact: 2}) {
		t.Errorf("Counts = %+v, %v", c, err)
	}
}

// TestTrendsLimits: the seed layout answers trends with a bad query (it
// holds no times or authors); a store without a country index answers
// every trend but those by country; posts without ids (and records written
// before authors existed) count as one unknown author.
func TestTrendsLimits(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	seed := open(t, srv.URL(""), redisstore.Options{Layout: redisstore.LayoutSeed})
	if _, err := seed.Trends(ctx, store.TrendsQuery{}); !errors.Is(err, store.ErrBadQuery) {
		t.Errorf("seed layout Trends: err = %v, want ErrBadQuery", err)
	}

	s := open(t, srv.URL(""), redisstore.Options{Now: func() time.Time { return storetest.T0.Add(time.Hour) }})
	var posts []post.Post
	for i := range 10 {
		at := storetest.T0.Add(time.Duration(i) * 40 * time.Second) // two buckets
		posts = append(posts,
			post.Post{Lang: "en", Time: at, Hashtags: []string{"anon"}, HasPoint: true, Point: post.Point{Lat: 1, Lon: 1}},
			post.Post{Lang: "en", Time: at, Hashtags: []string{"known"}, UserID: fmt.Sprint("u", i)})
	}
	// A post ten minutes before: a window's worth of baseline, so that
	// the store is past warming up.
	posts = append(posts, post.Post{Lang: "en", Time: storetest.T0.Add(-10 * time.Minute), Hashtags: []string{"before"}, UserID: "u0"})
	if err := s.Record(ctx, posts); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trends(ctx, store.TrendsQuery{Country: "ES"}); !errors.Is(err, trend.ErrNoCountries) {
		t.Errorf("Trends by country without a country index: err = %v, want trend.ErrNoCountries", err)
	}
	res, err := s.Trends(ctx, store.TrendsQuery{Window: 10 * time.Minute, Baseline: 10 * time.Minute, MinAuthors: 1, MinScore: -1})
	if err != nil {
		t.Fatal(err)
	}
	authors := map[string]int64{}
	for _, tr := range res.Trends {
		authors[tr.Tag] = tr.Authors
	}
	if want := map[string]int64{"known": 10, "anon": 1}; !reflect.DeepEqual(authors, want) {
		t.Errorf("authors per trend = %v, want %v", authors, want)
	}
}
