package app

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// pointsOf asks the points command of a data dir for one language.
func pointsOf(t *testing.T, dir, lang string, extra ...string) (out []struct {
	Lat, Lon float64
	Source   string
}) {
	t.Helper()
	args := append([]string{"points", "--data-dir", dir, "--lang", lang, "--json"}, extra...)
	stdout, stderr, err := run(t, context.Background(), "", args...)
	if err != nil {
		t.Fatalf("points %v: %v\n%s", extra, err, stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("points answer %q: %v", stdout, err)
	}
	var pts [][2]float64
	if err := json.Unmarshal(raw["points"], &pts); err != nil {
		t.Fatalf("points in %q: %v", stdout, err)
	}
	var sources []string
	if s, ok := raw["sources"]; ok {
		if err := json.Unmarshal(s, &sources); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range pts {
		e := struct {
			Lat, Lon float64
			Source   string
		}{Lat: p[0], Lon: p[1]}
		if i < len(sources) {
			e.Source = sources[i]
		}
		out = append(out, e)
	}
	return out
}

// Inferred places are stored with their provenance and shown only when
// asked for: the default map of a run with inference is exactly the map of
// a run without it.
func TestInferredPointsAreOptIn(t *testing.T) {
	ctx := context.Background()
	with, without := t.TempDir(), t.TempDir()
	for _, c := range []struct{ dir, infer string }{{with, "profile,text"}, {without, "none"}} {
		_, errs, err := run(t, ctx, "", "ingest", "--source", "file:testdata/geo_infer.jsonl", "--data-dir", c.dir,
			"--detector", "stopwords", "--stopwords-dir", miniStopwords, "--geo-infer", c.infer)
		if err != nil {
			t.Fatalf("ingest --geo-infer %s: %v\n%s", c.infer, err, errs)
		}
	}
	for _, lang := range []string{"en", "es"} {
		a, b := pointsOf(t, with, lang), pointsOf(t, without, lang)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: default points differ with inference on:\n%v\n%v", lang, a, b)
		}
		if all := pointsOf(t, without, lang, "--geo", "all"); !reflect.DeepEqual(all, b) {
			t.Errorf("%s: geo=all without inference %v, want %v", lang, all, b)
		}
	}
	// en: exact (NYC coordinates), place (Berlin bbox centre), profile
	// (NYC 🗽); "London" is ignored (the post has coordinates), "Earth" and
	// "in your heart" are no places.
	en := pointsOf(t, with, "en", "--geo", "all")
	want := []struct {
		lat, lon float64
		source   string
	}{{40.7128, -74.006, "exact"}, {52.5, 13.4, "place"}, {40.71, -74.01, "profile"}}
	if len(en) != len(want) {
		t.Fatalf("en geo=all: %v, want %d points", en, len(want))
	}
	for i, w := range want {
		if math.Abs(en[i].Lat-w.lat) > 0.1 || math.Abs(en[i].Lon-w.lon) > 0.1 || en[i].Source != w.source {
			t.Errorf("en point %d = %+v, want %+v", i, en[i], w)
		}
	}
	// es: Madrid from the profile, Buenos Aires from the text.
	es := pointsOf(t, with, "es", "--geo", "all")
	if len(es) != 2 || math.Abs(es[0].Lat-40.42) > 0.2 || math.Abs(es[1].Lat+34.6) > 0.2 {
		t.Errorf("es geo=all: %v, want Madrid then Buenos Aires", es)
	}
	if inferred := pointsOf(t, with, "es", "--geo", "inferred"); len(inferred) != 2 {
		t.Errorf("es geo=inferred: %v", inferred)
	}
	if trusted := pointsOf(t, with, "es"); len(trusted) != 0 {
		t.Errorf("es default points: %v, want none", trusted)
	}
}

// Bluesky posts carry no location at all: places named in their text are
// their only way onto the map, as inferred points.
func TestBlueskyPostsPlacedFromText(t *testing.T) {
	dir := t.TempDir()
	_, errs, err := run(t, context.Background(), "", "ingest", "--source", "file:testdata/bluesky_places.jsonl", "--data-dir", dir,
		"--detector", "platform")
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	if pts := pointsOf(t, dir, "en"); len(pts) != 0 {
		t.Errorf("default points of Bluesky posts: %v, want none (no platform geo)", pts)
	}
	en := pointsOf(t, dir, "en", "--geo", "all")
	// Lisbon, then Chicago (from its hashtag); the third post names no place.
	if len(en) != 2 || en[0].Source != "text" || math.Abs(en[0].Lat-38.72) > 0.3 || math.Abs(en[0].Lon+9.14) > 0.3 ||
		en[1].Source != "text" || math.Abs(en[1].Lat-41.85) > 0.3 || math.Abs(en[1].Lon+87.65) > 0.3 {
		t.Errorf("en geo=all: %+v, want Lisbon then Chicago from the text", en)
	}
	es := pointsOf(t, dir, "es", "--geo", "inferred")
	if len(es) != 1 || math.Abs(es[0].Lat+34.6) > 0.3 {
		t.Errorf("es geo=inferred: %+v, want Buenos Aires", es)
	}
}
