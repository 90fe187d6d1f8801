package twitter

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
)

var knownNotices = map[string]bool{
	"delete": true, "limit": true, "scrub_geo": true, "status_withheld": true,
	"user_withheld": true, "disconnect": true, "warning": true, "friends": true,
	"friends_str": true, "event": true, "control": true, "direct_message": true,
	"for_user": true, "other": true, "error": true,
}

func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			f.Add(readFixture(f, e.Name()))
		}
	}
	// Real shapes, when the shared data is present: a few lines of each
	// kind of file (the seed corpus is not committed; testdata is).
	if dir, err := testenv.LookupShared(); err == nil {
		for _, name := range []string{
			"tweets/v1_stream_jsonl/sferik__twitter-ruby__test__fixtures__track_streaming_user.json",
			"tweets/v1_stream_jsonl/Twitter4J__Twitter4J__twitter4j-core__src__test__resources__streamingapi-testcase.json",
			"tweets/v1_stream_jsonl/tomatoTomahto__twitter__analysis__data__sample__tweets_20161130_090140.json.gz",
			"tweets/v1_stream_jsonl/coder121__datasciencecoursera__assignment1__problem_1_submission.txt",
			"tweets/combined/v1_delete_notices_unique.jsonl",
		} {
			path := filepath.Join(dir, filepath.FromSlash(name))
			if _, err := os.Stat(path); err != nil {
				continue
			}
			for i, line := range testenv.ReadLines(f, path) {
				if i >= 8 {
					break
				}
				f.Add(line)
			}
		}
	}

	var p Parser
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		var dst post.Post
		res, err := p.Parse(data, &dst)
		if !bytes.Equal(data, orig) {
			t.Fatal("Parse modified its input")
		}
		switch res.Kind {
		case KindPost:
			if err != nil {
				t.Fatalf("post with error %v", err)
			}
			if dst.HasPoint && (!dst.Point.Valid() || isNonFinite(dst.Point.Lat) || isNonFinite(dst.Point.Lon)) {
				t.Fatalf("invalid point %+v", dst.Point)
			}
			if !dst.HasPoint && dst.Point != (post.Point{}) {
				t.Fatalf("point %+v without HasPoint", dst.Point)
			}
			if dst.HasPoint && res.GeoRejected {
				t.Fatal("GeoRejected with a point")
			}
			// The parser only ever reports what the platform gave: exact
			// coordinates (confidence 1) or a place (1 or 0.5 by its size).
			if dst.HasPoint != (dst.GeoSource == post.GeoExact || dst.GeoSource == post.GeoPlace) ||
				(dst.GeoSource == post.GeoExact && dst.GeoConfidence != 1) ||
				(dst.GeoSource == post.GeoPlace && dst.GeoConfidence != 1 && dst.GeoConfidence != 0.5) ||
				(!dst.HasPoint && dst.GeoConfidence != 0) {
				t.Fatalf("provenance %v confidence %v with HasPoint=%v", dst.GeoSource, dst.GeoConfidence, dst.HasPoint)
			}
			for _, s := range append([]string{dst.ID, dst.Text, dst.UserID, dst.ScreenName, dst.UserLocation, dst.PlatformLang, dst.Lang}, dst.Hashtags...) {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %q", s)
				}
			}
			if !dst.Time.IsZero() && dst.Time.Location().String() != "UTC" {
				t.Fatalf("time %v not UTC", dst.Time)
			}
			if res.Notice != "" {
				t.Fatalf("post with notice %q", res.Notice)
			}
		case KindNotice:
			if err != nil {
				t.Fatalf("notice with error %v", err)
			}
			if !knownNotices[res.Notice] {
				t.Fatalf("notice kind %q not a known constant", res.Notice)
			}
		case KindMalformed:
			if err == nil {
				t.Fatal("malformed without error")
			}
		default:
			t.Fatalf("invalid kind %d", res.Kind)
		}
		if res.Kind != KindPost && !isZeroPost(dst) {
			t.Fatalf("%v left dst set: %+v", res.Kind, dst)
		}

		// Differential: malformed exactly when encoding/json disagrees that
		// this is an object (within fastjson's nesting limit).
		first := firstNonSpace(data)
		isObj := json.Valid(data) && first >= 0 && data[first] == '{'
		if isObj != (res.Kind != KindMalformed) && !(isObj && nesting(data) > maxNesting) {
			t.Fatalf("json.Valid object=%v but kind %v (err %v)", isObj, res.Kind, err)
		}
		// And the whole result agrees with the encoding/json reference,
		// except where documented: escaped UTF-16 surrogates.
		if isObj && res.Kind != KindMalformed && !surrogateEscape.Match(data) {
			compareWithReference(t, &p, "fuzz input", data)
		}
	})
}

var surrogateEscape = regexp.MustCompile(`\\[uU][dD][89a-fA-F]`)

func isNonFinite(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func isZeroPost(p post.Post) bool {
	return p.ID == "" && p.Text == "" && p.Hashtags == nil && !p.HasPoint && p.Point == (post.Point{}) &&
		p.Time.IsZero() && p.UserID == "" && p.ScreenName == "" && p.PlatformLang == "" && p.Lang == "" &&
		p.GeoSource == post.GeoNone && p.GeoConfidence == 0 && p.UserLocation == ""
}

// nesting returns the deepest nesting of arrays and objects in valid JSON.
func nesting(data []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
