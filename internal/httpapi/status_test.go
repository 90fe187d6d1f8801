package httpapi

import (
	"testing"
)

// /api/status says what the binary carries, as `geoheat version` does; the
// test binary is built after make build's generators, so all of it.
func TestStatusSaysWhatTheBinaryCarries(t *testing.T) {
	srv := provenanceAPI(t)
	var st StatusData
	if code := getJSON(t, srv.URL+"/api/status", &st); code != 200 {
		t.Fatalf("status %d", code)
	}
	names := map[string]bool{}
	for _, c := range st.Build.Components {
		if !c.Embedded {
			t.Errorf("component %s missing: %s", c.Name, c.Missing)
		}
		names[c.Name] = true
	}
	for _, n := range []string{"dashboard", "gazetteer", "language models"} {
		if !names[n] {
			t.Errorf("status build lists no %q: %+v", n, st.Build)
		}
	}
	if !st.Build.Complete || st.Build.Go == "" {
		t.Errorf("build = %+v, want complete with a Go version", st.Build)
	}
}
