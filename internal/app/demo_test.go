package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
)

// runAt is run with a fixed clock, so that burst times are known.
func runAt(t *testing.T, now time.Time, args ...string) error {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil },
		Now: func() time.Time { return now }}
	err := Run(context.Background(), env, args)
	if err != nil {
		t.Logf("stderr: %s", errb.String())
	}
	return err
}

func readBursts(t *testing.T, path string) []demo.Burst {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []demo.Burst
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var b demo.Burst
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			t.Fatalf("bursts file: %v: %s", err, sc.Bytes())
		}
		out = append(out, b)
	}
	return out
}

func TestDemoWritesItsBursts(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	stream, truth := filepath.Join(dir, "demo.jsonl"), filepath.Join(dir, "bursts.jsonl")
	// 3,000 messages a second apart: 50 minutes, at 30 bursts an hour.
	if err := runAt(t, now, "demo", "--seed", "4", "--rate", "1", "--bursts", "30", "--limit", "3000", "-o", stream, "--bursts-out", truth); err != nil {
		t.Fatal(err)
	}
	got := readBursts(t, truth)
	want := demo.ScheduledBursts(demo.Options{Seed: 4, BurstsPerHour: 30, Now: func() time.Time { return now }}, 3000*time.Second)
	if len(want) < 5 || !slices.EqualFunc(got, want, func(a, b demo.Burst) bool {
		return a.Tag == b.Tag && a.Lang == b.Lang && a.City == b.City && a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Share == b.Share
	}) {
		t.Fatalf("--bursts-out wrote %d bursts, the schedule has %d:\n%v\n%v", len(got), len(want), got, want)
	}
	data, err := os.ReadFile(stream)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("\n")); n != 3000 {
		t.Fatalf("%d messages, want 3000", n)
	}
	// At one message a second a burst has few posts, but some show.
	tags := streamTags(t, data)
	seen := 0
	for _, b := range got {
		if tags[strings.ToLower(b.Tag)] {
			seen++
		}
	}
	if seen == 0 {
		t.Errorf("none of the %d bursts' tags is in the stream", len(got))
	}

	// --bursts 0: no bursts, and an empty ground truth.
	if err := runAt(t, now, "demo", "--seed", "4", "--rate", "1", "--bursts", "0", "--limit", "3000", "-o", stream, "--bursts-out", truth); err != nil {
		t.Fatal(err)
	}
	if got := readBursts(t, truth); len(got) != 0 {
		t.Fatalf("--bursts 0 wrote %d bursts", len(got))
	}
	plain, _ := os.ReadFile(stream)
	tags = streamTags(t, plain)
	for _, b := range want {
		if tags[strings.ToLower(b.Tag)] {
			t.Fatalf("--bursts 0 still carries #%s", b.Tag)
		}
	}

	// GEOHEAT_BURSTS goes through the same flag.
	t.Setenv("GEOHEAT_BURSTS", "30")
	if err := runAt(t, now, "demo", "--seed", "4", "--rate", "1", "--limit", "3000", "-o", stream, "--bursts-out", truth); err != nil {
		t.Fatal(err)
	}
	if got := readBursts(t, truth); len(got) != len(want) {
		t.Fatalf("GEOHEAT_BURSTS=30 wrote %d bursts, want %d", len(got), len(want))
	}
}

func TestBadBurstsIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--bursts", "-1"},
		{"demo", "--bursts", "NaN"},
		{"demo", "--bursts", "+Inf"},
		{"demo", "--bursts-out", "-"}, // -o is stdout too
		{"ingest", "--source", "demo", "--limit", "10", "--bursts", "-2", "--data-dir", t.TempDir()},
	} {
		if err := runAt(t, time.Now(), args...); err == nil || !strings.Contains(err.Error(), "usage") || !strings.Contains(err.Error(), "bursts") {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// --bursts means the same on every command that runs the demo.
func TestBurstsFlagIsTheSameEverywhere(t *testing.T) {
	var c Config
	var seen []*flag.Flag
	for _, groups := range []flagGroup{groupIngest | groupStore | groupListen, groupIngest | groupStore | groupSummary, groupDemo} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		c.register(fs, groups)
		f := fs.Lookup("bursts")
		if f == nil {
			t.Fatalf("groups %b: no --bursts", groups)
		}
		seen = append(seen, f)
	}
	for _, f := range seen[1:] {
		if f.DefValue != seen[0].DefValue || f.Usage != seen[0].Usage {
			t.Errorf("--bursts differs: %q %q vs %q %q", f.DefValue, f.Usage, seen[0].DefValue, seen[0].Usage)
		}
	}
	if seen[0].DefValue != "3" {
		t.Errorf("--bursts defaults to %s; docs/demo.md says 3", seen[0].DefValue)
	}
	if !allEnvNames()["GEOHEAT_BURSTS"] || !allEnvNames()["GEOHEAT_BURSTS_OUT"] {
		t.Error("GEOHEAT_BURSTS or GEOHEAT_BURSTS_OUT is not a known variable")
	}
}

// streamTags returns the lower-cased hashtags of a stream's posts.
func streamTags(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	tags := make(map[string]bool)
	for _, line := range bytes.Split(data, []byte("\n")) {
		var p struct {
			Entities struct {
				Hashtags []struct{ Text string } `json:"hashtags"`
			} `json:"entities"`
		}
		if json.Unmarshal(line, &p) != nil {
			continue // notices and the odd malformed line
		}
		for _, h := range p.Entities.Hashtags {
			tags[strings.ToLower(h.Text)] = true
		}
	}
	return tags
}
