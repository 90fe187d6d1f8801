package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/geoheat/geoheat/internal/testenv"
)

// TestExploreOnReplayedArchive replays an archive of raw v1.1 messages it
// writes itself (the demo's) and explores it (exploreReplay).
func TestExploreOnReplayedArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.jsonl")
	if _, errs, err := runWithClock(context.Background(), exploreStart, "demo", "--seed", "5", "--limit", "6000", "-o", path); err != nil {
		t.Fatalf("demo: %v\n%s", err, errs)
	}
	exploreReplay(t, path)
}

// TestExploreOnRealArchive does the same on the shared real tweets: a
// real-data check.
func TestExploreOnRealArchive(t *testing.T) {
	exploreReplay(t, testenv.Shared(t, "tweets", "combined", "v1_tweets_unique.jsonl.gz"))
}

// exploreReplay ingests the archive at path and explores it through the
// commands: the histogram accounts for every post counted, the posts
// behind a spot link to x.com, a word of a listed text finds its post, and
// a box around a listed point agrees between counts and the histogram.
func exploreReplay(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	dataDir := filepath.Join(t.TempDir(), "data")
	if _, errs, err := runWithClock(ctx, now, "ingest", "--source", "file:"+path, "--detector", "platform", "--data-dir", dataDir); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	cmd := func(args ...string) [][]string {
		t.Helper()
		out, errs, err := runWithClock(ctx, now, append(args, "--data-dir", dataDir, "--format", "csv")...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, errs)
		}
		return readRecords(t, strings.Join(args, " "), out)
	}
	sum := func(recs [][]string, col int) int {
		n := 0
		for _, r := range recs[1:] {
			v, err := strconv.Atoi(r[col])
			if err != nil {
				t.Fatalf("column %d of %v: %v", col, r, err)
			}
			n += v
		}
		return n
	}
	posts := sum(cmd("counts"), 2)
	if posts < 1000 {
		t.Fatalf("only %d posts recorded from the archive", posts)
	}
	if got := sum(cmd("histogram", "--buckets", "1000"), 2); got != posts {
		t.Errorf("histogram over everything held: %d posts, counts say %d", got, posts)
	}

	listed := cmd("posts", "--n", "1000")
	if len(listed) < 500 {
		t.Fatalf("posts listed %d, want the newest 1000 of %d kept", len(listed)-1, posts)
	}
	var word, wordID string
	var lat, lon float64
	hasPoint := false
	for _, r := range listed[1:] {
		id, url, text := r[1], r[4], r[9]
		if !strings.HasPrefix(url, "https://x.com/") || !strings.HasSuffix(url, "/status/"+id) {
			t.Fatalf("post %s links to %q, want its x.com status", id, url)
		}
		for _, f := range strings.Fields(text) {
			if word == "" && len(f) >= 7 && strings.IndexFunc(f, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsLetter(c) }) < 0 {
				word, wordID = f, id
			}
		}
		if !hasPoint && r[5] != "" {
			lat, _ = strconv.ParseFloat(r[5], 64)
			lon, _ = strconv.ParseFloat(r[6], 64)
			hasPoint = true
		}
	}
	if word == "" || !hasPoint {
		t.Fatalf("no plain word (%q) or no point among the listed posts", word)
	}
	found := false
	for _, r := range cmd("posts", "--q", word, "--n", "1000")[1:] {
		found = found || r[1] == wordID
		if !strings.Contains(strings.ToLower(r[9]+" "+r[8]), strings.ToLower(word)) {
			t.Errorf("q=%s listed post %s whose text and tags lack it: %q", word, r[1], r[9])
		}
	}
	if !found {
		t.Errorf("q=%s did not find post %s, whose text has it", word, wordID)
	}
	box := fmt.Sprintf("%g,%g,%g,%g", max(lon-1, -180), max(lat-1, -90), min(lon+1, 180), min(lat+1, 90))
	inBox := sum(cmd("counts", "--bbox", box), 2)
	if inBox < 1 {
		t.Fatalf("counts in %s: %d, but a listed post has a point there", box, inBox)
	}
	if got := sum(cmd("histogram", "--bbox", box, "--buckets", "1000"), 2); got != inBox {
		t.Errorf("histogram in %s: %d posts, counts say %d", box, got, inBox)
	}
	cmd("top", "--bbox", box)
}
