package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/geoheat/geoheat/internal/langid/stopwords"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/testenv"
)

// The seed layout, both ways, with the seed's own Python code (shared
// baseline): the notebook's read cells on keys geoheat wrote print what
// geoheat's own counts/top/points print, and byte for byte what the seed's
// pipeline writes for the same input; and geoheat serves a Redis the
// seed's pipeline filled with the seed's own answers. Skipped (saying why)
// without the shared data or a python3 with the seed's packages.
func TestSeedLayoutRoundTrip(t *testing.T) {
	shared := testenv.Shared(t)
	python := requireSeedPython(t)
	listDir := filepath.Join(shared, "nltk_stopwords", "notebook_era_2012")
	lists, err := stopwords.Load(listDir)
	if err != nil {
		t.Fatal(err)
	}
	input, kept := parityInput(t, shared, stopwords.New(lists, stopwords.TiesFirst, 1))
	ctx := context.Background()

	// The seed's pipeline fills one Redis...
	seedSrv := redistest.Start(t)
	fromSeed, seedWritten := runSeed(t, python, shared, listDir, input, seedSrv.Port)
	if seedWritten != int64(kept) {
		t.Fatalf("the seed wrote %d tweets, want %d", seedWritten, kept)
	}

	// ...geoheat fills another in the seed layout.
	ghSrv := redistest.Start(t)
	out, errs, err := run(t, ctx, "", "ingest", "--source", "file:"+input, "--store", ghSrv.URL(""), "--redis-layout", "seed",
		"--detector", "stopwords", "--stopwords-dir", listDir, "--json")
	if err != nil {
		t.Fatalf("geoheat ingest --redis-layout seed: %v\n%s", err, errs)
	}
	var sum Summary
	mustUnmarshal(t, out, &sum)
	if sum.Written != int64(kept) {
		t.Fatalf("geoheat wrote %d posts, want %d", sum.Written, kept)
	}

	t.Run("same bytes as the seed", func(t *testing.T) {
		a := seedRead(t, python, listDir, seedSrv.Port, "digest")
		b := seedRead(t, python, listDir, ghSrv.Port, "digest")
		if a != b {
			t.Errorf("seed_read.py digest differs:\nseed    %s\ngeoheat %s", a, b)
		}
	})

	t.Run("seed_read.py on geoheat's keys", func(t *testing.T) {
		var doc seedDoc
		mustUnmarshal(t, seedRead(t, python, listDir, ghSrv.Port, "all", "--n", "400"), &doc)
		// geoheat's own answers, from its embedded store fed the same file.
		dataDir := t.TempDir()
		if _, errs, err := run(t, ctx, "", "ingest", "--source", "file:"+input, "--data-dir", dataDir,
			"--detector", "stopwords", "--stopwords-dir", listDir, "--json"); err != nil {
			t.Fatalf("geoheat ingest: %v\n%s", err, errs)
		}
		compareWithSeed(t, ctx, []string{"--data-dir", dataDir}, doc)
	})

	t.Run("geoheat serves the seed's Redis", func(t *testing.T) {
		url := serveInProcess(t, "--no-ingest", "--store", seedSrv.URL(""), "--redis-layout", "seed", "--detector", "stopwords", "--stopwords-dir", listDir)
		compareWithSeed(t, ctx, []string{"--server", url}, fromSeed)
	})
}

// seedRead runs the notebook's read cells (seed_read.py) on a Redis.
func seedRead(t *testing.T, python, listDir string, port int, args ...string) string {
	t.Helper()
	script := filepath.Join(testenv.Shared(t), "..", "baseline", "seed_read.py")
	cmd := exec.Command(python, append([]string{script, "--port", strconv.Itoa(port), "--db", "0"}, args...)...)
	cmd.Env = append(os.Environ(), "NLTK_DATA="+listDir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("seed_read.py %v: %v", args, err)
	}
	return string(out)
}

// serveInProcess runs `geoheat serve ARGS` on a free port until the test
// ends and returns its URL.
func serveInProcess(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := Env{Stdout: &safeDiscard{}, Stderr: &safeDiscard{}, Getenv: func(string) string { return "" },
		Environ: func() []string { return nil }}
	u, done := startServeInProcess(t, ctx, env, nil, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return u
}

type safeDiscard struct{}

func (*safeDiscard) Write(p []byte) (int, error) { return len(p), nil }
