package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeJetstream serves events from a cursor, as Jetstream does: events
// with time_us >= cursor, in time_us order, filtered by wantedCollections
// (identity and account events always pass). Each connection takes the
// next step of the script.
type fakeJetstream struct {
	t      *testing.T
	events [][]byte // sorted by time_us

	// enc, when set, compresses what a connection asking compress=true
	// is sent, as Jetstream does with its dictionary.
	enc *zstd.Encoder

	mu      sync.Mutex
	script  []step
	conns   int
	cursors []int64 // cursor asked for, per connection (0: none)
	stop    chan struct{}
}

type step struct {
	status    int  // refuse the upgrade with this status
	sendN     int  // send this many events then drop the connection (0: all, then hold)
	malformed bool // send a broken frame first
	corrupt   bool // send a compressed frame that does not decode first
}

func newFake(t *testing.T, lines [][]byte, script ...step) *fakeJetstream {
	evs := slices.Clone(lines)
	slices.SortStableFunc(evs, func(a, b []byte) int { return int(timeUS(a) - timeUS(b)) })
	return &fakeJetstream{t: t, events: evs, script: script, stop: make(chan struct{})}
}

// serveFake serves f on loopback until the test ends (then ends f's held
// streams before closing the server, which waits for them).
func serveFake(t *testing.T, f *fakeJetstream) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.stop) })
	return srv
}

func timeUS(b []byte) int64 {
	var h struct {
		TimeUS int64 `json:"time_us"`
	}
	json.Unmarshal(b, &h)
	return h.TimeUS
}

func (f *fakeJetstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/subscribe" || r.URL.Query().Get("wantedCollections") != PostCollection {
		f.t.Errorf("request %s", r.URL)
	}
	cursor, _ := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
	f.mu.Lock()
	var st step
	if f.conns < len(f.script) {
		st = f.script[f.conns]
	}
	f.conns++
	f.cursors = append(f.cursors, cursor)
	f.mu.Unlock()
	if st.status != 0 {
		http.Error(w, "unavailable", st.status)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		f.t.Errorf("accept: %v", err)
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	compress := r.URL.Query().Get("compress") == "true"
	if compress && f.enc == nil {
		f.t.Errorf("compression asked for, but this fake has no dictionary")
	}
	typ, frame := websocket.MessageText, func(ev []byte) []byte { return ev }
	if compress && f.enc != nil {
		typ, frame = websocket.MessageBinary, func(ev []byte) []byte { return f.enc.EncodeAll(ev, nil) }
	}
	if st.malformed {
		c.Write(ctx, websocket.MessageText, []byte(`{"did":"x","time_us":`))
	}
	if st.corrupt {
		// A real compressed event with its block damaged: the frame
		// header (and so the dictionary ID) still reads, the content
		// does not.
		b := f.enc.EncodeAll(f.events[0], nil)
		for i := 8; i < len(b); i++ {
			b[i] ^= 0x5a
		}
		c.Write(ctx, websocket.MessageBinary, b)
	}
	sent := 0
	for _, ev := range f.events {
		if timeUS(ev) < cursor {
			continue
		}
		var p post.Post
		res, _ := Parse(ev, &p)
		if res.Notice == NoticeOther || (res.Notice == NoticeProfile && !slices.Contains(r.URL.Query()["wantedCollections"], ProfileCollection)) {
			continue // another collection: filtered server-side
		}
		if st.sendN > 0 && sent == st.sendN {
			return // drop without a close frame
		}
		if err := c.Write(ctx, typ, frame(ev)); err != nil {
			return
		}
		sent++
	}
	select {
	case <-ctx.Done():
	case <-f.stop:
	}
}

type harness struct {
	src  *Source
	out  chan ingest.Message
	done chan error
	stop context.CancelFunc
}

func startSource(t *testing.T, hosts []string, dataDir string, opts ...func(*Options)) *harness {
	t.Helper()
	clock := live.NewManualClock(time.Unix(0, 0))
	// Unbuffered, as a pipeline that takes exactly what the test takes: a
	// buffer would let the source emit (and save a cursor past) messages the
	// test then drops on close, which is not what resume promises.
	h := &harness{out: make(chan ingest.Message), done: make(chan error, 1)}
	o := Options{
		Hosts:   hosts,
		DataDir: dataDir,
		Clock:   clock,
		// No real waiting between attempts: the wait is checked in
		// internal/ingest/live; here the clock jumps over it at once.
		OnBackoff: func(d time.Duration, err error) { clock.Advance(d) },
	}
	for _, f := range opts {
		f(&o)
	}
	src, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.src = src
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- src.Run(ctx, h.out) }()
	return h
}

