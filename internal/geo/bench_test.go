package geo

import (
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/twitter"
)

// realPosts parses the shared v1.1 tweets, or returns nil.
func realPosts(tb testing.TB) []post.Post {
	path, err := testenv.LookupShared("tweets", "combined", "v1_tweets_unique.jsonl.gz")
	if err != nil {
		return nil
	}
	var p twitter.Parser
	var out []post.Post
	for _, line := range testenv.ReadLines(tb, path) {
		var ps post.Post
		if res, _ := p.Parse(line, &ps); res.Kind == twitter.KindPost {
			out = append(out, ps)
		}
	}
	return out
}

// profileMix is the benchmark's input: the real profile locations of the
// shared tweets in stream order (8,132 strings, 5,034 distinct: the repeats
// are real), else the tricky-strings table repeated.
func profileMix(b *testing.B) (locs, langs []string) {
	for _, p := range realPosts(b) {
		if p.UserLocation != "" {
			locs, langs = append(locs, p.UserLocation), append(langs, p.PlatformLang)
		}
	}
	if len(locs) == 0 {
		b.Log("shared data absent: benchmarking the tricky-strings table")
		for range 20 {
			for _, tc := range profileCases {
				locs, langs = append(locs, tc.loc), append(langs, tc.lang)
			}
		}
	}
	return locs, langs
}

// BenchmarkResolveProfile resolves the mix in order with the default
// cache; the cache is emptied every pass so only the mix's own repeats
// hit it.
func BenchmarkResolveProfile(b *testing.B) {
	benchmarkProfiles(b, Options{})
}

// BenchmarkResolveProfileUncached is the same without the cache: the cost
// of a first sighting.
func BenchmarkResolveProfileUncached(b *testing.B) {
	benchmarkProfiles(b, Options{CacheSize: -1})
}

func benchmarkProfiles(b *testing.B, opts Options) {
	g := gazetteer(b)
	locs, langs := profileMix(b)
	r := NewResolver(g, opts)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.ResolveProfile(locs[i], langs[i])
		if i++; i == len(locs) {
			i = 0
			r = NewResolver(g, opts)
		}
	}
}

// BenchmarkLocate runs the pipeline's call on real posts without a point
// (the common case after 2019): profile, then text.
func BenchmarkLocate(b *testing.B) {
	g := gazetteer(b)
	var posts []post.Post
	for _, p := range realPosts(b) {
		if !p.HasPoint {
			posts = append(posts, p)
		}
	}
	if len(posts) == 0 {
		for _, tc := range textCases {
			posts = append(posts, post.Post{Text: tc.text, Hashtags: tc.hashtags, Lang: tc.lang})
		}
		for _, tc := range profileCases {
			posts = append(posts, post.Post{UserLocation: tc.loc, Lang: tc.lang})
		}
	}
	r := NewResolver(g, Options{})
	b.ReportAllocs()
	i := 0
	var p post.Post
	for b.Loop() {
		p = posts[i]
		r.Locate(&p)
		if i++; i == len(posts) {
			i = 0
		}
	}
}
