package twitter

import (
	"encoding/json"
	"testing"

	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/valyala/fastjson"
)

// The validators compared on the 12,619 distinct real tweets (docs/
// handwritten.md): validateJSON against encoding/json.Valid and fastjson's
// own Validate, the alternatives it was kept over.
func BenchmarkValidate(b *testing.B) {
	path := testenv.Shared(b, "tweets", "combined", "v1_tweets_unique.jsonl.gz")
	lines := testenv.ReadLines(b, path)
	var total int64
	for _, l := range lines {
		total += int64(len(l))
	}
	for _, v := range []struct {
		name  string
		valid func([]byte) bool
	}{
		{"handwritten", func(d []byte) bool { return validateJSON(d) == nil }},
		{"encoding_json", json.Valid},
		{"fastjson", func(d []byte) bool { return fastjson.ValidateBytes(d) == nil }},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(total / int64(len(lines)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if !v.valid(lines[i]) {
					b.Fatalf("line %d invalid", i)
				}
				if i++; i == len(lines) {
					i = 0
				}
			}
		})
	}
}
