package twitter

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file    string
		want    Result
		post    post.Post // checked for posts only
		wantErr error     // for malformed
	}{
		{
			file: "tweet_coordinates.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "476688798726504448", Time: utc("2014-06-10T12:34:56Z"),
				Text:     "Sunset over the #Hudson with friends #NYC \u2600\ufe0f",
				Hashtags: []string{"Hudson", "NYC"},
				HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1, Point: post.Point{Lat: 40.7128, Lon: -74.006},
				UserID: "1180001", ScreenName: "geoheat_test", UserLocation: "New York", PlatformLang: "en",
			},
		},
		{
			// No coordinates: the place's bounding-box centre, marked as such.
			file: "tweet_place_only.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "476900000000000011", Time: utc("2014-06-11T10:00:00Z"), Text: "Tapas time",
				HasPoint: true, GeoSource: post.GeoPlace, GeoConfidence: 1,
				Point:  post.Point{Lat: (40.312071 + 40.643518) / 2, Lon: (-3.888954 + -3.517520) / 2},
				UserID: "31", ScreenName: "madrileña", UserLocation: "Madrid, España 🇪🇸", PlatformLang: "es",
			},
		},
		{
			// A bad coordinates field with a usable place is not a rejection;
			// the box [177, -179] crosses 180: its centre is 179 east, not 1 west.
			file: "tweet_place_antimeridian.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "476900000000000012", Text: "Bula",
				HasPoint: true, GeoSource: post.GeoPlace, GeoConfidence: 0.5, // a box some 400 km across: a region
				Point:  post.Point{Lat: -17.5, Lon: 179},
				UserID: "32", ScreenName: "fiji", PlatformLang: "en",
			},
		},
		{
			// A place whose box is off the globe gives no point.
			file: "tweet_place_bad_bbox.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "476900000000000013", Text: "nowhere",
				UserID: "33", ScreenName: "nobbox", PlatformLang: "en",
			},
		},
		{
			// created_at with a +0200 offset becomes UTC.
			file: "tweet_geo_only.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "476900000000000001", Time: utc("2014-06-11T06:00:00Z"),
				Text: "Guten Morgen Berlin", HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1, Point: post.Point{Lat: 52.52, Lon: 13.405},
				UserID: "22", ScreenName: "berliner", PlatformLang: "de",
			},
		},
		{
			file: "tweet_geo_out_of_range.json",
			want: Result{Kind: KindPost, GeoRejected: true},
			post: post.Post{
				ID: "476900000000000002", Time: utc("2014-06-11T08:00:00Z"), Text: "beyond the pole",
				UserID: "23", ScreenName: "explorer", PlatformLang: "en",
			},
		},
		{
			file: "tweet_geo_huge_numbers.json",
			want: Result{Kind: KindPost, GeoRejected: true},
			post: post.Post{
				ID: "476900000000000003", Time: utc("2014-06-11T08:00:00Z"), Text: "infinite",
				UserID: "24", ScreenName: "inf", PlatformLang: "en",
			},
		},
		{
			file: "tweet_geo_strings.json",
			want: Result{Kind: KindPost, GeoRejected: true},
			post: post.Post{
				ID: "476900000000000004", Time: utc("2014-06-11T08:00:00Z"), Text: "stringly typed",
				UserID: "25", ScreenName: "str", PlatformLang: "en",
			},
		},
		{
			// A coordinates field that is not a Point does not hide a valid geo.
			file: "tweet_geo_bad_coordinates_good_geo.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "476900000000000005", Time: utc("2014-06-11T08:00:00Z"), Text: "fallback",
				HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1, Point: post.Point{Lat: -33.8688, Lon: 151.2093},
				UserID: "26", ScreenName: "fb", PlatformLang: "en",
			},
		},
		{
			file: "tweet_extended.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "936154433431556096", Time: utc("2017-11-30T09:01:40Z"),
				Text:     "This tweet is longer than one hundred and forty characters, so the stream cut it and put the rest in extended_tweet, with the #shortened text and more #hashtags at the end #Long",
				Hashtags: []string{"shortened", "hashtags", "Long"},
				UserID:   "3001", ScreenName: "longform", PlatformLang: "en",
			},
		},
		{
			file: "tweet_full_text.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "936500000000000000", Time: utc("2017-12-01T10:00:00Z"),
				Text:     "REST extended mode puts the text in full_text #Extended",
				Hashtags: []string{"Extended"},
				UserID:   "3002", ScreenName: "rester", PlatformLang: "en",
			},
		},
		{
			// 936862158732128257 is not representable as a float64; the
			// literal text is kept. Same for the user id, beyond int64.
			file: "tweet_big_numeric_id.json",
			want: Result{Kind: KindPost},
			// The coordinates are read after the id, through the same number
			// buffer: a regression test for the id being overwritten.
			post: post.Post{
				ID: "936862158732128257", Time: utc("2017-12-02T10:00:00Z"), Text: "no id_str here",
				HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1, Point: post.Point{Lat: 48.8566, Lon: 2.3522},
				UserID: "18446744073709551615", ScreenName: "numeric",
			},
		},
		{
			file: "tweet_no_created_at.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "100", Text: "when was this?", Hashtags: []string{"Zeitlos"},
				UserID: "7", ScreenName: "timeless", PlatformLang: "de",
			},
		},
		{
			file: "tweet_timestamp_ms_only.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "101", Time: utc("2016-11-30T09:41:40.123Z"), Text: "only milliseconds",
				UserID: "8", ScreenName: "ms", PlatformLang: "en",
			},
		},
		{
			file: "tweet_bad_created_at.json",
			want: Result{Kind: KindPost},
			post: post.Post{ID: "102", Text: "odd date", UserID: "9", ScreenName: "odd", PlatformLang: "en"},
		},
		{
			file: "tweet_duplicate_keys.json",
			want: Result{Kind: KindPost},
			post: post.Post{ID: "200", Text: "last wins", Hashtags: []string{"c"}, UserID: "2", ScreenName: "second"},
		},
		{
			file: "tweet_invalid_utf8.json",
			want: Result{Kind: KindPost},
			post: post.Post{
				ID: "201", Text: "bad \uFFFD\uFFFD bytes \uFFFD\uFFFD", Hashtags: []string{"ok\uFFFD"},
				UserID: "3", ScreenName: "bytes\uFFFD",
			},
		},
		{file: "tweet_user_null.json", want: Result{Kind: KindNotice, Notice: "other"}},
		{file: "delete.json", want: Result{Kind: KindNotice, Notice: "delete"}},
		{file: "limit.json", want: Result{Kind: KindNotice, Notice: "limit"}},
		{file: "scrub_geo.json", want: Result{Kind: KindNotice, Notice: "scrub_geo"}},
		{file: "status_withheld.json", want: Result{Kind: KindNotice, Notice: "status_withheld"}},
		{file: "user_withheld.json", want: Result{Kind: KindNotice, Notice: "user_withheld"}},
		{file: "disconnect.json", want: Result{Kind: KindNotice, Notice: "disconnect"}},
		{file: "warning.json", want: Result{Kind: KindNotice, Notice: "warning"}},
		{file: "event.json", want: Result{Kind: KindNotice, Notice: "event"}},
		{file: "unknown_notice.json", want: Result{Kind: KindNotice, Notice: "other"}},
		{file: "empty_object.json", want: Result{Kind: KindNotice, Notice: "other"}},
		{
			file: "static.json",
			want: Result{Kind: KindPost, Static: true},
			post: post.Post{
				ID: "476688798726504449", Time: utc("2014-06-10T12:34:56Z"),
				Text:     "I love the sunshine in the park today #sunny #Summer",
				Hashtags: []string{"sunny", "Summer"},
				HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1, Point: post.Point{Lat: 40.78, Lon: -73.97},
				UserID: "98765", ScreenName: "notebook_user", Lang: "en",
			},
		},
		{
			// hinglish has no ISO code: its key is the NLTK name.
			file: "static_unknown_language.json",
			want: Result{Kind: KindPost, Static: true},
			post: post.Post{
				ID: "476688798726504450", Time: utc("2014-06-10T12:34:56.25Z"), Text: "hinglish yaar",
				UserID: "98766", ScreenName: "u2", Lang: "hinglish",
			},
		},
		{
			file: "static_bad_geo.json",
			want: Result{Kind: KindPost, Static: true, GeoRejected: true},
			post: post.Post{Text: "x", Hashtags: []string{"a", "b"}, Lang: "Klingon"},
		},
		{file: "bad_truncated.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
		{file: "bad_array.json", want: Result{Kind: KindMalformed}, wantErr: ErrNotObject},
		{file: "bad_scalar.json", want: Result{Kind: KindMalformed}, wantErr: ErrNotObject},
		{file: "bad_blank.json", want: Result{Kind: KindMalformed}, wantErr: ErrNotObject},
		{file: "bad_nan.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
		{file: "bad_number.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
		{file: "bad_control_char.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
		{file: "bad_escape.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
		{file: "bad_trailing.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
		{file: "bad_word.json", want: Result{Kind: KindMalformed}, wantErr: ErrInvalidJSON},
	}
	var p Parser
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			data := readFixture(t, tt.file)
			// A dirty dst must be fully overwritten.
			dst := post.Post{ID: "stale", Text: "stale", Hashtags: []string{"stale"}, HasPoint: true, Lang: "xx"}
			got, err := p.Parse(data, &dst)
			if got != tt.want {
				t.Errorf("Result = %+v, want %+v (err %v)", got, tt.want, err)
			}
			if tt.want.Kind == KindMalformed {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Errorf("unexpected err %v", err)
			}
			want := tt.post
			if tt.want.Kind != KindPost {
				want = post.Post{}
			}
			assertPost(t, dst, want)
		})
	}
}

func assertPost(t *testing.T, got, want post.Post) {
	t.Helper()
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC && !got.Time.IsZero() {
		t.Errorf("Time = %v, want %v (UTC)", got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("post =\n %#v\nwant\n %#v", got, want)
	}
}

// The post must not alias the caller's buffer, which is reused by sources.
func TestParseCopiesStrings(t *testing.T) {
	data := readFixture(t, "tweet_coordinates.json")
	var p Parser
	var dst post.Post
	if res, err := p.Parse(data, &dst); err != nil || res.Kind != KindPost {
		t.Fatalf("Parse: %+v %v", res, err)
	}
	want := dst
	want.Hashtags = append([]string(nil), dst.Hashtags...)
	for i := range data {
		data[i] = 'x'
	}
	// Parsing another message reuses the parser's buffers: still no aliasing.
	var other post.Post
	if _, err := p.Parse(readFixture(t, "tweet_extended.json"), &other); err != nil {
		t.Fatal(err)
	}
	assertPost(t, dst, want)
}

// A Post handed on keeps its Hashtags: a later Parse into the same value
// must not write into the old slice's backing array.
func TestParseDoesNotReuseHashtagSlice(t *testing.T) {
	var p Parser
	var dst post.Post
	if _, err := p.Parse(readFixture(t, "tweet_extended.json"), &dst); err != nil {
		t.Fatal(err)
	}
	handedOn := dst.Hashtags
	if _, err := p.Parse(readFixture(t, "tweet_coordinates.json"), &dst); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(handedOn, []string{"shortened", "hashtags", "Long"}) {
		t.Errorf("earlier hashtags changed to %q", handedOn)
	}
}

func TestParseNestingLimit(t *testing.T) {
	nested := func(levels int) []byte {
		// levels containers in total, the outermost an object.
		return []byte(`{"id_str":"1","user":{},"x":` + strings.Repeat("[", levels-1) + "1" + strings.Repeat("]", levels-1) + "}")
	}
	var p Parser
	var dst post.Post
	if res, err := p.Parse(nested(maxNesting), &dst); res.Kind != KindPost || err != nil {
		t.Errorf("%d levels: %+v, %v; want a post", maxNesting, res, err)
	}
	res, err := p.Parse(nested(maxNesting+1), &dst)
	if res.Kind != KindMalformed || !errors.Is(err, ErrInvalidJSON) || !strings.Contains(err.Error(), "nesting deeper") {
		t.Errorf("%d levels: %+v, %v; want malformed for nesting", maxNesting+1, res, err)
	}
}

func TestParseDeepNestingIsMalformedNotFatal(t *testing.T) {
	// fastjson's validator recurses without a depth limit; this must not
	// reach it. 1 MiB of nesting would overflow the stack if it did.
	for _, data := range [][]byte{
		[]byte(`{"a":` + strings.Repeat("[", 1<<20)),
		[]byte(strings.Repeat("[", 1<<20)),
		[]byte(`{"a":` + strings.Repeat(`{"a":`, 400) + "1" + strings.Repeat("}", 401)),
	} {
		var p Parser
		var dst post.Post
		res, err := p.Parse(data, &dst)
		if res.Kind != KindMalformed || err == nil {
			t.Errorf("Parse(deep) = %+v, %v; want malformed", res, err)
		}
	}
}

func TestParseBigMessageReleasesBuffers(t *testing.T) {
	text := strings.Repeat("a", bigMessage)
	data := []byte(`{"id_str":"1","user":{},"text":"` + text + `"}`)
	var p Parser
	var dst post.Post
	if res, err := p.Parse(data, &dst); err != nil || res.Kind != KindPost || dst.Text != text {
		t.Fatalf("Parse(big) = %+v, %v", res, err)
	}
	if !reflect.DeepEqual(p.json, Parser{}.json) {
		t.Error("fastjson parser kept after a big message")
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindPost: "post", KindNotice: "notice", KindMalformed: "malformed", 0: "invalid"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), want)
		}
	}
}

