package jetstream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
)

func fixtureLines(t testing.TB, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	return lines
}

func TestParseFixtures(t *testing.T) {
	lines := fixtureLines(t, filepath.Join("testdata", "events.jsonl"))
	var got post.Post
	res, err := Parse(lines[0], &got)
	if err != nil || res.Kind != KindPost || res.TimeUS != 1000001 {
		t.Fatalf("post: %+v %v", res, err)
	}
	want := post.Post{
		ID: "at://did:plc:aaa/app.bsky.feed.post/k1", UserID: "did:plc:aaa", ScreenName: "did:plc:aaa",
		URL:  "https://bsky.app/profile/did:plc:aaa/post/k1",
		Time: time.Date(2026, 7, 4, 14, 38, 7, 323e6, time.UTC), Text: "#Sonne über #Berlin",
		// The second facet has no tag: its byte range (the ü is two bytes) gives it.
		Hashtags: []string{"Sonne", "Berlin", "sommer"}, PlatformLang: "de",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("post\n %#v\nwant\n %#v", got, want)
	}
	for i, notice := range map[int]string{1: NoticeDelete, 2: NoticeIdentity} {
		if res, err := Parse(lines[i], &got); err != nil || res.Kind != KindNotice || res.Notice != notice {
			t.Errorf("line %d: %+v %v, want %s", i, res, err, notice)
		}
	}
	res, _ = Parse(lines[3], &got)
	if res.Kind != KindPost || !got.Time.Equal(time.UnixMicro(1000004)) || got.PlatformLang != "" {
		t.Errorf("no createdAt: %+v %+v", res, got)
	}
	for _, bad := range []string{``, `[]`, `{"kind":"commit"}`, `{"did":"x","time_us":"1","kind":"commit"}`, `{"did":"x","time_us":1,"kind":"commit","commit":{"record":5}}`} {
		if res, err := Parse([]byte(bad), &got); res.Kind != KindMalformed || err == nil {
			t.Errorf("%q: %+v %v", bad, res, err)
		}
	}
}

// TestParseRealCapture: production Jetstream v1 events (shared data).
func TestParseRealCapture(t *testing.T) {
	path := testenv.Shared(t, realCapture...)
	counts := map[string]int{}
	tagged := 0
	var got post.Post
	for _, l := range fixtureLines(t, path) {
		res, err := Parse(l, &got)
		if err != nil {
			t.Errorf("%v: %.100s", err, l)
		}
		if res.Kind == KindPost {
			counts["post"]++
			if len(got.Hashtags) > 0 {
				tagged++
			}
			// Real DIDs and rkeys (TIDs) have the syntax: every post links.
			if !strings.HasPrefix(got.URL, "https://bsky.app/profile/did:") || got.ScreenName != got.UserID {
				t.Errorf("url %q handle %q of %s", got.URL, got.ScreenName, got.ID)
			}
			continue
		}
		counts[res.Notice]++
	}
	// PROVENANCE.md: 152 events; 17 post creations, one post deletion,
	// 2 posts with a #tag facet; one identity, one account event.
	want := map[string]int{"post": 17, NoticeDelete: 1, NoticeIdentity: 1, NoticeAccount: 1, NoticeOther: 132}
	if !reflect.DeepEqual(counts, want) || tagged != 2 {
		t.Errorf("counts %v (tagged %d), want %v (tagged 2)", counts, tagged, want)
	}
}

