package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func readStatus(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func TestParseUpdate(t *testing.T) {
	var got post.Post
	kind, notice, err := Parse(Envelope("update", readStatus(t)), &got)
	if kind != KindPost || notice != "" || err != nil {
		t.Fatalf("%v %q %v", kind, notice, err)
	}
	want := post.Post{
		ID: "https://example.social/users/ana/statuses/110", Time: time.Date(2026, 8, 1, 13, 49, 42, 878e6, time.UTC),
		Text: "¡Hola & buenos días! #Madrid\n\nsegunda\nlínea", Hashtags: []string{"madrid"},
		UserID: "7", ScreenName: "ana", PlatformLang: "es",
		// The fixture has no url: the uri is the link.
		URL: "https://example.social/users/ana/statuses/110",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("post\n %#v\nwant\n %#v", got, want)
	}
	for _, tt := range []struct {
		msg    []byte
		kind   Kind
		notice string
	}{
		{Envelope("delete", []byte("110")), KindNotice, NoticeDelete},
		{Envelope("status.update", readStatus(t)), KindNotice, NoticeUpdate},
		{Envelope("notification", []byte(`{}`)), KindNotice, NoticeOther},
		{Envelope("update", []byte(`{"id":"1","reblog":{"id":"2"}}`)), KindNotice, NoticeReblog},
		{Envelope("update", []byte(`{"id": 5`)), KindMalformed, ""},
		{Envelope("update", []byte(`{"content":"x"}`)), KindMalformed, ""},
		{[]byte(`nope`), KindMalformed, ""},
	} {
		kind, notice, err := Parse(tt.msg, &got)
		if kind != tt.kind || notice != tt.notice || (err != nil) != (kind == KindMalformed) {
			t.Errorf("%s: %v %q %v", tt.msg, kind, notice, err)
		}
	}
}

// TestParseLink: the link to the original is the status url, else its uri,
// and only an http(s) URL; the handle is the acct as given (a text the
// dashboard escapes, never a link by itself).
func TestParseLink(t *testing.T) {
	for _, tt := range []struct {
		name, url, uri, acct string
		wantURL, wantID      string
	}{
		{"url and uri", "https://mastodon.social/@ana/110", "https://mastodon.social/users/ana/statuses/110", "ana",
			"https://mastodon.social/@ana/110", "https://mastodon.social/users/ana/statuses/110"},
		{"remote acct", "https://remote.example/@bo/9", "https://remote.example/users/bo/statuses/9", "bo@remote.example",
			"https://remote.example/@bo/9", "https://remote.example/users/bo/statuses/9"},
		{"uri only", "", "https://example.social/users/ana/statuses/110", "ana",
			"https://example.social/users/ana/statuses/110", "https://example.social/users/ana/statuses/110"},
		{"javascript url, uri used", "javascript:alert(1)", "https://example.social/users/ana/statuses/110", "ana",
			"https://example.social/users/ana/statuses/110", "https://example.social/users/ana/statuses/110"},
		{"both hostile", "javascript:alert(1)", "tag:example.social,2026:objectId=110", "ana",
			"", "tag:example.social,2026:objectId=110"},
		{"neither", "", "", "ana", "", "110"},
		{"script in acct", "", "", "</script><script>alert(1)</script>", "", "110"},
		{"quote in url", `https://example.social/"><script>`, "", "ana", "", "110"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := json.Marshal(map[string]any{
				"id": "110", "created_at": "2026-08-01T13:49:42.878Z", "content": "<p>x</p>",
				"url": tt.url, "uri": tt.uri, "account": map[string]any{"id": "7", "acct": tt.acct},
			})
			if err != nil {
				t.Fatal(err)
			}
			var got post.Post
			if kind, _, err := Parse(Envelope("update", st), &got); kind != KindPost || err != nil {
				t.Fatalf("%v %v", kind, err)
			}
			if got.URL != tt.wantURL || got.ID != tt.wantID || got.ScreenName != tt.acct {
				t.Errorf("url %q id %q handle %q, want %q %q %q", got.URL, got.ID, got.ScreenName, tt.wantURL, tt.wantID, tt.acct)
			}
		})
	}
}

