package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
)

// Authors of the profile test: did:plc ids of the valid shape.
const (
	didJetstream = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" // profile on Jetstream: 📍 Berlin
	didAppView   = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb" // profile on the AppView only: Toronto
	didNoPlace   = "did:plc:cccccccccccccccccccccccc" // profile naming no place
	didUnknown   = "did:plc:dddddddddddddddddddddddd" // the AppView does not know them
)

func profileEvent(did string, timeUS int64, name, desc string) string {
	return fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"p%d","operation":"update","collection":"app.bsky.actor.profile","rkey":"self","record":{"$type":"app.bsky.actor.profile","displayName":%q,"description":%q}}}`,
		did, timeUS, timeUS, name, desc)
}

func postEvent(did string, timeUS int64) string {
	return fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"r%d","operation":"create","collection":"app.bsky.feed.post","rkey":"k%d","record":{"$type":"app.bsky.feed.post","createdAt":"2026-07-04T14:38:07Z","langs":["en"],"text":"good morning everyone"}}}`,
		did, timeUS, timeUS, timeUS)
}

// fakeAppView is app.bsky.actor.getProfiles on loopback, answering from a
// fixed set of profiles and recording the actors of every request.
type fakeAppView struct {
	profiles map[string][2]string // did -> display name, description
	mu       sync.Mutex
	requests [][]string
}

func (f *fakeAppView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/xrpc/app.bsky.actor.getProfiles" {
		http.NotFound(w, r)
		return
	}
	actors := r.URL.Query()["actors"]
	f.mu.Lock()
	f.requests = append(f.requests, actors)
	f.mu.Unlock()
	var out []string
	for _, did := range actors {
		if p, ok := f.profiles[did]; ok {
			out = append(out, fmt.Sprintf(`{"did":%q,"handle":"x.bsky.social","displayName":%q,"description":%q}`, did, p[0], p[1]))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(out, ","))
}

