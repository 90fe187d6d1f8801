package trendeval

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// listing builds a listing with the tags at ranks 1, 2, ...
func listing(tags ...string) []store.Trend {
	out := []store.Trend{}
	for i, tag := range tags {
		out = append(out, store.Trend{Tag: tag, Score: float64(100 - i)})
	}
	return out
}

// ticksEvery5 returns the ticks t0, t0+5 min, ... t0+to min.
func ticksEvery5(to int) []time.Time {
	var ts []time.Time
	for m := 0; m <= to; m += 5 {
		ts = append(ts, at(m))
	}
	return ts
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScoreBurst(t *testing.T) {
	// The burst runs 12:02–12:40: it lasts for the ticks 12:05 to 12:40
	// (their last bucket overlaps it), eight of them; 12:00 and 12:45 are
	// outside and must not count even though the tag is listed there.
	b := Truth{Tag: "b", Lang: "es", Country: "ES", Start: at(2), End: at(40)}
	obs := &Observations{Ticks: ticksEvery5(60), Lists: map[Selection][][]store.Trend{}}
	n := len(obs.Ticks)
	lang := make([][]store.Trend, n)
	country := make([][]store.Trend, n)
	inCountry := make([][]store.Trend, n)
	for i, tk := range obs.Ticks {
		lang[i], country[i], inCountry[i] = listing(), listing(), listing()
		m := int(tk.Sub(t0).Minutes())
		switch {
		case m == 0 || m == 45:
			lang[i] = listing("b")
			country[i] = listing("b")
		case m == 10 || m == 15:
			lang[i] = listing("x", "y", "b") // rank 3
		case m == 20:
			lang[i] = listing("1", "2", "3", "4", "5", "6", "b") // rank 7: out of the top 5
		case m >= 25 && m <= 40:
			lang[i] = listing("b")
		}
		if m == 30 {
			country[i] = listing("1", "2", "3", "4", "b") // rank 5: just in
		}
		inCountry[i] = listing("1", "2", "3", "4", "5", "b") // rank 6 throughout
	}
	obs.Lists[Selection{Lang: "es"}] = lang
	obs.Lists[Selection{Country: "ES"}] = country
	obs.Lists[Selection{Lang: "es", Country: "ES"}] = inCountry

	got := scoreBurst(b, obs, 5, 5*time.Minute)
	want := [numViews]ViewOutcome{
		// First in the top at 12:10, 8 minutes in; from then on in at
		// 12:10, 12:15, 12:25, 12:30, 12:35, 12:40, out at 12:20: 6 of 7.
		ViewLang: {Ticks: 8, Detected: true, DelayMin: 8, Coverage: 6.0 / 7, BestRank: 1},
		// Only at 12:30: 28 minutes in, then out at 12:35 and 12:40.
		ViewCountry: {Ticks: 8, Detected: true, DelayMin: 28, Coverage: 1.0 / 3, BestRank: 5},
		ViewBoth:    {Ticks: 8, Detected: true, DelayMin: 28, Coverage: 1.0 / 3},
		// Listed, never in the top 5.
		ViewLangInCountry: {Ticks: 8, BestRank: 6},
	}
	for v := range numViews {
		g, w := got[v], want[v]
		if g.Ticks != w.Ticks || g.Detected != w.Detected || !approx(g.DelayMin, w.DelayMin) || !approx(g.Coverage, w.Coverage) || g.BestRank != w.BestRank {
			t.Errorf("%s: got %+v, want %+v", v, g, w)
		}
	}
}

func TestScoreBurstNotAsked(t *testing.T) {
	// A selection never asked finds nothing, and says so.
	b := Truth{Tag: "b", Lang: "es", Country: "ES", Start: at(0), End: at(30)}
	obs := &Observations{Ticks: ticksEvery5(30), Lists: map[Selection][][]store.Trend{}}
	got := scoreBurst(b, obs, 5, 5*time.Minute)
	for v := range numViews {
		if got[v].Detected || got[v].Ticks != 6 {
			t.Errorf("%s: %+v", v, got[v])
		}
	}
}

func TestSummarize(t *testing.T) {
	var outcomes [][numViews]ViewOutcome
	for _, d := range []float64{15, 5, 30, 10} {
		var o [numViews]ViewOutcome
		o[ViewLang] = ViewOutcome{Detected: true, DelayMin: d, Coverage: d / 30}
		outcomes = append(outcomes, o)
	}
	outcomes = append(outcomes, [numViews]ViewOutcome{}) // a miss
	s := summarize(ViewLang, outcomes)
	// Delays 5, 10, 15, 30: the median by nearest rank is the 2nd, the
	// p90 the 4th; the miss counts in the total only.
	if s.Detected != 4 || s.Total != 5 || !approx(s.Percent, 80) || s.DelayMedianMin != 10 || s.DelayP90Min != 30 || s.DelayMaxMin != 30 {
		t.Errorf("summary %+v", s)
	}
	if !approx(s.CoverageMean, 60.0/4/30) || !approx(s.CoverageP10, 5.0/30) {
		t.Errorf("coverage mean %v p10 %v", s.CoverageMean, s.CoverageP10)
	}
	if e := summarize(ViewCountry, outcomes); e.Detected != 0 || e.Percent != 0 || e.DelayMedianMin != 0 {
		t.Errorf("a view that found nothing: %+v", e)
	}
}

func TestNearestRank(t *testing.T) {
	d := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]float64{0.1: 1, 0.5: 5, 0.9: 9, 0.95: 10, 1: 10, 0: 1} {
		if got := nearestRank(d, q); got != want {
			t.Errorf("q %v: %v, want %v", q, got, want)
		}
	}
	if nearestRank(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

func TestCountFalse(t *testing.T) {
	// Two hours from 12:00. "burst" is a burst: never false. "b" is
	// listed at two ticks of the first hour (once) and one of the second
	// (once more); "c" in the second hour at rank 6, out of the top 5.
	// 14:05 is past the span and the not-asked tick counts no hour.
	sel := Selection{Lang: "en"}
	obs := &Observations{Ticks: ticksEvery5(125), Lists: map[Selection][][]store.Trend{}}
	lists := make([][]store.Trend, len(obs.Ticks))
	for i, tk := range obs.Ticks {
		switch m := int(tk.Sub(t0).Minutes()); m {
		case 10, 15:
			lists[i] = listing("burst", "b")
		case 60:
			lists[i] = listing("burst") // ends the first hour: (12:00, 13:00]
		case 65:
			lists[i] = listing("b", "1", "2", "3", "4", "c")
		case 125:
			lists[i] = listing("late")
		default:
			lists[i] = listing()
		}
	}
	obs.Lists[sel] = lists
	isBurst := func(tag string) bool { return tag == "burst" }
	ft := countFalse(obs, sel, at(0), at(120), 5, isBurst)
	// False tags 1..4 at 13:05 count too: b, 1, 2, 3, 4, c in hour 2.
	if ft.Hours != 2 || ft.Listed != 7 || ft.Top != 6 || ft.MaxInHour != 6 || !approx(ft.PerHour, 3.5) || !approx(ft.TopPerHour, 3) {
		t.Errorf("false trends %+v", ft)
	}
	if !slices.Equal(ft.ByHour, []int{1, 6}) {
		t.Errorf("by hour %v, want [1 6]", ft.ByHour)
	}
	if len(ft.Tags) == 0 || ft.Tags[0] != (TagTicks{"b", 3}) {
		t.Errorf("tags %+v: want b first, listed at 3 ticks", ft.Tags)
	}

	// A selection asked at one tick only counts that one hour.
	lists = make([][]store.Trend, len(obs.Ticks))
	lists[3] = listing("x")
	obs.Lists[Selection{Country: "ES"}] = lists
	if ft := countFalse(obs, Selection{Country: "ES"}, at(0), at(120), 5, isBurst); ft.Hours != 1 || ft.Listed != 1 || !slices.Equal(ft.ByHour, []int{1}) {
		t.Errorf("one-tick selection %+v", ft)
	}
}

func TestFindListed(t *testing.T) {
	obs := &Observations{Ticks: ticksEvery5(10), Lists: map[Selection][][]store.Trend{
		{Lang: "en"}:    {listing("spam"), listing("a", "spam"), listing("spam")},
		{Country: "NG"}: {nil, listing("spam"), nil},
	}}
	got := findListed(obs, at(0), at(5), func(_ Selection, tag string) bool { return tag == "spam" })
	// 12:00 is not after the start and 12:10 is past the end.
	if len(got) != 2 || got[0].Selection != (Selection{Lang: "en"}) || got[0].Rank != 2 || got[1].Selection != (Selection{Country: "NG"}) || got[1].Rank != 1 {
		t.Errorf("listed %+v", got)
	}
}

func TestFiltered(t *testing.T) {
	list := []store.Trend{
		{Tag: "new", Score: 400, Observed: 21, Expected: 1},   // a burst: kept by every rule here
		{Tag: "big", Score: 12, Observed: 250, Expected: 200}, // a big tag's wobble: ratio 1.25
		{Tag: "mid", Score: 25, Observed: 20, Expected: 5},    // ratio 4, score 25
		{Tag: "rare", Score: 16, Observed: 5, Expected: 1},    // ratio 5, score 16
		{Tag: "edge", Score: 20, Observed: 30, Expected: 15},  // ratio 2 exactly, score 20 exactly
	}
	obs := &Observations{Ticks: ticksEvery5(5), Lists: map[Selection][][]store.Trend{
		{Lang: "en"}: {list, nil},
	}}
	for _, tc := range []struct {
		score, ratio float64
		want         string
	}{
		{10, 0, "new big mid rare edge"},
		{20, 0, "new mid edge"},
		{10, 2, "new mid rare edge"},
		{20, 2, "new mid edge"},
		{30, 3, "new"},
	} {
		f := filtered(obs, tc.score, tc.ratio)
		lists := f.Lists[Selection{Lang: "en"}]
		var got []string
		for _, tr := range lists[0] {
			got = append(got, tr.Tag)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("score %g ratio %g: %q, want %q", tc.score, tc.ratio, g, tc.want)
		}
		if lists[1] != nil {
			t.Errorf("a tick not asked became asked")
		}
	}
	if len(list) != 5 || list[1].Tag != "big" {
		t.Error("filtered changed the observations it filtered")
	}
}
