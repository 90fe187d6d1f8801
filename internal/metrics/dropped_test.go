package metrics_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/metrics"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// eventParser parses Jetstream events (the small fixture this test feeds)
// and gives every post a language, so the detector is never asked.
type eventParser struct{}

func (eventParser) Parse(data []byte, dst *post.Post) pipeline.Outcome {
	res, err := jetstream.Parse(data, dst)
	switch {
	case err != nil:
		return pipeline.Outcome{Kind: pipeline.KindMalformed, Err: err}
	case res.Kind == jetstream.KindPost:
		dst.Lang = "xx"
		return pipeline.Outcome{Kind: pipeline.KindPost}
	default:
		return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: res.Notice}
	}
}

// TestOversizeDropsInStatusAndMetrics: a file whose lines include two over
// the size limit, read by the real file source through a real pipeline
// into a real store; /api/status and /metrics of a real server both count
// the two as dropped with reason oversize, and everything else arrives.
func TestOversizeDropsInStatusAndMetrics(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("..", "ingest", "jetstream", "testdata", "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(fixture)), "\n")
	big := `{"did":"did:plc:big","time_us":5,"pad":"` + strings.Repeat("x", 4000) + `"}`
	var in bytes.Buffer
	for i, l := range lines {
		in.WriteString(l + "\n")
		if i == 0 || i == 2 {
			in.WriteString(big + "\n")
		}
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var src *file.Source
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err = file.New(path, file.WithMaxMessageSize(2048), file.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, NewParser: func() pipeline.Parser { return eventParser{} },
		Detector: platform.New(platform.Trust, nil), Recorder: st, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	ingest := func() *pipeline.Stats { s := p.Stats(); return &s }
	m, err := metrics.New(metrics.Options{Registry: prometheus.NewRegistry(), Store: st, Ingest: ingest})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", httpapi.New(httpapi.Options{Querier: st, Ingest: ingest}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Data httpapi.StatusData `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if in := env.Data.Ingest; in == nil || in.SourceDropped[file.DropOversize] != 2 || in.Messages != int64(len(lines)) || in.Written != 2 {
		t.Errorf("/api/status ingest: %+v, want 2 oversize drops, %d messages, 2 written", in, len(lines))
	}

	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	found := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `geoheat_dropped_total{kind="",reason="oversize"} `); ok {
			found = true
			if v != "2" {
				t.Errorf("oversize drops in /metrics: %s, want 2", v)
			}
		}
	}
	if !found {
		t.Error("no oversize drops in /metrics")
	}
}
