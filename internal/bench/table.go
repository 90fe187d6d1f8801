// Package bench measures geoheat against issue 7's performance targets and
// issue 8's load test: it writes a deterministic corpus with the demo
// generator, times each stage in isolation, fills stores to query, drives
// API clients and live subscribers, samples resident memory, and prints one
// table. The scenarios that run the whole pipeline are driven from
// internal/app (geoheat bench), which owns the wiring; this package holds
// the parts that do not need it, so it does not import app.
package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Stage is the single-core cost of one pipeline stage, per corpus message.
type Stage struct {
	Name         string
	NsPerMsg     float64
	AllocsPerMsg float64
}

// Latency is a percentile summary of one kind of request.
type Latency struct {
	Name   string
	N      int
	Errors int
	P50    time.Duration
	P99    time.Duration
	Max    time.Duration
}

// Row is one line of the table. Zero fields print as "–" (not measured by
// that scenario), so a zero is never mistaken for a measurement.
type Row struct {
	Scenario     string
	Messages     int64
	MsgPerSec    float64
	MBPerSec     float64
	Stages       []Stage
	Latencies    []Latency
	BytesPerPost float64
	RSSBytes     int64 // peak resident set during the scenario
	Load         string
	Note         string
}

func dash(f string, v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf(f, v)
}

func (r Row) cells() []string {
	var stages []string
	for _, s := range r.Stages {
		stages = append(stages, fmt.Sprintf("%s %.0f/%.1f", s.Name, s.NsPerMsg, s.AllocsPerMsg))
	}
	var lats []string
	for _, l := range r.Latencies {
		s := fmt.Sprintf("%s %s/%s", l.Name, fmtDur(l.P50), fmtDur(l.P99))
		if l.Errors > 0 {
			s += fmt.Sprintf(" (%d errors)", l.Errors)
		}
		lats = append(lats, s)
	}
	rss := "–"
	if r.RSSBytes > 0 {
		rss = fmt.Sprintf("%.0f MB", float64(r.RSSBytes)/(1<<20))
	}
	return []string{
		r.Scenario,
		dash("%.0f", r.MsgPerSec),
		dash("%.0f", r.MBPerSec),
		orDash(strings.Join(stages, ", ")),
		orDash(strings.Join(lats, ", ")),
		dash("%.1f", r.BytesPerPost),
		rss,
		orDash(r.Load),
		orDash(r.Note),
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// fmtDur prints a latency with three significant digits in a unit that
// keeps it short: 840µs, 3.21ms, 1.20s.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

var header = []string{"scenario", "msg/s", "MB/s", "ns/msg / allocs/msg by stage (1 core)", "latency p50/p99", "B/held post", "peak RSS", "load avg", "notes"}

// PrintTable writes rows as an aligned text table.
func PrintTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
	}
	return tw.Flush()
}

// PrintMarkdown writes rows as a markdown table. Cells are the numbers
// and names this package formats, but notes may carry an error text, so
// pipes are escaped to keep the table's shape.
func PrintMarkdown(w io.Writer, rows []Row) error {
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	line := func(cells []string) {
		for i := range cells {
			cells[i] = esc.Replace(cells[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	line(append([]string(nil), header...))
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range rows {
		line(r.cells())
	}
	return nil
}
