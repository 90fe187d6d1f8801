// Package redisstore is geoheat's Redis store: the data lives in a Redis
// server (single, Sentinel-managed or Cluster) so that several processes,
// on several machines, record into and query the same data, and Redis'
// own persistence (appendonly yes, as the seed notebook set it) keeps it
// across restarts.
//
// Two layouts:
//
//   - native (default): per-language lists of post records, hashtags and
//     points, a global arrival list for dropping the oldest posts first,
//     and a small time-bounds index per 256 posts so time windows read
//     only the posts they need. It answers every query exactly as the
//     embedded store does (storetest passes on both). All keys share one
//     hash tag, "{prefix}:...", so multi-key scripts work on a Cluster.
//   - seed: exactly the 2014 notebook's keys, hashtag_<nltk name> and
//     geo_<nltk name> lists, so the notebook's read cells run unchanged on
//     data geoheat wrote, and geoheat serves counts, top hashtags and points
//     from a Redis the seed's own pipeline filled.
//
// docs/redis.md documents the key layout, the URL forms, durability and
// the scaled-out roles (stream.go, work.go).
//
// # Writes and outages
//
// Record returns nil only once Redis has acknowledged the batch (the reply
// of the script that applied it). Each call carries a random token that the
// script records with the batch, so a batch retried after a lost reply is
// not applied twice. While Redis is unreachable, Record retries with capped
// exponential backoff (50 ms doubling to 2 s) for up to the give-up time
// (default 1 minute, `give_up=` in the URL; 0 retries for ever); the
// in-flight buffer is the caller's batch, so the pipeline's bounded queues
// bound everything held. A batch given up on is counted as dropped (see
// Health) and returned as an error wrapping ErrUnavailable; while Redis
// stays down, later batches get one attempt each, so a live source keeps
// flowing and every lost post is counted, never silent.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/trend"
)

// Sentinel errors. Wrapped errors name the operation; compare with errors.Is.
var (
	// ErrUnavailable is wrapped by errors caused by Redis being unreachable
	// or refusing writes for a while (loading, failing over, out of memory).
	ErrUnavailable = errors.New("redisstore: redis unavailable")
	// ErrBadURL is wrapped by Open for a URL it cannot use.
	ErrBadURL = errors.New("redisstore: bad redis URL")
)

// Layout selects how data is laid out in Redis.
type Layout string

// Layouts.
const (
	LayoutNative Layout = "native"
	LayoutSeed   Layout = "seed"
)

// ParseLayout reads a --redis-layout value ("" means native).
func ParseLayout(s string) (Layout, error) {
	switch Layout(s) {
	case "", LayoutNative:
		return LayoutNative, nil
	case LayoutSeed:
		return LayoutSeed, nil
	}
	return "", fmt.Errorf("redisstore: unknown layout %q: want native or seed", s)
}

// Defaults; docs/redis.md lists them with the URL parameters that change
// them.
const (
	DefaultPrefix    = "geoheat"
	DefaultGiveUp    = time.Minute
	DefaultDedupeTTL = 24 * time.Hour

	defaultConnectTimeout = 10 * time.Second
	minBackoff            = 50 * time.Millisecond
	maxBackoff            = 2 * time.Second
	// tokenTTL is how long a batch token is remembered: longer than any
	// retry of that batch can take with the default give-up time.
	tokenTTL = time.Hour
	// maxScriptPosts bounds one script call, so one huge Record cannot
	// block Redis (scripts run alone) for long.
	maxScriptPosts = 512
)

