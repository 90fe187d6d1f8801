package trendeval

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

// Selection is what one trends query selects: a language (key), a
// country (ISO 3166-1 alpha-2), or both; the zero Selection is the world
// in every language.
type Selection struct {
	Lang    string `json:"lang,omitempty"`
	Country string `json:"country,omitempty"`
}

// Observations are the trends listed at each tick of the replayed clock:
// what a user asking each selection at that moment was shown.
type Observations struct {
	// Ticks are the times asked, ascending: at tick t the window is the
	// whole buckets ending at t.
	Ticks []time.Time
	// Lists holds, per selection, the trends listed at each tick (indexed
	// like Ticks), best first; nil where the selection was not asked at
	// that tick, an empty slice where it was and nothing was listed.
	Lists map[Selection][][]store.Trend
}

// rank is tag's 1-based place in list, 0 when it is not listed.
func rank(list []store.Trend, tag string) int {
	for i := range list {
		if list[i].Tag == tag {
			return i + 1
		}
	}
	return 0
}

// Truth is one burst as the evaluation scores it: the demo's Burst with
// its tag lower-cased as stores list it and its language as a key.
type Truth struct {
	Tag     string // lower-cased (pytext.Lower), as Trend.Tag
	Lang    string // language key (platform.Key of the demo's code)
	Country string
	Start   time.Time
	End     time.Time
}

// View is one way a burst can be found: in its language's trends, in its
// country's (all languages), in both at the same tick, or in its
// language's trends within its country.
type View int

// Views, in report order.
const (
	ViewLang View = iota
	ViewCountry
	ViewBoth
	ViewLangInCountry
	numViews
)

var viewNames = [numViews]string{"language", "country", "language and country", "language in country"}

func (v View) String() string { return viewNames[v] }

// ViewOutcome is how one burst fared in one view.
type ViewOutcome struct {
	// Ticks is how many ticks the burst lasted for: those whose window's
	// last bucket overlaps the burst.
	Ticks int `json:"ticks"`
	// Detected: in the top at one of those ticks at least.
	Detected bool `json:"detected"`
	// DelayMin is the minutes from the burst's start to the first tick it
	// was in the top (when Detected).
	DelayMin float64 `json:"delay_min,omitempty"`
	// Coverage is the share of the ticks from that first one to the
	// burst's last that it was in the top (when Detected).
	Coverage float64 `json:"coverage,omitempty"`
	// BestRank is its best place in the listing over the burst (0: never
	// listed), for a miss's diagnosis; not defined for ViewBoth.
	BestRank int `json:"best_rank"`
}

// scoreBurst finds b in the observations: at each tick the burst lasts
// for, whether it is in the first top of each view's listing. bucket is
// the trend bucket: the window at tick t ends with [t−bucket, t).
func scoreBurst(b Truth, obs *Observations, top int, bucket time.Duration) [numViews]ViewOutcome {
	sels := [numViews]Selection{
		ViewLang:          {Lang: b.Lang},
		ViewCountry:       {Country: b.Country},
		ViewLangInCountry: {Lang: b.Lang, Country: b.Country},
	}
	var (
		out   [numViews]ViewOutcome
		first [numViews]int
		hits  [numViews][]bool
	)
	for v := range out {
		first[v] = -1
	}
	for i, t := range obs.Ticks {
		if !t.After(b.Start) || !t.Add(-bucket).Before(b.End) {
			continue
		}
		var in [numViews]bool
		for _, v := range []View{ViewLang, ViewCountry, ViewLangInCountry} {
			lists := obs.Lists[sels[v]]
			if i >= len(lists) {
				continue
			}
			r := rank(lists[i], b.Tag)
			in[v] = r > 0 && r <= top
			if r > 0 && (out[v].BestRank == 0 || r < out[v].BestRank) {
				out[v].BestRank = r
			}
		}
		in[ViewBoth] = in[ViewLang] && in[ViewCountry]
		for v := range out {
			out[v].Ticks++
			if in[v] && first[v] < 0 {
				first[v] = i
				out[v].Detected = true
				out[v].DelayMin = t.Sub(b.Start).Minutes()
			}
			if first[v] >= 0 {
				hits[v] = append(hits[v], in[v])
			}
		}
	}
	for v := range out {
		if len(hits[v]) > 0 {
			n := 0
			for _, h := range hits[v] {
				if h {
					n++
				}
			}
			out[v].Coverage = float64(n) / float64(len(hits[v]))
		}
	}
	return out
}

