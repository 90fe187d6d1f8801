package twitter

import (
	"testing"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/post"
)

// TestPostLinks: every shape of X post gives the id and the author's
// handle that post.Link makes the x.com link of; the parser leaves URL
// empty (the link is derived, not stored). A hostile handle is
// path-escaped into an https link, never markup or another scheme.
func TestPostLinks(t *testing.T) {
	for _, tt := range []struct {
		name, msg        string
		id, handle, link string
	}{
		{"v1.1", `{"id_str":"1377650090978992134","id":1377650090978992134,"text":"hi","user":{"id_str":"9","screen_name":"ana_b"}}`,
			"1377650090978992134", "ana_b", "https://x.com/ana_b/status/1377650090978992134"},
		{"v1.1 numeric id only", `{"id":1377650090978992134,"text":"hi","user":{"id":9,"screen_name":"ana_b"}}`,
			"1377650090978992134", "ana_b", "https://x.com/ana_b/status/1377650090978992134"},
		{"v1.1 without screen_name", `{"id_str":"12","text":"hi","user":{"id_str":"9"}}`,
			"12", "", "https://x.com/i/web/status/12"},
		{"v2 envelope", `{"data":{"id":"1377650090978992134","text":"hi","author_id":"9"},"includes":{"users":[{"id":"8","username":"other"},{"id":"9","username":"ana_b"}]}}`,
			"1377650090978992134", "ana_b", "https://x.com/ana_b/status/1377650090978992134"},
		{"v2 envelope without the author", `{"data":{"id":"1377650090978992134","text":"hi","author_id":"9"},"includes":{"users":[{"id":"8","username":"other"}]}}`,
			"1377650090978992134", "", "https://x.com/i/web/status/1377650090978992134"},
		{"v2 flat", `{"id":"1224044675406925824","text":"hi","author_id":"42"}`,
			"1224044675406925824", "", "https://x.com/i/web/status/1224044675406925824"},
		{"static", `{"id":"5","text":"hi","hashtags":[],"language":"english","screen_name":"ana_b","user_id":"9","geo":null,"timestamp":"2014-06-10T12:34:56"}`,
			"5", "ana_b", "https://x.com/ana_b/status/5"},
		{"hostile handle", `{"id_str":"12","text":"hi","user":{"id_str":"9","screen_name":"</script><script>alert(1)</script>"}}`,
			"12", "</script><script>alert(1)</script>", "https://x.com/%3C%2Fscript%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E/status/12"},
		{"javascript handle", `{"id_str":"12","text":"hi","user":{"id_str":"9","screen_name":"javascript:alert(1)"}}`,
			"12", "javascript:alert(1)", "https://x.com/javascript:alert%281%29/status/12"},
		// Not a numeric id: no x.com link can be made.
		{"string id", `{"id":"abc","text":"hi","user":{"id_str":"9","screen_name":"ana_b"}}`,
			"abc", "ana_b", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p Parser
			var got post.Post
			if res, err := p.Parse([]byte(tt.msg), &got); err != nil || res.Kind != KindPost {
				t.Fatalf("Parse = %+v, %v", res, err)
			}
			if got.ID != tt.id || got.ScreenName != tt.handle || got.URL != "" {
				t.Errorf("id %q handle %q url %q, want %q %q and no url", got.ID, got.ScreenName, got.URL, tt.id, tt.handle)
			}
			link := post.Link(got.ID, got.ScreenName, got.URL)
			if link != tt.link {
				t.Errorf("link %q, want %q", link, tt.link)
			}
			if link != "" && ingest.WebURL(link) != link {
				t.Errorf("link %q is not a plain https URL", link)
			}
		})
	}
}
