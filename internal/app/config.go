package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/bskyprofile"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/render"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"github.com/geoheat/geoheat/internal/trend/trendeval"
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
	Bursts       float64 // demo: injected trends per hour (demo.Burst)
	BurstsOut    string  // geoheat demo: where the scheduled bursts go
	Detector     string
	StopwordsDir string
	Ties         string
	Workers      int
	GeoInfer     string

	// store
	Store     string
	DataDir   string
	Retention time.Duration
	MaxPosts  int
	Fsync     string
	// Checkpoint is --checkpoint: "off", or how much log (1GiB) between two
	// checkpoints of the embedded store.
	Checkpoint string
	// KeepText is how much post text the store keeps (--keep-text): the
	// newest posts by count or by age, or none.
	KeepText KeepText

	// serving and querying
	Listen    string
	AuthToken string
	Server    string
	JSON      bool

	// queries
	Lang   string
	N      int
	Last   int
	Window string

	// trends (trends.go): the area (one of Country, Near with Radius, BBox),
	// the baseline, and a past time to look back from
	Country    string
	Near       string
	Radius     string
	Baseline   string
	MinAuthors int
	MinScore   float64
	// trends eval
	Span      time.Duration
	SpamShare float64
	Misses    bool
	At        string

	LogLevel string

	// Redis roles (redis.go, work.go; docs/redis.md)
	RedisLayout string
	To          string
	NoIngest    bool
	Group       string
	Consumer    string
	ClaimIdle   time.Duration

	// live sources (x.go; tokens come from X_BEARER_TOKEN and
	// MASTODON_TOKEN, never from flags, so they stay out of ps and history)
	XBaseURL     string
	Speed        float64 // file: replay at N× the posting pace
	JetstreamURL string
	MastodonURL  string
	// bluesky: Jetstream's zstd dictionary file; set = compressed frames
	JetstreamZstdDict string
	// bluesky: authors' profiles (bluesky.go; docs/geo.md)
	BlueskyProfiles bool
	BlueskyAppView  string
	BlueskyRate     float64

	// dashboard and exports (web.go, render.go)
	GoogleMapsKey string
	WebDir        string
	Tag           string
	Output        string
	Width         int
	Height        int
	BBox          string
	Proj          string
	// points, render, map: provenances drawn (exact,place,profile,text; trusted, inferred, all)
	Geo string

	// exploration flags of the query commands (query.go: registerExplore)
	Explore exploreFlags
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
	groupRender
	groupWork
	groupX       // geoheat x rules (x.go)
	groupVersion // geoheat version
	groupDemo    // geoheat demo (demo.go)
	groupTrends  // geoheat trends (trends.go)
	groupTrendsEval
)

// burstsUsage is --bursts on every command that runs the demo, so that it
// means the same everywhere.
const burstsUsage = "demo: injected trends per hour of stream time, over all languages: a new hashtag carried by many distinct authors at one city for 30-120 minutes, at 1-5 % of its language's posts (0 = none; see docs/demo.md)"