func TestCreatedAtMatchesTimeParse(t *testing.T) {
	inputs := []string{
		"Mon Jan 02 15:04:05 -0700 2006",
		"Tue Jun 10 12:34:56 +0000 2014",
		"Sat Feb 29 23:59:59 +1400 2020",
		"Sat Feb 29 23:59:59 +0000 2019", // not a leap year
		"Sun Dec 31 00:00:00 -1200 0001",
		"Mon Jan 02 24:04:05 -0700 2006",
		"Mon Jan 02 15:60:05 -0700 2006",
		"Mon Jan 02 15:04:60 -0700 2006",
		"Mon Jan 00 15:04:05 -0700 2006",
		"Mon Jan 32 15:04:05 -0700 2006",
		"Mon Foo 02 15:04:05 -0700 2006",
		"Xyz Jan 02 15:04:05 -0700 2006",
		"Mon Jan 02 15:04:05 -2400 2006",
		"Mon Jan 02 15:04:05 -0760 2006",
		"Mon Jan 02 15:04:05 *0700 2006",
		"Mon Jan  2 15:04:05 -0700 2006",
		"Mon Jan 02 15:04:05 -0700 20O6",
		"Mon Jan 02 15:04:05 +0000 2006 ",
		"",
	}
	for _, s := range inputs {
		got, gotOK := parseCreatedAt([]byte(s))
		want, err := time.Parse(createdAtLayout, s)
		if gotOK != (err == nil) || gotOK && !(got.Equal(want) && got.Location() == time.UTC) {
			t.Errorf("parseCreatedAt(%q) = %v, %v; time.Parse = %v, %v", s, got, gotOK, want, err)
		}
	}
}

