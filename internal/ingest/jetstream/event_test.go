package jetstream

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

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
		ID: "at://did:plc:aaa/app.bsky.feed.post/k1", UserID: "did:plc:aaa",
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

func FuzzParse(f *testing.F) {
	for _, l := range fixtureLines(f, filepath.Join("testdata", "events.jsonl")) {
		f.Add(l)
	}
	f.Add([]byte(`{"did":"d","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k","record":{"text":"\xff#a","facets":[{"index":{"byteStart":1,"byteEnd":9},"features":[{"$type":"app.bsky.richtext.facet#tag"}]}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got post.Post
		res, err := Parse(data, &got)
		if (err != nil) != (res.Kind == KindMalformed) {
			t.Fatalf("kind %v err %v", res.Kind, err)
		}
		for _, s := range append([]string{got.ID, got.Text, got.UserID, got.PlatformLang}, got.Hashtags...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		if res.Kind != KindPost && got.ID != "" {
			t.Fatal("non-post filled dst")
		}
	})
}
