package web

// The package's own tests live in web_test: they mount the dashboard on
// httpapi's real mux, and httpapi imports place, which imports web for the
// outlines. These are the unexported names they check.
var Accepts = accepts

const (
	CacheImmutable  = cacheImmutable
	CacheRevalidate = cacheRevalidate
)
