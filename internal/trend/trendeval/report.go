package trendeval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
)

// Params are the parameters a report was made with, defaults filled in.
type Params struct {
	Seed          uint64    `json:"seed"`
	Rate          float64   `json:"rate"`
	Start         time.Time `json:"stream_start"`
	SpanStart     time.Time `json:"span_start"`
	SpanEnd       time.Time `json:"span_end"`
	StreamEnd     time.Time `json:"stream_end"`
	BurstsPerHour float64   `json:"bursts_per_hour"`
	SpamShare     float64   `json:"spam_share"`
	WindowMin     float64   `json:"window_min"`
	BaselineMin   float64   `json:"baseline_min"`
	MinAuthors    int       `json:"min_authors"`
	MinScore      float64   `json:"min_score"`
	Top           int       `json:"top"`
	TickMin       float64   `json:"tick_min"`
	Languages     []string  `json:"languages"`
}

// BurstResult is one evaluated burst and how each view found it.
type BurstResult struct {
	demo.Burst
	Key   string        `json:"lang_key"`
	Views []ViewOutcome `json:"views"` // in View order
}

// TrendRow is one listed trend, as a miss shows it.
type TrendRow struct {
	Tag      string  `json:"tag"`
	Score    float64 `json:"score"`
	Authors  int64   `json:"authors"`
	Observed int64   `json:"observed"`
	Expected float64 `json:"expected"`
}

func rowOf(t store.Trend) TrendRow {
	return TrendRow{Tag: t.Tag, Score: t.Score, Authors: t.Authors, Observed: t.Observed, Expected: t.Expected}
}

// Miss is a burst a view did not find in time (or at all), with what the
// view showed instead at the tick the target says it should have shown
// it: the first at least TargetMedianDelayMin after its start.
type Miss struct {
	Tag       string    `json:"tag"`
	Selection Selection `json:"selection"`
	View      string    `json:"view"`
	Share     float64   `json:"share"`
	Minutes   float64   `json:"minutes"`
	Detected  bool      `json:"detected"`
	DelayMin  float64   `json:"delay_min,omitempty"`
	BestRank  int       `json:"best_rank"`
	At        time.Time `json:"at"`
	Rank      int       `json:"rank"` // at At; 0 not listed
	// Burst is the burst's own numbers at At, from the same query listing
	// every rising tag (min score and min authors off); nil when it was
	// not rising at all.
	Burst *TrendRow `json:"burst,omitempty"`
	// Above is the top of the listing at At.
	Above []TrendRow `json:"above"`
}

// Target is one of issue 14's quality targets and the number measured.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// FalseSummary sums the false trends of a kind of selection.
type FalseSummary struct {
	// PerLanguage is every language's world selection.
	PerLanguage []FalseTrends `json:"per_language"`
	// MeanPerHour is distinct false trends per language per hour,
	// averaged over the languages; WorstPerHour the worst language's.
	MeanPerHour    float64 `json:"mean_per_hour"`
	WorstPerHour   float64 `json:"worst_per_hour"`
	WorstLang      string  `json:"worst_lang"`
	MeanTopPerHour float64 `json:"mean_top_per_hour"`
	// Countries sums the country selections (all languages, and one
	// language in a country) over the hours they were asked in (while a
	// burst of the other run was under way there).
	CountryHours   int     `json:"country_hours"`
	CountryListed  int     `json:"country_listed"`
	CountryPerHour float64 `json:"country_per_hour"`
}