// Options configures Open.
type Options struct {
	// URL names the server(s); see docs/redis.md. Required.
	URL string
	// Layout is LayoutNative (default) or LayoutSeed.
	Layout Layout
	// Retention drops posts older than head − Retention; 0 keeps them.
	// Native layout only (the seed kept everything).
	Retention time.Duration
	// MaxPosts drops the oldest posts beyond this many; 0 means no limit.
	// Native layout only.
	MaxPosts int
	// KeepText keeps the text (id, handle, snippet, link) of the newest
	// KeepText posts for Posts and keyword search; 0 keeps none (and
	// deletes what was kept, on the next write). KeepTextAge, when set,
	// also drops the text of posts older than the newest time recorded
	// minus KeepTextAge (as textindex bounds the embedded store's). Native
	// layout only; docs/redis.md has the cost.
	KeepText    int
	KeepTextAge time.Duration
	// Now is the store clock (default time.Now). Tests inject one.
	Now func() time.Time
	// Logger reports outages and recoveries (default slog.Default()).
	Logger *slog.Logger

	// Prefix overrides the URL's prefix= (default "geoheat"): keys are
	// "{Prefix}:...". Tests give each test its own.
	Prefix string
	// GiveUp overrides the URL's give_up=: how long Record retries a batch
	// while Redis is unreachable. Negative retries for ever.
	GiveUp time.Duration
	// DedupeTTL overrides the URL's dedupe_ttl=: how long `work` remembers
	// a post id it recorded.
	DedupeTTL time.Duration
	// ConnectTimeout bounds how long Open waits for Redis to answer
	// (default 10 s).
	ConnectTimeout time.Duration
	// MaxBacklog is how many entries the stream may hold before Publish
	// waits for workers (default DefaultMaxBacklog).
	MaxBacklog int
	// CountryOf places points in countries for trends by country (the app
	// passes the country outlines' index); nil leaves country trends
	// unanswered (trend.ErrNoCountries).
	CountryOf trend.CountryFunc
}

var _ store.Store = (*Store)(nil)

// Store is the Redis store. Create it with Open. All methods are safe for
// concurrent use.
type Store struct {
	rdb       redis.UniversalClient
	cluster   bool
	layout    Layout
	base      string // "{prefix}": every native key starts with it
	addr      string // the URL without its password, for messages
	retention time.Duration
	maxPosts  int
	keepText  int
	keepAge   time.Duration
	now       func() time.Time
	log       *slog.Logger
	giveUp    time.Duration // <= 0: retry for ever
	dedupeTTL time.Duration
	backlog   int // stream entries before Publish waits; 0 = default
	countryOf trend.CountryFunc

	closed atomic.Bool
	health healthState
}

// Open connects to Redis and returns the store once Redis answers (waiting
// up to ConnectTimeout for it to come up).
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Retention < 0 {
		return nil, fmt.Errorf("redisstore: negative retention %v", opts.Retention)
	}
	if opts.MaxPosts < 0 {
		return nil, fmt.Errorf("redisstore: negative max posts %d", opts.MaxPosts)
	}
	if opts.KeepText < 0 || opts.KeepTextAge < 0 {
		return nil, fmt.Errorf("redisstore: negative kept text bound (%d posts, %v)", opts.KeepText, opts.KeepTextAge)
	}
	layout, err := ParseLayout(string(opts.Layout))
	if err != nil {
		return nil, err
	}
	dc, err := parseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Prefix != "" {
		dc.prefix = opts.Prefix
	}
	if err := checkPrefix(dc.prefix); err != nil {
		return nil, err
	}
	if opts.GiveUp != 0 {
		dc.giveUp = max(opts.GiveUp, 0)
	}
	if opts.DedupeTTL > 0 {
		dc.dedupeTTL = opts.DedupeTTL
	}
	if layout == LayoutSeed && dc.cluster {
		return nil, fmt.Errorf("%w: the seed layout's keys (hashtag_<language>, geo_<language>) carry no hash tag, so it needs a single Redis or Sentinel, not a Cluster", ErrBadURL)
	}
	s := &Store{
		rdb:       dc.client(),
		cluster:   dc.cluster,
		layout:    layout,
		base:      "{" + dc.prefix + "}",
		addr:      dc.redacted,
		retention: opts.Retention,
		maxPosts:  opts.MaxPosts,
		keepText:  opts.KeepText,
		keepAge:   opts.KeepTextAge,
		now:       opts.Now,
		log:       opts.Logger,
		giveUp:    dc.giveUp,
		dedupeTTL: dc.dedupeTTL,
		backlog:   opts.MaxBacklog,
		countryOf: opts.CountryOf,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.health.init(time.Now())
	wait := opts.ConnectTimeout
	if wait <= 0 {
		wait = defaultConnectTimeout
	}
	if err := s.waitReady(ctx, wait); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("redisstore: connect to %s: %w", s.addr, err)
	}
	return s, nil
}

