package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/store/storetest"
	"github.com/geoheat/geoheat/internal/testenv"
)

// prefixDetector keeps posts whose text starts with "lang:" under lang, and
// no others, so tests know what detection decides.
type prefixDetector struct{}

func (prefixDetector) Detect(text string) langid.Result {
	lang, _, ok := strings.Cut(text, ":")
	if !ok || lang == "" {
		return langid.Result{}
	}
	return langid.Result{Lang: lang, Matches: 2, Total: 2, Kept: true}
}

// streamPosts returns posts for the stream: texts that detect to a language
// (some undetected), unique ids.
func streamPosts(n int) []post.Post {
	rng := rand.New(rand.NewPCG(7, 8))
	ps := genPosts(rng, n, storetest.T0, time.Second)
	for i := range ps {
		lang := ps[i].Lang
		ps[i].Lang = ""
		ps[i].Text = lang + ": some text"
		if i%9 == 0 {
			ps[i].Text = "no language here"
		}
	}
	return ps
}

// detected returns what the pipeline would record: the kept posts with
// their language set.
func detected(ps []post.Post) []post.Post {
	var out []post.Post
	for _, p := range ps {
		if r := (prefixDetector{}).Detect(p.Text); r.Kept {
			p.Lang = r.Lang
			out = append(out, p)
		}
	}
	return out
}

// waitCaughtUp polls until every group has acknowledged every entry.
func waitCaughtUp(t *testing.T, s *redisstore.Store) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := s.StreamStatus(context.Background())
		if err == nil && len(st.Groups) > 0 {
			done := true
			for _, g := range st.Groups {
				done = done && g.CaughtUp
			}
			if done {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream not consumed: %+v %v", st, err)
		}
		time.Sleep(20 * time.Millisecond) // polling other goroutines' progress
	}
}

// TestStreamWorkers publishes posts (some twice, as a retried Publish
// would), lets a consumer "crash" holding entries it read but never
// recorded, and runs two workers: the result equals recording the posts
// once, in memstore.
func TestStreamWorkers(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	pub := open(t, srv.URL(""), redisstore.Options{Prefix: prefix, CountryOf: storetest.CountryOf})
	all := streamPosts(3000)

	// A consumer that reads the first entries and dies without recording.
	if err := pub.Publish(ctx, all[:600]); err != nil {
		t.Fatal(err)
	}
	rdb := pub.Client()
	key := "{" + prefix + "}:stream"
	if err := rdb.XGroupCreateMkStream(ctx, key, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	dead, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "dead-0", Streams: []string{key, ">"}, Count: 2, Block: -1}).Result()
	if err != nil || len(dead[0].Messages) != 2 {
		t.Fatalf("dead consumer read: %v %v", dead, err)
	}

	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	workers := make([]*redisstore.Worker, 2)
	errs := make([]error, 2)
	for i := range workers {
		ws := open(t, srv.URL(""), redisstore.Options{Prefix: prefix})
		w, err := ws.NewWorker(redisstore.WorkerOptions{Group: "g", Consumer: "w" + string(rune('a'+i)), Detector: prefixDetector{},
			Consumers: 2, ClaimIdle: 300 * time.Millisecond, TrimEvery: 50 * time.Millisecond, Block: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		workers[i] = w
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = w.Run(wctx) }()
	}
	for i := 600; i < len(all); i += 250 {
		if err := pub.Publish(ctx, all[i:min(i+250, len(all))]); err != nil {
			t.Fatal(err)
		}
	}
	// A retried Publish: the same posts again under new entries.
	if err := pub.Publish(ctx, all[1000:1300]); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, pub)
	stop()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
	}

	var sum redisstore.WorkerStats
	for _, w := range workers {
		s := w.Stats()
		sum.Written += s.Written
		sum.Duplicates += s.Duplicates
		sum.Claimed += s.Claimed
	}
	want := detected(all)
	if sum.Written != int64(len(want)) || sum.Claimed < 2 || sum.Duplicates == 0 {
		t.Errorf("workers wrote %d (want %d), claimed %d (want >= 2), skipped %d duplicates (want > 0)",
			sum.Written, len(want), sum.Claimed, sum.Duplicates)
	}
	mem := memstoreHolding(t, want)
	wc, _ := mem.Counts(ctx, store.CountsQuery{})
	gc, err := pub.Counts(ctx, store.CountsQuery{})
	if err != nil || !reflect.DeepEqual(wc, gc) {
		t.Errorf("counts after the workers:\n got %+v %v\nwant %+v", gc, err, wc)
	}
	// Trends count authors: the stream carries each post's user and post
	// id, so the workers' records carry the same authors.
	if n := compareTrends(t, ctx, mem, pub); n < 20 {
		t.Errorf("the stores agreed on %d trends, too few for the comparison to mean much", n)
	}
	// Consumed entries are trimmed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := rdb.XLen(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if _, err := pub.TrimConsumed(ctx); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream still holds %d entries after everything was acknowledged", n)
		}
	}
}

