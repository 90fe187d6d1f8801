package demo_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/demo/demotest"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// TestDemoPostsHaveLinks: what the posts behind a spot show (id, handle,
// text, link to the original) is there for every demo post, parsed as the
// app parses it: a snowflake id, a handle of X's syntax, a text, and so an
// x.com link.
func TestDemoPostsHaveLinks(t *testing.T) {
	handle := regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	snowflake := regexp.MustCompile(`^[1-9][0-9]{17,19}$`)
	posts, handles := 0, map[string]bool{}
	for _, m := range demotest.Messages(t, 7, time.Date(2026, 7, 4, 14, 0, 0, 0, time.UTC), 3000) {
		if m.Result.Kind != twitter.KindPost {
			continue
		}
		posts++
		p := &m.Post
		if !snowflake.MatchString(p.ID) || !handle.MatchString(p.ScreenName) || strings.TrimSpace(p.Text) == "" || p.URL != "" {
			t.Fatalf("post id %q handle %q text %q url %q", p.ID, p.ScreenName, p.Text, p.URL)
		}
		link := post.Link(p.ID, p.ScreenName, p.URL)
		if want := "https://x.com/" + p.ScreenName + "/status/" + p.ID; link != want || ingest.WebURL(link) != link {
			t.Fatalf("link %q, want %q", link, want)
		}
		handles[p.ScreenName] = true
	}
	// Many authors, as in a sample stream, not one.
	if posts < 1500 || len(handles) < posts/4 {
		t.Errorf("%d posts by %d handles", posts, len(handles))
	}
}
