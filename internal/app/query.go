package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/geoheat/geoheat/internal/apiclient"
	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// Query commands (status, counts, top, points, render, map) build the same
// API request whether they ask a running server (--server) or open the
// store themselves (--store and --data-dir, as ingest takes them); in the
// second case the request is served in-process by the same handler, so the
// CLI and the API cannot disagree. A Redis store is shared, so it is read
// directly whether or not a server runs; the embedded store is locked by
// the process that holds it, which is then asked instead.

// apiGet asks the API for path?q: the server --server names, the server
// holding the data directory, or the store itself in this process.
func apiGet(ctx context.Context, env Env, cfg *Config, path string, q url.Values) (data json.RawMessage, err error) {
	err = withAPI(env, cfg, func(c *apiclient.Client) error {
		data, err = c.Get(ctx, path, q)
		return err
	})
	return data, err
}

// apiGetRaw is apiGet for an export (format=csv or geojson): the answer's
// bytes as the API sent them.
func apiGetRaw(ctx context.Context, env Env, cfg *Config, path string, q url.Values) (body []byte, err error) {
	err = withAPI(env, cfg, func(c *apiclient.Client) error {
		body, err = c.GetRaw(ctx, path, q)
		return err
	})
	return body, err
}

// withAPI calls fn with a client of the API the query flags name, and
// closes the store it opened (if any) after fn returns.
func withAPI(env Env, cfg *Config, fn func(c *apiclient.Client) error) error {
	if cfg.Server != "" {
		if _, err := url.ParseRequestURI(cfg.Server); err != nil {
			return fmt.Errorf("%w: bad --server: %v", ErrUsage, err)
		}
		return fn(apiclient.Remote(cfg.Server).WithToken(authToken(cfg, env)))
	}
	st, redirect, err := openQueryStore(env, cfg)
	if err != nil {
		return err
	}
	if redirect != "" {
		fmt.Fprintf(env.Stderr, "geoheat: %s is in use by a running server; asking it at %s\n", cfg.DataDir, redirect)
		return fn(apiclient.Remote(redirect).WithToken(authToken(cfg, env)))
	}
	defer st.Close()
	return fn(apiclient.InProcess(httpapi.New(httpapi.Options{Querier: st, Now: env.Now, Places: placeParser()})))
}

// placeParser reads the country= and near= of trends queries with the
// embedded gazetteer and outlines, loaded on first use (a quarter of a
// second; only trends need them) and then kept.
func placeParser() httpapi.PlaceParser { return sync.OnceValues(place.DefaultParser) }

// openQueryStore opens the store --store names for a query. When a server
// holds the embedded store's directory it returns that server's URL
// instead.
func openQueryStore(env Env, cfg *Config) (st store.Store, redirect string, err error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch {
	case isRedisURL(cfg.Store):
		rs, err := openRedisStore(cfg, env, quiet)
		if err != nil {
			return nil, "", err
		}
		return rs, "", nil
	case cfg.Store == "memory" || cfg.Store == "":
	default:
		return nil, "", fmt.Errorf("%w: unknown --store %q: want memory or redis://host:port/db", ErrUsage, cfg.Store)
	}
	if fi, err := os.Stat(cfg.DataDir); err != nil || !fi.IsDir() {
		return nil, "", fmt.Errorf("no geoheat data in %s: run `geoheat ingest` or `geoheat serve` first, or give --server URL or --store redis://...", cfg.DataDir)
	}
	// The country index places the points as the log is read, for trends
	// by country, as in the process that wrote them.
	// Kept text is read back from the log as --keep-text bounds it, so that
	// posts and q answer from the directory as they would from its server.
	keep, keepAge := cfg.KeepText.StoreLimits(cfg.MaxPosts)
	// --checkpoint as on serve: a directory whose log was cut keeps its
	// snapshot either way (the marker says so).
	checkpoint, err := ParseCheckpoint(cfg.Checkpoint)
	if err != nil {
		return nil, "", fmt.Errorf("%w: --checkpoint: %v", ErrUsage, err)
	}
	ms, err := memstore.Open(memstore.Options{Dir: cfg.DataDir, Now: env.Now, Logger: quiet, CountryOf: countryIndex(quiet),
		KeepText: keep, KeepTextAge: keepAge, Checkpoint: checkpoint})
	if errors.Is(err, memstore.ErrLocked) {
		b, rerr := os.ReadFile(filepath.Join(cfg.DataDir, serverFile))
		var info serverInfo
		if rerr == nil && json.Unmarshal(b, &info) == nil && info.URL != "" {
			return nil, info.URL, nil
		}
		return nil, "", fmt.Errorf("%s is in use by another geoheat process; query it with --server URL", cfg.DataDir)
	}
	if err != nil {
		return nil, "", err
	}
	return ms, "", nil
}

