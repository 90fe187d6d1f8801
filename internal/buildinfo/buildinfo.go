// Package buildinfo says what a geoheat binary is and what it carries: the
// source revision and Go version it was built from, and the data that make
// build embeds (the app lists them: dashboard bundle, gazetteer, language
// models). A plain `go
// build` without make compiles too, but without those; `geoheat version`
// and /api/status say so instead of leaving a silent half-binary.
package buildinfo

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
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

// Part is one piece of data the binary may embed, and how to find it.
type Part struct {
	Name string
	// Probe reports the part without decoding it, or why it is missing.
	Probe func() (Found, error)
}

// Found is what a Probe reports of an embedded part.
type Found struct {
	Bytes   int64
	Files   int    // when the part is several files
	Version string // what it was built from, with versions
}

// Read collects Info about the running binary and the given parts. It is
// cheap when the probes are (no data is decoded).
func Read(parts ...Part) Info {
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
	for _, p := range parts {
		c := Component{Name: p.Name, Embedded: true}
		f, err := p.Probe()
		if err != nil {
			c.Embedded, c.Missing = false, err.Error()
			info.Complete = false
		} else {
			c.Bytes, c.Files, c.Version = f.Bytes, f.Files, f.Version
		}
		info.Components = append(info.Components, c)
	}
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