// ViewSummary sums one view over the bursts.
type ViewSummary struct {
	View     string  `json:"view"`
	Detected int     `json:"detected"`
	Total    int     `json:"total"`
	Percent  float64 `json:"percent"`
	// Delays are over the detected bursts, by the nearest-rank method.
	DelayMedianMin float64 `json:"delay_median_min"`
	DelayP90Min    float64 `json:"delay_p90_min"`
	DelayMaxMin    float64 `json:"delay_max_min"`
	// Coverage is over the detected bursts: the mean, and the worst
	// tenth's bound (p10).
	CoverageMean float64 `json:"coverage_mean"`
	CoverageP10  float64 `json:"coverage_p10"`
}

func summarize(v View, outcomes [][numViews]ViewOutcome) ViewSummary {
	s := ViewSummary{View: v.String(), Total: len(outcomes)}
	var delays, covs []float64
	for _, o := range outcomes {
		if o[v].Detected {
			s.Detected++
			delays = append(delays, o[v].DelayMin)
			covs = append(covs, o[v].Coverage)
		}
	}
	if s.Total > 0 {
		s.Percent = 100 * float64(s.Detected) / float64(s.Total)
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		slices.Sort(covs)
		s.DelayMedianMin = nearestRank(delays, 0.5)
		s.DelayP90Min = nearestRank(delays, 0.9)
		s.DelayMaxMin = delays[len(delays)-1]
		s.CoverageP10 = nearestRank(covs, 0.1)
		sum := 0.0
		for _, c := range covs {
			sum += c
		}
		s.CoverageMean = sum / float64(len(covs))
	}
	return s
}

// nearestRank is the q-quantile of sorted by the nearest-rank method: the
// smallest value with at least q of the values at or below it.
func nearestRank(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted))-1e-9)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// FalseTrends counts, per selection, the tags listed that are not bursts.
type FalseTrends struct {
	Selection Selection `json:"selection"`
	// Hours is how many clock hours of the evaluated span the selection
	// was asked in.
	Hours int `json:"hours"`
	// Listed and Top are distinct false tags summed over those hours:
	// listed at all (score ≥ the minimum score), or in the top.
	Listed int `json:"listed"`
	Top    int `json:"top"`
	// PerHour and TopPerHour are Listed and Top per hour; MaxInHour the
	// most distinct false tags listed in one hour.
	PerHour    float64 `json:"per_hour"`
	TopPerHour float64 `json:"top_per_hour"`
	MaxInHour  int     `json:"max_in_hour"`
	// ByHour is the distinct false tags listed in each clock hour of the
	// span, from its start (-1 where the selection was not asked).
	ByHour []int `json:"by_hour"`
	// Tags are the false tags with the number of ticks each was listed
	// at, most first.
	Tags []TagTicks `json:"tags,omitempty"`
}

// TagTicks is a tag and at how many ticks it was listed.
type TagTicks struct {
	Tag   string `json:"tag"`
	Ticks int    `json:"ticks"`
}

