//go:build lingua

package eval

import (
	"strings"

	"github.com/pemistahl/lingua-go"

	"github.com/geoheat/geoheat/internal/langid"
)

// lingua-go's detector over all its languages, in its two modes: the
// reference the n-gram detector is measured against (docs/langid.md).
func init() {
	for name, low := range map[string]bool{"lingua-high": false, "lingua-low": true} {
		baselines[name] = func() (langid.Detector, error) {
			b := lingua.NewLanguageDetectorBuilder().FromAllLanguages().WithPreloadedLanguageModels()
			if low {
				b = b.WithLowAccuracyMode()
			}
			return linguaDetector{b.Build()}, nil
		}
	}
}

// linguaDetector adapts lingua-go's detector to langid.Detector.
type linguaDetector struct{ d lingua.LanguageDetector }

func (l linguaDetector) Detect(text string) langid.Result {
	lang, ok := l.d.DetectLanguageOf(text)
	if lang == lingua.Unknown {
		return langid.Result{}
	}
	return langid.Result{Lang: strings.ToLower(lang.IsoCode639_1().String()), Matches: 1, Total: 1, Kept: ok}
}