// waitReady pings until Redis answers, ctx ends or wait passes.
func (s *Store) waitReady(ctx context.Context, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	backoff := minBackoff
	for {
		err := s.rdb.Ping(ctx).Err()
		if err == nil {
			s.health.ok(time.Now())
			return nil
		}
		if !retryable(err) {
			return err
		}
		if sleepCtx(ctx, backoff) != nil {
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// Addr is the URL the store was opened with, without its password.
func (s *Store) Addr() string { return s.addr }

// Layout reports the store's layout.
func (s *Store) Layout() Layout { return s.layout }

// Client returns the underlying client, for tests and tools that inspect
// Redis directly. Callers must not close it.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// key returns a native key: "{prefix}:" + parts joined by ":".
func (s *Store) key(parts ...string) string {
	return s.base + ":" + strings.Join(parts, ":")
}

// Flush implements store.Store. Every Record was acknowledged by Redis
// already; durability from there is Redis' (appendonly yes, see
// docs/redis.md). On Redis 7.2 and later Flush also waits until the local
// append-only file has the writes (WAITAOF 1 0 0); older servers, servers
// without AOF and Clusters just confirm Redis answers.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	if !s.cluster {
		err := s.rdb.Do(ctx, "WAITAOF", 1, 0, 0).Err()
		var rerr redis.Error
		if err == nil || errors.As(err, &rerr) {
			// Unknown command (Redis < 7.2) or AOF disabled: nothing more to
			// wait for.
			return nil
		}
		return s.queryErr("flush", err)
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return s.queryErr("flush", err)
	}
	return nil
}

// Close implements store.Store. Calls made after it return store.ErrClosed.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return store.ErrClosed
	}
	s.health.setClosed(time.Now())
	if err := s.rdb.Close(); err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}

