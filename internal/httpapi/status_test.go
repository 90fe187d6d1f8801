package httpapi

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/geoheat/geoheat/internal/buildinfo"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// /api/status says what the binary carries when the app hands it over.
func TestStatusSaysWhatTheBinaryCarries(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	info := buildinfo.Read(buildinfo.Part{Name: "language models", Probe: func() (buildinfo.Found, error) {
		return buildinfo.Found{}, errors.New("run make build")
	}})
	srv := httptest.NewServer(New(Options{Querier: st, Build: &info}))
	t.Cleanup(srv.Close)
	var got StatusData
	if code := getJSON(t, srv.URL+"/api/status", &got); code != 200 {
		t.Fatalf("status %d", code)
	}
	if got.Build == nil || got.Build.Complete || len(got.Build.Components) != 1 || got.Build.Components[0].Missing != "run make build" {
		t.Errorf("status build = %+v, want the missing language models", got.Build)
	}
}
