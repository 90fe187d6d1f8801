package metrics_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/geoheat/geoheat/internal/metrics"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// refusingStore is a real memstore whose WritesRefused reports the state a
// failed fsync leaves (making a disk fail is memstore's own test).
type refusingStore struct{ *memstore.Store }

func (refusingStore) WritesRefused() error { return memstore.ErrFsyncFailed }

// The gauge is 0 on a healthy embedded store and 1 on one that refuses.
func TestWritesRefusedGauge(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct {
		store store.Querier
		want  string
	}{{st, "0"}, {refusingStore{st}, "1"}} {
		opts := metrics.Options{Registry: prometheus.NewRegistry(), Store: c.store}
		m, err := metrics.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if !strings.Contains(rec.Body.String(), "\ngeoheat_store_writes_refused "+c.want+"\n") {
			t.Errorf("want geoheat_store_writes_refused %s in\n%s", c.want, grep(rec.Body.String(), "writes_refused"))
		}
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
