package twitter

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
)

func TestParseV2Fixtures(t *testing.T) {
	tests := []struct {
		file   string
		kind   Kind
		notice string
		want   post.Post
	}{
		{file: "v2_envelope_place.json", kind: KindPost, want: post.Post{
			ID: "1377650090978992134", UserID: "4602771083", ScreenName: "beispiel",
			Time: time.Date(2021, 4, 1, 15, 52, 31, 0, time.UTC), Text: "Hallo #Berlin #Sonne",
			Hashtags: []string{"Berlin", "Sonne"}, PlatformLang: "de",
			HasPoint: true, GeoSource: post.GeoPlace, GeoConfidence: 1,
			Point: post.Point{Lat: (52.338079 + 52.675323) / 2, Lon: (13.088304 + 13.760909) / 2},
		}},
		{file: "v2_envelope_user_location.json", kind: KindPost, want: post.Post{
			// user.fields=location: the author's entry, not another user's.
			ID: "1377650090978992135", UserID: "77", ScreenName: "porteña", UserLocation: "BsAs 🇦🇷",
			Text: "Buenos días", PlatformLang: "es",
		}},
		{file: "v2_flat_coordinates.json", kind: KindPost, want: post.Post{
			ID: "1224044675406925824", UserID: "42", Text: "#NYC here", Hashtags: []string{"NYC"},
			Time: time.Date(2020, 2, 2, 18, 0, 1, 0, time.UTC), PlatformLang: "en",
			HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1, Point: post.Point{Lat: 40.74168819, Lon: -73.99960455},
		}},
		{file: "v2_errors.json", kind: KindNotice, notice: NoticeError},
		{file: "v2_dm_event.json", kind: KindNotice, notice: NoticeOther},
	}
	var p Parser
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got post.Post
			res, err := p.Parse(data, &got)
			if res.Kind != tt.kind || res.Notice != tt.notice || err != nil {
				t.Fatalf("Parse = %+v, %v; want kind %v notice %q", res, err, tt.kind, tt.notice)
			}
			if tt.kind != KindPost {
				return
			}
			if !got.Time.Equal(tt.want.Time) {
				t.Errorf("time %v, want %v", got.Time, tt.want.Time)
			}
			got.Time, tt.want.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("post\n %#v\nwant\n %#v", got, tt.want)
			}
		})
	}
}

func TestV2BBoxAcrossAntimeridian(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "v2_antimeridian.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	var got post.Post
	if res, err := p.Parse(data, &got); res.Kind != KindPost || err != nil {
		t.Fatalf("Parse = %+v, %v", res, err)
	}
	// [177, -179] spans 4 degrees across 180: the centre is 179 east, not 1 west.
	if !got.HasPoint || got.GeoSource != post.GeoPlace || math.Abs(got.Point.Lon-179) > 1e-9 || math.Abs(got.Point.Lat+17.5) > 1e-9 {
		t.Fatalf("point %+v source=%v, want (-17.5, 179) place", got.Point, got.GeoSource)
	}
}

// TestParseV2RealData parses every real v2 payload in ../shared: the
// combined flat tweets and twarc's streaming envelopes (with includes).
func TestParseV2RealData(t *testing.T) {
	data := testenv.Shared(t)
	var p Parser
	type counts struct{ posts, notices, malformed, points, approx, tags, langs int }
	count := func(path string) counts {
		var c counts
		for _, line := range testenv.ReadLines(t, path) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var got post.Post
			res, _ := p.Parse(line, &got)
			switch res.Kind {
			case KindPost:
				c.posts++
				if !res.V2 {
					t.Errorf("%s: post not detected as v2: %.120s", path, line)
				}
				if got.HasPoint {
					c.points++
				}
				if got.GeoSource == post.GeoPlace {
					c.approx++
				}
				if len(got.Hashtags) > 0 {
					c.tags++
				}
				if got.PlatformLang != "" {
					c.langs++
				}
			case KindNotice:
				c.notices++
			default:
				c.malformed++
			}
		}
		return c
	}
	combined := count(filepath.Join(data, "tweets", "combined", "v2_tweets_unique.jsonl.gz"))
	t.Logf("combined: %+v", combined)
	// 11,421 lines, one a DM event; 11 hold a geo.coordinates point (the
	// other "coordinates" are empty objects); flat tweets have no
	// includes, so a place alone gives no point.
	if combined != (counts{posts: 11420, notices: 1, points: 11, tags: 7317, langs: 10430}) {
		t.Errorf("combined v2: %+v", combined)
	}
	stream := count(filepath.Join(data, "tweets", "v2", "DocNow__twarc-csv__test-data__streaming_output_with_error.jsonl"))
	t.Logf("twarc stream: %+v", stream)
	// The file's name says it: one line is cut short. Five of the seven
	// tweets are located by their place only.
	if stream != (counts{posts: 7, malformed: 1, points: 7, approx: 5, tags: 1, langs: 7}) {
		t.Errorf("twarc stream: %+v", stream)
	}
	geo := count(filepath.Join(data, "tweets", "v2", "DocNow__twarc-csv__test-data__geo_tweets.jsonl"))
	t.Logf("twarc geo pages: %+v", geo)
}

func TestV2NotMistakenForV1(t *testing.T) {
	var p Parser
	var got post.Post
	// A v1.1 tweet has a user object: never v2, even with data-like keys.
	res, _ := p.Parse([]byte(`{"id_str":"1","text":"x","user":{"id_str":"2"},"data":{"id":"3","text":"y"}}`), &got)
	if res.V2 || res.Kind != KindPost || got.ID != "1" {
		t.Fatalf("%+v %+v", res, got)
	}
	// A delete notice with id and text-like fields stays a delete.
	res, _ = p.Parse([]byte(`{"delete":{"status":{"id_str":"1"}},"id":"5","text":""}`), &got)
	if res.Kind != KindNotice || res.Notice != "delete" {
		t.Fatalf("%+v", res)
	}
	if strings.Contains(got.Text, "y") {
		t.Fatal("stale post")
	}
}

func FuzzParseV2(f *testing.F) {
	for _, name := range []string{"v2_envelope_place.json", "v2_flat_coordinates.json", "v2_errors.json", "v2_antimeridian.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":{"id":"1","text":"a","geo":{"place_id":"x"}},"includes":{"places":[{"id":"x","geo":{"bbox":[1e400,0,0,0]}}]}}`))
	var p Parser
	f.Fuzz(func(t *testing.T, data []byte) {
		var got post.Post
		res, err := p.Parse(data, &got)
		if (err != nil) != (res.Kind == KindMalformed) {
			t.Fatalf("kind %v with err %v", res.Kind, err)
		}
		if got.HasPoint && !got.Point.Valid() {
			t.Fatalf("invalid point %+v", got.Point)
		}
		if got.GeoSource != post.GeoNone && !got.HasPoint {
			t.Fatal("approximate without a point")
		}
		if res.Kind != KindPost && (got.ID != "" || got.Text != "") {
			t.Fatalf("%v filled a post", res.Kind)
		}
	})
}
