// Package langid identifies the language of a post's text.
//
// Detectors return a language key: the ISO 639-1 code where one exists,
// else the NLTK list name (for example "hinglish"). Lookup maps either
// spelling, codes or NLTK names, to a Language.
package langid

// Result is what a detector concluded about one text.
type Result struct {
	// Lang is the best-scoring language key, "" when nothing matched.
	Lang string
	// Matches is Lang's score (stopwords: distinct stopwords matched).
	Matches int
	// Total is the sum of all languages' scores (the seed's total_matches).
	Total int
	// Kept reports whether the post should be recorded under Lang
	// (stopwords: Matches > 1, as in the seed).
	Kept bool
}

// Detector guesses the language of a text.
//
// Detect is safe for concurrent use and must not retain text.
type Detector interface {
	Detect(text string) Result
}

// Explainer is implemented by detectors that can list every language tied
// at the top score, for `geoheat detect`.
type Explainer interface {
	// Explain returns the result and the keys of all languages sharing the
	// top score, in the detector's tie order. The slice is newly allocated.
	Explain(text string) (Result, []string)
}

// PostDetector is implemented by detectors that also weigh the language tag
// the platform attached to the post (X "lang", Bluesky "langs"[0], Mastodon
// "language"; "" when absent). The pipeline calls DetectPost instead of
// Detect when its detector implements it.
//
// DetectPost is safe for concurrent use and must not retain its arguments.
type PostDetector interface {
	DetectPost(text, platformLang string) Result
}
