package geoeval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// withoutCoordinates hides a tweet's exact point in every shape the parser
// reads (v1.1, v2, the flat static format), leaving its place: parsed
// again, the tweet is placed by its place's centre or not at all.
func TestWithoutCoordinatesHidesTheExactPoint(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		place     bool // a place remains to fall back on
	}{
		{"v1.1 with place", `{"id_str":"1","text":"hola","user":{"id_str":"11","screen_name":"a"},"coordinates":{"type":"Point","coordinates":[-3.7,40.9]},"geo":{"type":"Point","coordinates":[40.9,-3.7]},"place":{"place_type":"city","bounding_box":{"type":"Polygon","coordinates":[[[-3.8,40.8],[-3.8,41.0],[-3.6,41.0],[-3.6,40.8]]]}},"lang":"es"}`, true},
		{"v1.1 without place", `{"id_str":"2","text":"hi","user":{"id_str":"12","screen_name":"b"},"coordinates":{"type":"Point","coordinates":[2.35,48.85]},"lang":"en"}`, false},
		{"v2", `{"data":{"id":"3","text":"hi","author_id":"13","created_at":"2023-01-01T00:00:00.000Z","geo":{"coordinates":{"type":"Point","coordinates":[2.35,48.85]}}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p twitter.Parser
			var before post.Post
			if res, err := p.Parse([]byte(tc.msg), &before); res.Kind != twitter.KindPost || before.GeoSource != post.GeoExact {
				t.Fatalf("fixture: kind %v, provenance %v, %v; want an exact point", res.Kind, before.GeoSource, err)
			}
			stripped, ok := withoutCoordinates([]byte(tc.msg))
			if !ok {
				t.Fatal("not stripped")
			}
			var after post.Post
			if res, err := p.Parse(stripped, &after); res.Kind != twitter.KindPost {
				t.Fatalf("stripped tweet no longer parses: %v\n%s", err, stripped)
			}
			switch {
			case after.HasPoint && after.GeoSource == post.GeoExact:
				t.Errorf("exact point survived: %+v\n%s", after.Point, stripped)
			case tc.place != (after.HasPoint && after.GeoSource == post.GeoPlace):
				t.Errorf("place point %v (%v), want %v\n%s", after.HasPoint, after.GeoSource, tc.place, stripped)
			}
		})
	}
}

func TestNearestRank(t *testing.T) {
	d := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]float64{0.5: 5, 0.9: 9, 0.91: 10, 1: 10, 0: 1} {
		if got := nearestRank(d, q); got != want {
			t.Errorf("nearestRank(1..10, %v) = %v, want %v", q, got, want)
		}
	}
}

// read keeps the tweets with exact coordinates (the eval's truth) and the
// profile locations (the speed loop's input).
func TestReadFixture(t *testing.T) {
	path := filepath.Join("..", "..", "app", "testdata", "geo_eval.jsonl")
	if _, err := os.Stat(path); err != nil {
		t.Skip(err)
	}
	tweets, profiles, err := read(path)
	if err != nil {
		t.Fatal(err)
	}
	// geo_eval.jsonl: four tweets with coordinates and a fifth without
	// (see TestGeoEvalFixture in internal/app).
	if len(tweets) != 4 || len(profiles) < 4 {
		t.Errorf("read %d tweets and %d profiles, want 4 and at least 4", len(tweets), len(profiles))
	}
}
