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
	cfg, err := queryFlags("top", groupTop|groupRange|groupSearch|groupArea|groupFormat, env, args,
		"[--lang L] [--n 3] [--last 5000 | --window 15m | --from T --to T] [--bbox W,S,E,N [--geo exact,place]] [--q WORDS] [--server URL | --store redis://... | --data-dir DIR] [--format table|json|csv]")
	if err != nil {
		return helpOK(err)
	}
	format, err := outputFormat("top", cfg, "csv")
	if err != nil {
		return err
	}
	q := url.Values{}
	if cfg.Lang != "" {
		q.Set("lang", cfg.Lang)
	}
	q.Set("n", fmt.Sprint(cfg.N))
	if cfg.BBox == "" {
		cfg.Geo = "" // provenances only narrow a box
	}
	exploreValues(cfg, q)
	switch {
	case cfg.Window != "":
		q.Set("window", cfg.Window)
	case q.Get("from") == "" && q.Get("to") == "" && q.Get("bbox") == "" && q.Get("q") == "":
		// Without a selection of posts, the seed's count over the newest hashtags.
		q.Set("last", fmt.Sprint(cfg.Last))
	}
	data, done, err := exportOrData(ctx, env, cfg, "top", format, "/api/top", q)
	if done || err != nil {
		return err
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
