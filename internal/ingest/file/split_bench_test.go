package file

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/geoheat/geoheat/internal/testenv"
)

// BenchmarkSplitRealArray splits the 12,619 distinct real tweets, written
// as one JSON array, into elements: splitArrays (valueScan, what the file
// source uses) against encoding/json.Decoder, the library alternative
// (docs/handwritten.md).
func BenchmarkSplitRealArray(b *testing.B) {
	path := testenv.Shared(b, "tweets", "combined", "v1_tweets_unique.jsonl.gz")
	lines := bytes.Split(bytes.TrimSpace(testenv.ReadGunzipped(b, path)), []byte("\n"))
	array := append([]byte("[\n"), bytes.Join(lines, []byte(",\n"))...)
	array = append(array, "\n]\n"...)

	b.Run("valueScan", func(b *testing.B) {
		b.SetBytes(int64(len(array)))
		b.ReportAllocs()
		var elems [][2]int
		for b.Loop() {
			var ok bool
			if elems, ok = splitArrays(array, elems[:0]); !ok || len(elems) != len(lines) {
				b.Fatalf("%d elements, ok %v", len(elems), ok)
			}
		}
	})
	b.Run("json.Decoder", func(b *testing.B) {
		b.SetBytes(int64(len(array)))
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(array))
			if _, err := dec.Token(); err != nil {
				b.Fatal(err)
			}
			n := 0
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if _, err := dec.Token(); err != nil || n != len(lines) {
				b.Fatalf("%d elements, %v", n, err)
			}
			if _, err := dec.Token(); err != io.EOF {
				b.Fatal(err)
			}
		}
	})
}
