package app

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/httpapi"

	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
)

// Query commands take --store as ingest does and answer straight from
// Redis: no server runs, and the data directory they are given does not
// exist, so nothing but Redis can answer. Their answers equal those of the
// embedded store fed the same demo corpus, in the native layout and in the
// seed's (hashtag_<language>, geo_<language>; DB 1 of the same server).
func TestQueryCommandsReadRedisDirectly(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	native := srv.URL("")
	seed := strings.TrimSuffix(native, "/0") + "/1"
	// One corpus file for the three ingests (the demo's timestamps follow
	// the clock, so two demo runs are not the same traffic).
	corpus := filepath.Join(t.TempDir(), "demo.jsonl")
	if _, errs, err := run(t, ctx, "", "demo", "--limit", "3000", "--seed", "7", "-o", corpus); err != nil {
		t.Fatalf("demo: %v\n%s", err, errs)
	}
	ingestArgs := []string{"ingest", "--source", "file:" + corpus,
		"--detector", "stopwords", "--stopwords-dir", miniStopwords, "--json"}
	embedded := t.TempDir()
	for _, extra := range [][]string{
		{"--data-dir", embedded},
		{"--store", native},
		{"--store", seed, "--redis-layout", "seed"},
	} {
		out, errs, err := run(t, ctx, "", append(append([]string{}, ingestArgs...), extra...)...)
		if err != nil {
			t.Fatalf("ingest %v: %v\n%s", extra, err, errs)
		}
		var sum Summary
		mustUnmarshal(t, out, &sum)
		if sum.Written == 0 {
			t.Fatalf("ingest %v wrote nothing: %+v", extra, sum)
		}
	}
	absent := filepath.Join(t.TempDir(), "absent")
	query := func(t *testing.T, store []string, args ...string) string {
		t.Helper()
		full := append(append(append([]string{}, args...), "--json", "--data-dir", absent), store...)
		out, errs, err := run(t, ctx, "", full...)
		if err != nil {
			t.Fatalf("geoheat %s: %v\n%s", strings.Join(full, " "), err, errs)
		}
		return out
	}
	want := func(t *testing.T, args ...string) string {
		t.Helper()
		out, errs, err := run(t, ctx, "", append(append([]string{}, args...), "--json", "--data-dir", embedded)...)
		if err != nil {
			t.Fatalf("geoheat %v on the embedded store: %v\n%s", args, err, errs)
		}
		return out
	}

	// The embedded answers must hold something, or equality proves little.
	var counts []struct {
		Lang        string
		Posts       int64
		Geo         int64
		Hashtags    int64
		GeoBySource map[string]int64 `json:"geo_by_source"`
	}
	mustUnmarshal(t, want(t, "counts"), &counts)
	var lang string
	for _, c := range counts {
		if c.Geo > 0 && c.Hashtags > 0 {
			lang = c.Lang
			break
		}
	}
	if lang == "" {
		t.Fatalf("no language with points and hashtags in the embedded counts: %+v", counts)
	}

	t.Run("native", func(t *testing.T) {
		store := []string{"--store", native}
		for _, args := range [][]string{
			{"counts"},
			{"top", "--n", "5", "--last", "1000"},
			{"top", "--lang", lang, "--n", "3", "--window", "1h"},
			{"points", "--lang", lang, "--n", "400"},
		} {
			if got, exp := query(t, store, args...), want(t, args...); got != exp {
				t.Errorf("geoheat %v --store redis:\n%s\nembedded store:\n%s", args, got, exp)
			}
		}
	})
	t.Run("seed layout", func(t *testing.T) {
		// The seed's lists hold hashtags and exact points only
		// (docs/redis.md), so its counts are the embedded hashtags and
		// exact points, and its points the embedded --geo exact.
		store := []string{"--store", seed, "--redis-layout", "seed"}
		var got []struct {
			Lang     string
			Geo      int64
			Hashtags int64
		}
		mustUnmarshal(t, query(t, store, "counts"), &got)
		byLang := map[string][2]int64{}
		for _, c := range got {
			byLang[c.Lang] = [2]int64{c.Geo, c.Hashtags}
		}
		for _, c := range counts {
			if g, exp := byLang[c.Lang], [2]int64{c.GeoBySource["exact"], c.Hashtags}; g != exp {
				t.Errorf("%s: seed layout geo, hashtags %v; embedded %v", c.Lang, g, exp)
			}
		}
		for _, args := range [][]string{
			{"top", "--n", "5", "--last", "1000"},
			{"points", "--lang", lang, "--n", "400", "--geo", "exact"},
		} {
			got, exp := query(t, store, args...), want(t, args...)
			if args[0] == "points" {
				// The seed's lists hold bare coordinates: the points' times
				// and tags, which the embedded store keeps, are absent.
				var g, e httpapi.PointsData
				mustUnmarshal(t, got, &g)
				mustUnmarshal(t, exp, &e)
				if g.Times != nil || g.Tags != nil || len(e.Times) != len(e.Points) {
					t.Errorf("points: seed layout times %v tags %v; embedded has %d times for %d points", g.Times, g.Tags, len(e.Times), len(e.Points))
				}
				e.Times, e.Tags = nil, nil
				if reflect.DeepEqual(g, e) {
					continue
				}
			}
			if got != exp {
				t.Errorf("geoheat %v --store redis --redis-layout seed:\n%s\nembedded store:\n%s", args, got, exp)
			}
		}
	})
	t.Run("not with --server", func(t *testing.T) {
		_, _, err := run(t, ctx, "", "counts", "--store", native, "--server", "http://127.0.0.1:1")
		if err == nil || !strings.Contains(err.Error(), "not both") {
			t.Errorf("counts --store redis --server: err %v, want a usage error", err)
		}
	})
}
