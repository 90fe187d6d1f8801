package app

import (
	"context"
	"strings"
	"testing"
)

// -h prints a command's usage once (it was printed twice: by the flag
// package and again by the command) and is not an error.
func TestHelpPrintsUsageOnce(t *testing.T) {
	for _, name := range []string{"serve", "ingest", "work", "status", "counts", "top", "trends", "points", "detect", "map", "render", "demo", "bench"} {
		_, errOut, err := run(t, context.Background(), "", name, "-h")
		if err != nil {
			t.Errorf("%s -h: %v", name, err)
		}
		if n := strings.Count(errOut, "Usage:"); n != 1 {
			t.Errorf("%s -h printed the usage %d times:\n%s", name, n, errOut)
		}
	}
}
