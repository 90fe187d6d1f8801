package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"image/gif"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

// exploreStart is when the exploration commands' demo stream starts.
var exploreStart = time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)

// exploreData ingests ten minutes of demo stream (6000 messages at 10 a
// second from exploreStart) into a data directory and returns it, and the
// stream's end (the clock the commands run with).
func exploreData(t *testing.T) (dataDir string, end time.Time) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	stream := filepath.Join(dir, "demo.jsonl")
	if _, errs, err := runWithClock(ctx, exploreStart, "demo", "--seed", "3", "--rate", "10", "--limit", "6000", "-o", stream); err != nil {
		t.Fatalf("demo: %v\n%s", err, errs)
	}
	end = exploreStart.Add(10 * time.Minute)
	dataDir = filepath.Join(dir, "data")
	if _, errs, err := runWithClock(ctx, end, "ingest", "--source", "file:"+stream, "--detector", "platform", "--data-dir", dataDir); err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	return dataDir, end
}

func readRecords(t *testing.T, what, out string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: csv does not parse (%v):\n%.300s", what, err, out)
	}
	return recs
}

// TestExploreCommands: the query commands take the exploration flags and
// --format, and write exactly what the API answers in that format; flags
// the API refuses are usage errors that say what is allowed.
func TestExploreCommands(t *testing.T) {
	ctx := context.Background()
	dataDir, end := exploreData(t)
	cmd := func(t *testing.T, args ...string) string {
		t.Helper()
		out, errs, err := runWithClock(ctx, end, append(args, "--data-dir", dataDir)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, errs)
		}
		return out
	}
	from, to := exploreStart.Format(time.RFC3339), end.Format(time.RFC3339)

	t.Run("points geojson", func(t *testing.T) {
		var d httpapi.PointsData
		mustUnmarshal(t, cmd(t, "points", "--lang", "en", "--n", "50", "--format", "json"), &d)
		var fc httpapi.FeatureCollection
		mustUnmarshal(t, cmd(t, "points", "--lang", "en", "--n", "50", "--format", "geojson"), &fc)
		if len(d.Points) == 0 || len(fc.Features) != len(d.Points) {
			t.Fatalf("%d points, %d features", len(d.Points), len(fc.Features))
		}
		for i, f := range fc.Features {
			if f.Geometry.Coordinates != [2]float64{d.Points[i][1], d.Points[i][0]} {
				t.Fatalf("feature %d at %v, point [lat, lon] %v", i, f.Geometry.Coordinates, d.Points[i])
			}
		}
		recs := readRecords(t, "points csv", cmd(t, "points", "--lang", "en", "--n", "50", "--format", "csv"))
		if len(recs) != 1+len(d.Points) || recs[1][1] != strconv.FormatFloat(d.Points[0][0], 'g', -1, 64) {
			t.Fatalf("points csv %q", recs[:2])
		}
	})

	t.Run("top and counts csv", func(t *testing.T) {
		recs := readRecords(t, "top csv", cmd(t, "top", "--n", "2", "--format", "csv"))
		if strings.Join(recs[0], ",") != "lang,rank,tag,count" || len(recs) < 2 {
			t.Fatalf("top csv %q", recs)
		}
		var rows []httpapi.CountRow
		mustUnmarshal(t, cmd(t, "counts", "--json"), &rows)
		recs = readRecords(t, "counts csv", cmd(t, "counts", "--format", "csv"))
		if len(recs) != 1+len(rows) || recs[1][0] != rows[0].Lang || recs[1][2] != strconv.FormatInt(rows[0].Posts, 10) {
			t.Fatalf("counts csv %q, json %+v", recs, rows)
		}
	})

	t.Run("bad flags", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"top", "--format", "geojson"}, "table, json, csv"},
			{[]string{"counts", "--from", to, "--to", from}, "not before to"},
			{[]string{"top", "--window", "1h", "--from", from}, "window or from/to"},
			{[]string{"histogram", "--buckets", "0"}, "1 to 1000"},
			{[]string{"posts", "--q", strings.Repeat("x", 300)}, "at most 256"},
			{[]string{"render", "--step", "1m", "-o", filepath.Join(t.TempDir(), "a.gif")}, "needs --from and --to"},
			{[]string{"render", "--from", from, "--to", to, "--step", "1s", "-o", filepath.Join(t.TempDir(), "a.gif")}, "at most 500"},
		} {
			_, _, err := runWithClock(ctx, end, append(tc.args, "--data-dir", dataDir)...)
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: %v, want a usage error saying %q", tc.args, err, tc.want)
			}
		}
	})

	t.Run("histogram", func(t *testing.T) {
		var d httpapi.HistogramData
		mustUnmarshal(t, cmd(t, "histogram", "--from", from, "--to", to, "--buckets", "10", "--format", "json"), &d)
		if d.StepS != 60 || len(d.Buckets) != 10 || d.Posts == 0 {
			t.Fatalf("histogram of ten minutes in 10 buckets: step %gs, %d buckets, %d posts", d.StepS, len(d.Buckets), d.Posts)
		}
		recs := readRecords(t, "histogram csv", cmd(t, "histogram", "--from", from, "--to", to, "--buckets", "10", "--format", "csv"))
		var posts int64
		for _, r := range recs[1:] {
			n, _ := strconv.ParseInt(r[2], 10, 64)
			posts += n
		}
		if len(recs) != 11 || posts != d.Posts {
			t.Fatalf("histogram csv: %d rows summing to %d posts, json says %d", len(recs)-1, posts, d.Posts)
		}
		table := cmd(t, "histogram", "--from", from, "--to", to, "--buckets", "10")
		if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 12 || !strings.Contains(table, "█") {
			t.Fatalf("histogram table:\n%s", table)
		}
	})

	t.Run("posts", func(t *testing.T) {
		var d httpapi.PostsData
		mustUnmarshal(t, cmd(t, "posts", "--n", "5", "--format", "json"), &d)
		if len(d.Posts) != 5 || d.Kept == 0 {
			t.Fatalf("posts: %d (kept %d), want 5 of the demo's", len(d.Posts), d.Kept)
		}
		recs := readRecords(t, "posts csv", cmd(t, "posts", "--n", "5", "--format", "csv"))
		if len(recs) != 6 || recs[1][1] != d.Posts[0].ID || recs[1][9] != d.Posts[0].Text {
			t.Fatalf("posts csv %q, json %+v", recs, d.Posts[0])
		}
		table := cmd(t, "posts", "--n", "5")
		if !strings.Contains(table, "@") || !strings.Contains(table, "(5 shown") {
			t.Fatalf("posts table:\n%s", table)
		}
	})

	t.Run("render animation", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "anim.gif")
		cmd(t, "render", "--from", from, "--to", to, "--step", "150s", "--width", "320", "-o", out)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("anim.gif does not decode: %v", err)
		}
		if len(g.Image) != 4 {
			t.Fatalf("%d frames, want 4 (ten minutes in steps of 150 s)", len(g.Image))
		}
		var differ bool
		for i, f := range g.Image {
			if f.Rect != g.Image[0].Rect || f.Rect.Dx() != 320 {
				t.Fatalf("frame %d is %v", i, f.Rect)
			}
			if len(f.Palette) != len(g.Image[0].Palette) {
				t.Fatalf("frame %d has its own palette", i)
			}
			for j := range f.Palette {
				if f.Palette[j] != g.Image[0].Palette[j] {
					t.Fatalf("frame %d palette differs at %d", i, j)
				}
			}
			// Below the caption (which names each step), the maps differ:
			// each frame draws its own step's posts.
			below := f.PixOffset(0, 24)
			if i > 0 && !bytes.Equal(f.Pix[below:], g.Image[i-1].Pix[below:]) {
				differ = true
			}
		}
		if !differ {
			t.Fatal("every frame is the same picture: the steps' posts were not selected")
		}
	})
}
