package eval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/geoheat/geoheat/internal/langid"
)

// Baselines are detectors measured only for comparison, never used by the
// pipeline. lingua-go's own detector ("lingua-high", "lingua-low") is one;
// it registers itself when the binary is built with the lingua tag
// (lingua.go), so that the product binary does not carry lingua-go:
//
//	go build -tags lingua -o bin/geoheat-lingua ./cmd/geoheat   (make eval-tools)
var baselines = map[string]func() (langid.Detector, error){}

// ErrBaselineMissing means a baseline was asked of a binary built without it.
var ErrBaselineMissing = errors.New("eval: baseline not in this binary")

// Baseline returns the opener of a baseline detector. ok is false when name
// is no baseline (the caller opens it as a geoheat detector); a lingua-*
// name asked of a binary without lingua-go is ErrBaselineMissing.
func Baseline(name string) (open func() (langid.Detector, error), ok bool, err error) {
	if open, ok := baselines[name]; ok {
		return open, true, nil
	}
	if strings.HasPrefix(name, "lingua-") {
		return nil, true, fmt.Errorf("%w: %s needs a binary built with -tags lingua (make eval-tools builds bin/geoheat-lingua)", ErrBaselineMissing, name)
	}
	return nil, false, nil
}