func (c *Config) register(fs *flag.FlagSet, groups flagGroup) {
	if groups&(groupIngest|groupDetect) != 0 {
		fs.StringVar(&c.Detector, "detector", "ngram", "language detector: ngram (character n-grams, 75+ languages, no NLTK lists needed), stopwords (the seed's NLTK stopword count), platform (the post's own language tag, else ngram) or auto (the tag when the text agrees, else ngram)")
		fs.StringVar(&c.StopwordsDir, "stopwords-dir", "", "NLTK data directory (holding corpora/stopwords/) or a folder of stopword lists; default $NLTK_DATA, then NLTK's usual locations")
		fs.StringVar(&c.GeoInfer, "geo-infer", "profile,text", "place posts that carry no point from the author's profile location and/or places named in the text: profile, text, both comma-separated, or none; inferred points are stored with their provenance and shown only when asked for (geo=all)")
		fs.StringVar(&c.Ties, "ties", "first", "stopword ties: first (alphabetical by NLTK name, reproducible) or random (the seed's behaviour)")
	}
	if groups&groupIngest != 0 {
		fs.StringVar(&c.Source, "source", "", "where posts come from: demo, file:PATH (a file, directory or quoted glob; .gz/.bz2/.zst/tar ok; - for stdin), x:filtered, x:sample, bluesky, mastodon (or mastodon:local, mastodon:hashtag:TAG)")
		fs.Float64Var(&c.Rate, "rate", -1, "demo: posts per second (0 = unlimited; default 300 for serve, unlimited for ingest)")
		fs.Uint64Var(&c.Seed, "seed", 1, "demo: random seed (same seed, same traffic); stopwords --ties random: tie seed")
		fs.Int64Var(&c.Limit, "limit", 0, "demo: stop after this many messages (0 = endless)")
		fs.Float64Var(&c.Bursts, "bursts", demo.DefaultBurstsPerHour, burstsUsage)
		fs.IntVar(&c.Workers, "workers", runtime.NumCPU(), "language detection workers")
	}
	if groups&groupDemo != 0 {
		fs.Uint64Var(&c.Seed, "seed", 1, "random seed (same seed, same messages and bursts)")
		fs.Int64Var(&c.Limit, "limit", 10_000, "how many messages")
		fs.Float64Var(&c.Rate, "rate", -1, "messages per second of stream time: their stamps are 1/RATE apart (default 1,000, one per millisecond); a day at the sample stream's pace is --rate 60 --limit 5184000")
		fs.Float64Var(&c.Bursts, "bursts", demo.DefaultBurstsPerHour, burstsUsage)
		fs.StringVar(&c.Output, "o", "-", "output file (.gz is compressed); - for stdout")
		fs.StringVar(&c.BurstsOut, "bursts-out", "", "also write the bursts the messages contain (those starting before the last message) to this file as JSON lines: tag, lang, city, country, lat, lon, radius_km, start, end, share")
	}
	if groups&(groupIngest|groupX) != 0 {
		fs.StringVar(&c.XBaseURL, "x-base-url", "https://api.x.com", "X API base URL (x:filtered, x:sample, geoheat x rules); bearer token from $X_BEARER_TOKEN")
	}
	if groups&groupIngest != 0 {
		fs.StringVar(&c.JetstreamURL, "jetstream-url", "wss://jetstream1.us-east.bsky.network,wss://jetstream2.us-east.bsky.network,wss://jetstream1.us-west.bsky.network,wss://jetstream2.us-west.bsky.network", "bluesky: Jetstream hosts, comma-separated, tried in turn on failure")
		fs.StringVar(&c.JetstreamZstdDict, "jetstream-zstd-dict", "", "bluesky: request zstd-compressed frames, decoded with this file: Jetstream's dictionary (pkg/models/zstd_dictionary in github.com/bluesky-social/jetstream)")
		fs.BoolVar(&c.BlueskyProfiles, "bluesky-profiles", true, "bluesky: look up authors not seen yet on the AppView (app.bsky.actor.getProfiles) to place their posts by their profile; profile records on Jetstream are used either way (with --geo-infer profile)")
		fs.StringVar(&c.BlueskyAppView, "bluesky-appview", bskyprofile.DefaultAppView, "bluesky: the AppView asked for authors' public profiles")
		fs.Float64Var(&c.BlueskyRate, "bluesky-appview-rate", bskyprofile.DefaultRate, "bluesky: AppView requests per second at most, 25 authors each (Bluesky allows 10/s per IP)")
		fs.Float64Var(&c.Speed, "speed", 0, "file: replay at N times the pace the posts were made, by created_at (0 = as fast as possible)")
		fs.StringVar(&c.MastodonURL, "mastodon-url", "https://mastodon.social", "mastodon: instance URL; token from $MASTODON_TOKEN")
	}
	if groups&(groupStore|groupQuery) != 0 {
		fs.StringVar(&c.DataDir, "data-dir", "./geoheat-data", "directory where the embedded store persists its data")
	}
	if groups&groupStore != 0 {
		fs.StringVar(&c.Store, "store", "memory", "store: memory (embedded, persisted under --data-dir) or redis://[user:pass@]host:port/db (see docs/redis.md)")
		fs.StringVar(&c.RedisLayout, "redis-layout", "native", "Redis store layout: native, or seed (the 2014 notebook's hashtag_<language> and geo_<language> lists)")
		fs.DurationVar(&c.Retention, "retention", 0, "drop posts older than this behind the newest post (0 = keep until --max-posts)")
		fs.IntVar(&c.MaxPosts, "max-posts", 10_000_000, "hold at most this many posts, oldest dropped first (0 = unlimited)")
		c.KeepText = KeepText{Posts: DefaultKeepTextPosts}
		fs.Var(&c.KeepText, "keep-text", "keep the text, handle and link of the newest posts for /api/posts and keyword search (q): a count of posts (1000000), a duration (24h: the posts of the last day), or off (none kept; see docs/explore.md)")
		fs.StringVar(&c.Fsync, "fsync", "everysec", "embedded store: fsync the log always (before each batch is acknowledged), everysec (lose at most ~1 s on power loss) or no (leave it to the OS); a process crash loses nothing acknowledged in any mode")
		fs.StringVar(&c.Checkpoint, "checkpoint", "off", "embedded store: write the snapshot while running every time the log grows by this much (1GiB, 512MB; at least the last snapshot's size) and cut the log before it, so the disk holds the log since the last checkpoint only and a start after a crash replays only that; off keeps the whole log (the snapshot is then written at shutdown only). Once the log is cut, only the build that wrote the snapshot can start from it (see docs/scale.md)")
	}
	if groups&groupSummary != 0 {
		fs.StringVar(&c.To, "to", "", "where posts go: store (default), or redis-stream (publish for `geoheat work`; needs --store redis://...)")
	}
	if groups&groupWork != 0 {
		fs.StringVar(&c.Group, "group", "geoheat", "Redis stream consumer group; workers of one group share the posts")
		fs.StringVar(&c.Consumer, "consumer", "", "this worker's name in the group (default host-pid); restart a worker under its name to resume its entries at once")
		fs.DurationVar(&c.ClaimIdle, "claim-idle", redisstore.DefaultClaimIdle, "take over entries another consumer has held this long without acknowledging them")
		fs.IntVar(&c.Workers, "workers", runtime.NumCPU(), "concurrent detect-and-record loops")
	}
	if groups&groupListen != 0 {
		fs.BoolVar(&c.NoIngest, "no-ingest", false, "serve the store only (a shared Redis filled by `geoheat work` or the seed), without --source")
		fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "HTTP address; loopback by default, widen it deliberately")
	}
	if groups&(groupListen|groupQuery) != 0 {
		fs.StringVar(&c.AuthToken, "auth-token", "", "the API's bearer token: serve requires it on all but /healthz (and needs one when --listen is not a loopback address); query commands present it to the server they ask (default $GEOHEAT_AUTH_TOKEN; never logged)")
	}
	if groups&groupQuery != 0 {
		fs.StringVar(&c.Server, "server", "", "query a running geoheat at this URL (http://127.0.0.1:8080) instead of --data-dir")
		fs.BoolVar(&c.JSON, "json", false, "print the API's JSON instead of a table")
	}
	if groups&(groupDetect|groupSummary|groupVersion) != 0 {
		fs.BoolVar(&c.JSON, "json", false, "print JSON instead of a table")
	}
	if groups&groupListen != 0 {
		fs.StringVar(&c.GoogleMapsKey, "google-maps-key", "", "Google Maps JavaScript API key: adds the Google basemap to the dashboard (default $GOOGLE_MAPS_API_KEY; never logged)")
		fs.StringVar(&c.WebDir, "web-dir", "", "dev: serve the dashboard from this build directory (web/dist, from npm run --prefix web build:dev) instead of the embedded copy")
	}
	if groups&groupRender != 0 {
		c.registerRender(fs)
	}
	if groups&(groupTop|groupPoints|groupRender|groupTrends) != 0 {
		fs.StringVar(&c.Lang, "lang", "", "language: ISO 639-1 code (en) or NLTK name (english)")
	}
	if groups&groupTop != 0 {
		fs.IntVar(&c.N, "n", 3, "hashtags per language")
		fs.IntVar(&c.Last, "last", 5000, "count over each language's last K hashtags")
		fs.StringVar(&c.Window, "window", "", "count over posts within this window of the newest post instead (15m, 1h, 24h, 7d)")
	}
	if groups&groupPoints != 0 {
		fs.IntVar(&c.N, "n", 400, "how many points")
		c.registerGeo(fs)
	}
	if groups&groupTrends != 0 {
		c.registerTrends(fs)
	}
	if groups&groupTrendsEval != 0 {
		c.registerTrendsEval(fs)
	}
	c.registerExplore(fs, groups)
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// DefaultKeepTextPosts is --keep-text's default: the newest million posts,
// a few hundred MB of text at most (BENCHMARKS.md).
const DefaultKeepTextPosts = 1_000_000

