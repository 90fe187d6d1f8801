package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runPoints(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("points", groupPoints|groupFormat, env, args,
		"--lang L [--n 400] [--geo exact,place] [--server URL | --store redis://... | --data-dir DIR] [--format table|json|csv|geojson]")
	if err != nil {
		return helpOK(err)
	}
	format, err := outputFormat("points", cfg, "csv", "geojson")
	if err != nil {
		return err
	}
	if cfg.Lang == "" {
		return fmt.Errorf("%w: geoheat points needs --lang (en or english)", ErrUsage)
	}
	if err := checkGeo("points", cfg); err != nil {
		return err
	}
	q := url.Values{"lang": {cfg.Lang}, "n": {fmt.Sprint(cfg.N)}}
	if cfg.Geo != "" {
		q.Set("geo", cfg.Geo)
	}
	data, done, err := exportOrData(ctx, env, cfg, "points", format, "/api/points", q)
	if done || err != nil {
		return err
	}
	var d httpapi.PointsData
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lat\tlon\tsource\tconfidence\t")
	for i, p := range d.Points {
		src, conf := "exact", float32(1) // a server from before provenance sends neither
		if i < len(d.Sources) && i < len(d.Confidence) {
			src, conf = d.Sources[i], d.Confidence[i]
		}
		fmt.Fprintf(tw, "%v\t%v\t%s\t%.2f\t\n", p[0], p[1], terminalSafe(src), conf)
	}
	return tw.Flush()
}
