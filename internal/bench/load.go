package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// LoadOptions describes the clients of a load test.
type LoadOptions struct {
	Base        string        // server URL
	Clients     int           // API clients polling
	Subscribers int           // /api/live subscribers
	Interval    time.Duration // each client's pause between requests
	// Paths are the requests clients cycle through; default PollPaths.
	Paths []NamedPath
	// RandomViews makes every request a view of its own (RandomView):
	// no two clients share an answer the API could cache.
	RandomViews bool
}

// NamedPath is one request a client makes.
type NamedPath struct{ Name, Path string }

// PollPaths are what an open dashboard asks for besides its live stream:
// top hashtags, the heat map of the last hour at world zoom, the status.
var PollPaths = []NamedPath{
	{"top", "/api/top?n=3&last=5000"},
	{"heat", "/api/heat?window=1h&bbox=-180,-85,180,85&zoom=3&limit=5000"},
	{"status", "/api/status"},
}

// viewLangs are the languages random views pick from ("" is every one).
var viewLangs = []string{"", "", "en", "es", "pt", "ja", "ar", "fr", "tr", "id"}

// RandomView is a dashboard request for a view of its own: a map of a
// random place at a random size (a city to the world) over a random span
// (1 h to everything held) in a random language, as the heat map or the
// top hashtags of that view, or its histogram (of everything held).
func RandomView(rng *rand.Rand) NamedPath {
	zoom := rng.IntN(11) // map zoom: 0 is the world, 10 a city
	w := 360 / float64(int(1)<<zoom)
	h := min(170, w/2)
	lat := min(85-h/2, max(-60+h/2, rng.Float64()*120-50))
	lon := rng.Float64()*360 - 180
	west, east := max(-180, lon-w/2), min(180, lon+w/2)
	bbox := fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", west, lat-h/2, east, lat+h/2)
	q := "bbox=" + bbox
	if l := viewLangs[rng.IntN(len(viewLangs))]; l != "" {
		q += "&lang=" + l
	}
	kind := rng.IntN(3)
	if kind == 2 {
		// The histogram spans everything held: it is what picks a span.
		return NamedPath{"view-histogram", "/api/histogram?" + q}
	}
	if span := []string{"1h", "24h", "168h", ""}[rng.IntN(4)]; span != "" {
		q += "&window=" + span
	}
	if kind == 0 {
		return NamedPath{"view-heat", fmt.Sprintf("/api/heat?%s&zoom=%d&limit=5000", q, min(22, zoom+2))}
	}
	return NamedPath{"view-top", "/api/top?n=10&" + q}
}

// LoadResult is what the clients saw.
type LoadResult struct {
	Latencies []Latency // per path name, and "live" for the gap between snapshots
	Requests  int64
	Errors    int
	Snapshots int64 // live snapshots received
	// LiveDropped counts subscribers whose stream ended before the test.
	LiveDropped int64
}

// RunLoad drives the clients until ctx is done. Requests in flight when
// ctx ends are not counted as errors.
func RunLoad(ctx context.Context, o LoadOptions) LoadResult {
	if len(o.Paths) == 0 {
		o.Paths = PollPaths
	}
	tr := &http.Transport{MaxIdleConnsPerHost: o.Clients + o.Subscribers + 8, MaxConnsPerHost: 0}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	live := &http.Client{Transport: tr} // streams have no overall timeout
	rec := NewRecorder()
	var requests, snapshots, dropped atomic.Int64
	var wg sync.WaitGroup
	for i := range o.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			// Spread the clients' phases so they do not all ask at once.
			if !sleepCtx(ctx, time.Duration(rng.Int64N(int64(o.Interval)+1))) {
				return
			}
			for k := i; ; k++ {
				np := o.Paths[k%len(o.Paths)]
				if o.RandomViews {
					np = RandomView(rng)
				}
				t0 := time.Now()
				err := Get(ctx, client, o.Base+np.Path)
				if ctx.Err() != nil {
					return
				}
				requests.Add(1)
				if err != nil {
					rec.Fail(np.Name)
				} else {
					rec.Add(np.Name, time.Since(t0))
				}
				if !sleepCtx(ctx, o.Interval) {
					return
				}
			}
		})
	}
	for range o.Subscribers {
		wg.Go(func() {
			n, err := subscribe(ctx, live, o.Base+"/api/live", rec)
			snapshots.Add(n)
			if ctx.Err() == nil {
				dropped.Add(1)
				rec.Fail("live")
				_ = err
			}
		})
	}
	wg.Wait()
	return LoadResult{Latencies: rec.Summary(), Requests: requests.Load(), Errors: rec.Errors(), Snapshots: snapshots.Load(), LiveDropped: dropped.Load()}
}

// subscribe reads one SSE stream until it ends, recording the gap between
// consecutive snapshots (the live view's staleness as a browser sees it).
func subscribe(ctx context.Context, c *http.Client, url string, rec *Recorder) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("live: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	var n int64
	var last time.Time
	for sc.Scan() {
		// An event ends with a blank line; count events that carried data.
		if bytes.HasPrefix(sc.Bytes(), []byte("data:")) {
			now := time.Now()
			if !last.IsZero() {
				rec.Add("live", now.Sub(last))
			}
			last = now
			n++
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return n, err
	}
	return n, nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
