package app

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/langid/ngram"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/langid/stopwords"
)

// detector is what the pipeline and `detect` need of a language detector.
type detector interface {
	langid.Detector
	langid.Explainer
}

// openDetector builds the --detector: ngram and the platform-tag detectors
// over it (langid.go), or the seed's stopword counter from NLTK lists.
func openDetector(cfg *Config, env Env, log *slog.Logger) (detector, error) {
	switch cfg.Detector {
	case "ngram", "platform", "auto":
		return openNgramDetector(cfg.Detector, log)
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

// openNgramDetector builds the detectors that need no NLTK lists: ngram, and
// platform/auto over it. openDetector calls it.
func openNgramDetector(name string, log *slog.Logger) (detector, error) {
	start := time.Now()
	text, err := ngram.New(ngram.Options{})
	if err != nil {
		return nil, fmt.Errorf("ngram detector: %w", err)
	}
	log.Debug("ngram model ready", "seconds", time.Since(start).Seconds())
	switch name {
	case "platform":
		return platform.New(platform.Trust, text), nil
	case "auto":
		return platform.New(platform.Auto, text), nil
	}
	return text, nil
}
