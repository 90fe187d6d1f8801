package xapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/ingest/demo/demotest"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// demoV2 returns the posts among n messages of the demo stream as X API v2
// filtered-stream payloads ({"data", "includes", "matching_rules"}, as the
// stream sends them): text, created_at, lang, author with username and
// profile location, hashtags with code-point ranges, exact coordinates or a
// place. It checks that each payload parses to the post the v1.1 message
// parsed to, so the behaviour tests that replay them replay real posts.
func demoV2(t testing.TB, n int64) [][]byte {
	t.Helper()
	var p twitter.Parser
	var out [][]byte
	for _, m := range demotest.Messages(t, 3, time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC), n) {
		if m.Result.Kind != twitter.KindPost {
			continue
		}
		ps := m.Post
		b, err := json.Marshal(v2Payload(&ps))
		if err != nil {
			t.Fatal(err)
		}
		var got post.Post
		if res, err := p.Parse(b, &got); err != nil || res.Kind != twitter.KindPost || !res.V2 || !samePost(&got, &ps) {
			t.Fatalf("generated payload parses to %+v %v:\n got %+v\nwant %+v\n%s", res, err, got, ps, b)
		}
		out = append(out, b)
	}
	return out
}

// samePost compares what both formats carry.
func samePost(a, b *post.Post) bool {
	return a.ID == b.ID && a.Time.Equal(b.Time) && a.Text == b.Text && reflect.DeepEqual(a.Hashtags, b.Hashtags) &&
		a.HasPoint == b.HasPoint && a.Point == b.Point && a.GeoSource == b.GeoSource &&
		a.UserID == b.UserID && a.ScreenName == b.ScreenName && a.UserLocation == b.UserLocation &&
		a.PlatformLang == b.PlatformLang
}

// v2Payload is ps as the v2 filtered stream sends it. A place is given the
// degenerate bounding box of ps's point, so its centre is the point.
func v2Payload(ps *post.Post) map[string]any {
	data := map[string]any{
		"id":         ps.ID,
		"text":       ps.Text,
		"created_at": ps.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		"author_id":  ps.UserID,
	}
	if ps.PlatformLang != "" {
		data["lang"] = ps.PlatformLang
	}
	if len(ps.Hashtags) > 0 {
		var tags []any
		from := 0 // byte offset after the previous hashtag
		for _, tag := range ps.Hashtags {
			start, end := -1, -1
			if at := demotest.IndexFold(ps.Text[from:], "#"+tag); at >= 0 {
				b := from + at
				start = utf8.RuneCountInString(ps.Text[:b])
				end = start + 1 + utf8.RuneCountInString(tag)
				from = b + 1 + len(tag)
			}
			if start < 0 {
				start, end = 0, 0 // an entity whose range is not in the text: the tag still counts
			}
			tags = append(tags, map[string]any{"start": start, "end": end, "tag": tag})
		}
		data["entities"] = map[string]any{"hashtags": tags}
	}
	includes := map[string]any{
		"users": []any{map[string]any{"id": ps.UserID, "username": ps.ScreenName, "location": ps.UserLocation}},
	}
	switch ps.GeoSource {
	case post.GeoExact:
		data["geo"] = map[string]any{"coordinates": map[string]any{"type": "Point", "coordinates": []float64{ps.Point.Lon, ps.Point.Lat}}}
	case post.GeoPlace:
		id := "p" + ps.ID
		data["geo"] = map[string]any{"place_id": id}
		includes["places"] = []any{map[string]any{"id": id, "full_name": "demo place", "geo": map[string]any{
			"type": "Feature", "bbox": []float64{ps.Point.Lon, ps.Point.Lat, ps.Point.Lon, ps.Point.Lat}, "properties": map[string]any{}}}}
	}
	return map[string]any{"data": data, "includes": includes, "matching_rules": []any{map[string]string{"id": "1", "tag": "demo"}}}
}
