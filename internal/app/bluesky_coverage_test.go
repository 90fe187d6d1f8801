package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/ingest/bskyprofile"
	"github.com/geoheat/geoheat/internal/ingest/demo/demotest"
	"github.com/geoheat/geoheat/internal/ingest/ingesttest"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/twitter"
)

// blueskyTraffic is generated Bluesky traffic: the demo's posts as
// Jetstream post events, their authors' profiles (some on Jetstream, the
// rest for a fake AppView), at rates meant to be realistic:
//
//   - the demo gives 60% of X users a profile location; on Bluesky, with
//     no location field, fewer say where they are: 40% of those (about a
//     quarter of authors) write it into their description, in one of the
//     styles seen on Bluesky ("📍 Berlin", "she/her · Toronto", ...);
//   - 2% of authors update their profile during the capture (a Jetstream
//     profile event before their first post); the rest are known only to
//     the AppView.
type blueskyTraffic struct {
	events   [][]byte
	profiles map[string][2]string // did -> display name, description: the AppView's
	posts    int
}

func genBlueskyTraffic(t testing.TB, n int64) *blueskyTraffic {
	tr := &blueskyTraffic{profiles: map[string][2]string{}}
	timeUS := int64(1_783_000_000_000_000)
	seen := map[string]bool{}
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		tr.events = append(tr.events, b)
		timeUS += 1000
	}
	for i, m := range demotest.Messages(t, 7, time.Date(2026, 7, 4, 14, 0, 0, 0, time.UTC), n) {
		if m.Result.Kind != twitter.KindPost {
			continue
		}
		p := &m.Post
		h := fnv.New64a()
		h.Write([]byte(p.UserID))
		sum := h.Sum64()
		did := "did:plc:" + strings.NewReplacer("0", "a", "1", "b", "8", "c", "9", "d").Replace(fmt.Sprintf("%024d", sum%1e18))
		if !seen[did] {
			seen[did] = true
			desc := "coffee, code and cats"
			if p.UserLocation != "" && sum%10 < 4 {
				loc := p.UserLocation
				switch sum / 10 % 5 {
				case 0:
					desc = "📍 " + loc
				case 1:
					desc = "she/her · " + loc
				case 2:
					desc = "Based in " + loc + ". Opinions my own."
				case 3:
					desc = "photographer | " + loc
				default:
					desc = loc
				}
			}
			if sum%50 == 0 {
				add(jetEvent{did, timeUS, "commit", map[string]any{
					"rev": fmt.Sprintf("p%d", i), "operation": "update", "collection": jetstream.ProfileCollection, "rkey": "self",
					"record": map[string]any{"$type": jetstream.ProfileCollection, "displayName": "user", "description": desc}}})
			}
			tr.profiles[did] = [2]string{"user", desc}
		}
		record := map[string]any{"$type": jetstream.PostCollection, "createdAt": p.Time.UTC().Format(time.RFC3339), "text": p.Text, "tags": p.Hashtags}
		if p.PlatformLang != "" {
			record["langs"] = []string{p.PlatformLang}
		}
		add(jetEvent{did, timeUS, "commit", map[string]any{
			"rev": fmt.Sprintf("r%d", i), "operation": "create", "collection": jetstream.PostCollection, "rkey": fmt.Sprintf("k%d", i), "record": record}})
		tr.posts++
	}
	return tr
}

// jetEvent is a Jetstream event with its fields in Jetstream's order
// ("did" first: jetstream.Looks tells events by it).
type jetEvent struct {
	Did    string         `json:"did"`
	TimeUS int64          `json:"time_us"`
	Kind   string         `json:"kind"`
	Commit map[string]any `json:"commit"`
}

// placeCounter is a Recorder that counts posts and their points by
// provenance.
type placeCounter struct {
	mu       sync.Mutex
	posts    int
	bySource map[post.GeoSource]int
}

func (c *placeCounter) Record(_ context.Context, ps []post.Post) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bySource == nil {
		c.bySource = map[post.GeoSource]int{}
	}
	for i := range ps {
		c.posts++
		if ps[i].HasPoint {
			c.bySource[ps[i].GeoSource]++
		}
	}
	return nil
}

