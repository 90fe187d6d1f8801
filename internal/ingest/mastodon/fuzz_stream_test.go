package mastodon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
	"github.com/geoheat/geoheat/internal/post"
)

// FuzzStream serves arbitrary bytes as a streaming endpoint's body to the
// real source over HTTP: the SSE reader must not panic or hang, and every
// message it emits is an envelope that Parse classifies without panicking
// (malformed exactly when it errs).
func FuzzStream(f *testing.F) {
	f.Add([]byte(":)\n\nevent: update\ndata: {\"id\":\"1\",\"content\":\"<p>hi #x</p>\",\"tags\":[{\"name\":\"x\"}]}\n\n:thump\n\n"))
	f.Add([]byte("event: delete\ndata: 110\n\nevent: update\ndata: {\"id\":\n\n"))
	f.Add([]byte("data: a\ndata: b\r\n\r\nevent:\ndata\n\n"))
	f.Add([]byte("event: update\ndata: {}\n")) // no closing blank line
	// An author with a location field, a bio cue and a national instance
	// (ProfileLocation, InstanceCountry).
	f.Add([]byte("event: update\ndata: {\"id\":\"2\",\"content\":\"<p>x</p>\",\"account\":{\"acct\":\"a@mstdn.jp\",\"note\":\"<p>NYC-based. \U0001F4CD Lisboa</p>\",\"fields\":[{\"name\":\"Standort\",\"value\":\"<a href=\\\"https://osm.org/1\\\">osm.org/1</a> K\u00f6ln :flag_de:\"}]}}\n\n"))

	// One server per fuzzing process; execs run one at a time. The first
	// request of an exec gets the body; the next one (the source
	// reconnecting after the body ended) tells the exec it is over.
	var mu sync.Mutex
	var body []byte
	var requests int
	ended := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		first, b := requests == 1, body
		mu.Unlock()
		if !first {
			select {
			case ended <- struct{}{}:
			default:
			}
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(b)
	}))
	defer srv.Close()

	f.Fuzz(func(t *testing.T, in []byte) {
		mu.Lock()
		body, requests = in, 0
		mu.Unlock()
		select {
		case <-ended:
		default:
		}
		clock := live.NewManualClock(time.Unix(0, 0))
		src, err := New(Options{Instance: srv.URL, Clock: clock,
			OnBackoff: func(d time.Duration, err error) { clock.Advance(d) }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := make(chan ingest.Message)
		done := make(chan error, 1)
		go func() { done <- src.Run(ctx, out) }()
		var msgs [][]byte
		timeout := time.After(10 * time.Second)
	read:
		for {
			select {
			case m := <-out:
				msgs = append(msgs, m.Data)
			case <-ended:
				cancel()
			case <-done:
				break read
			case <-timeout:
				t.Fatalf("the source neither ended the stream nor came back after %d messages", len(msgs))
			}
		}
		if len(msgs) > len(in) {
			t.Fatalf("%d messages from %d bytes", len(msgs), len(in))
		}
		for _, m := range msgs {
			if !Looks(m) {
				t.Fatalf("emitted a message without the envelope: %q", m)
			}
			var p post.Post
			kind, _, err := Parse(m, &p)
			if (err != nil) != (kind == KindMalformed) {
				t.Fatalf("Parse(%q) = kind %v, err %v", m, kind, err)
			}
		}
	})
}
