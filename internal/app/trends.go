package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/trend/trendeval"
)

func runTrends(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "eval" {
		return runTrendsEval(ctx, env, args[1:])
	}
	cfg, err := queryFlags("trends", groupTrends|groupRange|groupFormat, env, args,
		"[--lang L] [--country C | --near PLACE [--radius 50km] | --bbox W,S,E,N] [--window 1h | --from T --to T] [--baseline 24h] [--n 10] [--geo exact,place] [--min-authors 5] [--min-score 10] [--at TIME] [--server URL | --store redis://... | --data-dir DIR] [--format table|json|csv]")
	if err != nil {
		return helpOK(err)
	}
	format, err := outputFormat("trends", cfg, "csv")
	if err != nil {
		return err
	}
	req := httpapi.TrendsRequest{Lang: cfg.Lang, Window: cfg.Window, Baseline: cfg.Baseline,
		N: strconv.Itoa(cfg.N), MinAuthors: strconv.Itoa(cfg.MinAuthors),
		MinScore: strconv.FormatFloat(cfg.MinScore, 'g', -1, 64), Geo: cfg.Geo, At: cfg.At,
		From: cfg.Explore.From, To: cfg.Explore.To}
	if req.From != "" || req.To != "" {
		req.Window = "" // the range is the window (--window's default would clash)
	}
	req.Area.Country, req.Area.Near, req.Area.Radius, req.Area.BBox = cfg.Country, cfg.Near, cfg.Radius, cfg.BBox
	data, done, err := exportOrData(ctx, env, cfg, "trends", format, "/api/trends", req.Values())
	if done || err != nil {
		return err
	}
	var d httpapi.TrendsData
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("unexpected /api/trends answer: %w", err)
	}
	return printTrends(env.Stdout, d)
}

// printTrends writes the trends as a table under a line saying what was
// selected, and the answer's note.
func printTrends(w io.Writer, d httpapi.TrendsData) error {
	lang := "all languages"
	if d.Lang != "" {
		lang = d.Lang + " (" + d.Name + ")"
	}
	fmt.Fprintf(w, "trends in %s, %s: window %s (%s to %s), baseline %s",
		lang, terminalSafe(d.Area), d.Window, d.From.Format(timeLayout), d.To.Format(timeLayout), d.Baseline)
	if d.BaselineShort {
		fmt.Fprintf(w, " (%s held)", d.BaselineHeld)
	}
	fmt.Fprintln(w)
	if len(d.Trends) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "rank\ttag\tscore\tauthors\tposts\texpected\tper "+d.Bucket+"\tfirst seen")
		for i, t := range d.Trends {
			fmt.Fprintf(tw, "%d\t#%s\t%.1f\t%d\t%d\t%.1f\t%s\t%s\n", i+1, terminalSafe(t.Tag), t.Score, t.Authors, t.Posts,
				t.Expected, sparkline(t.Series), t.FirstSeen.UTC().Format(timeLayout))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if d.Note != "" {
		fmt.Fprintln(w, "note: "+terminalSafe(d.Note))
	}
	return nil
}

const timeLayout = "2006-01-02 15:04Z"

// sparkBars are the eighths of a character cell, lowest first.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// sparkline draws a series as one bar per value, scaled to its largest.
func sparkline(series []int64) string {
	var top int64
	for _, v := range series {
		top = max(top, v)
	}
	out := make([]rune, len(series))
	for i, v := range series {
		level := 0
		if top > 0 {
			level = int(math.Round(float64(max(v, 0)) / float64(top) * float64(len(sparkBars)-1)))
		}
		out[i] = sparkBars[level]
	}
	return string(out)
}

// runTrendsEval replays a demo day with injected bursts through the
// pipeline into an embedded store and scores the trends found against the
// demo's ground truth (internal/trend/trendeval; BENCHMARKS.md).
func runTrendsEval(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("trends eval", groupDetect|groupTrendsEval, env, args,
		"[--seed 1] [--rate 60] [--span 24h] [--bursts 3] [--spam 0.001] [--window 1h] [--baseline 24h] [--min-authors 5] [--min-score 30] [--detector ngram] [--misses] [--json]\n\n"+
			"Generates a demo day (and a warm-up of window + baseline before it) with bursts and a spamming account, ingests it\n"+
			"through the pipeline into an embedded store, and every 5 minutes of stream time asks for the trends of each burst\n"+
			"language and country; then the same day without bursts, for false trends. Takes about 10 minutes on 2 cores.")
	if err != nil {
		return helpOK(err)
	}
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	det, err := openDetector(cfg, env, log)
	if err != nil {
		return err
	}
	opts := trendeval.Options{Seed: cfg.Seed, Rate: cfg.Rate, Span: cfg.Span, BurstsPerHour: cfg.Bursts, SpamShare: cfg.SpamShare,
		MinAuthors: cfg.MinAuthors, MinScore: cfg.MinScore, NewParser: newTweetParser, Detector: det, Progress: env.Stderr}
	if cfg.Bursts == 0 {
		return fmt.Errorf("%w: trends eval: --bursts 0 leaves nothing to find", ErrUsage)
	}
	for _, d := range []struct {
		flag string
		dst  *time.Duration
		val  string
	}{{"--window", &opts.Window, cfg.Window}, {"--baseline", &opts.Baseline, cfg.Baseline}} {
		if *d.dst, err = httpapi.ParseWindow(d.val); err != nil {
			return fmt.Errorf("%w: trends eval %s: %v", ErrUsage, d.flag, err)
		}
	}
	rep, err := trendeval.Run(ctx, opts)
	if errors.Is(err, trendeval.ErrOptions) {
		return fmt.Errorf("%w: trends eval: %v", ErrUsage, err)
	}
	if err != nil {
		return err
	}
	if cfg.JSON {
		return rep.WriteJSON(env.Stdout)
	}
	return rep.WriteText(env.Stdout, cfg.Misses)
}
