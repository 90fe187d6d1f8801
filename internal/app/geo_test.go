package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/testenv"
)

// needGazetteer skips (fails under CI) when the binary under test was built
// without the generated gazetteer (npm run --prefix web gazetteer; make
// build runs it).
func needGazetteer(t *testing.T) {
	t.Helper()
	if _, err := geo.Default(); errors.Is(err, geo.ErrNotBuilt) {
		testenv.Missing(t, "gazetteer not built: run `make build`: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
}

// evalTable runs geo eval and returns its rows by method.
func evalTable(t *testing.T, args ...string) map[string][]string {
	t.Helper()
	out, errOut, err := run(t, context.Background(), "", append([]string{"geo", "eval"}, args...)...)
	if err != nil {
		t.Fatalf("geo eval: %v\n%s%s", err, out, errOut)
	}
	t.Logf("\n%s", out)
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 7 {
			rows[f[0]] = f[1:]
		}
	}
	return rows
}

// TestGeoEvalFixture checks the table against values computed by hand
// from testdata/geo_eval.jsonl, whose true points are offset from the
// gazetteer's city positions by whole fractions of a degree of latitude
// (0.1° = 11.1 km, 0.5° = 55.6 km, 1° = 111.2 km, 2° = 222.4 km):
//
//	tweet  place            profile                 text
//	1      centre, 0 km     Madrid, España: 55.6    "hola": none
//	2      -                Earth: none             en Buenos Aires: 111.2
//	3      -                Paris: 222.4            none
//	4      centre, 11.1 km  Austin, TX: 0           #Austin: 0
//	5      no coordinates: not a candidate
//
// Quantiles are nearest-rank. Combined takes place, then profile, then
// text: 0, 111.2, 222.4, 11.1.
func TestGeoEvalFixture(t *testing.T) {
	needGazetteer(t)
	rows := evalTable(t, "--data", filepath.Join("testdata", "geo_eval.jsonl"), "--speed-time", "0")
	want := map[string][]string{
		//          candidates resolved share   median  p90    within 100 km
		"place":    {"2", "2", "100.0%", "0.0", "11.1", "100.0%"},
		"profile":  {"4", "3", "75.0%", "55.6", "222.4", "66.7%"},
		"text":     {"4", "2", "50.0%", "0.0", "111.2", "50.0%"},
		"combined": {"4", "4", "100.0%", "11.1", "222.4", "50.0%"},
	}
	for method, w := range want {
		if got := rows[method]; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("%s: %v, want %v", method, got, w)
		}
	}
}

func TestGeoResolveCommand(t *testing.T) {
	needGazetteer(t)
	out, _, err := run(t, context.Background(), "", "geo", "resolve", "--lang", "es", "Madrid, España", "Earth", "<script>")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 rows:\n%s", out)
	}
	f := strings.Fields(lines[1])
	if len(f) != 7 || f[2] != "Madrid" || f[3] != "ES" {
		t.Errorf("Madrid row: %q", lines[1])
	}
	if lat, _ := strconv.ParseFloat(f[4], 64); lat < 40 || lat > 41 {
		t.Errorf("Madrid latitude %v", f[4])
	}
	if !strings.Contains(lines[2], "Earth") || !strings.HasSuffix(strings.TrimSpace(lines[2]), "-") {
		t.Errorf("Earth row: %q", lines[2])
	}
	if _, _, err := run(t, context.Background(), "", "geo", "nope"); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown subcommand: %v", err)
	}
}

// TestGeoEvalSharedData measures the real tweets. The target is 90 %
// of resolved points within 100 km; on these tweets the profile resolver
// reaches about 82 %: the far ones are, nearly all, correct resolutions of
// authors who tweeted away from home (a Londoner in São Paulo), which no
// resolver can see. The floors below guard what is measured (see
// docs/geo.md).
func TestGeoEvalSharedData(t *testing.T) {
	needGazetteer(t)
	path := testenv.Shared(t, "tweets", "combined", "v1_tweets_unique.jsonl.gz")
	rows := evalTable(t, "--data", path, "--speed-time", "0")
	floor := map[string]float64{"place": 85, "profile": 80, "text": 90}
	for method, min := range floor {
		r := rows[method]
		if len(r) != 6 {
			t.Fatalf("%s: row %v", method, r)
		}
		within, _ := strconv.ParseFloat(strings.TrimSuffix(r[5], "%"), 64)
		if within < min {
			t.Errorf("%s: %.1f%% of resolved points within 100 km, want >= %.0f%%", method, within, min)
		}
		if n, _ := strconv.Atoi(r[1]); n < 20 {
			t.Errorf("%s: only %d resolved", method, n)
		}
	}
}

// `geo eval --profiles` scores a labelled file: two places (one resolved
// within 100 km, one not resolvable), two non-places (nothing resolved).
func TestGeoEvalProfilesCommand(t *testing.T) {
	needGazetteer(t)
	path := filepath.Join(t.TempDir(), "p.tsv")
	data := "# test\n📍 Berlin\tBerlin\tDE\t52.52\t13.405\tde\nZzyzxqq\tLisbon\tPT\t38.72\t-9.14\tpt\nthe internet\tnone\t\t\t\ten\nshe/her\tnone\t\t\t\ten\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, context.Background(), "", "geo", "eval", "--profiles", path, "--misses")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "all" {
			all = f
		}
	}
	// lang places resolved share within of-resolved median non-places false
	if want := "all 2 1 50.0% 50.0% 100.0%"; !strings.HasPrefix(strings.Join(all, " "), want) || all[len(all)-2] != "2" || all[len(all)-1] != "0" {
		t.Errorf("all row %v, want prefix %q and 2 non-places, 0 false\n%s", all, want, out)
	}
	if !strings.Contains(out, "unresolved\tpt\t\"Zzyzxqq\"") {
		t.Errorf("misses do not list the unresolved row:\n%s", out)
	}
	if _, _, err := run(t, context.Background(), "", "geo", "eval", "--profiles", path, "--data", path); !errors.Is(err, ErrUsage) {
		t.Errorf("--profiles with --data: %v, want a usage error", err)
	}
}
