package app

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/pipeline"
)

// run executes one command line in-process and returns stdout and stderr.
func run(t *testing.T, ctx context.Context, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	err := Run(ctx, env, args)
	return out.String(), errb.String(), err
}

// miniStopwords is a self-written stopword directory, so CLI tests run
// without NLTK data.
const miniStopwords = "testdata/stopwords"

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"unknown command", []string{"frobnicate"}},
		{"unknown flag", []string{"counts", "--frob"}},
		{"missing source", []string{"ingest", "--detector", "stopwords", "--stopwords-dir", miniStopwords, "--data-dir", t.TempDir()}},
		{"bad source", []string{"ingest", "--source", "ftp:nowhere", "--data-dir", t.TempDir()}},
		{"endless demo ingest", []string{"ingest", "--source", "demo", "--detector", "stopwords", "--stopwords-dir", miniStopwords, "--data-dir", t.TempDir()}},
		{"bad ties", []string{"detect", "--detector", "stopwords", "--stopwords-dir", miniStopwords, "--ties", "coin", "x"}},
		{"points without lang", []string{"points", "--data-dir", t.TempDir()}},
		{"bad detector", []string{"detect", "--detector", "magic", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, ctx, "", tc.args...)
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
		})
	}
}

func TestUnknownEnvironmentVariableRejected(t *testing.T) {
	var out bytes.Buffer
	env := Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" },
		Environ: func() []string { return []string{"GEOHEAT_DATA_DIR=x", "GEOHEAT_DATADIR=y", "HOME=/root"} }}
	err := Run(context.Background(), env, []string{"counts"})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "GEOHEAT_DATADIR") || strings.Contains(err.Error(), "GEOHEAT_DATA_DIR,") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errb, Getenv: os.Getenv,
		Environ: func() []string { return []string{"GEOHEAT_DATA_DIR=" + dir} }}
	t.Setenv("GEOHEAT_DATA_DIR", dir)
	err := Run(context.Background(), env, []string{"counts"})
	// The directory exists but holds no store yet: opening it is fine and
	// the table is empty.
	if err != nil {
		t.Fatalf("counts with GEOHEAT_DATA_DIR: %v (%s)", err, errb.String())
	}
}

func TestQueryWithoutDataSaysWhatToDo(t *testing.T) {
	_, _, err := run(t, context.Background(), "", "counts", "--data-dir", filepath.Join(t.TempDir(), "none"))
	if err == nil || !strings.Contains(err.Error(), "geoheat ingest") {
		t.Fatalf("err = %v", err)
	}
}

