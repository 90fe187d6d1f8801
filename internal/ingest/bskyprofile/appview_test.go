package bskyprofile

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/live"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// did returns a valid did:plc for i.
func did(i int) string {
	s := fmt.Sprintf("%024d", i)
	return "did:plc:" + strings.NewReplacer("0", "a", "1", "b", "8", "c", "9", "d").Replace(s)
}

// appviewServer is a fake AppView on loopback: each request's actors go
// to reqs, and the answer is status (200 when 0) with every actor whose
// index is even named "Paris".
type appviewServer struct {
	reqs   chan []string
	mu     sync.Mutex
	script []int // status per request, in order; then 200
	header http.Header
}

func newAppviewServer(script ...int) *appviewServer {
	return &appviewServer{reqs: make(chan []string, 1000), script: script}
}

func (s *appviewServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	actors := r.URL.Query()["actors"]
	s.reqs <- actors
	s.mu.Lock()
	status := 0
	if len(s.script) > 0 {
		status, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()
	if status != 0 && status != 200 {
		if status == 429 {
			w.Header().Set("Retry-After", "7")
		}
		http.Error(w, "no", status)
		return
	}
	var out []string
	for i, a := range actors {
		if i%2 == 0 {
			out = append(out, fmt.Sprintf(`{"did":%q,"displayName":"x","description":"Paris"}`, a))
		}
	}
	fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(out, ","))
}

func start(t *testing.T, a *AppView) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	}
}