func TestParseISO(t *testing.T) {
	for s, want := range map[string]time.Time{
		"2014-06-10T12:34:56":        utc("2014-06-10T12:34:56Z"),
		"2014-06-10T12:34:56.000123": utc("2014-06-10T12:34:56.000123Z"),
		"2014-06-10T12:34:56+02:00":  utc("2014-06-10T10:34:56Z"),
		"2014-06-10 12:34":           {},
	} {
		if got := parseISO(s); !got.Equal(want) || !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("parseISO(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPointsKeepExactFloats(t *testing.T) {
	// 17 significant digits: fastjson's own float parser would misround some
	// of these; strconv.ParseFloat rounds like Python's float().
	for _, lit := range []string{"40.702519460000001", "-73.994675819999997", "0.1", "89.99999999999999", "-0", "1e-400"} {
		data := []byte(`{"id_str":"1","user":{},"geo":{"type":"Point","coordinates":[` + lit + `,` + lit + `]}}`)
		var p Parser
		var dst post.Post
		if _, err := p.Parse(data, &dst); err != nil {
			t.Fatal(err)
		}
		want := mustParseFloat(t, lit)
		if !dst.HasPoint || math.Float64bits(dst.Point.Lat) != math.Float64bits(want) || math.Float64bits(dst.Point.Lon) != math.Float64bits(want) {
			t.Errorf("%s: point %v (has %v), want %v", lit, dst.Point, dst.HasPoint, want)
		}
	}
}