// Report is the evaluation's outcome.
type Report struct {
	Params Params        `json:"params"`
	Runs   []RunStats    `json:"runs"`
	Views  []ViewSummary `json:"views"`
	Bursts []BurstResult `json:"bursts"`
	Misses []Miss        `json:"misses"`
	// False trends on the day without bursts (the target) and with them.
	FalseQuiet  FalseSummary `json:"false_trends_without_bursts"`
	FalseBursty FalseSummary `json:"false_trends_with_bursts"`
	// AlwaysBig are each language's AlwaysBigN most used tags (on the day
	// without bursts); AlwaysBigListed every time one was listed in its
	// language (or in a country), in either run.
	AlwaysBig       map[string][]string `json:"always_big"`
	AlwaysBigListed []Listing           `json:"always_big_listed"`
	// Spam is the spammer; SpamListed every listing of its tag.
	Spam       *demo.Spam `json:"spam,omitempty"`
	SpamListed []Listing  `json:"spam_listed"`
	Targets    []Target   `json:"targets"`
	// Sweep scores stricter listing rules on the same replays (see
	// SweepRow); Capped counts the listings cut at the maximum N, on
	// which a stricter rule could list a tag the replay did not see.
	Sweep  []SweepRow `json:"sweep"`
	Capped int        `json:"capped"`
}

// SweepRow is the evaluation again with a stricter listing rule: a score
// of at least MinScore and observed at least MinRatio times expected
// (0: no ratio asked, as the store does). Filtering each listing is what
// the store would answer with that rule, so one replay scores them all.
type SweepRow struct {
	MinScore float64 `json:"min_score"`
	MinRatio float64 `json:"min_ratio"`
	// Bursts found, in percent, and the median and p90 delay, in minutes,
	// by language and by country.
	LangPct        float64 `json:"lang_pct"`
	CountryPct     float64 `json:"country_pct"`
	BothPct        float64 `json:"both_pct"`
	LangMedianMin  float64 `json:"lang_median_min"`
	LangP90Min     float64 `json:"lang_p90_min"`
	CountryMedian  float64 `json:"country_median_min"`
	CountryP90Min  float64 `json:"country_p90_min"`
	CoverageMean   float64 `json:"lang_coverage_mean"`
	FalseMean      float64 `json:"false_per_lang_hour"`
	FalseWorst     float64 `json:"false_worst_lang_hour"`
	WorstLang      string  `json:"worst_lang"`
	FalseCountry   float64 `json:"false_per_country_hour"`
	AlwaysBigTimes int     `json:"always_big_listed"`
	SpamTimes      int     `json:"spam_listed"`
}

// Sweep grids: the scores and ratios tried beside the run's own.
var (
	sweepScores = []float64{15, 20, 30, 50}
	sweepRatios = []float64{0, 1.5, 2, 3}
)

// diagnose lists the bursts a language or country view found late or not
// at all, with what ranked above them (see Miss).
func diagnose(ctx context.Context, st store.Querier, o Options, p *plan, obs *Observations) ([]Miss, error) {
	var out []Miss
	for _, b := range p.evaluatedBursts {
		t := truthOf(b)
		res := scoreBurst(t, obs, o.Top, store.TrendBucket)
		for _, v := range []View{ViewLang, ViewCountry} {
			vo := res[v]
			if vo.Detected && vo.DelayMin <= TargetMedianDelayMin {
				continue
			}
			sel := Selection{Lang: t.Lang}
			if v == ViewCountry {
				sel = Selection{Country: t.Country}
			}
			at := slices.IndexFunc(p.ticks, func(tk time.Time) bool { return tk.Sub(t.Start) >= TargetMedianDelayMin*time.Minute })
			if at < 0 {
				continue
			}
			m := Miss{Tag: t.Tag, Selection: sel, View: v.String(), Share: b.Share, Minutes: b.End.Sub(b.Start).Minutes(),
				Detected: vo.Detected, DelayMin: vo.DelayMin, BestRank: vo.BestRank, At: p.ticks[at]}
			if lists := obs.Lists[sel]; at < len(lists) {
				m.Rank = rank(lists[at], t.Tag)
				for _, tr := range lists[at][:min(o.Top, len(lists[at]))] {
					m.Above = append(m.Above, rowOf(tr))
				}
			}
			q := o.query(sel, p.ticks[at])
			q.MinScore, q.MinAuthors = -1, 1
			r, err := st.Trends(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("trendeval: diagnosing %s: %w", t.Tag, err)
			}
			if i := rank(r.Trends, t.Tag); i > 0 {
				row := rowOf(r.Trends[i-1])
				m.Burst = &row
			}
			out = append(out, m)
		}
	}
	return out, nil
}

