package app

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runHistogram(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("histogram", groupSelect|groupSearch|groupArea|groupRange|groupHistogram|groupFormat, env, args,
		"[--lang L] [--tag T] [--q WORDS] [--bbox W,S,E,N] [--geo exact,place] [--from T] [--to T] [--buckets 60] [--server URL | --store redis://... | --data-dir DIR] [--format table|json|csv]")
	if err != nil {
		return helpOK(err)
	}
	format, err := outputFormat("histogram", cfg, "csv")
	if err != nil {
		return err
	}
	q := exploreValues(cfg, url.Values{"buckets": {strconv.Itoa(cfg.Explore.Buckets)}})
	d, done, err := selectionData[httpapi.HistogramData](ctx, env, cfg, "histogram", format, "/api/histogram", q)
	if done || err != nil {
		return err
	}
	return printHistogram(env.Stdout, d)
}

// printHistogram writes one line per bucket: its start, posts, points and
// a bar of its posts scaled to the busiest bucket.
func printHistogram(w io.Writer, d httpapi.HistogramData) error {
	if !d.From.IsZero() {
		fmt.Fprintf(w, "%s to %s, %s buckets: %d posts, %d points\n", d.From.Format(timeLayout), d.To.Format(timeLayout),
			time.Duration(d.StepS*float64(time.Second)), d.Posts, d.Points)
	}
	var top int64
	for _, b := range d.Buckets {
		top = max(top, b[1])
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(d.Buckets) > 0 {
		fmt.Fprintln(tw, "start\tposts\tpoints\t")
	}
	const width = 40
	for _, b := range d.Buckets {
		bar := 0
		if top > 0 {
			bar = int((b[1]*width + top - 1) / top) // a bucket with a post shows at least one mark
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", time.Unix(b[0], 0).UTC().Format(timeLayout), b[1], b[2], strings.Repeat("█", bar))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if d.Note != "" {
		fmt.Fprintln(w, "note: "+terminalSafe(d.Note))
	}
	return nil
}
