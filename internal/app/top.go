package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runTop(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("top", groupTop, env, args, "[--lang L] [--n 3] [--last 5000 | --window 15m] [--server URL | --store redis://... | --data-dir DIR] [--json]")
	if err != nil {
		return helpOK(err)
	}
	q := url.Values{}
	if cfg.Lang != "" {
		q.Set("lang", cfg.Lang)
	}
	q.Set("n", fmt.Sprint(cfg.N))
	if cfg.Window != "" {
		q.Set("window", cfg.Window)
	} else {
		q.Set("last", fmt.Sprint(cfg.Last))
	}
	data, err := apiGet(ctx, env, cfg, "/api/top", q)
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(env.Stdout, data)
	}
	var rows []httpapi.TopRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "lang\tname\ttop hashtags")
	for _, r := range rows {
		tags := make([]string, len(r.Tags))
		for i, t := range r.Tags {
			tags[i] = fmt.Sprintf("%s %d", terminalSafe(t.Tag), t.Count)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Lang, r.Name, strings.Join(tags, ", "))
	}
	return tw.Flush()
}