// KeepText is --keep-text parsed: the newest Posts posts, or the posts of
// the last Age; the zero value keeps none. At most one field is set.
type KeepText struct {
	Posts int
	Age   time.Duration
}

// Off reports whether no text is kept.
func (k KeepText) Off() bool { return k.Posts == 0 && k.Age == 0 }

// StoreLimits is k as the stores' options take it: at most posts texts,
// and with age > 0 only those of the last age. A duration bounds by age
// alone, so its count is the store's own bound (maxPosts; unlimited when
// 0); off is 0, 0.
func (k KeepText) StoreLimits(maxPosts int) (posts int, age time.Duration) {
	if k.Age > 0 {
		if maxPosts > 0 {
			return maxPosts, k.Age
		}
		return math.MaxInt32, k.Age
	}
	return k.Posts, 0
}

// String is the flag's value as it would be written (flag.Value).
func (k *KeepText) String() string {
	switch {
	case k == nil || k.Off():
		return "off"
	case k.Age > 0:
		return k.Age.String()
	}
	return strconv.Itoa(k.Posts)
}

// Set parses --keep-text (flag.Value): a positive count of posts, a
// positive duration, or off / 0. Anything else is an error that says what
// is allowed, which the flag package reports as a usage error.
func (k *KeepText) Set(s string) error {
	v, err := ParseKeepText(s)
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseKeepText reads a --keep-text value (see KeepText.Set).
func ParseKeepText(s string) (KeepText, error) {
	t := strings.TrimSpace(s)
	if t == "off" || t == "0" {
		return KeepText{}, nil
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 || n > math.MaxInt32 {
			return KeepText{}, fmt.Errorf("a count of posts must be 1 to %d (or off)", math.MaxInt32)
		}
		return KeepText{Posts: int(n)}, nil
	}
	if d, err := time.ParseDuration(t); err == nil {
		switch {
		case d < 0:
			return KeepText{}, errors.New("a duration must not be negative")
		case d == 0:
			return KeepText{}, nil
		case d < time.Second:
			return KeepText{}, errors.New("a duration must be at least 1s")
		}
		return KeepText{Age: d}, nil
	}
	return KeepText{}, errors.New("want a count of posts (1000000), a duration (24h, 90m) or off")
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
		// The flag package printed the usage already.
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
	var c Config
	for _, g := range []flagGroup{groupIngest | groupStore | groupListen, groupQuery | groupTop, groupPoints, groupDetect, groupRender, groupWork | groupSummary, groupDemo, groupTrends, groupExploreAll} {
		fs := flag.NewFlagSet("all", flag.ContinueOnError)
		c.register(fs, g)
		fs.VisitAll(func(f *flag.Flag) {
			names[envPrefix+"_"+strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(f.Name))] = true
		})
	}
	return names
}