// begin checks the context and whether the store is closed.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// queryErr wraps a read error: closed stays ErrClosed, unreachable Redis
// wraps ErrUnavailable, the context's errors stay themselves.
func (s *Store) queryErr(op string, err error) error {
	switch {
	case s.closed.Load() || errors.Is(err, redis.ErrClosed):
		return store.ErrClosed
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case retryable(err):
		s.health.failing(time.Now(), err)
		return fmt.Errorf("redisstore: %s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// retryable reports whether err is Redis being unreachable or temporarily
// refusing (a retry may succeed), as opposed to a bug or bad data.
func retryable(err error) bool {
	switch {
	case err == nil, errors.Is(err, redis.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsClusterDownError(err) ||
			redis.IsTryAgainError(err) || redis.IsMasterDownError(err) || redis.IsMaxClientsError(err) ||
			redis.IsOOMError(err) || redis.IsNoReplicasError(err) || redis.HasErrorPrefix(err, "BUSY ")
	}
	// Dial failures, resets, EOF, timeouts, pool timeouts.
	return true
}

// write runs op, which applies one batch of posts, retrying while Redis is
// unavailable (see the package doc). posts is how many posts the batch
// holds, for the in-flight and drop counts.
//
// pending is for callers that keep the posts when write fails (stream
// entries stay pending until acknowledged): write then never gives up, only
// ctx ends the retries, nothing counts as dropped, and op runs with a
// context that is not cancelled, so an attempt under way when ctx ends is
// completed rather than abandoned half-sent.
func (s *Store) write(ctx context.Context, what string, posts int, pending bool, op func(ctx context.Context) error) error {
	s.health.addInFlight(int64(posts))
	defer s.health.addInFlight(-int64(posts))
	start := time.Now()
	giveUp := s.giveUp
	opCtx := ctx
	if pending {
		giveUp = 0
		opCtx = context.WithoutCancel(ctx)
	}
	oneShot := giveUp > 0 && s.health.isDown()
	drop := func() {
		if !pending {
			s.health.drop(posts)
		}
	}
	backoff := minBackoff
	for {
		err := op(opCtx)
		if err == nil {
			if s.health.ok(time.Now()) {
				s.log.Info("redis is reachable again", "redis", s.addr)
			}
			return nil
		}
		if ctx.Err() != nil {
			drop()
			return fmt.Errorf("redisstore: %s: %w (%d posts not recorded)", what, ctx.Err(), posts)
		}
		if s.closed.Load() || errors.Is(err, redis.ErrClosed) {
			return store.ErrClosed
		}
		if !retryable(err) {
			drop()
			return fmt.Errorf("redisstore: %s: %w", what, err)
		}
		if s.health.failing(time.Now(), err) {
			s.log.Warn("redis unavailable; retrying writes", "redis", s.addr, "err", err)
		}
		if oneShot || (giveUp > 0 && time.Since(start) >= giveUp) {
			s.health.giveUp(time.Now(), posts)
			s.log.Error("redis unavailable; batch dropped", "redis", s.addr, "posts", posts, "err", err)
			return fmt.Errorf("redisstore: %s: %w: %d posts dropped: %w", what, ErrUnavailable, posts, err)
		}
		wait := backoff
		if giveUp > 0 {
			wait = min(wait, max(giveUp-time.Since(start), time.Millisecond))
		}
		if sleepCtx(ctx, wait) != nil {
			drop()
			return fmt.Errorf("redisstore: %s: %w (%d posts not recorded)", what, ctx.Err(), posts)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newToken returns a random batch token.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}

// dialConfig is a parsed URL.
type dialConfig struct {
	single    *redis.Options
	cluster   bool
	clusterO  *redis.ClusterOptions
	failover  *redis.FailoverOptions
	prefix    string
	giveUp    time.Duration
	dedupeTTL time.Duration
	redacted  string
}

// Dial retries inside go-redis are kept short: the store's own loop
// retries with backoff and reports the outage, which five silent dial
// attempts per command would only delay.
const (
	dialerRetries      = 2
	dialerRetryTimeout = 50 * time.Millisecond
)

func (d *dialConfig) client() redis.UniversalClient {
	quietRedisLog.Do(func() { redis.SetLogger(slogRedisLogger{}) })
	switch {
	case d.clusterO != nil:
		o := d.clusterO
		if o.DialerRetries == 0 {
			o.DialerRetries, o.DialerRetryTimeout = dialerRetries, dialerRetryTimeout
		}
		return redis.NewClusterClient(o)
	case d.failover != nil:
		return redis.NewFailoverClient(d.failover)
	default:
		o := d.single
		if o.DialerRetries == 0 {
			o.DialerRetries, o.DialerRetryTimeout = dialerRetries, dialerRetryTimeout
		}
		return redis.NewClient(o)
	}
}

var quietRedisLog sync.Once

// slogRedisLogger sends go-redis' own log lines (one per failed dial during
// an outage) to slog at debug level: the store reports outages itself,
// once, through its logger and Health.
type slogRedisLogger struct{}

func (slogRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

// parseURL reads the URL forms docs/redis.md lists. geoheat's own query
// parameters (prefix, give_up, dedupe_ttl) are taken out before go-redis,
// which rejects parameters it does not know, parses the rest.
func parseURL(raw string) (*dialConfig, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadURL}, args...)...)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("%v", err)
	}
	dc := &dialConfig{prefix: DefaultPrefix, giveUp: DefaultGiveUp, dedupeTTL: DefaultDedupeTTL, redacted: u.Redacted()}
	q := u.Query()
	if v := q.Get("prefix"); v != "" {
		dc.prefix = v
	}
	if v := q.Get("give_up"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, bad("give_up=%q: want a duration like 30s (0 = retry for ever)", v)
		}
		dc.giveUp = d
	}
	if v := q.Get("dedupe_ttl"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return nil, bad("dedupe_ttl=%q: want a duration of at least 1s", v)
		}
		dc.dedupeTTL = d
	}
	for _, k := range []string{"prefix", "give_up", "dedupe_ttl"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	scheme, mode, _ := strings.Cut(u.Scheme, "+")
	if scheme != "redis" && scheme != "rediss" {
		return nil, bad("scheme %q: want redis://, rediss://, redis+cluster:// or redis+sentinel://", u.Scheme)
	}
	u.Scheme = scheme
	switch {
	case mode == "sentinel":
		o, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, bad("%v", err)
		}
		if o.MasterName == "" {
			return nil, bad("a sentinel URL needs master_name=NAME")
		}
		dc.failover = o
	case mode == "cluster" || (mode == "" && len(q["addr"]) > 0):
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, bad("%v", err)
		}
		dc.clusterO, dc.cluster = o, true
	case mode == "":
		o, err := redis.ParseURL(u.String())
		if err != nil {
			return nil, bad("%v", err)
		}
		dc.single = o
	default:
		return nil, bad("scheme %q: want redis://, rediss://, redis+cluster:// or redis+sentinel://", u.Scheme)
	}
	return dc, nil
}

