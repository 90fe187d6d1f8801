package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/geoheat/geoheat/internal/metrics"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Metrics come from the pipeline's and store's snapshots and the observer,
// on a fresh registry per instance (two can coexist in one process).
func TestMetricsExposition(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Record(context.Background(), []post.Post{{ID: "1", Lang: "en", Time: time.Now(), Hashtags: []string{"x"}}}); err != nil {
		t.Fatal(err)
	}
	stats := &pipeline.Stats{
		Source:   pipeline.SourceStatus{State: "running"},
		Messages: 10, Posts: 7, Written: 5, Malformed: 2, Undetected: 2, ProfileSkipped: 3,
		Notices: map[string]int64{"delete": 1},
		Queues:  []pipeline.Queue{{Name: "raw", Len: 3, Cap: 8192, Unit: "messages"}},
	}
	var ms []*metrics.Metrics
	for range 2 {
		m, err := metrics.New(metrics.Options{Registry: prometheus.NewRegistry(), Store: st,
			Ingest: func() *pipeline.Stats { return stats }})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	m := ms[0]
	m.ObserveDetect(256, 3*time.Millisecond)
	m.ObserveRecord(256, time.Millisecond, nil)
	if _, err := m.LastRecordError(); err != nil {
		t.Errorf("LastRecordError before any error: %v", err)
	}
	m.ObserveRecord(10, time.Millisecond, errors.New("disk full"))
	if at, err := m.LastRecordError(); err == nil || time.Since(at) > time.Minute {
		t.Errorf("LastRecordError = %v at %v, want the disk full error just now", err, at)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"geoheat_messages_total 10",
		"geoheat_posts_recorded_total 5",
		`geoheat_dropped_total{kind="",reason="malformed"} 2`,
		`geoheat_dropped_total{kind="delete",reason="notice"} 1`,
		`geoheat_queue_length{queue="raw",unit="messages"} 3`,
		`geoheat_source_up{state="running"} 1`,
		"geoheat_store_posts 1",
		"geoheat_store_errors_total 1",
		"geoheat_detect_batch_seconds_count 1",
		"geoheat_record_batch_seconds_count 2",
		"geoheat_profiles_skipped_total 3",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if _, err := metrics.New(metrics.Options{}); err == nil {
		t.Errorf("New without a registry succeeded")
	}
}
