package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/pipeline"
)

// geoInferMethods parses --geo-infer: which inferred provenances the
// pipeline resolves for posts without a point.
func geoInferMethods(s string) (profile, text bool, err error) {
	for _, part := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "", "none", "off":
		case "profile":
			profile = true
		case "text":
			text = true
		case "all":
			profile, text = true, true
		default:
			return false, false, fmt.Errorf("%w: --geo-infer %q: want profile, text, both comma-separated, or none", ErrUsage, s)
		}
	}
	return profile, text, nil
}

// openLocator returns the pipeline's Locator for --geo-infer, or nil when
// inference is off. A binary built without the gazetteer ingests without
// inference and says so once, rather than refusing to run.
func openLocator(cfg *Config, log *slog.Logger) (pipeline.Locator, error) {
	profile, text, err := geoInferMethods(cfg.GeoInfer)
	if err != nil || (!profile && !text) {
		return nil, err
	}
	g, err := geo.Default()
	if errors.Is(err, geo.ErrNotBuilt) {
		log.Warn("place inference off: this binary carries no gazetteer", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return geo.NewResolver(g, geo.Options{NoProfile: !profile, NoText: !text}), nil
}
