package ngram

import (
	"github.com/geoheat/geoheat/internal/langid/ngram/modeldata"
	"path/filepath"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/testenv"
)

// Run with:
//
//	go test -run '^$' -bench . -benchtime 3s -count 5 ./internal/langid/ngram/
//
// Each op is one text; texts/s is per core (the benchmark is sequential).
// The model is built before the timer starts.

func benchmarkTexts(b *testing.B, detect func(string), texts []string) {
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
		detect(texts[i])
		if i++; i == len(texts) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "texts/s")
}

func BenchmarkDetect(b *testing.B) {
	d := newDetector(b)
	data := testenv.Shared(b)
	var tweets, sentences []string
	for _, r := range readTweets(b, filepath.Join(data, "tweets", "combined", "v1_tweets_unique.jsonl.gz")) {
		tweets = append(tweets, r.text)
	}
	for _, r := range readSentences(b, filepath.Join(data, "langid", "sentences.tsv")) {
		sentences = append(sentences, r.text)
	}
	b.Run("tweets", func(b *testing.B) { benchmarkTexts(b, func(s string) { d.Detect(s) }, tweets) })
	b.Run("sentences", func(b *testing.B) { benchmarkTexts(b, func(s string) { d.Detect(s) }, sentences) })
	b.Run("tweets/hint", func(b *testing.B) {
		benchmarkTexts(b, func(s string) { d.DetectHint(s, "en") }, tweets)
	})
}

// BenchmarkOpen measures opening the embedded model file (what the first
// ngram.New of a process pays).
func BenchmarkOpen(b *testing.B) {
	if modeldata.File == "" {
		b.Fatal(ErrNoModel)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openModel(modeldata.File); err != nil {
			b.Fatal(err)
		}
	}
}
