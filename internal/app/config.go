package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
)

const envPrefix = "GEOHEAT"

// Config is every setting of every command; each command registers the
// flags it uses. Defaults are documented on the flags themselves.
type Config struct {
	// ingestion
	Source       string
	Rate         float64
	Seed         uint64
	Limit        int64
	Detector     string
	StopwordsDir string
	Ties         string
	Workers      int

	// store
	Store     string
	DataDir   string
	Retention time.Duration
	MaxPosts  int

	// serving and querying
	Listen string
	Server string
	JSON   bool

	// queries
	Lang   string
	N      int
	Last   int
	Window string

	LogLevel string
}

type flagGroup uint

const (
	groupIngest flagGroup = 1 << iota
	groupStore
	groupListen
	groupQuery
	groupDetect
	groupTop
	groupPoints
	groupSummary
)

func (c *Config) register(fs *flag.FlagSet, groups flagGroup) {
	if groups&(groupIngest|groupDetect) != 0 {
		fs.StringVar(&c.Detector, "detector", "stopwords", "language detector: stopwords (the seed's NLTK stopword count)")
		fs.StringVar(&c.StopwordsDir, "stopwords-dir", "", "NLTK data directory (holding corpora/stopwords/) or a folder of stopword lists; default $NLTK_DATA, then NLTK's usual locations")
		fs.StringVar(&c.Ties, "ties", "first", "stopword ties: first (alphabetical by NLTK name, reproducible) or random (the seed's behaviour)")
	}
	if groups&groupIngest != 0 {
		fs.StringVar(&c.Source, "source", "", "where posts come from: demo, file:PATH (.gz ok; - for stdin)")
		fs.Float64Var(&c.Rate, "rate", -1, "demo: posts per second (0 = unlimited; default 300 for serve, unlimited for ingest)")
		fs.Uint64Var(&c.Seed, "seed", 1, "demo: random seed (same seed, same traffic); stopwords --ties random: tie seed")
		fs.Int64Var(&c.Limit, "limit", 0, "demo: stop after this many messages (0 = endless)")
		fs.IntVar(&c.Workers, "workers", runtime.NumCPU(), "language detection workers")
	}
	if groups&(groupStore|groupQuery) != 0 {
		fs.StringVar(&c.DataDir, "data-dir", "./geoheat-data", "directory where the embedded store persists its data")
	}
	if groups&groupStore != 0 {
		fs.StringVar(&c.Store, "store", "memory", "store: memory (embedded, persisted under --data-dir)")
		fs.DurationVar(&c.Retention, "retention", 0, "drop posts older than this behind the newest post (0 = keep until --max-posts)")
		fs.IntVar(&c.MaxPosts, "max-posts", 10_000_000, "hold at most this many posts, oldest dropped first (0 = unlimited)")
	}
	if groups&groupListen != 0 {
		fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "HTTP address; loopback by default, widen it deliberately")
	}
	if groups&groupQuery != 0 {
		fs.StringVar(&c.Server, "server", "", "query a running geoheat at this URL (http://127.0.0.1:8080) instead of --data-dir")
		fs.BoolVar(&c.JSON, "json", false, "print the API's JSON instead of a table")
	}
	if groups&(groupDetect|groupSummary) != 0 {
		fs.BoolVar(&c.JSON, "json", false, "print JSON instead of a table")
	}
	if groups&(groupTop|groupPoints) != 0 {
		fs.StringVar(&c.Lang, "lang", "", "language: ISO 639-1 code (en) or NLTK name (english)")
	}
	if groups&groupTop != 0 {
		fs.IntVar(&c.N, "n", 3, "hashtags per language")
		fs.IntVar(&c.Last, "last", 5000, "count over each language's last K hashtags")
		fs.StringVar(&c.Window, "window", "", "count over posts within this window of the newest post instead (15m, 1h, 24h, 7d)")
	}
	if groups&groupPoints != 0 {
		fs.IntVar(&c.N, "n", 400, "how many points")
	}
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// parseFlags parses args and GEOHEAT_* variables into a Config.
func parseFlags(name string, groups flagGroup, env Env, args []string, synopsis string) (*Config, *flag.FlagSet, error) {
	cfg := &Config{}
	fs := flag.NewFlagSet("geoheat "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.register(fs, groups)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: geoheat %s %s\n\nFlags:\n", name, synopsis)
		fs.SetOutput(env.Stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	err := ff.Parse(fs, args, ff.WithEnvVarPrefix(envPrefix), ff.WithEnvVars())
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, nil, flag.ErrHelp
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: geoheat %s: %v", ErrUsage, name, err)
	}
	return cfg, fs, nil
}

// allEnvNames lists GEOHEAT_* names of every flag of every command.
func allEnvNames() map[string]bool {
	names := map[string]bool{}
	fs := flag.NewFlagSet("all", flag.ContinueOnError)
	var c Config
	for _, g := range []flagGroup{groupIngest | groupStore | groupListen, groupQuery | groupTop, groupPoints, groupDetect} {
		fs = flag.NewFlagSet("all", flag.ContinueOnError)
		c.register(fs, g)
		fs.VisitAll(func(f *flag.Flag) {
			names[envPrefix+"_"+strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(f.Name))] = true
		})
	}
	return names
}
