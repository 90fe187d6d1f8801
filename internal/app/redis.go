package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore"
	"golang.org/x/sync/errgroup"
)

// The Redis roles (docs/redis.md):
//
//	geoheat ingest --store redis://... --to redis-stream   parse and publish
//	geoheat work   --store redis://...                     detect and record
//	geoheat serve  --store redis://... --no-ingest         API and dashboard
//
// `ingest` and `serve` reach the first and third through the wrappers
// below, which the command table points at; without --to or --no-ingest
// they run the ordinary commands unchanged.

// isRedisURL reports whether --store names a Redis store.
func isRedisURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	return ok && (scheme == "redis" || scheme == "rediss" || strings.HasPrefix(scheme, "redis+") || strings.HasPrefix(scheme, "rediss+"))
}

// openRedisStore opens the Redis store --store names, waiting up to 10 s
// for Redis to answer.
func openRedisStore(cfg *Config, env Env, log *slog.Logger) (*redisstore.Store, error) {
	if !isRedisURL(cfg.Store) {
		return nil, fmt.Errorf("%w: this needs --store redis://host:port/db (got %q)", ErrUsage, cfg.Store)
	}
	layout, err := redisstore.ParseLayout(cfg.RedisLayout)
	if err != nil {
		return nil, fmt.Errorf("%w: --redis-layout: %v", ErrUsage, err)
	}
	if cfg.MaxPosts < 0 || cfg.Retention < 0 {
		return nil, fmt.Errorf("%w: --max-posts and --retention must not be negative", ErrUsage)
	}
	st, err := redisstore.Open(context.Background(), redisstore.Options{
		URL:       cfg.Store,
		Layout:    layout,
		Retention: cfg.Retention,
		MaxPosts:  cfg.MaxPosts,
		Now:       env.Now,
		Logger:    log,
	})
	if errors.Is(err, redisstore.ErrBadURL) {
		return nil, fmt.Errorf("%w: --store: %v", ErrUsage, err)
	}
	return st, err
}

const ingestSynopsis = "--source demo|file:PATH [--store redis://... --to redis-stream] [flags]"

// runIngestCmd is `geoheat ingest`: the pipeline into the store, or with
// --to redis-stream, parsed posts published for `geoheat work`.
func runIngestCmd(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("ingest", groupIngest|groupStore|groupSummary, env, args, ingestSynopsis)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	switch cfg.To {
	case "", "store":
		return runIngest(ctx, env, args)
	case "redis-stream":
		return runPublish(ctx, env, cfg)
	}
	return fmt.Errorf("%w: unknown --to %q: want store or redis-stream", ErrUsage, cfg.To)
}

// runServeCmd is `geoheat serve`; with --no-ingest it only serves the
// store (shared Redis, filled by `geoheat work` or by the seed).
func runServeCmd(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("serve", groupIngest|groupStore|groupListen, env, args, "--source demo|file:PATH [flags] | --no-ingest --store redis://...")
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.To != "" {
		return fmt.Errorf("%w: --to is for geoheat ingest", ErrUsage)
	}
	if err := checkListenAuth(cfg, env); err != nil {
		return err // before any source or store is opened
	}
	if !cfg.NoIngest {
		return runServe(ctx, env, args)
	}
	if cfg.Source != "" {
		return fmt.Errorf("%w: --no-ingest serves the store only; drop --source", ErrUsage)
	}
	return runServeNoIngest(ctx, env, cfg)
}

// runPublish parses the source's messages and publishes the posts to the
// Redis stream. Like the pipeline, Ctrl-C stops the source only: what it
// had emitted is still published.
func runPublish(ctx context.Context, env Env, cfg *Config) error {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	src, err := openSource(cfg, env, false)
	if err != nil {
		return err
	}
	if err := checkDemoLimit(cfg); err != nil {
		return err
	}
	st, err := openRedisStore(cfg, env, log)
	if err != nil {
		return err
	}
	pub := &publisher{src: src, st: st, log: log, now: env.Now}
	runErr := pub.run(ctx)
	closeErr := st.Close()
	return finishIngest(env, cfg.JSON, pub.summary(), runErr, closeErr)
}

// publisher is `ingest --to redis-stream`: source -> parse -> Publish.
// One goroutine parses and publishes; the source runs in another and the
// raw queue between them is bounded, so a slow Redis slows the source.
type publisher struct {
	src ingest.Source
	st  *redisstore.Store
	log *slog.Logger
	now func() time.Time

	mu          sync.Mutex
	notices     map[string]int64
	messages    atomic.Int64
	posts       atomic.Int64
	malformed   atomic.Int64
	geoRejected atomic.Int64
	tagsCut     atomic.Int64
	published   atomic.Int64
	state       string
	srcErr      string
	start, end  time.Time
}