// TestPostURL: the link is built from the event's did and rkey only when
// both have atproto's syntax, so nothing hostile becomes part of a link.
func TestPostURL(t *testing.T) {
	for _, tt := range []struct {
		name, did, rkey, want string
	}{
		{"plc", "did:plc:z72i7hdynmk6r22z27h6tvur", "3lbtk5jlhyc2a", "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lbtk5jlhyc2a"},
		{"web", "did:web:example.com", "3lbtk5jlhyc2a", "https://bsky.app/profile/did:web:example.com/post/3lbtk5jlhyc2a"},
		{"script in did", "did:plc:</script><script>alert(1)", "3lbtk5jlhyc2a", ""},
		{"quote in did", `did:plc:a"onclick="x`, "k", ""},
		{"javascript did", "javascript:alert(1)", "k", ""},
		{"upper-case method", "did:PLC:abc", "k", ""},
		{"empty id", "did:plc:", "k", ""},
		{"did ends in colon", "did:plc:abc:", "k", ""},
		{"slash in rkey", "did:plc:abc", "../../evil", ""},
		{"dot rkey", "did:plc:abc", "..", ""},
		{"query in rkey", "did:plc:abc", "k?x=1", ""},
		{"empty rkey", "did:plc:abc", "", ""},
		{"long did", "did:plc:" + strings.Repeat("a", 2048), "k", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := PostURL(tt.did, tt.rkey); got != tt.want {
				t.Errorf("PostURL(%q, %q) = %q, want %q", tt.did, tt.rkey, got, tt.want)
			}
			ev, err := json.Marshal(map[string]any{"did": tt.did, "time_us": 5, "kind": "commit", "commit": map[string]any{
				"rev": "r", "operation": "create", "collection": PostCollection, "rkey": tt.rkey,
				"record": map[string]any{"text": "hi", "createdAt": "2026-07-04T14:38:07Z"}}})
			if err != nil {
				t.Fatal(err)
			}
			var p post.Post
			if res, err := Parse(ev, &p); tt.rkey != "" && (err != nil || res.Kind != KindPost) {
				t.Fatalf("%+v %v", res, err)
			}
			if p.URL != tt.want {
				t.Errorf("Parse: url %q, want %q", p.URL, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, l := range fixtureLines(f, filepath.Join("testdata", "events.jsonl")) {
		f.Add(l)
	}
	f.Add([]byte(`{"did":"d","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"\xff#a","facets":[{"index":{"byteStart":1,"byteEnd":9},"features":[{"$type":"app.bsky.richtext.facet#tag"}]}]}}}`))
	// Profile records: the parser of untrusted profile text.
	f.Add([]byte(`{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"update","collection":"app.bsky.actor.profile","rkey":"self","record":{"displayName":"Anna \ud83d","description":"📍 Berlin\u0000"}}}`))
	f.Add([]byte(`{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.actor.profile","rkey":"self","record":{"displayName":7}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got post.Post
		res, err := Parse(data, &got)
		if (err != nil) != (res.Kind == KindMalformed) {
			t.Fatalf("kind %v err %v", res.Kind, err)
		}
		if got.URL != "" && ingest.WebURL(got.URL) != got.URL {
			t.Fatalf("URL %q is not a web URL", got.URL)
		}
		for _, s := range append([]string{got.ID, got.Text, got.UserID, got.ScreenName, got.URL, got.PlatformLang}, got.Hashtags...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		if res.Kind != KindPost && got.ID != "" {
			t.Fatal("non-post filled dst")
		}
		if pr := res.Profile; pr != nil {
			if res.Notice != NoticeProfile || !utf8.ValidString(pr.DisplayName) || !utf8.ValidString(pr.Description) ||
				len(pr.DisplayName) > MaxDisplayName || len(pr.Description) > MaxDescription {
				t.Fatalf("profile %+v (notice %q)", pr, res.Notice)
			}
		}
	})
}

// TestParseProfile: profile commits written for the test: hostile sizes,
// deletes, records not "self".
func TestParseProfile(t *testing.T) {
	big := strings.Repeat("é", MaxDescription) // 2 bytes each: twice the limit
	for _, tc := range []struct {
		name, line string
		want       *Profile
	}{
		{"update", `{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"update","collection":"app.bsky.actor.profile","rkey":"self","record":{"$type":"app.bsky.actor.profile","displayName":"Anna","description":"📍 Berlin","avatar":{"$type":"blob"}}}}`,
			&Profile{DID: "did:plc:a", DisplayName: "Anna", Description: "📍 Berlin"}},
		{"delete", `{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"delete","collection":"app.bsky.actor.profile","rkey":"self"}}`,
			&Profile{DID: "did:plc:a", Deleted: true}},
		{"oversize", `{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.actor.profile","rkey":"self","record":{"description":"` + big + `"}}}`,
			&Profile{DID: "did:plc:a", Description: big[:MaxDescription], Oversize: true}},
		{"not self", `{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.actor.profile","rkey":"x","record":{"description":"Paris"}}}`, nil},
		{"no record", `{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.actor.profile","rkey":"self"}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p post.Post
			res, err := Parse([]byte(tc.line), &p)
			if err != nil || res.Kind != KindNotice {
				t.Fatalf("%+v %v", res, err)
			}
			if tc.want == nil {
				if res.Notice != NoticeOther || res.Profile != nil {
					t.Errorf("notice %q profile %+v, want other", res.Notice, res.Profile)
				}
				return
			}
			if res.Notice != NoticeProfile || res.Profile == nil || *res.Profile != *tc.want {
				t.Errorf("notice %q profile %+v, want %+v", res.Notice, res.Profile, tc.want)
			}
		})
	}
	// A cut never splits a character: "é" is 2 bytes, so an odd limit
	// would have to drop half of one.
	if s, cut := capString("aé", 2); s != "a" || !cut {
		t.Errorf("capString = %q %v", s, cut)
	}
}

// TestParseProfileRealGolden: the one profile commit in the real golden
// events (shared data).
func TestParseProfileRealGolden(t *testing.T) {
	path := testenv.Shared(t, "bluesky", "jetstream_v1_golden_10_events.jsonl")
	profiles := 0
	for _, l := range fixtureLines(t, path) {
		var p post.Post
		res, _ := Parse(l, &p)
		if res.Notice == NoticeProfile {
			profiles++
			if res.Profile.DisplayName != "Multiversal Lokis Unit🔞" || !strings.HasPrefix(res.Profile.Description, "Damian Lokison") {
				t.Errorf("real profile %+v", res.Profile)
			}
		}
	}
	if profiles != 1 {
		t.Errorf("%d profile events in the golden file, want 1", profiles)
	}
}
