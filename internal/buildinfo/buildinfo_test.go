package buildinfo

import (
	"strings"
	"testing"
)

// The suite runs after make's generators (make test depends on them), so
// the test binary carries everything.
func TestReadFindsEveryEmbeddedPart(t *testing.T) {
	info := Read()
	if !info.Complete {
		t.Fatalf("incomplete build:\n%s", info)
	}
	want := map[string]int64{"dashboard": 1 << 20, "gazetteer": 1 << 20, "language models": 20 << 20}
	for _, c := range info.Components {
		if min, ok := want[c.Name]; ok {
			if c.Bytes < min {
				t.Errorf("%s: %d bytes, want at least %d", c.Name, c.Bytes, min)
			}
			delete(want, c.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("components not listed: %v", want)
	}
	if s := info.String(); !strings.Contains(s, "lingua-go v") {
		t.Errorf("version text names no lingua-go version:\n%s", s)
	}
}

func TestStringSaysWhatIsMissing(t *testing.T) {
	info := Info{Go: "go1.26", Components: []Component{
		{Name: "gazetteer", Missing: "geo: gazetteer not embedded (run make build)"},
		{Name: "language models", Embedded: true, Bytes: 25 << 20, Version: "lingua-go v1.4.0"},
	}}
	s := info.String()
	if !strings.Contains(s, "gazetteer        missing: geo: gazetteer not embedded") || !strings.Contains(s, "25.0 MB, lingua-go v1.4.0") {
		t.Errorf("String() =\n%s", s)
	}
}
