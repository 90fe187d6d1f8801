package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

// liveQuerier is a store whose points grow on every Stats call and whose
// top list is large, so a reader that stops reading fills its socket fast.
type liveQuerier struct {
	points atomic.Int64
	bigTag string
}

func (q *liveQuerier) Counts(context.Context, store.CountsQuery) ([]store.LangCount, error) {
	return []store.LangCount{{Lang: "en", Posts: q.points.Load(), Geo: q.points.Load()}}, nil
}

func (q *liveQuerier) Top(_ context.Context, tq store.TopQuery) ([]store.LangTop, error) {
	return []store.LangTop{{Lang: "en", Tags: []store.TagCount{{Tag: q.bigTag, Count: 1}, {Tag: "<b>x</b>", Count: 1}}}}, nil
}

func (q *liveQuerier) Points(context.Context, store.PointsQuery) ([]store.Point, error) {
	return nil, nil
}
func (q *liveQuerier) Heat(context.Context, store.HeatQuery) (store.HeatResult, error) {
	return store.HeatResult{}, nil
}

func (q *liveQuerier) Trends(context.Context, store.TrendsQuery) (store.TrendsResult, error) {
	return store.TrendsResult{}, nil
}

func (q *liveQuerier) Histogram(context.Context, store.HistogramQuery) (store.HistogramResult, error) {
	return store.HistogramResult{}, nil
}

func (q *liveQuerier) Posts(context.Context, store.PostsQuery) (store.PostsResult, error) {
	return store.PostsResult{}, nil
}

func (q *liveQuerier) Stats(context.Context) (store.Stats, error) {
	n := q.points.Add(1)
	return store.Stats{Posts: n, Points: n, Written: n}, nil
}

func newLiveServer(t *testing.T, opts LiveOptions) (*Live, *httptest.Server, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := NewLive(ctx, opts)
	srv := httptest.NewServer(l)
	t.Cleanup(func() { cancel(); srv.Close() })
	return l, srv, cancel
}

// readEvents reads SSE snapshot events and sends their data lines.
func readEvents(t *testing.T, url string, out chan<- string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		close(out)
		return
	}
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- data
			}
		}
	}()
}

func TestLiveStreamsSnapshots(t *testing.T) {
	q := &liveQuerier{bigTag: "small"}
	_, srv, cancel := newLiveServer(t, LiveOptions{Querier: q, Interval: 20 * time.Millisecond,
		Series: func() []int64 { return []int64{1, 2, 3} }})
	events := make(chan string, 100)
	readEvents(t, srv.URL+"?lang=en&window=1h", events)
	var got []string
	for len(got) < 3 {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("stream ended early")
			}
			got = append(got, e)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d snapshots in 5 s", len(got))
		}
	}
	first := got[0]
	for _, want := range []string{`"selection":{"lang":"en","tag":"","window":"1h"}`, `"per_second":[1,2,3]`, `"heat_version":`,
		`\u003cb\u003ex\u003c/b\u003e`} {
		if !strings.Contains(first, want) {
			t.Errorf("snapshot lacks %s: %.300s", want, first)
		}
	}
	// Cancelling the server's context ends the stream (shutdown is not held up).
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("stream still open after the context was cancelled")
		}
	}
}

func TestLiveRejectsBadSelection(t *testing.T) {
	_, srv, _ := newLiveServer(t, LiveOptions{Querier: &liveQuerier{}})
	for _, q := range []string{"lang=<script>", "window=forever", "tag=" + strings.Repeat("x", 300)} {
		resp, err := http.Get(srv.URL + "?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, resp.StatusCode)
		}
	}
}

// A subscriber that stops reading must neither slow the producer nor the
// other subscribers, and is dropped once a write misses its deadline.
func TestLiveSlowReaderIsDroppedAndOthersKeepUp(t *testing.T) {
	q := &liveQuerier{bigTag: strings.Repeat("x", 256<<10)} // 256 KiB a snapshot
	l, srv, _ := newLiveServer(t, LiveOptions{Querier: q, Interval: 10 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})

	// The stuck browser: asks for the stream and never reads. (Its socket
	// buffers fill within a second at 256 KiB a snapshot; shrinking them
	// instead makes loopback TCP stall in zero-window probes.)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /?lang=en HTTP/1.1\r\nHost: x\r\n\r\n")
	waitFor(t, func() bool { return l.Subscribers() == 1 }, "the stuck subscriber to connect")

	events := make(chan string, 1000)
	readEvents(t, srv.URL, events)
	start := time.Now()
	n := 0
	for n < 30 {
		select {
		case _, ok := <-events:
			if !ok {
				t.Fatal("the fast subscriber's stream ended")
			}
			n++
		case <-time.After(10 * time.Second):
			t.Fatalf("the fast subscriber got %d snapshots in 10 s beside a stuck one", n)
		}
	}
	t.Logf("fast subscriber: 30 snapshots in %v beside a stuck one", time.Since(start).Round(time.Millisecond))
	// The stuck one is dropped: only the fast subscriber remains, and the
	// server has closed the stuck connection (reading it now ends in EOF,
	// not in our deadline).
	waitFor(t, func() bool { return l.Subscribers() == 1 }, "the stuck subscriber to be dropped")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("the stuck connection was not closed by the server: %v (%d bytes read, %d subscribers)", err, n, l.Subscribers())
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSubscriberLatestWins(t *testing.T) {
	s := &subscriber{notify: make(chan struct{}, 1)}
	s.put([]byte("one"))
	s.put([]byte("two")) // must not block although nobody took "one"
	<-s.notify
	if got := string(s.take()); got != "two" {
		t.Fatalf("take = %q, want the newest snapshot", got)
	}
	if s.take() != nil {
		t.Fatal("a snapshot was delivered twice")
	}
}

func TestMinuteSeries(t *testing.T) {
	now := time.Unix(6000, 0)
	m := minuteSeries{now: func() time.Time { return now }}
	m.observe(100) // baseline
	now = now.Add(10 * time.Second)
	m.observe(130)
	now = now.Add(time.Minute)
	m.observe(150)
	s := m.series()
	if len(s) != 60 || s[59] != 20 || s[58] != 30 {
		t.Fatalf("series tail = %v, want [... 30 20]", s[55:])
	}
	now = now.Add(2 * time.Hour)
	m.observe(150)
	for _, v := range m.series() {
		if v != 0 {
			t.Fatalf("an hour later the series should be empty: %v", m.series())
		}
	}
}
