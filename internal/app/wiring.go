package app

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/ingest/mastodon"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/langid/stopwords"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/twitter"
)

// defaultServeDemoRate keeps `geoheat serve --source demo` lively without
// burning both cores; `--rate 0` lifts the limit.
const defaultServeDemoRate = 300

func openSource(cfg *Config, env Env, serving bool) (ingest.Source, error) {
	spec := strings.TrimSpace(cfg.Source)
	switch {
	case spec == "":
		return nil, fmt.Errorf("%w: --source is required: demo, or file:PATH (- for stdin)", ErrUsage)
	case spec == "demo":
		rate := cfg.Rate
		if rate < 0 {
			rate = 0
			if serving {
				rate = defaultServeDemoRate
			}
		}
		return demo.New(demo.Options{Seed: cfg.Seed, Rate: rate, Limit: cfg.Limit, Now: env.Now}), nil
	case spec == "-" || spec == "file:-":
		return file.New("-", file.WithReader(env.Stdin))
	case strings.HasPrefix(spec, "file:"):
		return file.New(strings.TrimPrefix(spec, "file:"), file.WithSpeed(cfg.Speed))
	case isLiveSource(spec):
		return openLiveSource(cfg, env, spec) // x.go
	default:
		if _, err := os.Stat(spec); err == nil {
			return file.New(spec, file.WithSpeed(cfg.Speed))
		}
		return nil, fmt.Errorf("%w: unknown --source %q: want demo, file:PATH (- for stdin), x:filtered, x:sample, bluesky, mastodon[:local|:hashtag:TAG]", ErrUsage, spec)
	}
}

// detector is what the pipeline and `detect` need of a language detector.
type detector interface {
	langid.Detector
	langid.Explainer
}

func openDetector(cfg *Config, env Env, log *slog.Logger) (detector, error) {
	switch cfg.Detector {
	case "ngram", "platform", "auto":
		return openNgramDetector(cfg.Detector, log) // langid.go
	case "stopwords":
	default:
		return nil, fmt.Errorf("%w: unknown --detector %q: want ngram, stopwords, platform or auto", ErrUsage, cfg.Detector)
	}
	var ties stopwords.TieMode
	switch cfg.Ties {
	case "first":
		ties = stopwords.TiesFirst
	case "random":
		ties = stopwords.TiesRandom
	default:
		return nil, fmt.Errorf("%w: bad --ties %q: want first or random", ErrUsage, cfg.Ties)
	}
	dir, tried, err := stopwords.Find(cfg.StopwordsDir)
	if err != nil {
		return nil, fmt.Errorf("no NLTK stopword lists found (looked in: %s); point --stopwords-dir or NLTK_DATA at an NLTK data directory, or run `make stopwords`: %w",
			strings.Join(tried, ", "), err)
	}
	lists, err := stopwords.Load(dir)
	if err != nil {
		return nil, err
	}
	log.Debug("stopword lists loaded", "dir", dir, "languages", len(lists.Names()))
	return stopwords.New(lists, ties, int64(cfg.Seed)), nil
}

func openStore(cfg *Config, env Env, log *slog.Logger) (store.Store, error) {
	switch {
	case cfg.Store == "memory" || cfg.Store == "":
	case isRedisURL(cfg.Store):
		return openRedisStore(cfg, env, log)
	default:
		return nil, fmt.Errorf("%w: unknown --store %q: want memory or redis://host:port/db", ErrUsage, cfg.Store)
	}
	if cfg.MaxPosts < 0 || cfg.Retention < 0 {
		return nil, fmt.Errorf("%w: --max-posts and --retention must not be negative", ErrUsage)
	}
	fsync, err := memstore.ParseFsync(cfg.Fsync)
	if err != nil {
		return nil, fmt.Errorf("%w: --fsync: %v", ErrUsage, err)
	}
	return memstore.Open(memstore.Options{
		Dir:       cfg.DataDir,
		Retention: cfg.Retention,
		MaxPosts:  cfg.MaxPosts,
		Now:       env.Now,
		Logger:    log,
		Fsync:     fsync,
	})
}

// tweetParser adapts the parsers of raw payloads to the pipeline's Parser:
// X (v1.1, v2, the seed's static format; internal/twitter) and Bluesky
// Jetstream events (internal/ingest/jetstream) and Mastodon events
// (internal/ingest/mastodon). The pipeline hands over the bytes only, so the
// format is told from the content: Jetstream writes "did" first, the
// Mastodon source wraps events in an envelope starting "mastodon_event";
// neither prefix starts a tweet, and the test costs one comparison each.
type tweetParser struct{ p twitter.Parser }

func (t *tweetParser) Parse(data []byte, dst *post.Post) pipeline.Outcome {
	if jetstream.Looks(data) {
		if res, err := jetstream.Parse(data, dst); err == nil {
			switch res.Kind {
			case jetstream.KindPost:
				return pipeline.Outcome{Kind: pipeline.KindPost}
			default:
				return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: blueskyNotice[res.Notice]}
			}
		}
	}
	if mastodon.Looks(data) {
		kind, notice, err := mastodon.Parse(data, dst)
		switch kind {
		case mastodon.KindPost:
			return pipeline.Outcome{Kind: pipeline.KindPost}
		case mastodon.KindNotice:
			return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: notice}
		default:
			return pipeline.Outcome{Kind: pipeline.KindMalformed, Err: err}
		}
	}
	res, err := t.p.Parse(data, dst)
	switch res.Kind {
	case twitter.KindPost:
		return pipeline.Outcome{Kind: pipeline.KindPost, GeoRejected: res.GeoRejected}
	case twitter.KindNotice:
		return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: res.Notice}
	default:
		if err == nil {
			err = errors.New("malformed message")
		}
		return pipeline.Outcome{Kind: pipeline.KindMalformed, Err: err}
	}
}

// blueskyNotice names Jetstream notices apart from X's ("delete" exists in
// both).
var blueskyNotice = map[string]string{
	jetstream.NoticeDelete: "bluesky_delete", jetstream.NoticeUpdate: "bluesky_update",
	jetstream.NoticeIdentity: "bluesky_identity", jetstream.NoticeAccount: "bluesky_account",
	jetstream.NoticeOther: "bluesky_other",
}

func newTweetParser() pipeline.Parser { return &tweetParser{} }

func newPipeline(cfg *Config, src ingest.Source, det langid.Detector, rec store.Recorder, env Env, log *slog.Logger) (*pipeline.Pipeline, error) {
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("%w: --workers must be at least 1", ErrUsage)
	}
	loc, err := openLocator(cfg, log)
	if err != nil {
		return nil, err
	}
	return pipeline.New(pipeline.Config{
		Source:    src,
		NewParser: newTweetParser,
		Detector:  det,
		Locator:   loc,
		Recorder:  rec,
		Workers:   cfg.Workers,
		Now:       env.Now,
		Logger:    log,
	})
}

var _ = time.Second