func printJSON(w io.Writer, data json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// queryFlags parses a query command's flags: its own, --server and --json,
// and the store flags ingest takes, so that a query can read the store an
// ingest filled without a server.
func queryFlags(name string, groups flagGroup, env Env, args []string, synopsis string) (*Config, error) {
	cfg, fs, err := parseFlags(name, groupQuery|groupStore|groups, env, args, synopsis)
	if err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: geoheat %s takes no arguments, got %q", ErrUsage, name, fs.Args())
	}
	if cfg.Server != "" && isRedisURL(cfg.Store) {
		return nil, fmt.Errorf("%w: geoheat %s: give --server or --store redis://..., not both", ErrUsage, name)
	}
	return cfg, nil
}

func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// terminalSafe keeps attacker-controlled text from driving the terminal:
// control characters (escape sequences included) are shown as \uXXXX.
func terminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Exploration flags (docs/explore.md): the query commands take the API's
// selection parameters as flags of the same names, each command those its
// endpoint takes. The groups are registered after every other, so a flag
// another group already defines (--bbox, --geo, --lang, --tag, --n) keeps
// its definition and field.
const (
	groupRange     flagGroup = 1 << (20 + iota) // --from, --to
	groupSearch                                 // --q
	groupArea                                   // --bbox, --geo
	groupFormat                                 // --format
	groupSelect                                 // --lang, --tag
	groupHistogram                              // --buckets
	groupPostsN                                 // --n (posts)
	groupAnimate                                // --step

	// groupExploreAll names every exploration flag (for allEnvNames).
	groupExploreAll = groupRange | groupSearch | groupArea | groupFormat | groupSelect | groupHistogram | groupPostsN | groupAnimate
)

// exploreFlags holds the exploration flags' values.
type exploreFlags struct {
	From, To string // RFC 3339 or Unix seconds
	Q        string
	Format   string // table, json, csv, geojson
	Buckets  int
	Step     time.Duration
}

func (c *Config) registerExplore(fs *flag.FlagSet, groups flagGroup) {
	e := &c.Explore
	str := func(p *string, name, value, usage string) {
		if fs.Lookup(name) == nil {
			fs.StringVar(p, name, value, usage)
		}
	}
	if groups&groupRange != 0 {
		str(&e.From, "from", "", "only posts from this time on: RFC 3339 (2026-12-06T14:00:00Z) or Unix seconds (not with --window)")
		str(&e.To, "to", "", "only posts before this time: RFC 3339 or Unix seconds (not with --window)")
	}
	if groups&groupSearch != 0 {
		str(&e.Q, "q", "", "only posts whose kept text holds every one of these words (at most 16 words, 256 bytes)")
	}
	if groups&groupArea != 0 {
		str(&c.BBox, "bbox", "", "only posts with a point inside this box, as west,south,east,north")
		if fs.Lookup("geo") == nil {
			c.registerGeo(fs)
		}
	}
	if groups&groupSelect != 0 {
		str(&c.Lang, "lang", "", "language: ISO 639-1 code (en) or NLTK name (english); default every language")
		str(&c.Tag, "tag", "", "only posts with this hashtag (without #)")
	}
	if groups&groupHistogram != 0 && fs.Lookup("buckets") == nil {
		fs.IntVar(&e.Buckets, "buckets", store.DefaultHistogramBuckets, fmt.Sprintf("at most this many time buckets (1 to %d); the step is the first round one that fits", store.MaxHistogramBuckets))
	}
	if groups&groupPostsN != 0 && fs.Lookup("n") == nil {
		fs.IntVar(&c.N, "n", store.DefaultPosts, fmt.Sprintf("how many posts, newest first (1 to %d)", store.MaxPosts))
	}
	if groups&groupAnimate != 0 && fs.Lookup("step") == nil {
		fs.DurationVar(&e.Step, "step", 0, "with --from and --to: write an animated GIF, one frame per step (1h, 30m) over [from, to)")
	}
	if groups&groupFormat != 0 {
		str(&e.Format, "format", "", "output: table (default), json, csv or geojson where the endpoint offers it")
	}
}

