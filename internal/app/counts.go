package app

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runCounts(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("counts", 0, env, args, "[--server URL | --store redis://... | --data-dir DIR] [--json]")
	if err != nil {
		return helpOK(err)
	}
	data, err := apiGet(ctx, env, cfg, "/api/counts", nil)
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(env.Stdout, data)
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
