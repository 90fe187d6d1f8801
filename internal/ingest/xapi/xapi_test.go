package xapi

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/twitter"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "AAAA-secret-bearer-token-1234"

// behaviour is what the fake server does on one connection.
type behaviour int

const (
	serveAll       behaviour = iota // every line, keep-alives between, then hold open
	status503                       // refuse with 503
	status429                       // refuse with 429
	status420                       // refuse with 420
	disconnectHalf                  // send half the lines, then drop the connection
	silent                          // accept and send nothing
	malformedFirst                  // a broken line, then every line
)

// fakeX is an X streaming endpoint scripted per connection.
type fakeX struct {
	t      *testing.T
	lines  [][]byte
	script []behaviour

	mu    sync.Mutex
	conns int
	// stop ends held-open responses when the test is over.
	stop chan struct{}
	// silentUp is told when the silent connection is accepted.
	silentUp chan struct{}
}

func (f *fakeX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		f.t.Errorf("Authorization %q", got)
	}
	q := r.URL.Query()
	if r.URL.Path != "/2/tweets/search/stream" || !hasAll(q.Get("tweet.fields"), "geo", "author_id") ||
		!hasAll(q.Get("expansions"), "author_id", "geo.place_id") || !hasAll(q.Get("place.fields"), "geo") ||
		!hasAll(q.Get("user.fields"), "username", "location") {
		f.t.Errorf("request %s", r.URL)
	}
	f.mu.Lock()
	b := serveAll
	if f.conns < len(f.script) {
		b = f.script[f.conns]
	}
	f.conns++
	f.mu.Unlock()

	fl := w.(http.Flusher)
	switch b {
	case status503:
		http.Error(w, `{"title":"Service Unavailable"}`, http.StatusServiceUnavailable)
		return
	case status429:
		http.Error(w, `{"title":"Too Many Requests"}`, http.StatusTooManyRequests)
		return
	case status420:
		w.WriteHeader(420)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	lines := f.lines
	switch b {
	case silent:
		lines = nil
		f.silentUp <- struct{}{}
	case disconnectHalf:
		lines = lines[:len(lines)/2]
	case malformedFirst:
		w.Write([]byte("{\"data\": {\"id\": \"1\", \"te\r\n"))
	}
	for i, l := range lines {
		if i%2 == 0 {
			w.Write([]byte("\r\n")) // keep-alive
		}
		w.Write(l)
		w.Write([]byte("\r\n"))
		fl.Flush()
	}
	if b == disconnectHalf {
		// Abort mid-stream: the client sees an unexpected EOF.
		panic(http.ErrAbortHandler)
	}
	select {
	case <-r.Context().Done():
	case <-f.stop:
	}
}