func TestHTMLText(t *testing.T) {
	for in, want := range map[string]string{
		"<p>a</p><p>b</p>":              "a\n\nb",
		"x<br>y<br/>z":                  "x\ny\nz",
		"&lt;not a tag&gt; &#39;q&#39;": "<not a tag> 'q'",
		"<p>cut <a href=":               "cut",
		// A link as Mastodon writes it: the hidden parts are still text.
		`<p>see <a href="https://ex.org/a/long/path"><span class="invisible">https://</span><span class="ellipsis">ex.org/a/lon</span><span class="invisible">g/path</span></a></p>`: "see https://ex.org/a/long/path",
		// Escaped markup is text, and stays text: the dashboard shows it as such.
		"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>": "<script>alert(1)</script>",
		"<script>alert(1)</script>":                    "alert(1)",
		"":                                             "",
	} {
		if got := HTMLText(in); got != want {
			t.Errorf("HTMLText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseRealStatuses: Mastodon.py's recorded statuses (shared data).
func TestParseRealStatuses(t *testing.T) {
	f, err := os.Open(testenv.Shared(t, "mastodon", "mastodon_py_statuses_unique.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	counts := map[string]int{}
	for sc.Scan() {
		var got post.Post
		kind, notice, err := Parse(Envelope("update", sc.Bytes()), &got)
		switch {
		case err != nil:
			t.Errorf("%v", err)
		case kind == KindPost:
			counts["post"]++
			if got.PlatformLang != "" {
				counts["lang"]++
			}
			if len(got.Hashtags) > 0 {
				counts["tags"]++
			}
			if strings.HasPrefix(got.URL, "http") {
				counts["url"]++
			}
			if strings.ContainsAny(got.Text, "<>") && strings.Contains(got.Text, "</") {
				t.Errorf("HTML left in %q", got.Text)
			}
		default:
			counts[notice]++
		}
	}
	t.Logf("%v", counts)
	// PROVENANCE.md: 339 statuses, 330 with a language, 64 with tags;
	// the reblogs among them are boosts, not posts.
	// Every recorded status has an http(s) url (many from test instances on
	// localhost): each post links to its original.
	if counts["post"]+counts[NoticeReblog] != 339 || counts["post"] < 300 || counts["url"] != counts["post"] {
		t.Errorf("counts %v", counts)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Envelope("update", readStatus(f)))
	f.Add(Envelope("delete", []byte("1")))
	f.Add([]byte(`{"mastodon_event":"update","payload":{"id":"1","content":"<p>\xff<br","tags":[{"name":"\xfe"}]}}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "status_profile.json")); err == nil {
		f.Add(Envelope("update", b))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got post.Post
		kind, _, err := Parse(data, &got)
		if (err != nil) != (kind == KindMalformed) {
			t.Fatalf("kind %v err %v", kind, err)
		}
		// The prior comes only with a location, and is a country code.
		if got.UserCountry != "" && (got.UserLocation == "" || len(got.UserCountry) != 2) {
			t.Fatalf("UserCountry %q with location %q", got.UserCountry, got.UserLocation)
		}
		if got.URL != "" && ingest.WebURL(got.URL) != got.URL {
			t.Fatalf("URL %q is not a web URL", got.URL)
		}
		for _, s := range append([]string{got.ID, got.Text, got.UserID, got.ScreenName, got.URL, got.PlatformLang, got.UserLocation, got.UserCountry}, got.Hashtags...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
	})
}

// fakeSSE is a Mastodon streaming endpoint scripted per connection.
type fakeSSE struct {
	t      *testing.T
	status []byte
	mu     sync.Mutex
	conns  int
	stop   chan struct{}
}

func (f *fakeSSE) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/streaming/hashtag" || r.URL.Query().Get("tag") != "madrid" || r.Header.Get("Authorization") != "Bearer tok" {
		f.t.Errorf("request %s %q", r.URL, r.Header.Get("Authorization"))
	}
	f.mu.Lock()
	n := f.conns
	f.conns++
	f.mu.Unlock()
	switch n {
	case 0:
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	fmt.Fprintf(w, ":)\n\n")
	fmt.Fprintf(w, "event: update\ndata: %s\n\n", f.status)
	fmt.Fprintf(w, ":thump\n\n")
	fmt.Fprintf(w, "event: delete\ndata: 110\n\n")
	fmt.Fprintf(w, "event: update\ndata: {\"id\":\n\n") // malformed
	fl.Flush()
	if n == 1 {
		panic(http.ErrAbortHandler) // drop the connection
	}
	select {
	case <-r.Context().Done():
	case <-f.stop:
	}
}

func TestStreamRecovers(t *testing.T) {
	f := &fakeSSE{t: t, status: readStatus(t), stop: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer close(f.stop)
	clock := live.NewManualClock(time.Unix(0, 0))
	var waits []time.Duration
	var mu sync.Mutex
	src, err := New(Options{Instance: srv.URL, Stream: "hashtag:madrid", Token: "tok", Clock: clock,
		OnBackoff: func(d time.Duration, err error) {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			clock.Advance(d)
		}})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan ingest.Message, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, out) }()
	kinds := map[string]int{}
	for range 6 { // two connections of three events
		var got post.Post
		select {
		case m := <-out:
			kind, notice, _ := Parse(m.Data, &got)
			kinds[fmt.Sprint(kind, notice)]++
		case <-time.After(20 * time.Second):
			t.Fatalf("stream stalled: %v", kinds)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	want := map[string]int{fmt.Sprint(KindPost, ""): 2, fmt.Sprint(KindNotice, NoticeDelete): 2, fmt.Sprint(KindMalformed, ""): 2}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 2 || waits[0] != 5*time.Second || waits[1] != 250*time.Millisecond {
		t.Errorf("waits %v, want [5s 250ms]", waits)
	}
	if src.Progress().Name != "mastodon:hashtag:madrid" {
		t.Errorf("name %q", src.Progress().Name)
	}
}
