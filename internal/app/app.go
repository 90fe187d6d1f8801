// Package app wires geoheat together: it parses the command line, builds the
// source, detector, store, pipeline and HTTP server, and runs them under one
// errgroup. cmd/geoheat only calls Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"
)

// Env is the process environment the app sees; tests fill it in.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Environ func() []string
	Now     func() time.Time
	// IsTerminal reports whether stderr is an interactive terminal (for the
	// progress line).
	IsTerminal bool
	// OnListen, when set, is told the server's URL once it listens (tests
	// serve on 127.0.0.1:0).
	OnListen func(url string)
}

// ErrUsage marks command-line mistakes; main exits 2 for them.
var ErrUsage = errors.New("usage")

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "ingest in the background and serve the HTTP API on 127.0.0.1:8080", runServe},
		{"ingest", "run the pipeline until the source ends and print a summary", runIngest},
		{"work", "consume the Redis stream `ingest --to redis-stream` fills: detect and record", runWork},
		{"status", "current time, uptime, source, counters, queues, store", runStatus},
		{"counts", "posts, geo points and hashtags held per language", runCounts},
		{"top", "top hashtags per language over the last K hashtags or a time window", runTop},
		{"trends", "hashtags rising now in a language and a place: distinct authors against the tag's own baseline", runTrends},
		{"points", "the N most recent geo points of a language, oldest first", runPoints},
		{"histogram", "posts and mapped points per time bucket of a selection (--from, --to, --buckets)", runHistogram},
		{"posts", "the newest posts whose text is kept, of a selection (--q, --bbox, --from, --to)", runPosts},
		{"detect", "guess the language of texts (arguments, or one per line on stdin)", runDetect},
		{"langid", "language identification: langid eval FILE.tsv|tweets:FILE measures accuracy and speed", runLangid},
		{"map", "write a standalone HTML heatmap of a language, hashtag or window (-o file.html)", runMap},
		{"render", "render a heatmap PNG over the country outlines (-o file.png)", runRender},
		{"demo", "write the demo stream's raw messages to a file (JSON lines)", runDemo},
		{"x", "X API v2: x rules list|add|delete manages the filtered stream's rules", runX},
		{"bench", "run the performance scenarios of BENCHMARKS.md and print one table", runBench},
		{"version", "what this binary is and carries: revision, Go, dashboard, gazetteer, language models", runVersion},
		{"geo", "offline place resolution: geo resolve STRING... and geo eval (accuracy, speed)", runGeo},
	}
}

// Run executes one geoheat command line (args without the program name).
func Run(ctx context.Context, env Env, args []string) error {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Environ == nil {
		env.Environ = os.Environ
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if err := checkEnv(env); err != nil {
		return err
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return fmt.Errorf("%w: no command given", ErrUsage)
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	usage(env.Stderr)
	return fmt.Errorf("%w: unknown command %q", ErrUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "geoheat: which hashtags each language uses right now, and where posts come from.")
	fmt.Fprintln(w, "\nUsage: geoheat COMMAND [flags]   (geoheat COMMAND -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as GEOHEAT_<FLAG> in the environment (--data-dir: GEOHEAT_DATA_DIR).")
}

// checkEnv rejects GEOHEAT_* variables that name no flag of any command, so
// a typo does not silently fall back to a default.
func checkEnv(env Env) error {
	known := allEnvNames()
	var bad []string
	for _, kv := range env.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// GEOHEAT_TEST_* belong to the test suite, not to the binary.
		if strings.HasPrefix(name, envPrefix+"_") && !strings.HasPrefix(name, envPrefix+"_TEST_") && !known[name] {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%w: unknown environment variable(s) %s", ErrUsage, strings.Join(bad, ", "))
	}
	return nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: bad --log-level %q: want debug, info, warn or error", ErrUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