// replayBluesky runs events through the app's wiring of --source bluesky
// (parser, profile locator, resolver) with bs as the source's profiles
// (nil: profiles off), and returns the counts and the messages per second.
func replayBluesky(t testing.TB, events [][]byte, bs *blueskySource) (*placeCounter, float64) {
	t.Helper()
	g, err := geo.Default()
	if errors.Is(err, geo.ErrNotBuilt) {
		t.Skip("gazetteer not built: run make models")
	}
	det, err := openNgramDetector("platform", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Skip(err)
	}
	rec := &placeCounter{}
	var loc pipeline.Locator = geo.NewResolver(g, geo.Options{})
	newParser := newTweetParser
	if bs != nil {
		loc = profileLocator{src: bs, next: loc}
		newParser = func() pipeline.Parser { return &tweetParser{profile: bs.profileRecord} }
	}
	p, err := pipeline.New(pipeline.Config{Source: &ingesttest.Replay{Msgs: events, Name: "replay"}, NewParser: newParser, Detector: det, Recorder: rec, Locator: loc, Workers: 2,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rec, float64(len(events)) / time.Since(began).Seconds()
}

// newProfiles returns a blueskySource's profile half: the directory with
// the real resolver, and an AppView client at url (none when url is "").
func newProfiles(t testing.TB, url string, rate float64) (*blueskySource, func()) {
	resolve := profileResolver(&Config{GeoInfer: "profile"})
	if resolve == nil {
		t.Skip("gazetteer not built: run make models")
	}
	bs := &blueskySource{dir: bskyprofile.NewDirectory(bskyprofile.DirectoryOptions{Resolve: resolve})}
	if url == "" {
		return bs, func() {}
	}
	av, err := bskyprofile.NewAppView(bs.dir, bskyprofile.AppViewOptions{BaseURL: url, Rate: rate, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bs.appview = av
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); av.Run(ctx) }()
	return bs, func() { cancel(); <-done }
}

// TestBlueskyProfileCoverage: on generated Bluesky traffic, the share of
// posts placed without profiles (text only) and with them, on a first
// pass (cold directory: an author's posts before the AppView answered are
// recorded without a profile point) and a second (warm). Profiles must
// place more; the numbers are logged for the record (go test -v -run
// TestBlueskyProfileCoverage ./internal/app).
func TestBlueskyProfileCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and replays 20,000 messages")
	}
	tr := genBlueskyTraffic(t, 20_000)
	av := &fakeAppView{profiles: tr.profiles}
	srv := httptest.NewServer(av)
	defer srv.Close()

	share := func(c *placeCounter, src ...post.GeoSource) float64 {
		n := 0
		for _, s := range src {
			n += c.bySource[s]
		}
		return float64(n) / float64(c.posts)
	}
	without, _ := replayBluesky(t, tr.events, nil)
	bs, stop := newProfiles(t, srv.URL, 1000)
	cold, _ := replayBluesky(t, tr.events, bs)
	// Let the lookups queued on the first pass finish.
	for deadline := time.Now().Add(10 * time.Second); bs.appview.Pending() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	warm, _ := replayBluesky(t, tr.events, bs)
	stop()
	placed := 0
	for _, p := range tr.profiles {
		if p[1] != "coffee, code and cats" {
			placed++
		}
	}
	t.Logf("generated: %d posts by %d authors, %d (%.1f%%) of whose profiles name a place", tr.posts, len(tr.profiles), placed, 100*float64(placed)/float64(len(tr.profiles)))
	t.Logf("recorded %d posts; mapped without profiles %.1f%% (text %.1f%%)", without.posts, 100*share(without, post.GeoText), 100*share(without, post.GeoText))
	t.Logf("with profiles, cold: mapped %.1f%% (profile %.1f%%, text %.1f%%)", 100*share(cold, post.GeoProfile, post.GeoText), 100*share(cold, post.GeoProfile), 100*share(cold, post.GeoText))
	t.Logf("with profiles, warm: mapped %.1f%% (profile %.1f%%, text %.1f%%)", 100*share(warm, post.GeoProfile, post.GeoText), 100*share(warm, post.GeoProfile), 100*share(warm, post.GeoText))
	t.Logf("AppView: %v", bs.appview.Counters())
	if without.posts < tr.posts/2 || warm.posts != without.posts {
		t.Fatalf("recorded %d and %d of %d posts", without.posts, warm.posts, tr.posts)
	}
	if share(warm, post.GeoProfile, post.GeoText) <= share(without, post.GeoText) || share(warm, post.GeoProfile) == 0 {
		t.Errorf("profiles placed nothing more")
	}
}