// TestServeBlueskyProfiles: `serve --source bluesky` against a fake
// Jetstream and a fake AppView places posts by their authors' profiles,
// from a profile record on the stream or from the AppView, as inferred
// (geo=profile) points that default queries leave out. A post whose author
// is not known yet is recorded without a point, and their next post is
// placed once the AppView has answered.
func TestServeBlueskyProfiles(t *testing.T) {
	av := &fakeAppView{profiles: map[string][2]string{
		didAppView: {"Sam", "she/her · Toronto"},
		didNoPlace: {"Kim", "coffee, code and cats"},
	}}
	appview := httptest.NewServer(av)
	defer appview.Close()

	// The stream comes in phases, each sent when the test says so.
	phases := [][]string{
		{profileEvent(didJetstream, 100, "Anna", "📍 Berlin")},
		{postEvent(didJetstream, 200), postEvent(didAppView, 201), postEvent(didNoPlace, 202), postEvent(didUnknown, 203)},
		{postEvent(didAppView, 300), postEvent(didNoPlace, 301)},
	}
	next := make(chan struct{})
	stop := make(chan struct{})
	jet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query()["wantedCollections"]; len(got) != 2 || got[1] != "app.bsky.actor.profile" {
			t.Errorf("wantedCollections %q", got)
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for _, ph := range phases {
			select {
			case <-next:
			case <-stop:
				return
			}
			for _, l := range ph {
				if err := c.Write(r.Context(), websocket.MessageText, []byte(l)); err != nil {
					return
				}
			}
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer jet.Close()
	defer close(stop)

	var stderr bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &syncWriter{w: &stderr},
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServeInProcess(t, ctx, env, &stderr, "--source", "bluesky", "--jetstream-url", "ws"+strings.TrimPrefix(jet.URL, "http"),
		"--bluesky-appview", appview.URL, "--bluesky-appview-rate", "100",
		"--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--detector", "platform", "--workers", "1")

	handled := func(n int64) func(httpapi.StatusData) bool {
		return func(st httpapi.StatusData) bool { return st.Ingest != nil && st.Ingest.Handled == n }
	}
	next <- struct{}{}
	waitStatus(t, base, 20*time.Second, handled(1))
	next <- struct{}{}
	// The three authors without a Jetstream profile are looked up; the
	// AppView knows two.
	st := waitStatus(t, base, 20*time.Second, func(st httpapi.StatusData) bool {
		return handled(5)(st) && st.Ingest.SourceCounters["profile_found"] == 2 && st.Ingest.SourceCounters["profile_missing"] == 1
	})
	next <- struct{}{}
	st = waitStatus(t, base, 20*time.Second, handled(7))
	if n := st.Ingest.Notices["bluesky_profile"]; n != 1 {
		t.Errorf("profile notices %d, want 1", n)
	}
	if n := st.Ingest.Located["profile"]; n != 2 {
		t.Errorf("posts placed by profile: %d, want 2 (Anna's, Sam's second)", n)
	}

	var inferred httpapi.PointsData
	if err := getJSON(t, base+"/api/points?lang=en&geo=profile", &inferred); err != nil {
		t.Fatal(err)
	}
	near := func(p [2]float64, lat, lon float64) bool { return math.Abs(p[0]-lat) < 0.5 && math.Abs(p[1]-lon) < 0.5 }
	var berlin, toronto int
	for i, p := range inferred.Points {
		if inferred.Sources[i] != "profile" {
			t.Errorf("point %v source %q", p, inferred.Sources[i])
		}
		switch {
		case near(p, 52.52, 13.40):
			berlin++
		case near(p, 43.70, -79.42):
			toronto++
		default:
			t.Errorf("unexpected point %v", p)
		}
	}
	if berlin != 1 || toronto != 1 {
		t.Errorf("profile points %v: want one at Berlin and one at Toronto", inferred.Points)
	}
	var def httpapi.PointsData
	if err := getJSON(t, base+"/api/points?lang=en", &def); err != nil {
		t.Fatal(err)
	}
	if len(def.Points) != 0 {
		t.Errorf("default points %v: inferred points must be opt-in", def.Points)
	}

	// The counters reach /metrics too.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`geoheat_source_events_total{name="profile_found"} 2`, `geoheat_source_events_total{name="profile_cache_puts"} 4`, `geoheat_source_level{name="profile_cache_entries"} 4`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// One batch for the three unknown authors, none of them asked twice.
	av.mu.Lock()
	reqs := av.requests
	av.mu.Unlock()
	seen := map[string]int{}
	for _, r := range reqs {
		if len(r) > 25 {
			t.Errorf("batch of %d", len(r))
		}
		for _, did := range r {
			seen[did]++
		}
	}
	if seen[didJetstream] != 0 || seen[didAppView] != 1 || seen[didNoPlace] != 1 || seen[didUnknown] != 1 {
		t.Errorf("AppView asked %v in %d requests", seen, len(reqs))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// TestOpenBlueskyProfileFlags: --bluesky-profiles=false keeps Jetstream's
// profile records but makes no AppView lookups; without profile inference
// neither is used.
func TestOpenBlueskyProfileFlags(t *testing.T) {
	if profileResolver(&Config{GeoInfer: "profile"}) == nil {
		t.Skip("gazetteer not built: run make models")
	}
	for _, tc := range []struct {
		infer        string
		lookups      bool
		dir, appview bool
	}{
		{"profile,text", true, true, true},
		{"profile,text", false, true, false},
		{"text", true, false, false},
		{"none", true, false, false},
	} {
		cfg := &Config{GeoInfer: tc.infer, BlueskyProfiles: tc.lookups, BlueskyAppView: "http://127.0.0.1:1"}
		bs, err := openBluesky(cfg, jetstream.Options{Hosts: []string{"ws://127.0.0.1:1"}})
		if err != nil {
			t.Fatal(err)
		}
		if (bs.dir != nil) != tc.dir || (bs.appview != nil) != tc.appview {
			t.Errorf("--geo-infer %s --bluesky-profiles=%v: directory %v, AppView %v", tc.infer, tc.lookups, bs.dir != nil, bs.appview != nil)
		}
	}
	if _, err := openBluesky(&Config{GeoInfer: "profile", BlueskyProfiles: true, BlueskyAppView: "ftp://x"}, jetstream.Options{Hosts: []string{"ws://127.0.0.1:1"}}); err == nil {
		t.Error("a bad --bluesky-appview was accepted")
	}
}