func checkPrefix(p string) error {
	if p == "" || strings.ContainsAny(p, "{}") {
		return fmt.Errorf("%w: prefix %q must be non-empty and hold no braces (it becomes the keys' hash tag)", ErrBadURL, p)
	}
	return nil
}

// Health is the store's view of Redis, for /api/status and /healthz.
type Health struct {
	// State is "ok", "retrying" (writes are being retried), "down" (a
	// batch was given up; later batches get one attempt each until one
	// succeeds) or "closed".
	State string    `json:"state"`
	Since time.Time `json:"since"` // when State began
	// LastError is the last error that made Redis count as unavailable.
	LastError string    `json:"last_error,omitempty"`
	LastOK    time.Time `json:"last_ok"` // last successful write or ping
	// Retries counts write attempts repeated because Redis was unavailable.
	Retries int64 `json:"retries"`
	// DroppedPosts and DroppedBatches count what was given up on (or
	// cancelled while retrying): posts geoheat received but did not record.
	DroppedPosts   int64 `json:"dropped_posts"`
	DroppedBatches int64 `json:"dropped_batches"`
	// InFlightPosts are posts in batches being written or retried now.
	InFlightPosts int64  `json:"in_flight_posts"`
	Layout        Layout `json:"layout"`
	Addr          string `json:"addr"`
}

// Healthy reports whether Redis is answering.
func (h Health) Healthy() bool { return h.State == "ok" }

// HealthReporter is implemented by stores whose backing service can be
// unavailable while geoheat runs; the app shows it in /api/status and
// answers /healthz with 503 while it is not Healthy.
type HealthReporter interface {
	Health(ctx context.Context) Health
}

var _ HealthReporter = (*Store)(nil)

// Health reports the store's state. When nothing succeeded for a second
// (an idle server, or during an outage) it pings Redis first, with a
// one-second timeout, so /healthz notices an outage without writes.
func (s *Store) Health(ctx context.Context) Health {
	if !s.closed.Load() && time.Since(s.health.lastOKTime()) > time.Second {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := s.rdb.Ping(pctx).Err()
		cancel()
		switch {
		case err == nil:
			if s.health.ok(time.Now()) {
				s.log.Info("redis is reachable again", "redis", s.addr)
			}
		case ctx.Err() == nil:
			s.health.failing(time.Now(), err)
		}
	}
	h := s.health.snapshot()
	h.Layout, h.Addr = s.layout, s.addr
	return h
}

// healthState is Health's mutable core.
type healthState struct {
	mu       sync.Mutex
	state    string
	since    time.Time
	lastErr  string
	lastOK   time.Time
	retries  int64
	dropped  int64
	batches  int64
	inFlight atomic.Int64
}

func (h *healthState) init(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state, h.since = "ok", now
}

// ok records a success; it reports whether Redis had been unavailable.
func (h *healthState) ok(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastOK = now
	if h.state == "ok" || h.state == "closed" {
		return false
	}
	h.state, h.since = "ok", now
	return true
}

// failing records an unavailable Redis; it reports whether that is news.
func (h *healthState) failing(now time.Time, err error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = err.Error()
	h.retries++
	if h.state != "ok" {
		return false
	}
	h.state, h.since = "retrying", now
	return true
}

func (h *healthState) giveUp(now time.Time, posts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropped += int64(posts)
	h.batches++
	if h.state != "down" && h.state != "closed" {
		h.state, h.since = "down", now
	}
}

func (h *healthState) drop(posts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropped += int64(posts)
	h.batches++
}

func (h *healthState) setClosed(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state, h.since = "closed", now
}

func (h *healthState) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state == "down"
}

func (h *healthState) lastOKTime() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastOK
}

func (h *healthState) addInFlight(n int64) { h.inFlight.Add(n) }

func (h *healthState) snapshot() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Health{
		State: h.state, Since: h.since, LastError: h.lastErr, LastOK: h.lastOK,
		Retries: h.retries, DroppedPosts: h.dropped, DroppedBatches: h.batches,
		InFlightPosts: h.inFlight.Load(),
	}
}
