package ingest

import (
	"strings"
	"testing"
)

func TestWebURL(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		ok       bool
	}{
		{"mastodon status", "https://mastodon.social/@ana/110", true},
		{"http", "http://example.social/users/ana/statuses/110", true},
		{"query and fragment", "https://example.social/p?id=1#top", true},
		{"escaped path", "https://example.social/@ana%C3%B1/1", true},
		{"javascript", "javascript:alert(1)", false},
		{"javascript upper", "JavaScript:alert(1)", false},
		{"data", "data:text/html,<script>alert(1)</script>", false},
		{"relative", "/users/ana/statuses/110", false},
		{"protocol-relative", "//evil.example/x", false},
		{"leading space", " https://example.social/1", false},
		{"tab in scheme", "ht\ttps://example.social/1", false},
		{"no host", "https:///path", false},
		{"userinfo", "https://user@evil.example/1", false},
		{"quote breaks an attribute", `https://example.social/"onmouseover="alert(1)`, false},
		{"angle brackets", "https://example.social/</script><script>alert(1)</script>", false},
		{"newline", "https://example.social/1\nx", false},
		{"upper-case scheme", "HTTPS://example.social/1", false},
		{"empty", "", false},
		{"too long", "https://example.social/" + strings.Repeat("a", MaxWebURL), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := WebURL(tt.in)
			if tt.ok && got != tt.in || !tt.ok && got != "" {
				t.Errorf("WebURL(%q) = %q, want ok %v", tt.in, got, tt.ok)
			}
		})
	}
}
