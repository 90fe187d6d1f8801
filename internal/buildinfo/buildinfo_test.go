package buildinfo

import (
	"errors"
	"strings"
	"testing"
)

func TestReadProbesEveryPart(t *testing.T) {
	info := Read(
		Part{Name: "a", Probe: func() (Found, error) { return Found{Bytes: 3 << 20, Files: 2, Version: "v1"}, nil }},
		Part{Name: "b", Probe: func() (Found, error) { return Found{Version: "v2"}, errors.New("run make build") }},
	)
	if info.Complete || len(info.Components) != 2 || info.Go == "" {
		t.Fatalf("info = %+v, want 2 components, incomplete, a Go version", info)
	}
	a, b := info.Components[0], info.Components[1]
	if !a.Embedded || a.Bytes != 3<<20 || a.Files != 2 || a.Version != "v1" {
		t.Errorf("a = %+v", a)
	}
	if b.Embedded || b.Missing != "run make build" || b.Version != "" {
		t.Errorf("b = %+v, want missing with the reason and no version", b)
	}
	if s := info.String(); !strings.Contains(s, "3.0 MB in 2 files, v1") || !strings.Contains(s, "missing: run make build") {
		t.Errorf("String() =\n%s", s)
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
