// Package platform implements the detectors that use the language tag a
// platform attached to a post (X "lang", Bluesky "langs", Mastodon
// "language"), falling back to a text detector (ngram) when the tag is
// missing, undetermined or, for Auto, contradicted by the text.
package platform

import (
	"strings"

	"github.com/geoheat/geoheat/internal/langid"
)

// Mode says how far the post's own tag is trusted.
type Mode uint8

const (
	// Trust records the post under its tag whenever the tag names a
	// language; "und", special codes and missing tags fall back to the text
	// detector (`--detector platform`).
	Trust Mode = iota
	// Auto uses the tag when the text is consistent with it (the text
	// detector's answer, or one it cannot tell from its answer, or a text
	// too short to say), else the text detector's confident answer
	// (`--detector auto`).
	Auto
)

// TextDetector is what the fallback must provide: Detect and Explain for
// posts without a usable tag, and DetectHint to tell whether a tag is
// plausible for the text (ngram.Detector implements it).
type TextDetector interface {
	langid.Detector
	langid.Explainer
	// DetectHint returns Detect's result and whether hint (a language key)
	// is a plausible answer for the text.
	DetectHint(text, hint string) (langid.Result, bool)
}

// Detector combines the platform's tag with a text detector. It is safe for
// concurrent use when the text detector is.
type Detector struct {
	mode Mode
	text TextDetector
}

var (
	_ langid.Detector     = (*Detector)(nil)
	_ langid.Explainer    = (*Detector)(nil)
	_ langid.PostDetector = (*Detector)(nil)
)

// New returns a Detector with the given mode over a text detector.
func New(mode Mode, text TextDetector) *Detector {
	return &Detector{mode: mode, text: text}
}

// Detect is the text detector's answer: a bare text has no tag.
func (d *Detector) Detect(text string) langid.Result { return d.text.Detect(text) }

// Explain is the text detector's explanation: a bare text has no tag.
func (d *Detector) Explain(text string) (langid.Result, []string) { return d.text.Explain(text) }

// DetectPost implements langid.PostDetector. A result taken from the tag has
// Matches = Total = 100 and is kept.
func (d *Detector) DetectPost(text, platformLang string) langid.Result {
	key, ok := Key(platformLang)
	if !ok {
		return d.text.Detect(text)
	}
	tagged := langid.Result{Lang: key, Matches: 100, Total: 100, Kept: true}
	if d.mode == Trust {
		return tagged
	}
	res, plausible := d.text.DetectHint(text, key)
	if plausible {
		return tagged
	}
	return res
}

// Key turns a platform's language tag into geoheat's language key: the
// ISO 639-1 code (legacy and BCP 47 forms too: X's "in" and "iw", "nb",
// "pt-BR", "zh-cn"), or the tag itself, lower-cased, when it is a 2- or
// 3-letter code geoheat has no name for. It reports false for tags that
// name no language: "", "und", "zxx" (no linguistic content), "mul",
// "mis", "art" and X's private "q*" codes (qme: media links only, qht:
// hashtags only, ...).
func Key(tag string) (string, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if l, ok := langid.Lookup(tag); ok {
		return l.Key(), true
	}
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	if l, ok := langid.Lookup(primary); ok {
		return l.Key(), true
	}
	if len(primary) < 2 || len(primary) > 3 {
		return "", false
	}
	for i := 0; i < len(primary); i++ {
		if primary[i] < 'a' || primary[i] > 'z' {
			return "", false
		}
	}
	switch {
	case primary == "und", primary == "zxx", primary == "mul", primary == "mis", primary == "art":
		return "", false
	case len(primary) == 3 && primary[0] == 'q' && primary[1] <= 't':
		return "", false // ISO 639 private use, qaa-qtz, which X uses for special tags
	}
	return primary, true
}
