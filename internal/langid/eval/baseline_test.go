//go:build !lingua

package eval

import (
	"errors"
	"testing"
)

// The product binary (no lingua tag) leaves lingua-go out: asking for its
// baselines says how to get them instead of failing obscurely.
func TestLinguaBaselineNeedsTheTag(t *testing.T) {
	_, ok, err := Baseline("lingua-high")
	if !ok || !errors.Is(err, ErrBaselineMissing) {
		t.Errorf("Baseline(lingua-high) = ok %v, err %v; want ErrBaselineMissing", ok, err)
	}
	if _, ok, err := Baseline("ngram"); ok || err != nil {
		t.Errorf("Baseline(ngram) = ok %v, err %v; want not a baseline", ok, err)
	}
}
