package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/memstore"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/web"
)

// trendsTraffic is a generated day and a bit of posts: steady Spanish tags
// from Madrid, Barcelona and Mexico City and steady English ones from
// London for 26 hours; in the last 40 minutes a burst of a new tag by many
// Spanish authors in Madrid and another in Mexico City; and one English
// account in London posting a promotion tag every 20 seconds for the last
// two hours (the "one account posting a tag 1,000 times").
type trendsTraffic struct {
	start, head time.Time
	posts       []post.Post
	// madridAuthors and mexicoAuthors are the bursts' distinct authors;
	// burstStart when they start.
	madridAuthors, mexicoAuthors int
	burstStart                   time.Time
	spamPosts                    int
}

const (
	madridBurst = "ApagónMadrid"
	mexicoBurst = "TormentaCDMX"
	spamTag     = "CryptoGiveaway"
)

var (
	steadySpanish = []string{"futbol", "buenosdias", "felizviernes", "musica"}
	steadyEnglish = []string{"love", "tbt", "photo"}
)

func generateTrendsTraffic() trendsTraffic {
	rng := rand.New(rand.NewPCG(14, 14))
	tr := trendsTraffic{start: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	tr.head = tr.start.Add(26 * time.Hour)
	tr.burstStart = tr.head.Add(-40 * time.Minute)
	id := 0
	add := func(at time.Time, lang, user string, lat, lon float64, tags ...string) {
		id++
		// A small spread round the city, as the demo's points have.
		tr.posts = append(tr.posts, post.Post{ID: strconv.Itoa(id), Time: at, Lang: lang, UserID: user, Hashtags: tags,
			HasPoint: true, GeoSource: post.GeoExact, GeoConfidence: 1,
			Point: post.Point{Lat: lat + (rng.Float64()-0.5)*0.05, Lon: lon + (rng.Float64()-0.5)*0.05}})
	}
	cities := []struct{ lat, lon float64 }{{40.4168, -3.7038}, {41.3874, 2.1686}, {19.4326, -99.1332}}
	// Steady traffic: every minute the same number of posts, authors and
	// tags taken in turn, so that each tag's activity per bucket is level
	// and never rises above its baseline.
	for m := 0; m < 26*60; m++ {
		at := tr.start.Add(time.Duration(m) * time.Minute)
		for k := range 3 {
			i := m*3 + k
			c := cities[i%len(cities)]
			add(at.Add(time.Duration(k)*time.Second), "es", fmt.Sprintf("es%d", i%240), c.lat, c.lon, steadySpanish[i%len(steadySpanish)])
			add(at.Add(time.Duration(k)*time.Second+500*time.Millisecond), "en", fmt.Sprintf("en%d", i%240), 51.5074, -0.1278,
				steadyEnglish[i%len(steadyEnglish)])
		}
	}
	// The bursts: 80 Madrid authors and 50 Mexico City ones, each posting
	// once or twice at random times in the last 40 minutes.
	burst := func(tag string, authors int, lat, lon float64) {
		for a := range authors {
			for range 1 + rng.IntN(2) {
				at := tr.burstStart.Add(time.Duration(rng.Int64N(int64(40 * time.Minute))))
				add(at, "es", fmt.Sprintf("%s-%d", tag, a), lat, lon, tag)
			}
		}
	}
	burst(madridBurst, 80, 40.4168, -3.7038)
	tr.madridAuthors = 80
	burst(mexicoBurst, 50, 19.4326, -99.1332)
	tr.mexicoAuthors = 50
	for at := tr.head.Add(-2 * time.Hour); at.Before(tr.head); at = at.Add(20 * time.Second) {
		add(at, "en", "spammer", 51.5074, -0.1278, spamTag)
		tr.spamPosts++
	}
	slices.SortStableFunc(tr.posts, func(a, b post.Post) int { return a.Time.Compare(b.Time) })
	return tr
}

func defaultCountries(tb testing.TB) *place.Countries {
	tb.Helper()
	c, err := place.DefaultCountries()
	if errors.Is(err, web.ErrNotBuilt) {
		testenv.Missing(tb, "country outlines not built: run `make build`: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func defaultParser(tb testing.TB) *place.Parser {
	tb.Helper()
	p, err := place.DefaultParser()
	if errors.Is(err, geo.ErrNotBuilt) || errors.Is(err, web.ErrNotBuilt) {
		testenv.Missing(tb, "gazetteer or outlines not built: run `make build`: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// trendsStore is a real embedded store holding tr, placing points in
// countries with the real outlines (countryOf nil: without them).
func trendsStore(t *testing.T, tr trendsTraffic, countryOf func(lat, lon float64) (string, bool)) store.Store {
	t.Helper()
	st, err := memstore.Open(memstore.Options{CountryOf: countryOf, Now: func() time.Time { return tr.head.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for batch := range slices.Chunk(tr.posts, 1000) {
		if err := st.Record(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

type apiAnswer struct {
	code int
	env  struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
}

func ask(t *testing.T, base, path string) apiAnswer {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := apiAnswer{code: resp.StatusCode}
	if err := json.Unmarshal(body, &a.env); err != nil {
		t.Fatalf("%s: %v: %s", path, err, body)
	}
	return a
}

func askTrends(t *testing.T, base, query string) TrendsData {
	t.Helper()
	a := ask(t, base, "/api/trends?"+query)
	if a.code != http.StatusOK || a.env.Status != "success" {
		t.Fatalf("trends?%s: %d %s %s", query, a.code, a.env.ErrorType, a.env.Error)
	}
	var d TrendsData
	if err := json.Unmarshal(a.env.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func tagsOf(d TrendsData) []string {
	var out []string
	for _, tr := range d.Trends {
		out = append(out, tr.Tag)
	}
	return out
}

func TestTrendsFindTheBurstInItsLanguageAndPlace(t *testing.T) {
	tr := generateTrendsTraffic()
	st := trendsStore(t, tr, defaultCountries(t).CountryOf)
	parser := defaultParser(t)
	srv := httptest.NewServer(New(Options{Querier: st, Places: func() (*place.Parser, error) { return parser, nil }}))
	t.Cleanup(srv.Close)
	madrid, mexico, spam := strings.ToLower(madridBurst), strings.ToLower(mexicoBurst), strings.ToLower(spamTag)

	d := askTrends(t, srv.URL, "lang=es&country=ES")
	if got := tagsOf(d); len(got) == 0 || got[0] != madrid || slices.Contains(got, mexico) {
		t.Fatalf("lang=es&country=ES trends %v, want #%s first and not #%s (Mexico)", got, madrid, mexico)
	}
	if d.Lang != "es" || d.Name != "spanish" || d.Area != "country=ES" || d.Window != "1h" || d.WindowS != 3600 ||
		d.Baseline != "24h" || d.BaselineS != 86400 || d.Geo != "exact,place" || d.MinAuthors != store.DefaultTrendMinAuthors {
		t.Errorf("selection echoed as %+v", d)
	}
	if d.BaselineShort || d.Note != "" || d.Bucket != "5m" || d.BucketS != 300 {
		t.Errorf("a full baseline: short %v, note %q, bucket %q", d.BaselineShort, d.Note, d.Bucket)
	}
	last := tr.posts[len(tr.posts)-1].Time
	if want := last.Truncate(store.TrendBucket).Add(store.TrendBucket); !d.To.Equal(want) || !d.From.Equal(want.Add(-time.Hour)) {
		t.Errorf("window %v to %v, want the hour to %v (the newest post's bucket)", d.From, d.To, want)
	}
	top := d.Trends[0]
	if top.Authors != int64(tr.madridAuthors) || top.Expected != 1 || top.Score <= store.DefaultTrendMinScore {
		t.Errorf("#%s: %d authors (want %d), expected %v (a new tag: 1), score %v", madrid, top.Authors, tr.madridAuthors, top.Expected, top.Score)
	}
	if len(top.Series) != 12 || top.Series[0] != 0 || top.Series[len(top.Series)-1] == 0 {
		t.Errorf("#%s series %v: want 12 buckets, silent before the burst, active at its end", madrid, top.Series)
	}
	if top.FirstSeen.Before(tr.burstStart.Truncate(store.TrendBucket)) || top.FirstSeen.After(tr.burstStart) {
		t.Errorf("#%s first seen %v, the burst started %v", madrid, top.FirstSeen, tr.burstStart)
	}
	for _, tag := range append(slices.Clone(steadySpanish), spam) {
		if slices.Contains(tagsOf(d), tag) {
			t.Errorf("steady or spam tag #%s trends: %v", tag, tagsOf(d))
		}
	}

	// The same selection by name, by a circle and by a box; all of Spanish
	// holds both bursts; a Unix time for at= is the RFC 3339 one.
	for _, q := range []string{"lang=spanish&country=Spain", "lang=es&country=esp", "lang=es&near=Madrid&radius=30km",
		"lang=es&near=40.42,-3.70", "lang=es&bbox=-10,35,5,44", "country=ES"} {
		if got := tagsOf(askTrends(t, srv.URL, q)); len(got) == 0 || got[0] != madrid || slices.Contains(got, mexico) {
			t.Errorf("%s: trends %v, want #%s first, without #%s", q, got, madrid, mexico)
		}
	}
	if got := askTrends(t, srv.URL, "lang=es&near=Madrid&radius=30km").Area; got != "near=Madrid%2C+ES&radius=30km" {
		t.Errorf("near=Madrid area %q", got)
	}
	if got := tagsOf(askTrends(t, srv.URL, "lang=es")); !slices.Contains(got, madrid) || !slices.Contains(got, mexico) {
		t.Errorf("lang=es trends %v, want both bursts", got)
	}
	if got := tagsOf(askTrends(t, srv.URL, "lang=es&country=MX")); len(got) == 0 || got[0] != mexico || slices.Contains(got, madrid) {
		t.Errorf("lang=es&country=MX trends %v, want #%s only", got, mexico)
	}
	at := tr.head.Add(-50 * time.Minute)
	rfc := askTrends(t, srv.URL, "lang=es&country=ES&at="+at.Format(time.RFC3339))
	unix := askTrends(t, srv.URL, "lang=es&country=ES&at="+strconv.FormatInt(at.Unix(), 10))
	if !rfc.To.Equal(unix.To) || !rfc.At.Equal(at) || !slices.Equal(tagsOf(rfc), tagsOf(unix)) {
		t.Errorf("at= as RFC 3339 and as Unix seconds differ: %+v\n%+v", rfc, unix)
	}
	if slices.Contains(tagsOf(rfc), madrid) || rfc.Note == "" {
		t.Errorf("before the burst (at=%v): trends %v, note %q; want no burst and a note saying why", at, tagsOf(rfc), rfc.Note)
	}

	// English in Britain: steady tags and one spamming account; nothing
	// trends, and the note says so instead of a bare empty list.
	gb := askTrends(t, srv.URL, "lang=en&country=GB")
	if len(gb.Trends) != 0 || !strings.Contains(gb.Note, "no hashtag rose above its baseline") || gb.Candidates == 0 {
		t.Errorf("lang=en&country=GB: trends %v, %d candidates, note %q; want none, the spam tag a candidate, and a note", tagsOf(gb), gb.Candidates, gb.Note)
	}
	// What keeps the spammer out is the distinct authors: let one author
	// be enough and its tag trends.
	if d := askTrends(t, srv.URL, "lang=en&country=GB&min_authors=1"); !slices.Equal(tagsOf(d), []string{spam}) || d.Trends[0].Authors != 1 {
		t.Errorf("lang=en&country=GB&min_authors=1: trends %v, want #%s alone, by one author", tagsOf(d), spam)
	}
	// The score threshold: the burst scores in the hundreds, so a
	// threshold above its score hides it and the note says why.
	burst := askTrends(t, srv.URL, "lang=es&country=ES").Trends[0]
	if d := askTrends(t, srv.URL, "lang=es&country=ES&min_score="+strconv.FormatFloat(burst.Score+1, 'f', 1, 64)); slices.Contains(tagsOf(d), madrid) || d.Note == "" {
		t.Errorf("min_score above the burst's %.1f: trends %v, note %q", burst.Score, tagsOf(d), d.Note)
	}
	if d := askTrends(t, srv.URL, "lang=es&country=ES&min_score=-1"); len(d.Trends) < 1 || d.MinScore != -1 {
		t.Errorf("min_score=-1: trends %v (min_score %v)", tagsOf(d), d.MinScore)
	}
	if d := askTrends(t, srv.URL, "lang=fr"); len(d.Trends) != 0 || !strings.Contains(d.Note, "no post with a hashtag") {
		t.Errorf("lang=fr (no posts): trends %v, note %q", tagsOf(d), d.Note)
	}
}

// Three hours into the store's data, a 24-hour baseline is short: the
// answer says how much of it the store holds.
func TestTrendsSayWhenTheBaselineIsShort(t *testing.T) {
	tr := generateTrendsTraffic()
	st := trendsStore(t, tr, defaultCountries(t).CountryOf)
	srv := httptest.NewServer(New(Options{Querier: st}))
	t.Cleanup(srv.Close)
	at := tr.start.Add(3 * time.Hour)
	d := askTrends(t, srv.URL, "lang=es&at="+at.Format(time.RFC3339))
	held := d.To.Add(-time.Hour).Sub(tr.start)
	if !d.BaselineShort || d.BaselineHeldS != held.Seconds() || d.BaselineHeld != shortDuration(held) || !d.BaselineFrom.Equal(tr.start) {
		t.Fatalf("baseline short %v, held %q (%vs), from %v; want %v held from %v", d.BaselineShort, d.BaselineHeld, d.BaselineHeldS, d.BaselineFrom, held, tr.start)
	}
	want := "the store holds " + shortDuration(held) + " of the 24h baseline asked for"
	if !strings.Contains(d.Note, want) {
		t.Errorf("note %q, want it to say %q", d.Note, want)
	}
	// With less than a window of baseline (none at all, or half an hour)
	// nothing is listed, and the note says the store is warming up.
	for _, after := range []time.Duration{10 * time.Minute, 90 * time.Minute} {
		d = askTrends(t, srv.URL, "lang=es&min_score=-1&at="+tr.start.Add(after).Format(time.RFC3339))
		if !d.BaselineShort || !d.WarmingUp || len(d.Trends) != 0 || d.BaselineHeldS >= 3600 || !strings.Contains(d.Note, "warming up") {
			t.Errorf("%v in: short %v, warming up %v, held %vs, trends %v, note %q", after, d.BaselineShort, d.WarmingUp, d.BaselineHeldS, tagsOf(d), d.Note)
		}
	}
}

func TestTrendsBadInput(t *testing.T) {
	tr := generateTrendsTraffic()
	st := trendsStore(t, tr, defaultCountries(t).CountryOf)
	parser := defaultParser(t)
	srv := httptest.NewServer(New(Options{Querier: st, Places: func() (*place.Parser, error) { return parser, nil }}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		query string
		says  []string // in the error message
	}{
		{"country=Spian", []string{`no country "Spian"`, `"ES"`, "Spain"}},
		{"country=Atlantis", []string{`no country "Atlantis"`}},
		{"near=Atlantis%2C+ES", []string{`no place "Atlantis, ES"`, "did you mean"}},
		{"near=Qzxwvbn", []string{`no place "Qzxwvbn"`}},
		{"near=Madird", []string{`no place "Madird"`, "Madrid, ES"}},
		{"country=ES&near=Madrid", []string{"one of country, near and bbox"}},
		{"country=ES&bbox=-10,35,5,44", []string{"one of country, near and bbox"}},
		{"radius=5km", []string{"radius without near"}},
		{"near=Madrid&radius=-3km", []string{"radius"}},
		{"bbox=1,2,3", []string{"bbox"}},
		{"window=2h&baseline=1h", []string{"baseline", "shorter than the window", "allowed"}},
		{"window=1m", []string{"window", "5m"}},
		{"window=all", []string{"bad window", "15m"}},
		{"window=soon", []string{"bad window"}},
		{"baseline=-1h", []string{"bad baseline"}},
		{"window=1d&baseline=7d", []string{"7d"}},
		{"n=0", []string{"n", "from 1 to 100"}},
		{"n=101", []string{"from 1 to 100"}},
		{"min_authors=0", []string{"min_authors"}},
		{"min_score=high", []string{"min_score", "a number"}},
		{"geo=gps", []string{"bad geo"}},
		{"lang=k!ingon", []string{"unknown language"}},
		{"at=yesterday", []string{"bad at", "RFC 3339", "Unix seconds"}},
		{"at=-5", []string{"bad at"}},
	} {
		a := ask(t, srv.URL, "/api/trends?"+tc.query)
		if a.code != http.StatusBadRequest || a.env.Status != "error" || a.env.ErrorType != "bad_data" {
			t.Errorf("%s: %d %s %q, want 400 bad_data", tc.query, a.code, a.env.ErrorType, a.env.Error)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(a.env.Error, s) {
				t.Errorf("%s: error %q does not say %q", tc.query, a.env.Error, s)
			}
		}
	}
}

// Without the gazetteer (a binary built without make build) names cannot
// be read: country= and near= answer 503 saying so, a bbox still works;
// without the store's country index country= answers 503 too.
func TestTrendsWithoutTheGazetteer(t *testing.T) {
	tr := generateTrendsTraffic()
	st := trendsStore(t, tr, nil)
	missing := fmt.Errorf("place: %w", geo.ErrNotBuilt)
	srv := httptest.NewServer(New(Options{Querier: st, Places: func() (*place.Parser, error) { return nil, missing }}))
	t.Cleanup(srv.Close)
	for _, q := range []string{"country=ES", "near=Madrid"} {
		a := ask(t, srv.URL, "/api/trends?"+q)
		if a.code != http.StatusServiceUnavailable || !strings.Contains(a.env.Error, "make build") {
			t.Errorf("%s without a gazetteer: %d %q, want 503 saying to run make build", q, a.code, a.env.Error)
		}
	}
	if a := ask(t, srv.URL, "/api/trends?country=ES&bbox=-10,35,5,44"); a.code != http.StatusServiceUnavailable {
		t.Errorf("country and bbox without a gazetteer: %d %q", a.code, a.env.Error)
	}
	if a := ask(t, srv.URL, "/api/trends?radius=4km"); a.code != http.StatusBadRequest {
		t.Errorf("radius alone without a gazetteer: %d %q, want 400", a.code, a.env.Error)
	}
	if got := tagsOf(askTrends(t, srv.URL, "lang=es&bbox=-10,35,5,44")); len(got) == 0 || got[0] != strings.ToLower(madridBurst) {
		t.Errorf("bbox without a gazetteer: trends %v", got)
	}

	parser := defaultParser(t)
	srv2 := httptest.NewServer(New(Options{Querier: st, Places: func() (*place.Parser, error) { return parser, nil }}))
	t.Cleanup(srv2.Close)
	if a := ask(t, srv2.URL, "/api/trends?country=ES"); a.code != http.StatusServiceUnavailable || !strings.Contains(a.env.Error, "country") {
		t.Errorf("country= on a store without a country index: %d %q, want 503", a.code, a.env.Error)
	}
}

// Equivalent URLs share one cached answer; different areas do not.
func TestTrendsAnswersAreCachedByQuery(t *testing.T) {
	tr := generateTrendsTraffic()
	st := trendsStore(t, tr, defaultCountries(t).CountryOf)
	parser := defaultParser(t)
	g := NewGuard(GuardOptions{Stats: st.Stats, Limiter: NewLimiter(1, time.Second)})
	srv := httptest.NewServer(New(Options{Querier: st, Guard: g, Places: func() (*place.Parser, error) { return parser, nil }}))
	t.Cleanup(srv.Close)
	first := ask(t, srv.URL, "/api/trends?lang=es&country=ES")
	for _, q := range []string{"lang=spanish&country=Spain", "lang=es&country=ES&window=1h&baseline=24h&n=10&geo=trusted&min_authors=5"} {
		if a := ask(t, srv.URL, "/api/trends?"+q); string(a.env.Data) != string(first.env.Data) {
			t.Errorf("%s answered differently from lang=es&country=ES", q)
		}
	}
	if s := g.Stats(); s.Computed != 1 || s.Hits != 2 {
		t.Errorf("guard %+v: want one computation and two hits", s)
	}
	for i, q := range []string{"lang=es&near=Madrid", "lang=es&near=Madrid&radius=10km", "lang=es&bbox=-10,35,5,44", "lang=es&country=PT"} {
		ask(t, srv.URL, "/api/trends?"+q)
		if s := g.Stats(); s.Computed != int64(2+i) {
			t.Errorf("%s: %d computations, want %d (a new area is a new query)", q, s.Computed, 2+i)
		}
	}
}

// FuzzTrendsParams: whatever /api/trends is sent, an accepted selection is
// one the store accepts too (window, baseline, n, authors in range; one
// area; a circle's or box's bounds hold its centre), and asking a store
// with a few posts never fails or panics.
func FuzzTrendsParams(f *testing.F) {
	for _, s := range []string{"lang=es&country=ES", "near=Madrid&radius=50km&window=30m", "bbox=170,-20,-170,10&baseline=2h",
		"country=Spian", "near=40.4,-3.7&radius=2001km", "window=5m&baseline=5m&n=100&min_authors=1&min_score=-1",
		"at=1700000000&geo=all", "country=ES&near=Madrid", "min_score=NaN", "window=168h&baseline=1ns",
		"from=2026-05-01T12:03:00Z&to=2026-05-01T13:00:00Z", "to=1777636800&baseline=2h", "from=1&to=1777636800", "from=1777636800&to=1777636801"} {
		f.Add(s)
	}
	parser := defaultParser(f)
	st, err := memstore.Open(memstore.Options{CountryOf: defaultCountries(f).CountryOf})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var posts []post.Post
	for i := range 200 {
		posts = append(posts, post.Post{ID: strconv.Itoa(i), UserID: strconv.Itoa(i % 13), Lang: "es", Time: t0.Add(time.Duration(i) * time.Minute),
			Hashtags: []string{"t" + strconv.Itoa(i%7)}, HasPoint: i%2 == 0, Point: post.Point{Lat: 40.4, Lon: -3.7}, GeoSource: post.GeoExact})
	}
	if err := st.Record(context.Background(), posts); err != nil {
		f.Fatal(err)
	}
	places := func() (*place.Parser, error) { return parser, nil }
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, area, err := TrendsRequestFrom(v).Query(places)
		if err != nil {
			return
		}
		if q.Window < store.TrendBucket || q.Baseline < q.Window || q.Window+q.Baseline > store.MaxTrendSpan ||
			q.N < 1 || q.N > store.MaxTrendN || q.MinAuthors < 1 || (q.Country != "" && q.Within != nil) {
			t.Fatalf("accepted %+v", q)
		}
		if area.Kind == place.Near {
			if b := area.Bounds(); !(place.Area{Kind: place.Box, Box: b}).Contains(area.Lat, area.Lon) {
				t.Fatalf("bounds %+v do not hold the centre of %v", b, area)
			}
		}
		if _, err := st.Trends(context.Background(), q); err != nil {
			t.Fatalf("store refused an accepted query %+v: %v", q, err)
		}
	})
}