// TestAppViewBatches: 60 authors go in batches of at most 25, each asked
// once; answered ones get their place, the others are cached as placeless.
func TestAppViewBatches(t *testing.T) {
	srv := newAppviewServer()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := NewDirectory(DirectoryOptions{Resolve: anyPlace})
	a, err := NewAppView(dir, AppViewOptions{BaseURL: hs.URL, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		a.Want(did(i))
		a.Want(did(i)) // queued already: not again
	}
	stop := start(t, a)
	var sizes []int
	asked := map[string]int{}
	for n := 0; n < 60; {
		r := <-srv.reqs
		sizes = append(sizes, len(r))
		n += len(r)
		for _, d := range r {
			asked[d]++
		}
	}
	for dir.Len() < 60 { // the last answer is being put
		time.Sleep(time.Millisecond)
	}
	stop()
	if fmt.Sprint(sizes) != "[25 25 10]" {
		t.Errorf("batch sizes %v, want [25 25 10]", sizes)
	}
	for i := range 60 {
		if asked[did(i)] != 1 {
			t.Errorf("%s asked %d times", did(i), asked[did(i)])
		}
		loc, known := dir.Get(did(i))
		if !known {
			t.Errorf("%s unknown after its lookup", did(i))
		}
		_ = loc
	}
	c := a.Counters()
	if c["profile_batches"] != 3 || c["profile_lookups"] != 60 || c["profile_found"]+c["profile_missing"] != 60 {
		t.Errorf("counters %v", c)
	}
}

// TestAppViewRateCap: with Rate 2, requests are 500 ms apart, and none is
// made before the clock allows it.
func TestAppViewRateCap(t *testing.T) {
	srv := newAppviewServer()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	clk := live.NewManualClock(time.Unix(1_000_000, 0))
	a, err := NewAppView(NewDirectory(DirectoryOptions{}), AppViewOptions{BaseURL: hs.URL, Rate: 2, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 75 {
		a.Want(did(i))
	}
	stop := start(t, a)
	defer stop()
	<-srv.reqs // the first goes at once
	for i := 0; i < 2; i++ {
		if d := <-clk.Waits(); d != 500*time.Millisecond {
			t.Fatalf("wait %v before request %d, want 500ms", d, i+2)
		}
		select {
		case r := <-srv.reqs:
			t.Fatalf("request %v before the rate cap allowed it", r)
		default:
		}
		clk.Advance(500 * time.Millisecond)
		<-srv.reqs
	}
}

// TestAppViewRetries: a 429 is retried after its Retry-After (7 s, longer
// than the backoff's 5 s), a 503 after the backoff's 1 s, then the batch
// succeeds; the errors are counted by kind.
func TestAppViewRetries(t *testing.T) {
	srv := newAppviewServer(429, 503)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	clk := live.NewManualClock(time.Unix(1_000_000, 0))
	dir := NewDirectory(DirectoryOptions{Resolve: anyPlace})
	a, err := NewAppView(dir, AppViewOptions{BaseURL: hs.URL, Rate: 100, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	a.Want(did(0))
	stop := start(t, a)
	defer stop()
	for _, want := range []time.Duration{7 * time.Second, time.Second} {
		if r := <-srv.reqs; len(r) != 1 || r[0] != did(0) {
			t.Fatalf("request %v", r)
		}
		if d := <-clk.Waits(); d != want {
			t.Fatalf("retry after %v, want %v", d, want)
		}
		clk.Advance(want)
	}
	<-srv.reqs // the third try succeeds
	for {
		if loc, known := dir.Get(did(0)); known {
			if loc != "Paris" {
				t.Errorf("location %q", loc)
			}
			break
		}
		clk.Advance(0) // yield to Run until it has put the answer
		time.Sleep(time.Millisecond)
	}
	c := a.Counters()
	if c["profile_errors_rate_limited"] != 1 || c["profile_errors_server"] != 1 || c["profile_batches_given_up"] != 0 {
		t.Errorf("counters %v", c)
	}
}

// TestAppViewDown: with the AppView unreachable, Want never blocks: what
// does not fit the queue is dropped and counted, errors are counted, and
// nothing is cached (the authors may be asked again later).
func TestAppViewDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // connections are refused from now on
	dir := NewDirectory(DirectoryOptions{})
	a, err := NewAppView(dir, AppViewOptions{BaseURL: url, Rate: 1000, Queue: 100, Attempts: 2,
		Backoff: &live.Backoff{NetworkStep: time.Millisecond, NetworkMax: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for i := range 10_000 {
		a.Want(did(i))
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("10,000 Want calls took %v with the queue full", took)
	}
	if n := a.Counters()["profile_queue_dropped"]; n != 10_000-100 {
		t.Errorf("dropped %d, want %d", n, 10_000-100)
	}
	stop := start(t, a)
	for a.Counters()["profile_errors_network"] < 2 {
		time.Sleep(time.Millisecond)
	}
	stop()
	c := a.Counters()
	if c["profile_batches_given_up"] < 1 {
		t.Errorf("counters %v", c)
	}
	if dir.Len() != 0 {
		t.Errorf("%d entries cached from a failed lookup", dir.Len())
	}
}

// TestAppViewTimeout: a request that gets no answer within Timeout is
// counted as a timeout and given up after the last attempt.
func TestAppViewTimeout(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hs.Close()
	defer close(release)
	a, err := NewAppView(NewDirectory(DirectoryOptions{}), AppViewOptions{BaseURL: hs.URL, Timeout: 20 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	a.Want(did(1))
	stop := start(t, a)
	for a.Counters()["profile_batches_given_up"] < 1 {
		time.Sleep(time.Millisecond)
	}
	stop()
	if c := a.Counters(); c["profile_errors_timeout"] != 1 {
		t.Errorf("counters %v", c)
	}
}

func TestValidDID(t *testing.T) {
	for did, want := range map[string]bool{
		"did:plc:ewvi7nxzyoun6zhxrhs64oiz":     true,
		"did:web:example.com":                  true,
		"did:plc:short":                        false,
		"did:plc:EWVI7NXZYOUN6ZHXRHS64OIZ":     false,
		"did:plc:ewvi7nxzyoun6zhxrhs64oi1":     false, // 1 is not base32
		"did:key:z6Mk":                         false,
		"did:web:exa mple.com":                 false,
		"did:web:" + strings.Repeat("a", 3000): false,
		"":                                     false,
	} {
		if got := ValidDID(did); got != want {
			t.Errorf("ValidDID(%.40q) = %v", did, got)
		}
	}
	a, _ := NewAppView(NewDirectory(DirectoryOptions{}), AppViewOptions{})
	a.Want("did:plc:short")
	if c := a.Counters(); c["profile_invalid_did"] != 1 || len(a.queue) != 0 {
		t.Errorf("invalid DID queued: %v", c)
	}
}

// TestAppViewHostileAnswers: an answer with a huge description is cut to
// the lexicon's limit, a profile not asked for is ignored, and an answer
// that is not JSON is counted as a decode error and given up.
func TestAppViewHostileAnswers(t *testing.T) {
	var n atomic.Int64
	reqs := make(chan struct{}, 10)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { reqs <- struct{}{} }()
		if n.Add(1) == 1 {
			fmt.Fprintf(w, `{"profiles":[{"did":%q,"description":"📍 Paris\n%s"},{"did":%q,"description":"Paris"}]}`,
				did(1), strings.Repeat("x", 100_000), did(2))
			return
		}
		fmt.Fprint(w, `<html>not json`)
	}))
	defer hs.Close()
	dir := NewDirectory(DirectoryOptions{Resolve: anyPlace})
	a, err := NewAppView(dir, AppViewOptions{BaseURL: hs.URL, Rate: 1000, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, a)
	a.Want(did(1))
	<-reqs
	for a.Pending() > 0 {
		time.Sleep(time.Millisecond)
	}
	a.Want(did(3))
	<-reqs
	for a.Pending() > 0 {
		time.Sleep(time.Millisecond)
	}
	stop()
	if loc, known := dir.Get(did(1)); !known || loc != "Paris" {
		t.Errorf("did(1): %q %v", loc, known)
	}
	if _, known := dir.Get(did(2)); known {
		t.Error("a profile not asked for was cached")
	}
	if _, known := dir.Get(did(3)); known {
		t.Error("an author was cached from an unreadable answer")
	}
	if c := a.Counters(); c["profile_errors_decode"] != 1 || c["profile_batches_given_up"] != 1 {
		t.Errorf("counters %v", c)
	}
}