// BenchmarkBlueskyIngestAppView: the replay's ingest rate with AppView
// lookups off (Jetstream profiles only), with the AppView down (refusing
// connections) and slow (answering nothing for 2 s, the timeout): lookups
// never block ingest, so msg/s should not drop.
//
//	go test -run XXX -bench BlueskyIngestAppView -benchtime 3x ./internal/app
func BenchmarkBlueskyIngestAppView(b *testing.B) {
	tr := genBlueskyTraffic(b, 20_000)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	var slowReqs atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slowReqs.Add(1)
		<-r.Context().Done()
	}))
	defer slow.Close()
	for _, c := range []struct{ name, url string }{{"off", ""}, {"down", down}, {"slow", slow.URL}} {
		b.Run(c.name, func(b *testing.B) {
			var rate float64
			for b.Loop() {
				bs, stop := newProfiles(b, c.url, bskyprofile.DefaultRate)
				_, r := replayBluesky(b, tr.events, bs)
				stop()
				rate += r
			}
			b.ReportMetric(rate/float64(b.N), "msg/s")
		})
	}
}

// TestBlueskyProfilesRealCapture replays the shared Jetstream captures
// (production events: 18 posts, one real profile update) with generated
// events through the profile wiring and a fake AppView: nothing is
// malformed, the real profile record is read, and every lookup is a batch
// of at most 25 valid DIDs, each asked once.
func TestBlueskyProfilesRealCapture(t *testing.T) {
	var events [][]byte
	for _, name := range []string{"jetstream_v1_capture_2026-07-04.jsonl", "jetstream_v1_golden_10_events.jsonl"} {
		b, err := os.ReadFile(testenv.Shared(t, "bluesky", name))
		if err != nil {
			t.Fatal(err)
		}
		for l := range bytes.SplitSeq(bytes.TrimSpace(b), []byte("\n")) {
			events = append(events, l)
		}
	}
	real := len(events)
	events = append(events, genBlueskyTraffic(t, 2000).events...)
	av := &fakeAppView{profiles: map[string][2]string{}}
	srv := httptest.NewServer(av)
	defer srv.Close()
	bs, stop := newProfiles(t, srv.URL, 1000)
	rec, _ := replayBluesky(t, events, bs)
	for deadline := time.Now().Add(10 * time.Second); bs.appview.Pending() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if rec.posts == 0 {
		t.Fatal("nothing recorded")
	}
	c := bs.Counters()
	// Puts beyond the AppView's answers are Jetstream's profile records.
	if c["profile_cache_puts"]-c["profile_found"]-c["profile_missing"] < 2 || c["profile_invalid_did"] != 0 {
		t.Errorf("counters %v", c)
	}
	av.mu.Lock()
	defer av.mu.Unlock()
	asked := map[string]bool{}
	for _, r := range av.requests {
		if len(r) == 0 || len(r) > 25 {
			t.Errorf("batch of %d", len(r))
		}
		for _, did := range r {
			if !bskyprofile.ValidDID(did) || asked[did] {
				t.Errorf("asked for %q (again: %v)", did, asked[did])
			}
			asked[did] = true
		}
	}
	t.Logf("%d real + %d generated events; %d AppView requests for %d authors; %v", real, len(events)-real, len(av.requests), len(asked), c)
}