func buildReport(o Options, p *plan, bursty, quiet *runResult) Report {
	rep := Report{
		Params: Params{
			Seed: o.Seed, Rate: o.Rate, Start: p.start, SpanStart: p.spanStart, SpanEnd: p.spanEnd, StreamEnd: p.end,
			BurstsPerHour: o.BurstsPerHour, SpamShare: max(o.SpamShare, 0),
			WindowMin: o.Window.Minutes(), BaselineMin: o.Baseline.Minutes(), MinAuthors: o.MinAuthors, MinScore: o.MinScore,
			Top: o.Top, TickMin: o.Tick.Minutes(), Languages: p.langs,
		},
		Runs:      []RunStats{bursty.stats, quiet.stats},
		Misses:    bursty.misses,
		AlwaysBig: quiet.alwaysBig,
	}
	var outcomes [][numViews]ViewOutcome
	for i, b := range p.evaluatedBursts {
		res := scoreBurst(p.evaluated[i], &bursty.obs, o.Top, store.TrendBucket)
		outcomes = append(outcomes, res)
		rep.Bursts = append(rep.Bursts, BurstResult{Burst: b, Key: p.evaluated[i].Lang, Views: res[:]})
	}
	for v := range numViews {
		rep.Views = append(rep.Views, summarize(v, outcomes))
	}
	isBurst := func(tag string) bool { return p.burstTags[tag] }
	rep.FalseQuiet = sumFalse(&quiet.obs, p, o.Top, isBurst)
	rep.FalseBursty = sumFalse(&bursty.obs, p, o.Top, isBurst)

	big := map[string]map[string]bool{"": {}}
	for l, tags := range quiet.alwaysBig {
		big[l] = map[string]bool{}
		for _, t := range tags {
			big[l][t] = true
			big[""][t] = true
		}
	}
	forbidBig := func(sel Selection, tag string) bool { return big[sel.Lang][tag] }
	rep.AlwaysBigListed = append(findListed(&quiet.obs, p.spanStart, p.end, forbidBig), findListed(&bursty.obs, p.spanStart, p.end, forbidBig)...)
	if p.hasSpam {
		spam := p.spam
		rep.Spam = &spam
		tag := pytext.Lower(spam.Tag)
		forbidSpam := func(_ Selection, t string) bool { return t == tag }
		rep.SpamListed = append(findListed(&quiet.obs, p.spanStart, p.end, forbidSpam), findListed(&bursty.obs, p.spanStart, p.end, forbidSpam)...)
	}
	rep.Targets = targets(&rep)

	scores := []float64{o.MinScore}
	for _, sc := range sweepScores {
		if sc > o.MinScore {
			scores = append(scores, sc)
		}
	}
	for _, sc := range scores {
		for _, ratio := range sweepRatios {
			rep.Sweep = append(rep.Sweep, sweep(p, o.Top, filtered(&bursty.obs, sc, ratio), filtered(&quiet.obs, sc, ratio), sc, ratio, isBurst, forbidBig, rep.Spam))
		}
	}
	for _, obs := range []*Observations{&bursty.obs, &quiet.obs} {
		for _, lists := range obs.Lists {
			for _, l := range lists {
				if len(l) >= store.MaxTrendN {
					rep.Capped++
				}
			}
		}
	}
	return rep
}

