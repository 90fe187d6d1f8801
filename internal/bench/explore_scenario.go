package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/words"
)

// KeepTextPosts is how many posts' texts the explore half of the query
// scenario keeps: `--keep-text`'s default, so the memory reported is what
// a default `geoheat serve` holds.
const KeepTextPosts = 1_000_000

// The places the exploration queries ask about: a city-sized box round
// Madrid (the posts behind a spot the dashboard lists on a click at city
// zoom) and Western Europe (a map panned over a region).
var (
	exploreCity  = store.BBox{West: -3.95, South: 40.25, East: -3.45, North: 40.65}
	exploreWEuro = store.BBox{West: -10, South: 35, East: 20, North: 60}
	exploreWorld = store.BBox{West: -180, South: -85, East: 180, North: 85}
)

// explore fills a second in-memory memstore, keeping the texts of the
// newest KeepTextPosts posts, with the same posts as the query scenario and
// times what the exploration dashboard asks (docs/explore.md): the time
// histogram, the posts behind a spot, the top hashtags of a box, the heat
// map of a range, and keyword search. bare is the held bytes per post of
// the store that keeps no text, so the row can say what kept text costs.
func (b *runner) explore(ctx context.Context, pool []post.Post, bare float64) error {
	n := b.cfg.Posts
	keep := min(n, KeepTextPosts)
	f, err := fillStore(ctx, memstore.Options{KeepText: keep}, pool, n, 24*time.Hour)
	if f.st != nil {
		defer f.st.Close()
	}
	if err != nil {
		return err
	}
	st, took, perPost, stats, load := f.st, f.took, f.perPost, f.stats, f.load
	kept, err := st.Posts(ctx, store.PostsQuery{N: 1})
	if err != nil {
		return err
	}
	if kept.Kept != int64(keep) {
		return fmt.Errorf("store keeps %d texts, want %d", kept.Kept, keep)
	}
	word := CommonWord(pool, "en", 20)
	if word == "" {
		return errors.New("no English words in the corpus to search for")
	}
	cases := ExploreQueries(stats.Head, word)
	found, err := checkExploreAnswers(ctx, st, word)
	if err != nil {
		return err
	}
	direct, err := TimeDirect(ctx, st, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	mem, _ := ReadMem("self")
	perKept := (perPost - bare) * float64(n) / float64(keep)
	note := fmt.Sprintf("%d posts over 24 h, texts of the newest %d kept; filled at %.1f M posts/s; held %.1f B/post with kept text, %.1f B/post without (the query rows), so %.0f B per kept post; "+
		"q=%q (a common English word) matches %s; the city box (Madrid) lists %d of n=20; %d runs per query",
		n, keep, float64(n)/took.Seconds()/1e6, perPost, bare, perKept, word, found.q, found.city, b.cfg.QueryIters)
	b.rows = append(b.rows, Row{Scenario: fmt.Sprintf("explore direct (%s posts, %s texts)", human(n), human(keep)),
		Latencies: direct, BytesPerPost: perPost, RSSBytes: mem.Peak, Load: load, Note: note})

	srv, err := ServeAPI(st)
	if err != nil {
		return err
	}
	defer srv.Close()
	viaHTTP, err := TimeHTTP(ctx, srv.URL, cases, b.cfg.QueryIters)
	if err != nil {
		return err
	}
	b.rows = append(b.rows, Row{Scenario: fmt.Sprintf("explore HTTP (%s posts)", human(n)), Latencies: viaHTTP, Load: LoadAvg(),
		Note: "GET on loopback, body read, one client"})
	return nil
}

// exploreFound is what the searched and the city queries found, for the
// note: a query that finds nothing would time nothing worth knowing.
type exploreFound struct {
	q    string // how many kept posts match q, as "N of M kept"
	city int
}

func checkExploreAnswers(ctx context.Context, st store.Querier, word string) (exploreFound, error) {
	var f exploreFound
	res, err := st.Posts(ctx, store.PostsQuery{Q: word, N: store.MaxPosts})
	if err != nil {
		return f, err
	}
	if len(res.Posts) == 0 {
		return f, fmt.Errorf("q=%q finds no kept post", word)
	}
	f.q = fmt.Sprintf("%d+ of %d kept", len(res.Posts), res.Kept)
	if len(res.Posts) < store.MaxPosts {
		f.q = fmt.Sprintf("%d of %d kept", len(res.Posts), res.Kept)
	}
	city, err := st.Posts(ctx, store.PostsQuery{BBox: exploreCity, Lang: "es", N: 20})
	if err != nil {
		return f, err
	}
	f.city = len(city.Posts)
	return f, nil
}

// CommonWord is the rank-th most frequent search word (internal/words) of
// lang's texts in pool (rank 0 the most frequent), over at most 20,000
// posts; "" when there are fewer words. A word well down the ranking is a
// realistic search: common enough to match many posts, not a stopword
// matching most.
func CommonWord(pool []post.Post, lang string, rank int) string {
	counts := map[string]int{}
	var ws []string
	seen := 0
	for i := range pool {
		if pool[i].Lang != lang {
			continue
		}
		if seen++; seen > 20_000 {
			break
		}
		ws = words.Append(ws[:0], pool[i].Text)
		slices.Sort(ws)
		for _, w := range slices.Compact(ws) {
			counts[w]++
		}
	}
	type wc struct {
		w string
		c int
	}
	all := make([]wc, 0, len(counts))
	for w, c := range counts {
		// Short words are mostly grammar, digits mostly counters.
		if len(w) >= 4 {
			if _, err := strconv.Atoi(w); err != nil {
				all = append(all, wc{w, c})
			}
		}
	}
	slices.SortFunc(all, func(a, b wc) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return cmp.Compare(a.w, b.w)
	})
	if rank >= len(all) {
		return ""
	}
	return all[rank].w
}

