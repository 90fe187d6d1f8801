package file

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/testenv"
)

// benchLines is how many ~3 KB tweet-like lines the generated files hold
// (about 60 MB uncompressed, 20 MB gzipped).
const benchLines = 20000

// writeBenchFile writes benchLines generated tweets, as JSON lines or as
// one JSON array, optionally gzipped, and returns the path and the
// uncompressed size.
func writeBenchFile(b *testing.B, name string, array, compress bool) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	var w interface {
		Write([]byte) (int, error)
	} = bw
	var zw *gzip.Writer
	if compress {
		zw, _ = gzip.NewWriterLevel(bw, gzip.DefaultCompression)
		w = zw
	}
	// Random words, so that the gzip ratio (about 5:1) and the inflate speed
	// are closer to real tweets than repeated text would be.
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([]string, 300)
	for i := range words {
		w := make([]byte, 2+rng.IntN(9))
		for j := range w {
			w[j] = byte('a' + rng.IntN(26))
		}
		words[i] = string(w)
	}
	description := func() string {
		var sb strings.Builder
		for sb.Len() < 2600 {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteByte(' ')
		}
		return sb.String()
	}
	var size int64
	write := func(s string) {
		n, err := w.Write([]byte(s))
		if err != nil {
			b.Fatal(err)
		}
		size += int64(n)
	}
	if array {
		write("[\n")
	}
	for i := range benchLines {
		sep := "\n"
		if array {
			sep = ",\n"
			if i == benchLines-1 {
				sep = "\n]\n"
			}
		}
		write(fmt.Sprintf(`{"created_at":"Tue Jun 10 12:%02d:%02d +0000 2014","id_str":"%d","text":"tweet %d \"quoted\" #tag%d","user":{"id_str":"%d","screen_name":"user%d","description":"%s"},"coordinates":{"type":"Point","coordinates":[%d.5,%d.25]},"entities":{"hashtags":[{"text":"tag%d"}]},"lang":"en"}%s`,
			i/60%60, i%60, 476000000000000000+i, i, i%97, i%5000, i%5000, description(), i%180-90, i%90-45, i%97, sep))
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	return path, size
}

func benchmarkFile(b *testing.B, array, compress bool) {
	path, size := writeBenchFile(b, "bench", array, compress)
	b.SetBytes(size) // MB/s of decompressed JSON
	b.ReportAllocs()
	for b.Loop() {
		if n, err := countMessages(b, path); err != nil || n != benchLines {
			b.Fatalf("%d messages, %v", n, err)
		}
	}
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// countMessages runs a source over path and counts the messages it sends.
func countMessages(b *testing.B, path string) (int, error) {
	src, err := New(path, WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	out := make(chan ingest.Message, 1024)
	done := make(chan error, 1)
	go func() { done <- src.Run(context.Background(), out); close(out) }()
	n := 0
	for range out {
		n++
	}
	return n, <-done
}

func BenchmarkLinesGzip(b *testing.B)  { benchmarkFile(b, false, true) }
func BenchmarkLinesPlain(b *testing.B) { benchmarkFile(b, false, false) }
func BenchmarkArrayGzip(b *testing.B)  { benchmarkFile(b, true, true) }
func BenchmarkArrayPlain(b *testing.B) { benchmarkFile(b, true, false) }

// BenchmarkRealUnique reads the 12,619 real tweets of
// combined/v1_tweets_unique.jsonl.gz.
func BenchmarkRealUnique(b *testing.B) {
	path := filepath.Join(testenv.Shared(b), "tweets", "combined", "v1_tweets_unique.jsonl.gz")
	size := int64(len(testenv.ReadGunzipped(b, path)))
	b.SetBytes(size)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		m, err := countMessages(b, path)
		if err != nil {
			b.Fatal(err)
		}
		n += m
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkReplayArchive replays an Archive Team style tar of per-minute
// members (demo traffic, 1,000 messages a member) through the source alone,
// the way `geoheat ingest --source file:minutes.tar` reads it.
func BenchmarkReplayArchive(b *testing.B) {
	const perMember, nMembers = 1000, 20
	lines := demoLines(b, perMember*nMembers)
	for _, enc := range []struct {
		name string
		enc  func(testing.TB, []byte) []byte
	}{
		{"bzip2", bzip2Bytes}, {"gzip", gzipBytes}, {"zstd", zstdBytes}, {"plain", func(_ testing.TB, p []byte) []byte { return p }},
	} {
		b.Run(enc.name, func(b *testing.B) {
			var members []replayMember
			var size int64
			for i := range nMembers {
				chunk := lines[i*perMember : (i+1)*perMember]
				body := append(bytes.Join(chunk, []byte("\n")), '\n')
				size += int64(len(body))
				members = append(members, replayMember{name: fmt.Sprintf("2013/06/10/12/%02d.json", i), lines: chunk, data: enc.enc(b, body)})
			}
			path := filepath.Join(b.TempDir(), "minutes.tar")
			if err := os.WriteFile(path, tarOfMembers(b, members), 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for b.Loop() {
				if n, err := countMessages(b, path); err != nil || n != len(lines) {
					b.Fatalf("%d messages, %v", n, err)
				}
			}
			b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}
