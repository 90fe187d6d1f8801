package jetstream

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo/demotest"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// demoEvents returns Jetstream events made from n messages of the demo
// stream, as a Jetstream instance would send them, in time_us order: each
// demo post becomes a post creation (text, createdAt, langs, one #tag facet
// per hashtag at its byte range), each delete notice a post deletion, every
// other message (limit notices, malformed lines) and every seventh message a
// like (another collection, which the server filters), and every tenth
// message is followed by an identity event. It checks that every creation parses back
// to the demo post's text, time and hashtags, so the behaviour tests that
// replay these events replay real posts.
func demoEvents(t testing.TB, n int64) [][]byte {
	t.Helper()
	var events [][]byte
	timeUS := int64(1_783_000_000_000_000)
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, b)
		timeUS += 1000
	}
	for i, m := range demotest.Messages(t, 5, time.Date(2026, 7, 4, 14, 0, 0, 0, time.UTC), n) {
		did := demoDID(i % 97)
		res, ps := m.Result, &m.Post
		switch {
		case res.Kind == twitter.KindPost:
			// The record key is the TID of the event's time, unique as
			// Bluesky's are (created_at has only seconds).
			rkey := tid(time.UnixMicro(timeUS))
			add(postCreate(did, timeUS, rkey, i, ps))
			var got post.Post
			link := "https://bsky.app/profile/" + did + "/post/" + rkey
			if res, err := Parse(events[len(events)-1], &got); err != nil || res.Kind != KindPost ||
				got.Text != ps.Text || !got.Time.Equal(ps.Time) || !slices.Equal(got.Hashtags, ps.Hashtags) ||
				got.URL != link || got.ScreenName != did {
				t.Fatalf("generated event %d parses to %+v %v: text %q time %v tags %q url %q handle %q, want %q %v %q %q %q",
					len(events)-1, res, err, got.Text, got.Time, got.Hashtags, got.URL, got.ScreenName, ps.Text, ps.Time, ps.Hashtags, link, did)
			}
		case res.Notice == "delete":
			add(map[string]any{"did": did, "time_us": timeUS, "kind": "commit", "commit": map[string]any{
				"rev": fmt.Sprintf("rd%d", i), "operation": "delete", "collection": PostCollection, "rkey": fmt.Sprintf("k%d", i)}})
		}
		if res.Kind != twitter.KindPost && res.Notice != "delete" || i%7 == 3 {
			add(map[string]any{"did": did, "time_us": timeUS, "kind": "commit", "commit": map[string]any{
				"rev": fmt.Sprintf("rl%d", i), "operation": "create", "collection": "app.bsky.feed.like", "rkey": fmt.Sprintf("l%d", i),
				"record": map[string]any{"$type": "app.bsky.feed.like", "createdAt": "2026-07-04T14:00:00.000Z"}}})
		}
		if i%10 == 9 {
			add(map[string]any{"did": did, "time_us": timeUS, "kind": "identity", "identity": map[string]any{
				"did": did, "handle": fmt.Sprintf("demo%d.bsky.social", i), "seq": i, "time": "2026-07-04T14:00:00Z"}})
		}
	}
	return events
}

// postCreate is the creation event of ps: the hashtags become #tag facets
// at the byte range of their first "#tag" in the text (after the previous
// one), as Bluesky clients write them.
func postCreate(did string, timeUS int64, rkey string, i int, ps *post.Post) map[string]any {
	var facets []any
	from := 0
	for _, tag := range ps.Hashtags {
		at := demotest.IndexFold(ps.Text[from:], "#"+tag)
		if at < 0 {
			continue
		}
		start := from + at
		end := start + 1 + len(tag)
		facets = append(facets, map[string]any{
			"index":    map[string]int{"byteStart": start, "byteEnd": end},
			"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#tag", "tag": ps.Text[start+1 : end]}},
		})
		from = end
	}
	record := map[string]any{
		"$type":     PostCollection,
		"createdAt": ps.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		"text":      ps.Text,
		"facets":    facets,
	}
	if ps.PlatformLang != "" {
		record["langs"] = []string{ps.PlatformLang}
	}
	return map[string]any{"did": did, "time_us": timeUS, "kind": "commit", "commit": map[string]any{
		"rev": fmt.Sprintf("r%d", i), "operation": "create", "collection": PostCollection,
		"rkey": rkey, "record": record, "cid": fmt.Sprintf("c%d", i)}}
}

// base32Sort is atproto's sortable base32 alphabet (TIDs); plc DIDs use
// the lower-case RFC 4648 one.
const (
	base32Sort = "234567abcdefghijklmnopqrstuvwxyz"
	base32PLC  = "abcdefghijklmnopqrstuvwxyz234567"
)

// demoDID is a did:plc of the real shape (24 base32 characters) for demo
// author n, so that the links built from it look like Bluesky's.
func demoDID(n int) string {
	x := uint64(n)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	b := []byte("did:plc:")
	for range 24 {
		x ^= x >> 29
		x *= 0xbf58476d1ce4e5b9
		b = append(b, base32PLC[x>>59])
	}
	return string(b)
}

// tid is the record key a Bluesky client gives a post created at t: a TID,
// the microseconds since the epoch and a 10-bit clock id (0 here) in 13
// sortable base32 characters.
func tid(t time.Time) string {
	v := uint64(t.UnixMicro()) << 10
	b := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		b[i] = base32Sort[v&31]
		v >>= 5
	}
	return string(b)
}

func TestDemoEvents(t *testing.T) {
	evs := demoEvents(t, 300)
	counts := map[string]int{}
	for _, ev := range evs {
		var p post.Post
		res, err := Parse(ev, &p)
		if err != nil {
			t.Fatalf("%v: %s", err, ev)
		}
		if res.Kind == KindPost {
			counts["post"]++
		} else {
			counts[res.Notice]++
		}
	}
	if counts["post"] < 150 || counts[NoticeDelete] == 0 || counts[NoticeIdentity] != 30 || counts[NoticeOther] == 0 {
		t.Errorf("kinds %v", counts)
	}
}