// sweep scores one stricter rule on the filtered observations.
func sweep(p *plan, top int, bursty, quiet *Observations, minScore, minRatio float64, isBurst func(string) bool, forbidBig func(Selection, string) bool, spam *demo.Spam) SweepRow {
	var outcomes [][numViews]ViewOutcome
	for _, t := range p.evaluated {
		outcomes = append(outcomes, scoreBurst(t, bursty, top, store.TrendBucket))
	}
	lang, country, both := summarize(ViewLang, outcomes), summarize(ViewCountry, outcomes), summarize(ViewBoth, outcomes)
	fq := sumFalse(quiet, p, top, isBurst)
	row := SweepRow{
		MinScore: minScore, MinRatio: minRatio,
		LangPct: lang.Percent, CountryPct: country.Percent, BothPct: both.Percent,
		LangMedianMin: lang.DelayMedianMin, LangP90Min: lang.DelayP90Min, CountryMedian: country.DelayMedianMin, CountryP90Min: country.DelayP90Min,
		CoverageMean: lang.CoverageMean,
		FalseMean:    fq.MeanPerHour, FalseWorst: fq.WorstPerHour, WorstLang: fq.WorstLang, FalseCountry: fq.CountryPerHour,
		AlwaysBigTimes: len(findListed(quiet, p.spanStart, p.end, forbidBig)) + len(findListed(bursty, p.spanStart, p.end, forbidBig)),
	}
	if spam != nil {
		tag := pytext.Lower(spam.Tag)
		forbid := func(_ Selection, t string) bool { return t == tag }
		row.SpamTimes = len(findListed(quiet, p.spanStart, p.end, forbid)) + len(findListed(bursty, p.spanStart, p.end, forbid))
	}
	return row
}

// sumFalse counts the false trends of every selection in obs over the
// evaluated span.
func sumFalse(obs *Observations, p *plan, top int, isTrue func(string) bool) FalseSummary {
	var s FalseSummary
	for _, sel := range sortedSelections(obs) {
		ft := countFalse(obs, sel, p.spanStart, p.spanEnd, top, isTrue)
		if sel.Country != "" {
			s.CountryHours += ft.Hours
			s.CountryListed += ft.Listed
			continue
		}
		if len(ft.Tags) > 10 {
			ft.Tags = ft.Tags[:10]
		}
		s.PerLanguage = append(s.PerLanguage, ft)
		s.MeanPerHour += ft.PerHour
		s.MeanTopPerHour += ft.TopPerHour
		if ft.PerHour > s.WorstPerHour || s.WorstLang == "" {
			s.WorstPerHour, s.WorstLang = ft.PerHour, sel.Lang
		}
	}
	if n := len(s.PerLanguage); n > 0 {
		s.MeanPerHour /= float64(n)
		s.MeanTopPerHour /= float64(n)
	}
	if s.CountryHours > 0 {
		s.CountryPerHour = float64(s.CountryListed) / float64(s.CountryHours)
	}
	return s
}

