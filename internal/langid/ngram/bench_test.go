package ngram

import (
	"path/filepath"
	"testing"

	"github.com/geoheat/geoheat/internal/langid/langidtest"
	"github.com/geoheat/geoheat/internal/langid/ngram/modeldata"
	"github.com/geoheat/geoheat/internal/testenv"
)

// Run with:
//
//	go test -run '^$' -bench . -benchtime 3s -count 5 ./internal/langid/ngram/
//
// Each op is one text; texts/s is per core (the benchmark is sequential).
// The model is built before the timer starts.

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
	b.Run("tweets", func(b *testing.B) { langidtest.BenchmarkTexts(b, func(s string) { d.Detect(s) }, tweets) })
	b.Run("sentences", func(b *testing.B) { langidtest.BenchmarkTexts(b, func(s string) { d.Detect(s) }, sentences) })
	b.Run("tweets/hint", func(b *testing.B) {
		langidtest.BenchmarkTexts(b, func(s string) { d.DetectHint(s, "en") }, tweets)
	})
}

// BenchmarkOpen measures opening the embedded model file and word table
// (what the first ngram.New of a process pays).
func BenchmarkOpen(b *testing.B) {
	if modeldata.File == "" || modeldata.WordTable == "" {
		b.Fatal(ErrNoModel)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := openModel(modeldata.File)
		if err == nil {
			err = m.openWordTable(modeldata.WordTable)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
