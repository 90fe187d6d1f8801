package twitter

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/testenv"
)

// BenchmarkParseFixture parses the self-written 3 KB geotagged tweet.
func BenchmarkParseFixture(b *testing.B) {
	data := readFixture(b, "bench_tweet_3k.json")
	benchmarkLines(b, [][]byte{data})
}

// BenchmarkParseRealStream parses every line of a real sample-stream
// capture (tweets and deletes interleaved) in turn.
func BenchmarkParseRealStream(b *testing.B) {
	path := filepath.Join(testenv.Shared(b), "tweets", "v1_stream_jsonl",
		"han-han__datasci_course_materials__assignment1__output.txt.gz")
	var lines [][]byte
	for _, l := range testenv.ReadLines(b, path) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	benchmarkLines(b, lines)
}

// BenchmarkParseRealUnique parses the 12,619 distinct tweets of
// combined/v1_tweets_unique.jsonl.gz in turn.
func BenchmarkParseRealUnique(b *testing.B) {
	path := filepath.Join(testenv.Shared(b), "tweets", "combined", "v1_tweets_unique.jsonl.gz")
	benchmarkLines(b, testenv.ReadLines(b, path))
}

func benchmarkLines(b *testing.B, lines [][]byte) {
	var total int64
	for _, l := range lines {
		total += int64(len(l))
	}
	b.SetBytes(total / int64(len(lines))) // MB/s over the average message
	b.ReportAllocs()
	var p Parser
	var dst post.Post
	i := 0
	for b.Loop() {
		if _, err := p.Parse(lines[i], &dst); err != nil && len(lines) == 1 {
			b.Fatal(err)
		}
		if i++; i == len(lines) {
			i = 0
		}
	}
}