func readJSONL(t *testing.T, path string) [][]byte {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var r io.Reader = fh
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	var lines [][]byte
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

type run struct {
	src    *live.Loop
	out    chan ingest.Message
	events chan time.Duration
	clock  *live.ManualClock
	logs   *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, srv *httptest.Server) *run {
	t.Helper()
	r := &run{
		out:    make(chan ingest.Message, 1<<14),
		events: make(chan time.Duration, 1),
		clock:  live.NewManualClock(time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC)),
		logs:   &bytes.Buffer{},
		done:   make(chan error, 1),
	}
	var logMu sync.Mutex
	src, err := New(Options{
		Stream:    Filtered,
		BaseURL:   srv.URL,
		Token:     token,
		Client:    srv.Client(),
		Clock:     r.clock,
		Logger:    slog.New(slog.NewTextHandler(lockedWriter{&logMu, r.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnBackoff: func(d time.Duration, err error) { r.events <- d },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.src = src
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- src.Run(ctx, r.out) }()
	return r
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (r *run) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

// collect reads n messages.
func (r *run) collect(t *testing.T, n int) [][]byte {
	t.Helper()
	var got [][]byte
	timeout := time.After(20 * time.Second)
	for len(got) < n {
		select {
		case m := <-r.out:
			got = append(got, m.Data)
		case <-timeout:
			t.Fatalf("got %d messages, want %d", len(got), n)
		}
	}
	return got
}

// TestRecoversFromEveryFailure replays demo posts as v2 payloads through a
// server that refuses (503, 429, 420), drops the connection halfway, goes
// silent and sends a malformed line; the source recovers from each with the
// documented delay and every payload arrives.
func TestRecoversFromEveryFailure(t *testing.T) {
	lines := demoV2(t, 300)
	f := &fakeX{t: t, lines: lines, stop: make(chan struct{}), silentUp: make(chan struct{}, 1), script: []behaviour{
		status503, status503, status429, status420, disconnectHalf, silent, malformedFirst,
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer close(f.stop)
	r := start(t, srv)
	defer r.stop(t)

	expect := func(want time.Duration) {
		t.Helper()
		select {
		case d := <-r.events:
			if d != want {
				t.Errorf("backoff %v, want %v", d, want)
			}
			r.clock.Advance(d)
		case <-time.After(20 * time.Second):
			t.Fatalf("no reconnect (want one after %v)", want)
		}
	}
	expect(5 * time.Second)  // 503
	expect(10 * time.Second) // 503 again: doubled
	expect(time.Minute)      // 429
	expect(2 * time.Minute)  // 420 is rate limiting too
	half := r.collect(t, len(lines)/2)
	expect(250 * time.Millisecond) // dropped mid-stream: a network error, schedules reset by the connection
	// Silent: 20 s of nothing drops it, and not a second earlier.
	<-f.silentUp
	stalledAfter := advanceUntilReconnect(t, r)
	if stalledAfter < live.DefaultStall || stalledAfter > live.DefaultStall+time.Second {
		t.Errorf("silent connection dropped after %v, want %v", stalledAfter, live.DefaultStall)
	}
	rest := r.collect(t, len(lines)+1)

	if string(rest[0]) != `{"data": {"id": "1", "te` {
		t.Errorf("first line of the last connection %q", rest[0])
	}
	for i, l := range append(half, rest[1:]...) {
		want := lines[i%len(lines)]
		if i >= len(half) {
			want = lines[i-len(half)]
		}
		if !bytes.Equal(l, want) {
			t.Fatalf("message %d differs", i)
		}
	}
	// Every payload parses as the pipeline would parse it.
	var p twitter.Parser
	kinds := map[twitter.Kind]int{}
	for _, l := range rest[1:] {
		var dst post.Post
		res, _ := p.Parse(l, &dst)
		kinds[res.Kind]++
	}
	if kinds[twitter.KindPost] != len(lines) {
		t.Errorf("kinds %v", kinds)
	}
	pr := r.src.Progress()
	if pr.Live.State != "connected" || pr.Live.Connects != 3 || pr.Live.Reconnects != 6 {
		t.Errorf("progress %+v live %+v", pr, *pr.Live)
	}
	if strings.Contains(r.logs.String(), token) {
		t.Fatal("the bearer token was logged")
	}
	if !strings.Contains(r.logs.String(), "HTTP 429") {
		t.Errorf("logs lack the 429:\n%s", r.logs)
	}
}

// TestRealPayloads replays the shared data's real v2 payloads (twarc's
// streaming capture with its error envelope, and 200 combined tweets) over
// one connection: every payload arrives byte for byte, in order, and the
// tweets parse as posts.
func TestRealPayloads(t *testing.T) {
	lines := readJSONL(t, testenv.Shared(t, "tweets", "v2", "DocNow__twarc-csv__test-data__streaming_output_with_error.jsonl"))
	more := readJSONL(t, testenv.Shared(t, "tweets", "combined", "v2_tweets_unique.jsonl.gz"))
	lines = append(lines, more[:200]...)
	f := &fakeX{t: t, lines: lines, stop: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer close(f.stop)
	r := start(t, srv)
	defer r.stop(t)
	got := r.collect(t, len(lines))
	var p twitter.Parser
	kinds := map[twitter.Kind]int{}
	for i, l := range got {
		if !bytes.Equal(l, lines[i]) {
			t.Fatalf("message %d differs", i)
		}
		var dst post.Post
		res, _ := p.Parse(l, &dst)
		kinds[res.Kind]++
	}
	if kinds[twitter.KindPost] < 200 {
		t.Errorf("kinds %v", kinds)
	}
}

// TestFixtureStream is TestRecoversFromEveryFailure's short form on the
// package's own fixtures (a place, a user location, an error envelope).
func TestFixtureStream(t *testing.T) {
	lines := readJSONL(t, filepath.Join("testdata", "stream.jsonl"))
	f := &fakeX{t: t, lines: lines, stop: make(chan struct{}), script: []behaviour{status503, disconnectHalf}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer close(f.stop)
	r := start(t, srv)
	defer r.stop(t)
	if d := <-r.events; d != 5*time.Second {
		t.Errorf("503: %v", d)
	}
	r.clock.Advance(5 * time.Second)
	r.collect(t, 1)
	if d := <-r.events; d != 250*time.Millisecond {
		t.Errorf("disconnect: %v", d)
	}
	r.clock.Advance(time.Second)
	got := r.collect(t, len(lines))
	var p twitter.Parser
	var dst post.Post
	if res, _ := p.Parse(got[0], &dst); res.Kind != twitter.KindPost || dst.GeoSource != post.GeoPlace || dst.UserLocation != "Berlin, Deutschland" {
		t.Errorf("first: %+v %+v", res, dst)
	}
	if res, _ := p.Parse(got[1], &dst); res.Notice != twitter.NoticeError {
		t.Errorf("second: %+v", res)
	}
}

func TestUnauthorizedIsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	r := start(t, srv)
	err := <-r.done
	r.cancel()
	var he *live.HTTPError
	if !errors.As(err, &he) || he.Status != 401 || strings.Contains(err.Error(), token) {
		t.Fatalf("Run = %v", err)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{Stream: "firehose", Token: "x"},
		{Stream: Sample},
		{Stream: Sample, Token: "x", BaseURL: "ftp://nope"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// advanceUntilReconnect moves the clock a second at a time until the
// source reconnects (the watchdog arms asynchronously, so the test cannot
// advance by exactly 20 s once) and returns how far it moved; the backoff
// must be the network one. Each step yields to the source briefly.
func advanceUntilReconnect(t *testing.T, r *run) time.Duration {
	t.Helper()
	var moved time.Duration
	for range 120 {
		select {
		case d := <-r.events:
			if d != 250*time.Millisecond {
				t.Errorf("backoff after a stall %v, want 250ms", d)
			}
			r.clock.Advance(d)
			return moved
		case <-time.After(20 * time.Millisecond):
		}
		r.clock.Advance(time.Second)
		moved += time.Second
	}
	t.Fatal("no reconnect after 120 s of silence")
	return 0
}

// hasAll reports whether the comma-separated list holds every one of want
// as a whole item (so "geo" is not satisfied by "geo.place_id").
func hasAll(list string, want ...string) bool {
	items := strings.Split(list, ",")
	for _, w := range want {
		if !slices.Contains(items, w) {
			return false
		}
	}
	return true
}
