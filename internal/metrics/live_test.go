package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/metrics"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// smallBufListener shrinks every accepted connection's send buffer, so a
// client that stops reading fills it within a few snapshots (loopback
// buffers are otherwise megabytes).
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// scrape returns the value of one unlabelled sample of /metrics.
func scrape(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("%s not in /metrics", name)
	return 0
}

// waitMetric polls /metrics until name has value want.
func waitMetric(t *testing.T, base, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := scrape(t, base, name)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}

// TestLiveSubscriberMetrics: a real server with the live stream and
// /metrics. Browsers that connect show in geoheat_live_subscribers and
// leave it when they go; one that stops reading is cut off by the write
// deadline and counted in geoheat_live_dropped_slow_total, while ones that
// simply leave are not.
func TestLiveSubscriberMetrics(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Enough languages and hashtags that a snapshot is a few KB.
	var posts []post.Post
	for i := range 400 {
		posts = append(posts, post.Post{ID: strconv.Itoa(i), Lang: []string{"en", "es", "fr", "de", "pt", "it", "ja", "ko"}[i%8],
			Time: time.Now(), Hashtags: []string{fmt.Sprintf("tag%03d_%s", i%37, strings.Repeat("x", 40))}})
	}
	if err := st.Record(context.Background(), posts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live := httpapi.NewLive(ctx, httpapi.LiveOptions{Querier: st, Interval: 5 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	m, err := metrics.New(metrics.Options{Registry: prometheus.NewRegistry(), Store: st, Live: live})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/live", live)
	mux.Handle("GET /metrics", m.Handler())
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener = smallBufListener{srv.Listener}
	srv.Start()
	defer srv.Close()
	defer cancel() // first: ends the streams, so Close does not wait on them

	if got := scrape(t, srv.URL, "geoheat_live_subscribers"); got != 0 {
		t.Fatalf("subscribers before any: %v", got)
	}
	// Two readers: each gets its first snapshot, then is counted.
	var bodies []io.ReadCloser
	for range 2 {
		resp, err := http.Get(srv.URL + "/api/live?lang=en")
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(line, "event: snapshot") {
				break
			}
		}
		bodies = append(bodies, resp.Body)
		defer resp.Body.Close()
		// Keep reading, as a browser does.
		go io.Copy(io.Discard, br)
	}
	waitMetric(t, srv.URL, "geoheat_live_subscribers", 2)

	// A client that sends its request and never reads, with a small
	// receive buffer: the server's writes back up and miss the deadline.
	d := net.Dialer{}
	conn, err := d.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET /api/live HTTP/1.1\r\nHost: x\r\n\r\n")
	waitMetric(t, srv.URL, "geoheat_live_dropped_slow_total", 1)

	// The readers leave: not counted as dropped.
	for _, b := range bodies {
		b.Close()
	}
	waitMetric(t, srv.URL, "geoheat_live_subscribers", 0)
	if got := scrape(t, srv.URL, "geoheat_live_dropped_slow_total"); got != 1 {
		t.Errorf("dropped %v after the readers left, want 1", got)
	}
	cancel()
}