// TestWorkerStopsWhenRedisIsGone checks that a worker whose Redis
// disappears keeps retrying (nothing lost: its entries stay pending) and
// returns promptly when stopped.
func TestWorkerStopsWhenRedisIsGone(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv.URL(""), redisstore.Options{})
	w, err := s.NewWorker(redisstore.WorkerOptions{Detector: prefixDetector{}, Consumers: 1, Block: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	srv.Kill()
	// Poll until the store has noticed the outage.
	for deadline := time.Now().Add(20 * time.Second); s.Health(context.Background()).Healthy(); time.Sleep(10 * time.Millisecond) { // polling the worker's progress
		if time.Now().After(deadline) {
			t.Fatal("the store still reports healthy 20 s after its server was killed")
		}
	}
	stop()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after stop: %v", err)
	}
}

// TestWorkerLocates: a worker with a Locator places the posts that carry
// no point exactly as one process would (the same resolver over the same
// posts, recorded into memstore); the profile location travels on the
// stream for it.
func TestWorkerLocates(t *testing.T) {
	g, err := geo.Default()
	if errors.Is(err, geo.ErrNotBuilt) {
		testenv.Missing(t, "worker locator test: no gazetteer in this build (npm run --prefix web gazetteer): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	pub := open(t, srv.URL(""), redisstore.Options{Prefix: prefix})
	var posts []post.Post
	for i, loc := range []string{"Madrid, Spain", "Tokyo", "somewhere over the rainbow", "", "Paris, France", "London"} {
		p := post.Post{ID: fmt.Sprint(100 + i), Lang: "en", Time: storetest.T0.Add(time.Duration(i) * time.Second),
			Text: "hello", UserLocation: loc, Hashtags: []string{"x"}}
		if i == 3 {
			p.HasPoint, p.Point, p.GeoSource, p.GeoConfidence = true, post.Point{Lat: 1, Lon: 2}, post.GeoExact, 1
		}
		posts = append(posts, p)
	}
	// A Mastodon author: the instance's country prior travels too (entry
	// version 3), and decides between Córdoba, AR (larger) and Córdoba, ES.
	posts = append(posts, post.Post{ID: "106", Lang: "en", Time: storetest.T0.Add(6 * time.Second), Text: "hello",
		UserLocation: "Córdoba", UserCountry: "ES", Hashtags: []string{"x"}})
	if err := pub.Publish(ctx, posts); err != nil {
		t.Fatal(err)
	}
	resolver := geo.NewResolver(g, geo.Options{})
	ws := open(t, srv.URL(""), redisstore.Options{Prefix: prefix})
	w, err := ws.NewWorker(redisstore.WorkerOptions{Group: "g", Detector: prefixDetector{}, Locator: resolver, Consumers: 1, Block: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	waitCaughtUp(t, pub)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	want := append([]post.Post(nil), posts...)
	for i := range want {
		if !want[i].HasPoint {
			resolver.Locate(&want[i])
		}
	}
	mem := memstoreHolding(t, want)
	wp, _ := mem.Points(ctx, store.PointsQuery{Lang: "en", Geo: post.GeoSetAll})
	gp, err := pub.Points(ctx, store.PointsQuery{Lang: "en", Geo: post.GeoSetAll})
	if err != nil || !reflect.DeepEqual(wp, gp) {
		t.Errorf("points after the worker:\n got %+v %v\nwant %+v", gp, err, wp)
	}
	var inferred int
	spain := false
	for _, p := range gp {
		if p.Source.Inferred() {
			inferred++
		}
		if geo.DistanceKm(p.Point, post.Point{Lat: 37.888, Lon: -4.779}) < 20 {
			spain = true
		}
	}
	if !spain {
		t.Errorf("the Córdoba post with prior ES was not placed in Spain: %+v", gp)
	}
	if inferred == 0 {
		t.Errorf("the worker placed no post from its profile location: %+v", gp)
	}
}

// memstoreHolding returns an in-memory store that recorded posts, closed
// when the test ends: the reference the workers' Redis results are compared
// with.
func memstoreHolding(t *testing.T, posts []post.Post) *memstore.Store {
	t.Helper()
	mem, err := memstore.Open(memstore.Options{CountryOf: storetest.CountryOf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	if err := mem.Record(context.Background(), posts); err != nil {
		t.Fatal(err)
	}
	return mem
}
