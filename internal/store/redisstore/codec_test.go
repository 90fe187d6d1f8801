package redisstore

import (
	"errors"
	"math"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
)

func TestTimeEncodingOrders(t *testing.T) {
	times := []int64{math.MinInt64, -1 << 40, -1, 0, 1, 1370088000000000000, math.MaxInt64}
	for i, a := range times {
		ea := encodeTime(a)
		if len(ea) != timeWidth {
			t.Fatalf("encodeTime(%d) = %q", a, ea)
		}
		if back, err := decodeTime(ea); err != nil || back != a {
			t.Errorf("decodeTime(encodeTime(%d)) = %d, %v", a, back, err)
		}
		for _, b := range times[i+1:] {
			if eb := encodeTime(b); !(ea < eb) {
				t.Errorf("encodeTime(%d) = %s is not before encodeTime(%d) = %s", a, ea, b, eb)
			}
		}
	}
	if got := encodeDuration(90 * time.Minute); got != "00000005400000000000" {
		t.Errorf("encodeDuration(90m) = %s", got)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	tags := []string{"a", "", "with space", "new\nline", "5:colon", "İstanbul"}
	for _, hasPoint := range []bool{false, true} {
		p := post.Point{Lat: math.Copysign(0, -1), Lon: 5e-324}
		rec := encodeTime(42) + " 7 6 " + map[bool]string{false: "0", true: "1"}[hasPoint] + "\n" +
			string(appendPayload(nil, hasPoint, p, 255, tags, 0))
		var r record
		if err := parseRecord(rec, true, &r); err != nil {
			t.Fatalf("parseRecord(%q): %v", rec, err)
		}
		if r.seq != 7 || r.hasPoint != hasPoint || !reflect.DeepEqual(r.tags, tags) {
			t.Errorf("parseRecord = %+v", r)
		}
		if hasPoint && (math.Float64bits(r.point.Lat) != math.Float64bits(p.Lat) || r.point.Lon != p.Lon) {
			t.Errorf("point %v, want bit-exact %v", r.point, p)
		}
	}
	for _, bad := range []string{"", "short", encodeTime(1) + " x 0 0\n", encodeTime(1) + " 1 2 0\n1:a", encodeTime(1) + " 1 0 1\n1\n"} {
		var r record
		if err := parseRecord(bad, true, &r); !errors.Is(err, errBadRecord) {
			t.Errorf("parseRecord(%q) = %v, want errBadRecord", bad, err)
		}
	}
}

// TestPyFloatReprMatchesPython compares pyFloatRepr with Python's own
// json.dumps on awkward and random values, when python3 is at hand.
func TestPyFloatReprMatchesPython(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 40.7128, -74.006, 0.1 + 0.2, 1e-5, 1.5e-7, 0.0001, 123456789012345678,
		1e16, 9999999999999998, 5e-324, math.MaxFloat64, 90, -180, 51.50735092, 1.0 / 3, 2.5e-5, 100, 1e15, 123.456e10}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		vals = append(vals, (rng.Float64()*360-180)*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	py := testenv.RequireTool(t, "python3")
	var in strings.Builder
	for _, v := range vals {
		in.WriteString(fmtHex(v) + "\n")
	}
	cmd := exec.Command(py, "-c", `import sys, json
for line in sys.stdin:
    print(json.dumps([float.fromhex(line.strip()), 1.0]))`)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, v := range vals {
		if got := seedGeo(post.Point{Lat: v, Lon: 1}); got != lines[i] {
			t.Errorf("seedGeo(%v) = %s, Python %s", v, got, lines[i])
		}
		if p, err := parseSeedGeo(lines[i]); err != nil || math.Float64bits(p.Lat) != math.Float64bits(v) {
			t.Errorf("parseSeedGeo(%s) = %v, %v", lines[i], p, err)
		}
	}
}

// fmtHex writes v in hexadecimal, which Python's float.fromhex reads
// exactly.
func fmtHex(v float64) string { return strconv.FormatFloat(v, 'x', -1, 64) }

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url                       string
		single, cluster, sentinel bool
		prefix                    string
		giveUp                    time.Duration
	}{
		{url: "redis://127.0.0.1:6379/0", single: true, prefix: "geoheat", giveUp: DefaultGiveUp},
		{url: "rediss://user:pw@h:6380/2?prefix=x&give_up=0", single: true, prefix: "x"},
		{url: "redis://a:1?addr=b:2&addr=c:3&dedupe_ttl=1h", cluster: true, prefix: "geoheat", giveUp: DefaultGiveUp},
		{url: "redis+cluster://a:1", cluster: true, prefix: "geoheat", giveUp: DefaultGiveUp},
		{url: "redis+sentinel://s1:26379/1?master_name=m&addr=s2:26379&give_up=5s", sentinel: true, prefix: "geoheat", giveUp: 5 * time.Second},
	} {
		dc, err := parseURL(tc.url)
		if err != nil {
			t.Errorf("parseURL(%s): %v", tc.url, err)
			continue
		}
		if (dc.single != nil) != tc.single || dc.cluster != tc.cluster || (dc.failover != nil) != tc.sentinel ||
			dc.prefix != tc.prefix || dc.giveUp != tc.giveUp {
			t.Errorf("parseURL(%s) = %+v", tc.url, dc)
		}
	}
	for _, bad := range []string{"http://x", "redis://h:1?give_up=soon", "redis+sentinel://s:1", "redis://h:1?dedupe_ttl=1ms", "redis://h:1?bogus=1", "redis+ring://h:1"} {
		if _, err := parseURL(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("parseURL(%s) = %v, want ErrBadURL", bad, err)
		}
	}
	if got := (&dialConfig{}).redacted; got != "" {
		t.Errorf("zero redacted = %q", got)
	}
	if dc, _ := parseURL("redis://u:secret@h:1/0"); strings.Contains(dc.redacted, "secret") {
		t.Errorf("redacted URL %q shows the password", dc.redacted)
	}
}

