package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/analysis"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Heat modes (docs/explore.md): density draws the selection's points;
// lang colours each cell by the language with most points in it; share
// draws the selection as a fraction of every post in the cell. lang and
// share are computed here over any store.Querier, from the store's own
// Counts and Heat, so both stores answer them alike without a query of
// their own.
const (
	HeatDensity = "density"
	HeatLangs   = "lang"
	HeatShare   = "share"
)

// ParseHeatMode reads mode=: "" is density.
func ParseHeatMode(s string) (string, error) {
	switch m := strings.ToLower(strings.TrimSpace(s)); m {
	case "", HeatDensity:
		return HeatDensity, nil
	case HeatLangs, HeatShare:
		return m, nil
	}
	return "", fmt.Errorf("bad mode %.32q: want density, lang or share", s)
}

// heatModeKey is the cache key of a heat answer in mode lang or share.
type heatModeKey struct {
	q    store.HeatQuery
	mode string
}

func (a *API) heat(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q, aerr := parseHeat(v)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	mode, err := ParseHeatMode(v.Get("mode"))
	if err != nil {
		writeError(w, badData(err))
		return
	}
	format, err := ParseFormat(v.Get("format"), FormatJSON, FormatCSV, FormatGeoJSON)
	if err != nil {
		writeError(w, badData(err))
		return
	}
	if mode != HeatDensity && q.Last > 0 {
		// The newest n points of each language, or of the selection and of
		// everything, are not the same posts: the cells would not compare.
		writeError(w, badData(fmt.Errorf("n is not accepted with mode=%s: give a window or from/to instead", mode)))
		return
	}
	var key any = heatKey(q)
	if mode != HeatDensity {
		key = heatModeKey{q: q, mode: mode}
	}
	a.serveFormat(w, r, key, true, format, "heat", func(ctx context.Context) (any, *apiError) {
		var d HeatData
		var err error
		switch mode {
		case HeatLangs:
			d, err = langHeat(ctx, a.opts.Querier, q)
		case HeatShare:
			d, err = shareHeat(ctx, a.opts.Querier, q)
		default:
			var res store.HeatResult
			res, err = a.opts.Querier.Heat(ctx, q)
			d = densityHeat(res)
		}
		if err != nil {
			return nil, storeError(err)
		}
		d.Mode, d.Geo = mode, q.Geo.String()
		if d.Points == 0 {
			d.Note = heatNote(q)
		}
		return d, nil
	})
}

func densityHeat(res store.HeatResult) HeatData {
	d := HeatData{Cells: make([][]float64, len(res.Cells)), Points: res.Points, CellDeg: res.CellDeg,
		Truncated: res.Truncated, MaxWeight: res.MaxWeight}
	for i, c := range res.Cells {
		d.Cells[i] = []float64{c.Lat, c.Lon, float64(c.Weight)}
	}
	return d
}