func targets(r *Report) []Target {
	var ts []Target
	for _, v := range r.Views[:ViewBoth+1] {
		ts = append(ts, Target{
			Name: "bursts in the top " + fmt.Sprint(r.Params.Top) + " of their " + v.View,
			Want: fmt.Sprintf("≥ %.0f %%", TargetDetectedPercent),
			Got:  fmt.Sprintf("%.1f %% (%d/%d)", v.Percent, v.Detected, v.Total),
			Met:  v.Total > 0 && v.Percent >= TargetDetectedPercent,
		}, Target{
			Name: "median delay, " + v.View,
			Want: fmt.Sprintf("≤ %.0f min", TargetMedianDelayMin),
			Got:  fmt.Sprintf("%.0f min (p90 %.0f)", v.DelayMedianMin, v.DelayP90Min),
			Met:  v.Detected > 0 && v.DelayMedianMin <= TargetMedianDelayMin,
		})
	}
	ts = append(ts,
		Target{
			Name: "false trends per language per hour, without bursts (worst language)",
			Want: fmt.Sprintf("≤ %.0f", TargetFalsePerLangHour),
			Got:  fmt.Sprintf("%.2f (%s; mean %.2f)", r.FalseQuiet.WorstPerHour, r.FalseQuiet.WorstLang, r.FalseQuiet.MeanPerHour),
			Met:  r.FalseQuiet.WorstPerHour <= TargetFalsePerLangHour,
		},
		Target{
			Name: fmt.Sprintf("the %d biggest tags of each language never trend", AlwaysBigN),
			Want: "0 listings",
			Got:  fmt.Sprintf("%d listings", len(r.AlwaysBigListed)),
			Met:  len(r.AlwaysBigListed) == 0,
		})
	if r.Spam != nil {
		posts := int64(0)
		for _, run := range r.Runs {
			posts = max(posts, run.SpamPostsIn)
		}
		ts = append(ts, Target{
			Name: fmt.Sprintf("one account posting #%s %d times in the span never trends", r.Spam.Tag, posts),
			Want: "0 listings",
			Got:  fmt.Sprintf("%d listings", len(r.SpamListed)),
			Met:  len(r.SpamListed) == 0,
		})
	}
	return ts
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes r as tables; misses lists every burst found late or
// not at all, with what outranked it.
func (r *Report) WriteText(w io.Writer, misses bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := r.Params
	fmt.Fprintf(tw, "trends eval: seed %d, %g msg/s of stream time, evaluated %s – %s (%.0f h warm-up before, %.0f min after for bursts to end)\n",
		p.Seed, p.Rate, p.SpanStart.Format("2006-01-02 15:04"), p.SpanEnd.Format("2006-01-02 15:04"),
		p.SpanStart.Sub(p.Start).Hours(), p.StreamEnd.Sub(p.SpanEnd).Minutes())
	fmt.Fprintf(tw, "trend parameters: window %s, baseline %s, min authors %d, min score %g; top %d; a look every %s\n",
		minutes(p.WindowMin), minutes(p.BaselineMin), p.MinAuthors, p.MinScore, p.Top, minutes(p.TickMin))
	for _, run := range r.Runs {
		fmt.Fprintf(tw, "run %s: %d messages, %d posts, %d recorded (%d undetected); ingest %.0f s; %d trend queries in %.1f s (%.2f ms each); store %.0f MB\n",
			runName(run.Bursts), run.Messages, run.Posts, run.Written, run.Undetected, run.IngestSecs, run.Queries, run.QuerySecs,
			1000*run.QuerySecs/float64(max(run.Queries, 1)), float64(run.StoreBytes)/1e6)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "bursts found\tdetected\tdelay median / p90 / max\tcoverage mean / p10")
	for _, v := range r.Views {
		fmt.Fprintf(tw, "%s\t%d/%d (%.1f %%)\t%.0f / %.0f / %.0f min\t%.0f %% / %.0f %%\n", v.View, v.Detected, v.Total, v.Percent,
			v.DelayMedianMin, v.DelayP90Min, v.DelayMaxMin, 100*v.CoverageMean, 100*v.CoverageP10)
	}
	fmt.Fprintln(tw)
	for _, fs := range []struct {
		name string
		s    FalseSummary
	}{{"without bursts", r.FalseQuiet}, {"with bursts", r.FalseBursty}} {
		fmt.Fprintf(tw, "false trends %s: %.2f per language per hour (mean), worst %s %.2f; in the top %d %.2f; countries %.2f per hour over %d country-hours\n",
			fs.name, fs.s.MeanPerHour, fs.s.WorstLang, fs.s.WorstPerHour, p.Top, fs.s.MeanTopPerHour, fs.s.CountryPerHour, fs.s.CountryHours)
	}
	fmt.Fprintln(tw, "language\tfalse/hour\tin top/hour\tmost in an hour\tmost listed (ticks)\tby hour")
	for _, ft := range r.FalseQuiet.PerLanguage {
		var tags []string
		for _, t := range ft.Tags[:min(4, len(ft.Tags))] {
			tags = append(tags, fmt.Sprintf("%s (%d)", t.Tag, t.Ticks))
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%d\t%s\t%s\n", ft.Selection.Lang, ft.PerHour, ft.TopPerHour, ft.MaxInHour, strings.Join(tags, ", "), strings.Trim(fmt.Sprint(ft.ByHour), "[]"))
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "always-big tags (%d per language) listed: %d times\n", AlwaysBigN, len(r.AlwaysBigListed))
	for _, l := range r.AlwaysBigListed[:min(10, len(r.AlwaysBigListed))] {
		fmt.Fprintf(tw, "  %s %s at %s rank %d score %.1f (observed %d, expected %.1f)\n", selName(l.Selection), l.Tag, l.At.Format("15:04"), l.Rank, l.Score, l.Observed, l.Expected)
	}
	if r.Spam != nil {
		fmt.Fprintf(tw, "spam: @%s posts #%s (%s, %s); listed %d times\n", r.Spam.ScreenName, r.Spam.Tag, r.Spam.Lang, r.Spam.City, len(r.SpamListed))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "target\twant\tgot\tmet")
	for _, t := range r.Targets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Want, t.Got, yesNo(t.Met))
	}
	if len(r.Sweep) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "stricter listing rules on the same replays (listings cut at the maximum n: %d):\n", r.Capped)
		fmt.Fprintln(tw, "min score\tmin observed/expected\tfound lang / country / both\tdelay lang median/p90\tcountry median/p90\tfalse/lang/h mean, worst\tfalse/country/h\talways-big\tspam")
		for _, s := range r.Sweep {
			ratio := "–"
			if s.MinRatio > 0 {
				ratio = fmt.Sprintf("%g", s.MinRatio)
			}
			fmt.Fprintf(tw, "%g\t%s\t%.1f / %.1f / %.1f %%\t%.0f / %.0f min\t%.0f / %.0f min\t%.2f, %.2f %s\t%.2f\t%d\t%d\n", s.MinScore, ratio,
				s.LangPct, s.CountryPct, s.BothPct, s.LangMedianMin, s.LangP90Min, s.CountryMedian, s.CountryP90Min,
				s.FalseMean, s.FalseWorst, s.WorstLang, s.FalseCountry, s.AlwaysBigTimes, s.SpamTimes)
		}
	}
	if misses && len(r.Misses) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "bursts found late (> %.0f min) or not at all, at the first look %.0f min after their start:\n", TargetMedianDelayMin, TargetMedianDelayMin)
		for _, m := range r.Misses {
			found := "never"
			if m.Detected {
				found = fmt.Sprintf("after %.0f min", m.DelayMin)
			}
			fmt.Fprintf(tw, "  %s in %s: share %.1f %%, %.0f min; found %s, best rank %d; at %s rank %d", m.Tag, selName(m.Selection), 100*m.Share, m.Minutes, found, m.BestRank, m.At.Format("15:04"), m.Rank)
			if m.Burst != nil {
				fmt.Fprintf(tw, " (score %.1f, authors %d, observed %d, expected %.1f)", m.Burst.Score, m.Burst.Authors, m.Burst.Observed, m.Burst.Expected)
			}
			fmt.Fprintln(tw)
			var above []string
			for _, a := range m.Above {
				above = append(above, fmt.Sprintf("%s %.0f (%d authors, %d/%.1f)", a.Tag, a.Score, a.Authors, a.Observed, a.Expected))
			}
			fmt.Fprintf(tw, "    top: %s\n", strings.Join(above, "; "))
		}
	}
	return tw.Flush()
}

func selName(s Selection) string {
	switch {
	case s.Lang != "" && s.Country != "":
		return s.Lang + "@" + s.Country
	case s.Country != "":
		return s.Country
	case s.Lang != "":
		return s.Lang
	}
	return "world"
}

func minutes(m float64) string {
	return (time.Duration(m * float64(time.Minute))).String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}
