// Package testenv tells tests what their environment provides — the
// project's shared data beside the checkout, programs on PATH — and applies
// one policy when something is missing:
//
//   - A missing tool or build product (redis-server, chromium, the seed's
//     Python, the dashboard bundle) skips the test with a message saying
//     how to get it; with CI set in the environment (.ci/run sets it) it
//     fails the test instead, since CI is meant to run every test.
//   - Missing shared data skips the test: the shared data is not part of
//     the repository, and a fresh clone has none. With
//     GEOHEAT_TEST_REQUIRE_SHARED_DATA set it fails instead.
//
// Only tests import this package.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Environment variables read here. GEOHEAT_TEST_* variables belong to the
// test suite; the binary ignores them.
const (
	// SharedDataEnv points the tests at the shared data directory (the one
	// holding tweets/, nltk_stopwords/, langid/ ...). Unset, it is
	// ../shared/data beside the repository root.
	SharedDataEnv = "GEOHEAT_TEST_SHARED_DATA"
	// RequireSharedDataEnv, when non-empty, makes missing shared data a
	// test failure instead of a skip.
	RequireSharedDataEnv = "GEOHEAT_TEST_REQUIRE_SHARED_DATA"
	// CIEnv, when non-empty, makes a missing tool a test failure instead of
	// a skip.
	CIEnv = "CI"
)

// SharedDataDir returns the shared data directory: $GEOHEAT_TEST_SHARED_DATA
// when set, else shared/data in the parent of the repository root (the
// nearest directory above the working directory holding go.mod). It does not
// check that the directory exists; the error says why none could be named.
func SharedDataDir() (string, error) {
	if dir := os.Getenv(SharedDataEnv); dir != "" {
		return filepath.Abs(dir)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "shared", "data"), nil
}

// RepoRoot returns the nearest directory at or above the working directory
// that holds go.mod.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("testenv: no go.mod at or above %s", wd)
		}
	}
}

// LookupShared returns the path elem names inside the shared data
// directory, and an error when it does not exist (no skip; for benchmarks
// and helpers that fall back to something else).
func LookupShared(elem ...string) (string, error) {
	dir, err := SharedDataDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return path, nil
}

// Shared returns the absolute path elem names inside the shared data
// directory (the directory itself without elem). When that path does not
// exist it skips the test, or fails it when GEOHEAT_TEST_REQUIRE_SHARED_DATA
// is set.
func Shared(tb testing.TB, elem ...string) string {
	tb.Helper()
	path, err := LookupShared(elem...)
	if err != nil {
		msg := fmt.Sprintf("shared data absent: %v (a fresh clone has no ../shared/data; set %s to the shared data directory to run this test)", err, SharedDataEnv)
		if os.Getenv(RequireSharedDataEnv) != "" {
			tb.Fatalf("%s, and %s is set", msg, RequireSharedDataEnv)
		}
		tb.Skip(msg)
	}
	return path
}

// RequireTool returns the path of the first of names found (a name with a
// slash is checked as a path, the others are looked up on PATH). When none
// is found it calls Missing. Install hints for the tools the suite uses are
// built in.
func RequireTool(tb testing.TB, names ...string) string {
	tb.Helper()
	if len(names) == 0 {
		tb.Fatal("testenv: RequireTool without a name")
	}
	var errs []error
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err == nil {
			return p
		}
		errs = append(errs, err)
	}
	hint := installHints[filepath.Base(names[0])]
	if hint != "" {
		hint = " (" + hint + ")"
	}
	Missing(tb, "%s not found%s: %v", strings.Join(names, " or "), hint, errors.Join(errs...))
	return ""
}

// installHints says how to install the tools the tests drive (Debian).
var installHints = map[string]string{
	"redis-server": "apt-get install redis-server",
	"redis-cli":    "apt-get install redis-tools",
	"chromium":     "apt-get install chromium, or set GEOHEAT_TEST_CHROMIUM",
	"python3":      "apt-get install python3",
	"bzip2":        "apt-get install bzip2",
}

// Missing reports a missing prerequisite: it skips the test with the
// message, or, with CI set in the environment, fails it. It does not return.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(CIEnv) != "" {
		tb.Fatalf("%s (a failure, not a skip: %s is set)", msg, CIEnv)
	}
	tb.Skip(msg)
}