// langHeat answers mode=lang: the languages with points in the range (and
// box) from Counts, one Heat per language with every cell kept, merged by
// grid cell; the selection's lang does not apply, the rest does.
func langHeat(ctx context.Context, qr store.Querier, q store.HeatQuery) (HeatData, error) {
	// Counts narrows the languages to those with a point of the asked
	// provenances; a language with none would cost a Heat for nothing.
	// Geo only counts with a box: GeoBySource covers every provenance.
	cq := store.CountsQuery{Range: q.Range}
	if q.Window > 0 {
		cq.Range = store.Range{} // the window is within what is held
	}
	counts, err := qr.Counts(ctx, cq)
	if err != nil {
		return HeatData{}, err
	}
	var langs []string
	for _, c := range counts {
		for g := post.GeoExact; g <= post.GeoText; g++ {
			if q.Geo.Has(g) && c.GeoBySource.Of(g) > 0 {
				langs = append(langs, c.Lang)
				break
			}
		}
	}
	layers := make([][]store.HeatCell, len(langs))
	var cellDeg float64
	for i, l := range langs {
		lq := q
		lq.Lang, lq.Limit = l, 0
		res, err := qr.Heat(ctx, lq)
		if err != nil {
			return HeatData{}, err
		}
		layers[i], cellDeg = res.Cells, res.CellDeg
	}
	if cellDeg == 0 {
		cellDeg = analysis.CellDegrees(q.Zoom)
	}
	merged := analysis.MergeCells(q.Zoom, layers...)
	d := HeatData{CellDeg: cellDeg, Cells: [][]float64{}, Langs: []HeatLang{}}
	// Languages by their points over every cell, heaviest first.
	weights := make([]int64, len(langs))
	for _, m := range merged {
		for i, p := range m.Parts {
			weights[i] += p.Weight
		}
	}
	order := make([]int, 0, len(langs)) // index into langs, heaviest first
	for i := range langs {
		if weights[i] > 0 {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool {
		i, j := order[a], order[b]
		return weights[i] > weights[j] || (weights[i] == weights[j] && langs[i] < langs[j])
	})
	pos := make([]int, len(langs)) // langs index → Langs index
	for j, i := range order {
		pos[i] = j
		d.Langs = append(d.Langs, HeatLang{Lang: langs[i], Name: ref(langs[i]).Name, Weight: weights[i]})
	}
	for _, m := range merged {
		w := m.Weight()
		d.Points += w
		if q.Limit > 0 && len(d.Cells) >= q.Limit {
			d.Truncated = true
			continue
		}
		top := 0
		for i, p := range m.Parts {
			// Ties go to the language heavier overall, so a cell's colour
			// does not depend on the order languages were asked in.
			if p.Weight > m.Parts[top].Weight || (p.Weight == m.Parts[top].Weight && pos[i] < pos[top]) {
				top = i
			}
		}
		d.Cells = append(d.Cells, []float64{m.Lat, m.Lon, float64(w), float64(pos[top]), float64(m.Parts[top].Weight) / float64(w)})
		d.MaxWeight = max(d.MaxWeight, w)
	}
	return d, nil
}

// shareHeat answers mode=share: the selection's cells against the cells of
// every post in the same range, box and provenances (no lang, tag or q).
func shareHeat(ctx context.Context, qr store.Querier, q store.HeatQuery) (HeatData, error) {
	sel := q
	sel.Limit = 0
	selRes, err := qr.Heat(ctx, sel)
	if err != nil {
		return HeatData{}, err
	}
	all := sel
	all.Lang, all.Tag, all.Q = "", "", ""
	allRes, err := qr.Heat(ctx, all)
	if err != nil {
		return HeatData{}, err
	}
	d := HeatData{CellDeg: selRes.CellDeg, Cells: [][]float64{}}
	if d.CellDeg == 0 {
		d.CellDeg = analysis.CellDegrees(q.Zoom)
	}
	for _, m := range analysis.MergeCells(q.Zoom, selRes.Cells, allRes.Cells) {
		s, t := m.Parts[0], m.Parts[1]
		if s.Weight == 0 {
			continue // nothing of the selection here: no share to draw
		}
		d.Points += s.Weight
		if q.Limit > 0 && len(d.Cells) >= q.Limit {
			d.Truncated = true
			continue
		}
		// Every post of the selection is a post; a total below the
		// selection can only be a store answering the two queries at
		// different moments, and a share above 1 would mean nothing.
		total := max(t.Weight, s.Weight)
		d.Cells = append(d.Cells, []float64{s.Lat, s.Lon, float64(s.Weight), float64(total), float64(s.Weight) / float64(total)})
		d.MaxWeight = max(d.MaxWeight, s.Weight)
	}
	// MergeCells ordered by the two layers' sum; the limit keeps the
	// selection's heaviest cells.
	return d, nil
}

// heatNote says why a heat answer holds no point.
func heatNote(q store.HeatQuery) string {
	return "no point in this selection" + selectionWords(q.Lang, q.Tag, q.Q, q.BBox, q.Range, q.Window)
}

// selectionWords describes a selection for a note: " in en with #tag
// matching q "…" inside bbox … from … to …".
func selectionWords(lang, tag, q string, box store.BBox, r store.Range, window time.Duration) string {
	var b strings.Builder
	if lang != "" {
		fmt.Fprintf(&b, " in %s", ref(lang).Name)
	}
	if tag != "" {
		fmt.Fprintf(&b, " with #%s", tag)
	}
	if q != "" {
		fmt.Fprintf(&b, " matching q %q (search sees kept text only)", q)
	}
	if !box.IsZero() && box != store.World {
		fmt.Fprintf(&b, " inside bbox %g,%g,%g,%g", box.West, box.South, box.East, box.North)
	}
	if !r.From.IsZero() {
		fmt.Fprintf(&b, " from %s", fmtTime(r.From))
	}
	if !r.To.IsZero() {
		fmt.Fprintf(&b, " to %s", fmtTime(r.To))
	}
	if window > 0 {
		fmt.Fprintf(&b, " within %s of the newest post", shortDuration(window))
	}
	return b.String()
}