// registerRender adds the flags of `render` and `map`.
func (c *Config) registerRender(fs *flag.FlagSet) {
	fs.StringVar(&c.Tag, "tag", "", "only posts with this hashtag (without #)")
	fs.StringVar(&c.Window, "window", "", "only posts within this window of the newest post (5m, 1h, 24h; all)")
	fs.IntVar(&c.N, "n", 0, "only the N most recent points (the seed drew 400); 0 = no limit")
	fs.StringVar(&c.Output, "o", "", "output file (- for stdout)")
	fs.IntVar(&c.Width, "width", render.DefaultWidth, "image width in pixels")
	fs.IntVar(&c.Height, "height", 0, "image height in pixels (0 = keep the area's aspect)")
	fs.StringVar(&c.BBox, "bbox", "", "area drawn, as west,south,east,north (default: the world)")
	fs.StringVar(&c.Proj, "proj", "equirect", "projection: equirect or mercator")
	c.registerGeo(fs)
}

// registerTrends adds the flags of `trends`: the API's /api/trends
// parameters, one flag each.
func (c *Config) registerTrends(fs *flag.FlagSet) {
	fs.StringVar(&c.Country, "country", "", "only posts placed in this country: ISO code (ES, ESP) or name in any language (Spain, España)")
	fs.StringVar(&c.Near, "near", "", "only posts within --radius of this place (Madrid; Paris, TX; Paris, France) or position (40.42,-3.70)")
	fs.StringVar(&c.Radius, "radius", "", "with --near: a distance such as 50km, 30mi or 800m (default 50km)")
	fs.StringVar(&c.BBox, "bbox", "", "only posts within this box, as west,south,east,north")
	fs.StringVar(&c.Window, "window", "1h", "the recent window a trend is observed over (at least 5m)")
	fs.StringVar(&c.Baseline, "baseline", "24h", "the span before the window that sets each tag's expected level (at least the window; window + baseline at most 7d)")
	fs.IntVar(&c.N, "n", store.DefaultTrendN, fmt.Sprintf("how many trends (1 to %d)", store.MaxTrendN))
	fs.IntVar(&c.MinAuthors, "min-authors", store.DefaultTrendMinAuthors, "distinct authors a tag needs in the window to trend")
	fs.Float64Var(&c.MinScore, "min-score", store.DefaultTrendMinScore, "score a tag needs to be listed, (observed - expected)^2 / expected (negative: every tag above its expected level; see docs/trends.md)")
	fs.StringVar(&c.At, "at", "", "the trends as they were at this time: RFC 3339 (2026-05-01T12:00:00Z) or Unix seconds (default: now, the newest post)")
	c.registerGeo(fs)
}

