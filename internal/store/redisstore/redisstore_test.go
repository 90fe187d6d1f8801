package redisstore_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

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