// countFalse counts the false trends of sel at the ticks in (from, to]:
// a tag listed that isTrue rejects. Ticks are grouped into clock hours
// from from; a tag counts once per hour however many ticks list it.
func countFalse(obs *Observations, sel Selection, from, to time.Time, top int, isTrue func(tag string) bool) FalseTrends {
	ft := FalseTrends{Selection: sel}
	lists := obs.Lists[sel]
	type hourTag struct {
		hour int
		tag  string
	}
	listed := map[hourTag]bool{}
	topped := map[hourTag]bool{}
	perHour := map[int]int{}
	hours := map[int]bool{}
	ticks := map[string]int{}
	for i, t := range obs.Ticks {
		if !t.After(from) || t.After(to) || i >= len(lists) || lists[i] == nil {
			continue
		}
		h := int((t.Sub(from) - 1) / time.Hour)
		hours[h] = true
		for r, tr := range lists[i] {
			if isTrue(tr.Tag) {
				continue
			}
			ticks[tr.Tag]++
			k := hourTag{h, tr.Tag}
			if !listed[k] {
				listed[k] = true
				perHour[h]++
			}
			if r < top {
				topped[k] = true
			}
		}
	}
	ft.Hours, ft.Listed, ft.Top = len(hours), len(listed), len(topped)
	if ft.Hours > 0 {
		ft.PerHour = float64(ft.Listed) / float64(ft.Hours)
		ft.TopPerHour = float64(ft.Top) / float64(ft.Hours)
	}
	for h := range hours {
		for len(ft.ByHour) <= h {
			ft.ByHour = append(ft.ByHour, -1)
		}
		ft.ByHour[h] = perHour[h]
		ft.MaxInHour = max(ft.MaxInHour, perHour[h])
	}
	for tag, n := range ticks {
		ft.Tags = append(ft.Tags, TagTicks{tag, n})
	}
	slices.SortFunc(ft.Tags, func(a, b TagTicks) int {
		if c := cmp.Compare(b.Ticks, a.Ticks); c != 0 {
			return c
		}
		return cmp.Compare(a.Tag, b.Tag)
	})
	return ft
}

// Listing is a tag listed where it must not be: which selection, when,
// at what rank.
type Listing struct {
	Selection Selection `json:"selection"`
	At        time.Time `json:"at"`
	Tag       string    `json:"tag"`
	Rank      int       `json:"rank"`
	Score     float64   `json:"score"`
	Authors   int64     `json:"authors"`
	Observed  int64     `json:"observed"`
	Expected  float64   `json:"expected"`
}

// findListed returns every listing, at the ticks in (from, to], of a tag
// that forbidden says must not trend in that selection.
func findListed(obs *Observations, from, to time.Time, forbidden func(sel Selection, tag string) bool) []Listing {
	var out []Listing
	sels := sortedSelections(obs)
	for _, sel := range sels {
		lists := obs.Lists[sel]
		for i, t := range obs.Ticks {
			if !t.After(from) || t.After(to) || i >= len(lists) {
				continue
			}
			for r, tr := range lists[i] {
				if forbidden(sel, tr.Tag) {
					out = append(out, Listing{Selection: sel, At: t, Tag: tr.Tag, Rank: r + 1, Score: tr.Score, Authors: tr.Authors,
						Observed: tr.Observed, Expected: tr.Expected})
				}
			}
		}
	}
	return out
}

// sortedSelections lists the observed selections: languages first, then
// countries, each alphabetically, so reports come out in a stable order.
func sortedSelections(obs *Observations) []Selection {
	sels := make([]Selection, 0, len(obs.Lists))
	for sel := range obs.Lists {
		sels = append(sels, sel)
	}
	slices.SortFunc(sels, func(a, b Selection) int {
		if c := cmp.Compare(a.Country, b.Country); c != 0 {
			return c
		}
		return cmp.Compare(a.Lang, b.Lang)
	})
	return sels
}

// filtered returns obs keeping only the trends a stricter rule would
// list: score at least minScore and observed at least minRatio times
// expected. The store lists tags by score, best first, so filtering a
// listing is what the store answers with the stricter rule (as long as
// the listing was not cut at its N, which Report.Capped tells).
func filtered(obs *Observations, minScore, minRatio float64) *Observations {
	out := &Observations{Ticks: obs.Ticks, Lists: make(map[Selection][][]store.Trend, len(obs.Lists))}
	for sel, lists := range obs.Lists {
		fl := make([][]store.Trend, len(lists))
		for i, l := range lists {
			if l == nil {
				continue
			}
			fl[i] = []store.Trend{}
			for _, tr := range l {
				if tr.Score >= minScore && float64(tr.Observed) >= minRatio*tr.Expected {
					fl[i] = append(fl[i], tr)
				}
			}
		}
		out.Lists[sel] = fl
	}
	return out
}