// registerTrendsEval adds the flags of `trends eval`: the demo day
// replayed (as `demo` and `serve --source demo` spell them) and the trend
// parameters (as `trends` spells them).
func (c *Config) registerTrendsEval(fs *flag.FlagSet) {
	fs.Uint64Var(&c.Seed, "seed", 1, "demo: random seed (same seed, same day, bursts and spammer)")
	fs.Float64Var(&c.Rate, "rate", trendeval.SampleRate, "demo: messages per second of stream time (the sample stream's pace)")
	fs.DurationVar(&c.Span, "span", trendeval.DefaultSpan, "stream time evaluated, after a warm-up of window + baseline")
	fs.Float64Var(&c.Bursts, "bursts", demo.DefaultBurstsPerHour, burstsUsage)
	fs.Float64Var(&c.SpamShare, "spam", trendeval.DefaultSpamShare, "demo: the spamming account's share of the English posts (negative: none)")
	fs.StringVar(&c.Window, "window", "1h", "the recent window a trend is observed over")
	fs.StringVar(&c.Baseline, "baseline", "24h", "the span before the window that sets each tag's expected level")
	fs.IntVar(&c.MinAuthors, "min-authors", store.DefaultTrendMinAuthors, "distinct authors a tag needs in the window to trend")
	fs.Float64Var(&c.MinScore, "min-score", store.DefaultTrendMinScore, "score a tag needs to be listed (see docs/trends.md)")
	fs.BoolVar(&c.Misses, "misses", false, "also list the bursts found late or not at all, with what outranked them")
}

// registerGeo adds --geo, the provenance filter of `points`, `render` and
// `map` (the API's geo= parameter).
func (c *Config) registerGeo(fs *flag.FlagSet) {
	fs.StringVar(&c.Geo, "geo", "", "point provenances: a comma list of exact, place, profile, text, or trusted (exact,place), inferred (profile,text), all (default trusted)")
}

// checkGeo rejects a bad --geo before anything is queried.
func checkGeo(name string, cfg *Config) error {
	if _, err := httpapi.ParseGeo(cfg.Geo); err != nil {
		return fmt.Errorf("%w: geoheat %s: --geo: %v", ErrUsage, name, err)
	}
	return nil
}