// take reads n messages.
func (h *harness) take(t *testing.T, n int) [][]byte {
	t.Helper()
	var got [][]byte
	timeout := time.After(20 * time.Second)
	for len(got) < n {
		select {
		case m := <-h.out:
			got = append(got, m.Data)
		case err := <-h.done:
			t.Fatalf("source ended after %d of %d: %v", len(got), n, err)
		case <-timeout:
			t.Fatalf("got %d messages, want %d", len(got), n)
		}
	}
	return got
}

func (h *harness) close(t *testing.T) {
	t.Helper()
	h.stop()
	if err := <-h.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	select {
	case m := <-h.out:
		t.Fatalf("extra message %.80s", m.Data)
	default:
	}
}

// wanted is what the fake sends in total: posts, deletes, identity and
// account events, in time order.
func wanted(f *fakeJetstream) [][]byte {
	var w [][]byte
	for _, ev := range f.events {
		var p post.Post
		if res, _ := Parse(ev, &p); res.Notice != NoticeOther {
			w = append(w, ev)
		}
	}
	return w
}

func keyOf(b []byte) string {
	var p post.Post
	res, _ := Parse(b, &p)
	if res.Key != "" {
		return res.Key
	}
	return string(b)
}

// realCapture is the shared data's Jetstream capture (152 production
// events, see its PROVENANCE.md).
var realCapture = []string{"bluesky", "jetstream_v1_capture_2026-07-04.jsonl"}

// TestResumeNoGapNoDuplicate: a connection dropped mid-stream, a host that
// refuses, a malformed frame, and a restart of the process: every event
// arrives exactly once, in order. Demo traffic as Jetstream events.
func TestResumeNoGapNoDuplicate(t *testing.T) {
	testResume(t, demoEvents(t, 200))
}

// TestResumeRealCapture is TestResumeNoGapNoDuplicate over the production
// events of the shared capture.
func TestResumeRealCapture(t *testing.T) {
	testResume(t, fixtureLines(t, testenv.Shared(t, realCapture...)))
}

func testResume(t *testing.T, lines [][]byte) {
	good := newFake(t, lines,
		step{sendN: 7},                   // drop after 7
		step{malformed: true, sendN: 12}, // resume (rewound: dedupe), then drop again
		step{},                           // the rest, then hold
	)
	want := wanted(good)
	if len(want) < 20 {
		t.Fatalf("only %d events to replay: too few for this script", len(want))
	}
	goodSrv := httptest.NewServer(good)
	defer goodSrv.Close()
	defer close(good.stop)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer bad.Close()
	dataDir := t.TempDir()

	// First run: the good host drops twice; failover tries the bad one in
	// between. Stop after part of the stream.
	hosts := []string{goodSrv.URL, bad.URL}
	h := startSource(t, hosts, dataDir)
	first := min(10, len(want)-2)
	got := h.take(t, first+1) // +1: the malformed frame is passed on for the parse stage to count
	h.close(t)

	var events [][]byte
	malformed := 0
	for _, g := range got {
		var p post.Post
		if _, err := Parse(g, &p); err != nil {
			malformed++
			continue
		}
		events = append(events, g)
	}
	if malformed != 1 {
		t.Errorf("%d malformed frames passed on, want 1", malformed)
	}

	// Second run: a new process resumes from the saved cursor.
	h2 := startSource(t, hosts, dataDir)
	rest := h2.take(t, len(want)-len(events))
	h2.close(t)
	events = append(events, rest...)

	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	seen := map[string]bool{}
	for i, ev := range events {
		k := keyOf(ev)
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
		if keyOf(want[i]) != k {
			t.Errorf("event %d out of order: %s, want %s", i, k, keyOf(want[i]))
		}
	}
	good.mu.Lock()
	defer good.mu.Unlock()
	if good.cursors[0] != 0 {
		t.Errorf("first connection asked for cursor %d, want none", good.cursors[0])
	}
	for i, c := range good.cursors[1:] {
		if c == 0 {
			t.Errorf("reconnection %d without a cursor", i+1)
		}
	}
	if h.src.Progress().Live.Reconnects < 2 { // the drop, then the refusing host
		t.Errorf("reconnects %d", h.src.Progress().Live.Reconnects)
	}
}

// TestSubscribeProfiles: with Options.Profiles the subscription asks for
// profile records next to posts, as repeated wantedCollections.
func TestSubscribeProfiles(t *testing.T) {
	for _, want := range []bool{false, true} {
		s, err := New(Options{Hosts: []string{"ws://127.0.0.1:1"}, Profiles: want})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(s.subscribeURL())
		if err != nil {
			t.Fatal(err)
		}
		got := u.Query()["wantedCollections"]
		if exp := map[bool][]string{false: {PostCollection}, true: {PostCollection, ProfileCollection}}[want]; !slices.Equal(got, exp) {
			t.Errorf("Profiles %v: wantedCollections %q, want %q", want, got, exp)
		}
	}
}
