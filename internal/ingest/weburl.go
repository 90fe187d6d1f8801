package ingest

import (
	"net/url"
	"strings"
)

// MaxWebURL bounds a link taken from a payload: real status URLs are a
// few dozen bytes, and a kept post must not cost a hostile sender's megabyte.
const MaxWebURL = 2048

// WebURL returns s when it is an absolute http or https URL with a host, so
// that it can be offered as a link to the original post; "" otherwise.
// Payloads are untrusted, and a link the dashboard or a notebook renders
// must never run anything: javascript:, data: and relative URLs, and any
// URL with spaces, control characters, quotes or angle brackets (which no
// server emits unescaped), are refused rather than repaired.
func WebURL(s string) string {
	if len(s) > MaxWebURL {
		return ""
	}
	// The scheme is compared on the raw text, not only after url.Parse,
	// so that nothing a parser might strip or normalise (leading spaces,
	// tabs inside the scheme) changes what a browser would do with it.
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return ""
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c == 0x7f:
			return ""
		case c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`':
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return s
}