// outputFormat resolves --format (and the older --json) against the
// formats the command's endpoint offers besides the table.
func outputFormat(name string, cfg *Config, exports ...string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(cfg.Explore.Format))
	switch {
	case f == "" && cfg.JSON, f == "json":
		return "json", nil
	case f == "", f == "table":
		return "table", nil
	}
	for _, e := range exports {
		if f == e {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: geoheat %s: bad --format %q: want %s", ErrUsage, name, cfg.Explore.Format,
		strings.Join(append([]string{"table", "json"}, exports...), ", "))
}

// exploreValues adds the exploration flags that are set to the API
// parameters q.
func exploreValues(cfg *Config, q url.Values) url.Values {
	for _, p := range [...]struct{ name, value string }{
		{"from", cfg.Explore.From}, {"to", cfg.Explore.To}, {"q", cfg.Explore.Q}, {"bbox", cfg.BBox}, {"geo", cfg.Geo},
	} {
		if strings.TrimSpace(p.value) != "" {
			q.Set(p.name, p.value)
		}
	}
	return q
}

// exportOrData asks path for an export when format is csv or geojson and
// writes it to stdout as the API sent it (done true); otherwise it returns
// the JSON data for the command to print. An API refusal of the flags is a
// usage error naming what the API allows.
func exportOrData(ctx context.Context, env Env, cfg *Config, name, format, path string, q url.Values) (data json.RawMessage, done bool, err error) {
	if format == "csv" || format == "geojson" {
		q.Set("format", format)
		var body []byte
		if body, err = apiGetRaw(ctx, env, cfg, path, q); err == nil {
			_, err = env.Stdout.Write(body)
		}
		return nil, true, usageError(name, err)
	}
	data, err = apiGet(ctx, env, cfg, path, q)
	if err == nil && format == "json" {
		return nil, true, printJSON(env.Stdout, data)
	}
	return data, false, usageError(name, err)
}

// usageError turns the API's bad_data answer to a command's flags into a
// usage error: the API read the flags as given, and its message names the
// one at fault and what is allowed.
func usageError(name string, err error) error {
	var aerr *apiclient.Error
	if errors.As(err, &aerr) && aerr.Type == "bad_data" {
		return fmt.Errorf("%w: geoheat %s: %s", ErrUsage, name, aerr.Message)
	}
	return err
}

// selectionData asks path for the selection q plus --lang and --tag, and
// decodes the answer's data into T; done when an export (--format csv or
// geojson) was written instead.
func selectionData[T any](ctx context.Context, env Env, cfg *Config, name, format, path string, q url.Values) (d T, done bool, err error) {
	for k, v := range map[string]string{"lang": cfg.Lang, "tag": cfg.Tag} {
		if v != "" {
			q.Set(k, v)
		}
	}
	data, done, err := exportOrData(ctx, env, cfg, name, format, path, q)
	if done || err != nil {
		return d, done, err
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, false, fmt.Errorf("unexpected %s answer: %w", path, err)
	}
	return d, false, nil
}