func TestDetectCommand(t *testing.T) {
	ctx := context.Background()
	out, _, err := run(t, ctx, "", "detect", "--detector", "stopwords", "--stopwords-dir", miniStopwords, "--json", "the cat and the dog")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Lang    string `json:"lang"`
		Name    string `json:"name"`
		Matches int    `json:"matches"`
		Total   int    `json:"total"`
		Kept    bool   `json:"kept"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if d.Lang != "en" || d.Name != "english" || d.Matches != 2 || !d.Kept {
		t.Fatalf("detect = %+v", d)
	}
	// One text per line on stdin, a table out.
	out, _, err = run(t, ctx, "el perro y el gato\nthe end\n", "detect", "--detector", "stopwords", "--stopwords-dir", miniStopwords)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "spanish") || !strings.Contains(lines[2], "english") {
		t.Fatalf("table:\n%s", out)
	}
}

// A replay through the whole CLI: ingest a file, then every query command
// ingestSummary ingests the file at path into dataDir with the seed's
// detector on the mini stopword lists and returns the --json summary and
// what it logged.
func ingestSummary(t *testing.T, path, dataDir string) (Summary, string) {
	t.Helper()
	out, errs, err := run(t, context.Background(), "", "ingest", "--source", "file:"+path, "--data-dir", dataDir,
		"--detector", "stopwords", "--stopwords-dir", miniStopwords, "--json")
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	return sum, errs
}

// answers from the data directory, and again after a restart.
func TestIngestThenQueryFixture(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sum, _ := ingestSummary(t, "testdata/stream.jsonl", dir)
	want := Summary{Messages: 9, Posts: 6, Notices: 2, Malformed: 1, Undetected: 1, Written: 5}
	if sum.Messages != want.Messages || sum.Posts != want.Posts || sum.Notices != want.Notices ||
		sum.Malformed != want.Malformed || sum.Undetected != want.Undetected || sum.Written != want.Written ||
		sum.NoticeKinds["delete"] != 1 || sum.NoticeKinds["limit"] != 1 {
		t.Fatalf("summary %+v", sum)
	}
	out, _, err := run(t, ctx, "", "counts", "--data-dir", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var counts []struct {
		Lang     string
		Posts    int64
		Geo      int64
		Hashtags int64
	}
	if err := json.Unmarshal([]byte(out), &counts); err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts[0].Lang != "en" || counts[0].Posts != 3 || counts[0].Geo != 2 || counts[0].Hashtags != 4 ||
		counts[1].Lang != "es" || counts[1].Posts != 2 || counts[1].Geo != 1 || counts[1].Hashtags != 1 {
		t.Fatalf("counts %+v", counts)
	}
	out, _, err = run(t, ctx, "", "top", "--data-dir", dir, "--lang", "english")
	if err != nil {
		t.Fatal(err)
	}
	// #Rio 2 (Rio and RIO lower-case alike), then #goal and #İstanbul once
	// each, first seen first.
	if !strings.Contains(out, "rio 2, goal 1, i̇stanbul 1") {
		t.Fatalf("top table:\n%s", out)
	}
	out, _, err = run(t, ctx, "", "points", "--data-dir", dir, "--lang", "en", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var pts struct{ Points [][2]float64 }
	if err := json.Unmarshal([]byte(out), &pts); err != nil {
		t.Fatal(err)
	}
	if len(pts.Points) != 2 || pts.Points[0] != [2]float64{40.7128, -74.006} || pts.Points[1] != [2]float64{51.5072, -0.1276} {
		t.Fatalf("points %v", pts.Points)
	}
	out, _, err = run(t, ctx, "", "status", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "posts held") || !strings.Contains(out, "5 (points 3") {
		t.Fatalf("status: %v\n%s", err, out)
	}
}

var _ = time.Second

// The notebook's static format (flattened tweets that already carry their
// language) is recorded as it is, without detection.
func TestIngestSeedStaticFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, errs, err := run(t, ctx, "", "ingest", "--source", "file:testdata/static.json", "--data-dir", dir,
		"--detector", "stopwords", "--stopwords-dir", miniStopwords, "--json")
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	var sum Summary
	mustUnmarshal(t, out, &sum)
	if sum.Messages != 3 || sum.Written != 3 || sum.Undetected != 0 {
		t.Fatalf("summary %+v", sum)
	}
	out, _, err = run(t, ctx, "", "top", "--data-dir", dir, "--lang", "es", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"tag": "mundial"`) || !strings.Contains(out, `"count": 2`) {
		t.Fatalf("top:\n%s", out)
	}
	out, _, err = run(t, ctx, "", "points", "--data-dir", dir, "--lang", "spanish", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var pts struct{ Points [][2]float64 }
	mustUnmarshal(t, out, &pts)
	if len(pts.Points) != 2 || pts.Points[1] != [2]float64{-22.9, -43.2} {
		t.Fatalf("points %v", pts.Points)
	}
}

func TestProgressLine(t *testing.T) {
	var s pipeline.Stats
	s.Source.Name = "file:x.jsonl.gz"
	s.Messages, s.Written, s.Seconds = 1000, 600, 2
	s.Source.Bytes, s.Source.Total = 250, 1000
	got := progressLine(s)
	for _, want := range []string{"500 msg/s", "600 written", "25.0%", "ETA 6s"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
	s.Source.Total = 0 // a live source: no share, no ETA
	if got := progressLine(s); strings.Contains(got, "%") || strings.Contains(got, "ETA") {
		t.Errorf("live progress line %q", got)
	}
}

// TestIngestArchiveWithDamagedMember: `geoheat ingest` of an Archive Team
// style tar whose middle member is damaged records the other members'
// posts, says how many members were damaged, names the member in the log
// and exits 0.
func TestIngestArchiveWithDamagedMember(t *testing.T) {
	stream, err := os.ReadFile("testdata/stream.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(stream)
	zw.Close()
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	for _, m := range []struct {
		name string
		data []byte
	}{
		{"2013/06/10/12/00.json.gz", gz.Bytes()},
		{"2013/06/10/12/01.json.gz", []byte{0x1f, 0x8b, 0, 0, 'n', 'o', 't'}},
		{"2013/06/10/12/02.json", stream},
	} {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg})
		tw.Write(m.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "minutes.tar")
	if err := os.WriteFile(path, archive.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, errs := ingestSummary(t, path, filepath.Join(dir, "data"))
	// stream.jsonl holds 9 messages, 5 of them written (TestIngestThenQueryFixture).
	if sum.Messages != 18 || sum.Written != 10 || sum.MembersDamaged != 1 || sum.Error != "" {
		t.Fatalf("summary %+v, want 18 messages, 10 written, 1 member damaged, no error", sum)
	}
	if !strings.Contains(errs, "2013/06/10/12/01.json.gz") || !strings.Contains(errs, "damaged member") {
		t.Errorf("log does not name the damaged member:\n%s", errs)
	}
}
