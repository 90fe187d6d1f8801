package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runCounts(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("counts", groupRange|groupArea|groupFormat, env, args,
		"[--from T] [--to T] [--bbox W,S,E,N [--geo exact,place]] [--server URL | --store redis://... | --data-dir DIR] [--format table|json|csv]")
	if err != nil {
		return helpOK(err)
	}
	format, err := outputFormat("counts", cfg, "csv")
	if err != nil {
		return err
	}
	if cfg.BBox == "" {
		cfg.Geo = "" // provenances only narrow a box
	}
	data, done, err := exportOrData(ctx, env, cfg, "counts", format, "/api/counts", exploreValues(cfg, url.Values{}))
	if done || err != nil {
		return err
	}
	var rows []httpapi.CountRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lang\tname\tposts\tgeo\thashtags\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", r.Lang, r.Name, r.Posts, r.Geo, r.Hashtags)
	}
	return tw.Flush()
}