func TestWireRoundTrip(t *testing.T) {
	posts := []post.Post{
		{},
		{ID: "1", Time: time.Date(2013, 6, 1, 12, 0, 0, 5, time.UTC), Text: "bad \xff utf8", Hashtags: []string{"A", ""},
			HasPoint: true, Point: post.Point{Lat: math.Copysign(0, -1), Lon: 180}, GeoSource: post.GeoExact, GeoConfidence: 1,
			UserID: "u", ScreenName: "s", PlatformLang: "en", Lang: "es"},
		{Text: "invalid point dropped", HasPoint: true, Point: post.Point{Lat: 91}},
		{Text: "profile", HasPoint: true, Point: post.Point{Lat: 1, Lon: 2}, GeoSource: post.GeoProfile, GeoConfidence: 0.37},
		{Text: "place", HasPoint: true, Point: post.Point{Lat: 3, Lon: 4}, GeoSource: post.GeoPlace, GeoConfidence: 1},
		{Text: "to be located", UserLocation: "Madrid, España", Lang: "es"},
		{Text: "mastodon author", UserLocation: "Córdoba", UserCountry: "ES", Lang: "es"},
		{ID: "at://did:plc:x/app.bsky.feed.post/3k", Text: "bluesky", URL: "https://bsky.app/profile/did:plc:x/post/3k", UserCountry: "DE"},
	}
	var b []byte
	for i := range posts {
		b = appendWirePost(b, &posts[i])
	}
	got, err := decodeEntry(map[string]any{"v": "4", "n": "8", "posts": string(b)})
	if err != nil {
		t.Fatal(err)
	}
	posts[2].HasPoint, posts[2].Point = false, post.Point{}
	if !reflect.DeepEqual(got, posts) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, posts)
	}
	// A point without provenance (written by a build that had none, or a
	// source that sets none) is exact with confidence 1.
	legacy := post.Post{HasPoint: true, Point: post.Point{Lat: 5, Lon: 6}}
	got, err = decodeEntry(map[string]any{"v": "1", "n": "1", "posts": string(appendWirePost(nil, &legacy))})
	if err != nil || got[0].GeoSource != post.GeoExact || got[0].GeoConfidence != 1 {
		t.Errorf("legacy point decoded as %+v, %v", got, err)
	}
}

// FuzzDecodeEntry: stream entries come from other processes; a bad one
// must be an error, never a panic.
func FuzzDecodeEntry(f *testing.F) {
	p := post.Post{ID: "9", Text: "hola", Hashtags: []string{"x"}, HasPoint: true, Point: post.Point{Lat: 1, Lon: 2}, Time: time.Unix(1, 0)}
	f.Add("1", string(appendWirePost(nil, &p)))
	f.Add("2", "\x03\x00")
	p.GeoSource, p.GeoConfidence = post.GeoText, 0.5
	f.Add("1", string(appendWirePost(nil, &p)))
	f.Fuzz(func(t *testing.T, n, data string) {
		decodeEntry(map[string]any{"v": "2", "n": n, "posts": data})
	})
}

