package stopwords

import (
	"testing"

	"github.com/geoheat/geoheat/internal/langid/langidtest"
)

// Run with:
//
//	go test -run '^$' -bench Detect -benchtime 3s ./internal/langid/stopwords/
//
// Each op is one text; texts/s is per core (the benchmark is sequential).

// benchmarkDetector measures d.Detect over texts.
func benchmarkDetector(b *testing.B, d *Detector, texts []string) {
	b.Helper()
	langidtest.BenchmarkTexts(b, func(s string) { d.Detect(s) }, texts)
}

func fixtureTexts(b *testing.B) []string {
	b.Helper()
	return loadFixture(b).Texts
}

func tweetTexts(b *testing.B) []string {
	b.Helper()
	var texts []string
	for _, tw := range loadTweets(b) {
		texts = append(texts, tw.text)
	}
	return texts
}

func BenchmarkDetect(b *testing.B) {
	b.Run("fixture/minilists", func(b *testing.B) {
		benchmarkDetector(b, New(loadSet(b, "minilists"), TiesFirst, 0), fixtureTexts(b))
	})
	b.Run("fixture/newest", func(b *testing.B) {
		benchmarkDetector(b, New(loadSet(b, "newest"), TiesFirst, 0), fixtureTexts(b))
	})
	for _, set := range []string{"newest", "2012"} {
		b.Run("tweets/"+set, func(b *testing.B) {
			texts := tweetTexts(b)
			benchmarkDetector(b, New(loadSet(b, set), TiesFirst, 0), texts)
		})
	}
	b.Run("tweets/newest/random-ties", func(b *testing.B) {
		texts := tweetTexts(b)
		benchmarkDetector(b, New(loadSet(b, "newest"), TiesRandom, 1), texts)
	})
}

func BenchmarkNew(b *testing.B) {
	lists := loadSet(b, "newest")
	b.ReportAllocs()
	for b.Loop() {
		New(lists, TiesFirst, 0)
	}
}
