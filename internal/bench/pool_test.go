package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/geoheat/geoheat/internal/post"
)

// syntheticPool makes posts for the store tests of this package, which
// cannot use the app's parser (internal/app imports this package); the
// app's tests run PostPool on the real demo corpus.
func syntheticPool(n int) []post.Post {
	rng := rand.New(rand.NewPCG(1, 2))
	langs := []string{"en", "en", "es", "pt", "ja"}
	out := make([]post.Post, n)
	for i := range out {
		p := post.Post{Lang: langs[rng.IntN(len(langs))], Text: "text", Hashtags: []string{fmt.Sprintf("Tag%d", rng.IntN(20))}}
		if rng.IntN(3) == 0 {
			p.HasPoint, p.GeoSource, p.GeoConfidence = true, post.GeoExact, 1
			p.Point = post.Point{Lat: rng.Float64()*120 - 60, Lon: rng.Float64()*360 - 180}
		}
		out[i] = p
	}
	return out
}
