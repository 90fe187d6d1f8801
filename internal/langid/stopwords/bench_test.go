package stopwords

import (
	"testing"
	"time"
)

// Run with:
//
//	go test -run '^$' -bench Detect -benchtime 3s ./internal/langid/stopwords/
//
// Each op is one text; texts/s is per core (the benchmark is sequential).

func benchmarkTexts(b *testing.B, d *Detector, texts []string) {
	b.Helper()
	if len(texts) == 0 {
		b.Fatal("no texts")
	}
	bytes := 0
	for _, t := range texts {
		bytes += len(t)
	}
	b.SetBytes(int64(bytes / len(texts)))
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		d.Detect(texts[i])
		if i++; i == len(texts) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "texts/s")
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
		benchmarkTexts(b, New(loadSet(b, "minilists"), TiesFirst, 0), fixtureTexts(b))
	})
	b.Run("fixture/newest", func(b *testing.B) {
		benchmarkTexts(b, New(loadSet(b, "newest"), TiesFirst, 0), fixtureTexts(b))
	})
	for _, set := range []string{"newest", "2012"} {
		b.Run("tweets/"+set, func(b *testing.B) {
			texts := tweetTexts(b)
			benchmarkTexts(b, New(loadSet(b, set), TiesFirst, 0), texts)
		})
	}
	b.Run("tweets/newest/random-ties", func(b *testing.B) {
		texts := tweetTexts(b)
		benchmarkTexts(b, New(loadSet(b, "newest"), TiesRandom, 1), texts)
	})
}

func BenchmarkNew(b *testing.B) {
	lists := loadSet(b, "newest")
	b.ReportAllocs()
	for b.Loop() {
		New(lists, TiesFirst, 0)
	}
}