// ExploreQueries are the exploration dashboard's queries (docs/explore.md)
// over a store whose newest post is at head and whose posts span the 24 h
// before it: the time histogram (every language or English, the world or
// Western Europe, the last 24 h or everything held), the posts behind a
// spot (n=20, a city box, Spanish), the top hashtags of Western Europe over
// 24 h (English and every language), the heat map of a 6 h range, and the
// keyword search q as a list of posts and as a heat map.
func ExploreQueries(head time.Time, q string) []QueryCase {
	day := store.Range{From: head.Add(-24 * time.Hour), To: head.Add(time.Second)}
	sixHours := store.Range{From: head.Add(-12 * time.Hour), To: head.Add(-6 * time.Hour)}
	var cases []QueryCase
	for _, lang := range []string{"", "en"} {
		for _, area := range []struct {
			name string
			box  store.BBox
		}{{"world", store.BBox{}}, {"weuro", exploreWEuro}} {
			for _, span := range []struct {
				name string
				r    store.Range
			}{{"24h", day}, {"all", store.Range{}}} {
				hq := store.HistogramQuery{Lang: lang, BBox: area.box, Range: span.r}
				name := "hist-" + cmp.Or(lang, "all") + "-" + area.name + "-" + span.name
				v := url.Values{}
				setParams(v, lang, area.box, span.r)
				cases = append(cases, QueryCase{name, func(ctx context.Context, st store.Querier) error {
					_, err := st.Histogram(ctx, hq)
					return err
				}, "/api/histogram?" + v.Encode()})
			}
		}
	}
	cityQ := store.PostsQuery{Lang: "es", BBox: exploreCity, N: 20}
	v := url.Values{"n": {"20"}}
	setParams(v, "es", exploreCity, store.Range{})
	cases = append(cases, QueryCase{"posts-city-es", func(ctx context.Context, st store.Querier) error {
		_, err := st.Posts(ctx, cityQ)
		return err
	}, "/api/posts?" + v.Encode()})
	for _, lang := range []string{"en", ""} {
		tq := store.TopQuery{Lang: lang, N: 10, BBox: exploreWEuro, Window: 24 * time.Hour}
		v := url.Values{"n": {"10"}, "window": {"24h"}}
		setParams(v, lang, exploreWEuro, store.Range{})
		cases = append(cases, QueryCase{"top-weuro-" + cmp.Or(lang, "all"), func(ctx context.Context, st store.Querier) error {
			_, err := st.Top(ctx, tq)
			return err
		}, "/api/top?" + v.Encode()})
	}
	hq := store.HeatQuery{Range: sixHours, BBox: exploreWorld, Zoom: 3, Limit: 5000}
	v = url.Values{"zoom": {"3"}, "limit": {"5000"}}
	setParams(v, "", exploreWorld, sixHours)
	cases = append(cases, QueryCase{"heat-range", func(ctx context.Context, st store.Querier) error {
		_, err := st.Heat(ctx, hq)
		return err
	}, "/api/heat?" + v.Encode()})
	pq := store.PostsQuery{Q: q, N: 20}
	cases = append(cases, QueryCase{"q-posts", func(ctx context.Context, st store.Querier) error {
		_, err := st.Posts(ctx, pq)
		return err
	}, "/api/posts?" + url.Values{"q": {q}, "n": {"20"}}.Encode()})
	qh := store.HeatQuery{Q: q, Window: 24 * time.Hour, BBox: exploreWorld, Zoom: 3, Limit: 5000}
	v = url.Values{"q": {q}, "window": {"24h"}, "zoom": {"3"}, "limit": {"5000"}}
	setParams(v, "", exploreWorld, store.Range{})
	cases = append(cases, QueryCase{"q-heat", func(ctx context.Context, st store.Querier) error {
		_, err := st.Heat(ctx, qh)
		return err
	}, "/api/heat?" + v.Encode()})
	return cases
}

// setParams writes a selection's lang, bbox and from/to (Unix seconds) as
// the API spells them.
func setParams(v url.Values, lang string, box store.BBox, r store.Range) {
	if lang != "" {
		v.Set("lang", lang)
	}
	if box != (store.BBox{}) {
		v.Set("bbox", fmt.Sprintf("%g,%g,%g,%g", box.West, box.South, box.East, box.North))
	}
	if !r.From.IsZero() {
		v.Set("from", strconv.FormatInt(r.From.Unix(), 10))
	}
	if !r.To.IsZero() {
		v.Set("to", strconv.FormatInt(r.To.Unix(), 10))
	}
}
