package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/testenv"
)

// notebookCode returns the code cells of the notebook at path, in order,
// as one Python program.
func notebookCode(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var prog strings.Builder
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		// nbformat allows a cell's source as one string or a list of lines.
		var lines []string
		if err := json.Unmarshal(c.Source, &lines); err != nil {
			var one string
			if err := json.Unmarshal(c.Source, &one); err != nil {
				t.Fatalf("%s: cell %d source: %v", path, i, err)
			}
			lines = []string{one}
		}
		src := strings.Join(lines, "")
		// A notebook shows a cell's last expression; a script does not
		// need to, and IPython's magics would not parse.
		if strings.Contains(src, "\n%") || strings.HasPrefix(src, "%") {
			t.Fatalf("%s: cell %d uses an IPython magic: the notebook must run as plain Python", path, i)
		}
		prog.WriteString(src + "\n\n")
	}
	return prog.String()
}

// TestExploreNotebook runs the code of examples/explore.ipynb with python3
// against `geoheat serve --source demo` on a free loopback port: the
// notebook's own asserts check the exports it reads (GeoJSON points at
// [lon, lat] equal to /api/points, the histogram's and top's CSV columns).
func TestExploreNotebook(t *testing.T) {
	// Debian's python3: the apt packages are installed for it, not for a
	// python3 another installation puts first on PATH.
	py := testenv.RequireTool(t, "/usr/bin/python3")
	if out, err := exec.Command(py, "-c", "import pandas, geopandas").CombinedOutput(); err != nil {
		testenv.Missing(t, "examples/explore.ipynb needs pandas and geopandas (apt-get install python3-pandas python3-geopandas): %v %s", err, out)
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	prog := notebookCode(t, filepath.Join(root, "examples", "explore.ipynb"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	env := Env{Stdout: &syncWriter{w: &bytes.Buffer{}}, Stderr: &syncWriter{w: &stderr}, Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	base, done := startServeInProcess(t, ctx, env, nil, "--source", "demo", "--rate", "0", "--limit", "5000",
		"--detector", "platform", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir())
	waitStatus(t, base, time.Minute, func(st httpapi.StatusData) bool { return st.Store.Posts >= 4000 })

	pctx, pcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer pcancel()
	cmd := exec.CommandContext(pctx, py, "-")
	cmd.Stdin = strings.NewReader(prog)
	cmd.Env = append(os.Environ(), "GEOHEAT_SERVER="+base, "MPLBACKEND=Agg")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the notebook's code failed against %s: %v\n%s", base, err, out)
	}
	for _, want := range []string{"points; by provenance", "posts held:", "in Europe:"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the notebook printed no %q:\n%s", want, out)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
