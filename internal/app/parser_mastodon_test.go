package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/ingest/mastodon"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
)

// A Mastodon status goes from the pipeline's parser to a profile point:
// the location field and the instance prior arrive on the post, and the
// resolver places it as `profile` (inferred, off by default in queries).
func TestMastodonProfileLocated(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "ingest", "mastodon", "testdata", "status_profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p post.Post
	out := newTweetParser().Parse(mastodon.Envelope("update", b), &p)
	if out.Kind != pipeline.KindPost || out.ProfileSkipped {
		t.Fatalf("outcome %+v", out)
	}
	g, err := geo.Default()
	if err != nil {
		t.Skip(err)
	}
	geo.NewResolver(g, geo.Options{}).Locate(&p)
	if p.GeoSource != post.GeoProfile || !p.GeoSource.Inferred() || geo.DistanceKm(p.Point, post.Point{Lat: 50.11, Lon: 8.68}) > 20 {
		t.Errorf("located %v at %+v, want profile near Frankfurt am Main", p.GeoSource, p.Point)
	}

	// A huge bio is counted through the outcome; the post is kept.
	huge := `{"id":"9","content":"<p>hi</p>","account":{"id":"1","acct":"a","note":"` + strings.Repeat("x", 1<<20) + `"}}`
	out = newTweetParser().Parse(mastodon.Envelope("update", []byte(huge)), &p)
	if out.Kind != pipeline.KindPost || !out.ProfileSkipped {
		t.Errorf("huge bio: outcome %+v, want a post with ProfileSkipped", out)
	}
}