func (p *publisher) run(ctx context.Context) error {
	p.start = p.now()
	defer func() { p.end = p.now() }()
	raw := make(chan ingest.Message, 8192)
	var srcErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(raw)
		srcErr = p.src.Run(ctx, raw)
	}()
	// Publishing drains what the source emitted even once ctx is done.
	drain := context.WithoutCancel(ctx)
	parser := newTweetParser()
	var firstErr error
	batch := make([]post.Post, 0, 256)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := p.st.Publish(drain, batch); err != nil {
			p.log.Error("publish failed", "posts", len(batch), "err", err)
			if firstErr == nil {
				firstErr = fmt.Errorf("ingest: publish: %w", err)
			}
		} else {
			p.published.Add(int64(len(batch)))
		}
		batch = batch[:0]
	}
	for m := range raw {
		p.parse(parser, m, &batch)
		// Take whatever is queued, up to a batch, without waiting for more:
		// a slow live stream still flows.
	fill:
		for len(batch) < cap(batch) {
			select {
			case m, ok := <-raw:
				if !ok {
					break fill
				}
				p.parse(parser, m, &batch)
			default:
				break fill
			}
		}
		if len(batch) == cap(batch) || len(raw) == 0 {
			flush()
		}
	}
	flush()
	<-done
	p.mu.Lock()
	switch {
	case srcErr == nil:
		p.state = "done"
	case errors.Is(srcErr, context.Canceled) && ctx.Err() != nil:
		p.state = "stopped"
	default:
		p.state, p.srcErr = "error", srcErr.Error()
	}
	p.mu.Unlock()
	if p.state == "error" {
		return fmt.Errorf("ingest: source: %w", srcErr)
	}
	return firstErr
}

func (p *publisher) parse(parser pipeline.Parser, m ingest.Message, batch *[]post.Post) {
	p.messages.Add(1)
	*batch = append(*batch, post.Post{})
	dst := &(*batch)[len(*batch)-1]
	out := parser.Parse(m.Data, dst)
	switch out.Kind {
	case pipeline.KindPost:
		p.posts.Add(1)
		if out.GeoRejected {
			p.geoRejected.Add(1)
		}
		if cut := pipeline.CapHashtags(dst, pipeline.DefaultMaxHashtags); cut > 0 {
			p.tagsCut.Add(cut)
		}
		return
	case pipeline.KindNotice:
		p.mu.Lock()
		if p.notices == nil {
			p.notices = map[string]int64{}
		}
		p.notices[out.Notice]++
		p.mu.Unlock()
	default:
		p.malformed.Add(1)
	}
	*batch = (*batch)[:len(*batch)-1]
}

// summary reports the run as `ingest` does; Written counts posts published
// (detection happens in the workers, so Undetected is 0 here).
func (p *publisher) summary() Summary {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Summary{
		Messages: p.messages.Load(), Posts: p.posts.Load(), NoticeKinds: map[string]int64{},
		Malformed: p.malformed.Load(), GeoRejected: p.geoRejected.Load(), HashtagsCut: p.tagsCut.Load(), Written: p.published.Load(),
		Seconds: p.end.Sub(p.start).Seconds(), Source: p.src.Progress().Name + " -> redis-stream",
		State: p.state, Error: p.srcErr,
	}
	for k, v := range p.notices {
		s.NoticeKinds[k] = v
		s.Notices += v
	}
	if s.Seconds > 0 {
		s.PostsPerSec = float64(s.Posts) / s.Seconds
	}
	return s
}

// runServeNoIngest serves the API and the dashboard from the store alone.
func runServeNoIngest(ctx context.Context, env Env, cfg *Config) error {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, env, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	// /api/detect works when stopword lists are at hand; it is not needed
	// to serve the store.
	var explainer detector
	if det, err := openDetector(cfg, env, log); err == nil {
		explainer = det
	} else {
		log.Debug("no detector: /api/detect answers 503", "err", err)
	}
	opts := httpapi.Options{Querier: st, Detector: cfg.Detector, Now: env.Now, Logger: log}
	if explainer != nil {
		opts.Explainer = explainer
	}
	api := httpapi.New(opts)
	live := mountWeb(ctx, api, cfg, nil, st, env, log)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", cfg.Listen, err)
	}
	url := "http://" + ln.Addr().String()
	srv, err := newHTTPServer(serverOptions{Config: cfg, Env: env, Handler: withStoreHealth(api, st), Store: st, Live: live, Logger: log})
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("geoheat serving the store only", "url", url, "store", redacted(cfg.Store))
	fmt.Fprintf(env.Stderr, "geoheat: serving %s from %s, not ingesting (Ctrl-C to stop)\n", url, redacted(cfg.Store))
	if env.OnListen != nil {
		env.OnListen(url)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	return g.Wait()
}

// withStoreHealth answers /healthz from the store's health when it has
// one: 200 while Redis answers, 503 with the outage's details otherwise.
func withStoreHealth(next http.Handler, st store.Store) http.Handler {
	hr, ok := st.(redisstore.HealthReporter)
	if !ok {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		h := hr.Health(r.Context())
		body := map[string]any{"status": "ok", "store": h}
		code := http.StatusOK
		if !h.Healthy() {
			body["status"], code = "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(body)
	})
}

// redacted hides a password in a store URL.
func redacted(s string) string {
	if at := strings.LastIndex(s, "@"); at > 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "…@" + s[at+1:]
		}
	}
	return s
}