// TestRecordProvenance: the record's provenance digit and optional
// confidence field round-trip; a record of an exact point is byte for byte
// what it was before provenance (old records read as exact, confidence 1).
func TestRecordProvenance(t *testing.T) {
	p := post.Point{Lat: 40.4, Lon: -3.7}
	old := encodeTime(42) + " 7 1 1\n40.4 -3.7\n1:a"
	if got := encodeTime(42) + " 7 1 1\n" + string(appendPayload(nil, true, p, 255, []string{"a"}, 0)); got != old {
		t.Errorf("exact record %q, want the old form %q", got, old)
	}
	var r record
	if err := parseRecord(old, true, &r); err != nil || r.source != post.GeoExact || r.conf != 255 || r.storePoint().Confidence != 1 {
		t.Errorf("old record parsed as %+v, %v", r, err)
	}
	for g := post.GeoExact; g <= post.GeoText; g++ {
		for _, conf := range []uint8{1, 100, 254, 255} {
			rec := encodeTime(42) + " 7 1 " + strconv.Itoa(int(g)) + "\n" + string(appendPayload(nil, true, p, conf, []string{"a"}, 0))
			if err := parseRecord(rec, true, &r); err != nil {
				t.Fatalf("parseRecord(%q): %v", rec, err)
			}
			if r.source != g || r.conf != conf || r.point != p || !reflect.DeepEqual(r.tags, []string{"a"}) {
				t.Errorf("parseRecord(%q) = %+v", rec, r)
			}
		}
	}
	for _, bad := range []string{
		encodeTime(1) + " 1 0 5\n1 2\n",   // unknown provenance
		encodeTime(1) + " 1 0 2\n1 2 0\n", // confidence 0
		encodeTime(1) + " 1 0 2\n1 2 256\n",
		encodeTime(1) + " 1 0 2\n1 2 x\n",
		encodeTime(1) + " 1 0 3\n1\n",
	} {
		if err := parseRecord(bad, true, &r); !errors.Is(err, errBadRecord) {
			t.Errorf("parseRecord(%q) = %v, want errBadRecord", bad, err)
		}
	}
}

// TestRecordAuthor: the author follows the tags in hex and round-trips;
// a post without one writes the record as before authors existed, and such
// records read as author 0. A malformed author field is caught.
func TestRecordAuthor(t *testing.T) {
	p := post.Point{Lat: 40.4, Lon: -3.7}
	tags := []string{"a", "3 b", ""}
	for _, hasPoint := range []bool{false, true} {
		head := encodeTime(42) + " 7 3 " + map[bool]string{false: "0", true: "1"}[hasPoint] + "\n"
		without := head + string(appendPayload(nil, hasPoint, p, 255, tags, 0))
		for _, author := range []uint32{1, 0xabc, math.MaxUint32} {
			rec := head + string(appendPayload(nil, hasPoint, p, 255, tags, author))
			if !strings.HasPrefix(rec, without) || len(rec)-len(without) > 9 {
				t.Errorf("record with author %#x = %q: want the record without it (%q) and at most 9 bytes more", author, rec, without)
			}
			var r record
			if err := parseRecord(rec, true, &r); err != nil {
				t.Fatalf("parseRecord(%q): %v", rec, err)
			}
			if r.author != author || !reflect.DeepEqual(r.tags, tags) || r.hasPoint != hasPoint {
				t.Errorf("parseRecord(%q) = %+v, want author %#x and tags %q", rec, r, author, tags)
			}
		}
		var r record
		if err := parseRecord(without, true, &r); err != nil || r.author != 0 || !reflect.DeepEqual(r.tags, tags) {
			t.Errorf("record without an author parsed as %+v, %v; want author 0", r, err)
		}
	}
	for _, bad := range []string{
		encodeTime(1) + " 1 1 0\n1:ax",    // no separator
		encodeTime(1) + " 1 1 0\n1:a 0",   // author 0 is written as no field
		encodeTime(1) + " 1 1 0\n1:a ",    // empty
		encodeTime(1) + " 1 1 0\n1:a zz",  // not hex
		encodeTime(1) + " 1 1 0\n1:a 1 2", // one field only
		encodeTime(1) + " 1 1 0\n1:a 100000000",
	} {
		var r record
		if err := parseRecord(bad, true, &r); !errors.Is(err, errBadRecord) {
			t.Errorf("parseRecord(%q) = %v, want errBadRecord", bad, err)
		}
	}
}
