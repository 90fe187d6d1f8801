package app

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/file"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

const geoUsage = `Usage:
  geoheat geo resolve [--lang es] [--text] STRING...   resolve place names (profile locations; --text: post texts)
  geoheat geo eval [--data FILE]... [--threshold 0.5]   measure resolution against tweets' exact coordinates`

func runGeo(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "eval":
			return runGeoEval(ctx, env, args[1:])
		case "resolve":
			return runGeoResolve(env, args[1:])
		}
	}
	fmt.Fprintln(env.Stderr, geoUsage)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return nil
	}
	return fmt.Errorf("%w: unknown geo subcommand %q: want resolve or eval", ErrUsage, args[0])
}

func newGeoFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("geoheat geo "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "%s\n\nFlags:\n", geoUsage)
		fs.SetOutput(env.Stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

func parseGeoFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return nil
}

func runGeoResolve(env Env, args []string) error {
	fs := newGeoFlags("resolve", env)
	lang := fs.String("lang", "", "language of the post (ISO 639-1), a prior for ambiguous names")
	asText := fs.Bool("text", false, "resolve each STRING as a post's text (places after a preposition, #hashtags) instead of a profile location")
	threshold := fs.Float64("threshold", geo.DefaultThreshold, "confidence below which nothing is returned")
	if err := parseGeoFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: geo resolve: give at least one STRING", ErrUsage)
	}
	g, err := geo.Default()
	if err != nil {
		return err
	}
	r := geo.NewResolver(g, geo.Options{Threshold: *threshold})
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "input\tname\tcountry\tlat\tlon\tconfidence")
	for _, s := range fs.Args() {
		var m geo.Match
		var ok bool
		if *asText {
			m, ok = r.ResolveText(s, hashtagsOf(s), *lang)
		} else {
			m, ok = r.ResolveProfile(s, *lang)
		}
		if !ok {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\n", terminalSafe(s))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4f\t%.4f\t%.2f\n", terminalSafe(s), terminalSafe(m.Name), m.Country, m.Point.Lat, m.Point.Lon, m.Confidence)
	}
	return tw.Flush()
}

// hashtagsOf extracts #words from a text typed on the command line (posts
// from a stream come with their hashtags).
func hashtagsOf(s string) []string {
	var tags []string
	for _, w := range strings.Fields(s) {
		if t, ok := strings.CutPrefix(w, "#"); ok {
			if t = strings.TrimRight(t, ".,;:!?)\"'"); t != "" {
				tags = append(tags, t)
			}
		}
	}
	return tags
}

// defaultGeoEvalData are the shared tweet files: v1.1 (profiles, places,
// texts) and v2 (places, texts; the v2 captures carry no user locations).
var defaultGeoEvalData = []string{
	"../shared/data/tweets/combined/v1_tweets_unique.jsonl.gz",
	"../shared/data/tweets/combined/v2_tweets_unique.jsonl.gz",
}

// geoEvalTweet is one tweet with exact coordinates, and what each method
// has to go on.
type geoEvalTweet struct {
	truth    post.Point
	place    *post.Point // the place's bbox centre, parsed with the coordinates removed
	location string
	text     string
	hashtags []string
	lang     string
}

// geoEvalRow is one line of the eval table.
type geoEvalRow struct {
	Method     string  `json:"method"`
	Candidates int     `json:"candidates"`
	Resolved   int     `json:"resolved"`
	MedianKm   float64 `json:"median_km"`
	P90Km      float64 `json:"p90_km"`
	Within100  int     `json:"within_100km"`
}

func runGeoEval(ctx context.Context, env Env, args []string) error {
	fs := newGeoFlags("eval", env)
	var data stringList
	fs.Var(&data, "data", "tweet file (raw v1.1 or v2 JSON lines, .gz ok); repeatable (default the shared v1 and v2 tweets)")
	threshold := fs.Float64("threshold", geo.DefaultThreshold, "resolver confidence threshold")
	speedFor := fs.Duration("speed-time", 2*time.Second, "how long the resolutions/s loop runs")
	if err := parseGeoFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if len(data) == 0 {
		for _, p := range defaultGeoEvalData {
			if _, err := os.Stat(p); err == nil {
				data = append(data, p)
			}
		}
		if len(data) == 0 {
			return fmt.Errorf("geo eval: no --data given and the shared tweets are absent (%s)", strings.Join(defaultGeoEvalData, ", "))
		}
	}
	g, err := geo.Default()
	if err != nil {
		return err
	}
	var tweets []geoEvalTweet
	var profiles []geoProfile // every profile location, exact point or not: the speed loop's input
	for _, path := range data {
		tw, pr, err := readGeoEval(path)
		if err != nil {
			return err
		}
		tweets = append(tweets, tw...)
		profiles = append(profiles, pr...)
	}
	rows := geoEvaluate(geo.NewResolver(g, geo.Options{Threshold: *threshold}), tweets)

	out := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(env.Stdout, "%d tweets with exact coordinates in %s; threshold %.2f\n", len(tweets), strings.Join(baseNames(data), ", "), *threshold)
	fmt.Fprintln(out, "method\tcandidates\tresolved\tshare resolved\tmedian km\tp90 km\twithin 100 km\t")
	for _, r := range rows {
		fmt.Fprintf(out, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", r.Method, r.Candidates, r.Resolved,
			pct(float64(r.Resolved), float64(r.Candidates)), km(r.MedianKm, r.Resolved), km(r.P90Km, r.Resolved),
			pct(float64(r.Within100), float64(r.Resolved)))
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if len(profiles) > 0 && *speedFor > 0 {
		for _, c := range []struct {
			name string
			size int
		}{{"fresh cache per pass", 0}, {"no cache", -1}} {
			n, d := geoSpeed(g, geo.Options{Threshold: *threshold, CacheSize: c.size}, profiles, *speedFor)
			fmt.Fprintf(env.Stdout, "profile resolutions/s on one core (%s; %d strings in stream order, %d distinct): %.0f\n",
				c.name, len(profiles), distinct(profiles), float64(n)/d.Seconds())
		}
	}
	return nil
}

type geoProfile struct{ loc, lang string }

func distinct(ps []geoProfile) int {
	seen := make(map[geoProfile]bool, len(ps))
	for _, p := range ps {
		seen[p] = true
	}
	return len(seen)
}

// geoSpeed resolves every profile string once, in stream order, with a
// new resolver per pass (so the cache starts empty and only the stream's
// own repeats hit it), on this goroutine, for about d: resolutions per
// second on one core.
func geoSpeed(g *geo.Gazetteer, opts geo.Options, ps []geoProfile, d time.Duration) (int, time.Duration) {
	start := time.Now()
	n := 0
	for n == 0 || time.Since(start) < d {
		r := geo.NewResolver(g, opts)
		for _, p := range ps {
			r.ResolveProfile(p.loc, p.lang)
		}
		n += len(ps)
	}
	return n, time.Since(start)
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

func pct(n, of float64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*n/of)
}

func km(v float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

// geoEvaluate resolves each tweet by each method separately, hiding its
// exact point, then in the pipeline's order of trust (place, profile,
// text) as "combined".
func geoEvaluate(r *geo.Resolver, tweets []geoEvalTweet) []geoEvalRow {
	methods := []string{"place", "profile", "text", "combined"}
	dists := make([][]float64, len(methods))
	cands := make([]int, len(methods))
	for _, t := range tweets {
		var got [4]*post.Point
		if t.place != nil {
			cands[0]++
			got[0] = t.place
		}
		if t.location != "" {
			cands[1]++
			if m, ok := r.ResolveProfile(t.location, t.lang); ok {
				got[1] = &m.Point
			}
		}
		if t.text != "" || len(t.hashtags) > 0 {
			cands[2]++
			if m, ok := r.ResolveText(t.text, t.hashtags, t.lang); ok {
				got[2] = &m.Point
			}
		}
		cands[3]++
		for _, p := range got[:3] {
			if p != nil {
				got[3] = p
				break
			}
		}
		for i, p := range got {
			if p != nil {
				dists[i] = append(dists[i], geo.DistanceKm(*p, t.truth))
			}
		}
	}
	rows := make([]geoEvalRow, len(methods))
	for i, m := range methods {
		d := dists[i]
		sort.Float64s(d)
		row := geoEvalRow{Method: m, Candidates: cands[i], Resolved: len(d)}
		if len(d) > 0 {
			row.MedianKm, row.P90Km = nearestRank(d, 0.5), nearestRank(d, 0.9)
		}
		for _, x := range d {
			if x <= 100 {
				row.Within100++
			}
		}
		rows[i] = row
	}
	return rows
}

// nearestRank is the q-quantile of sorted d by the nearest-rank method: the
// smallest value with at least q of the values at or below it.
func nearestRank(d []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// readGeoEval reads the tweets of a file with the pipeline's own parser.
// The place centre is what the parser gives once the coordinates are
// removed, so "place" measures exactly what a post without coordinates
// gets.
func readGeoEval(path string) ([]geoEvalTweet, []geoProfile, error) {
	r, closeFn, err := file.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("geo eval: %w", err)
	}
	defer closeFn()
	var p twitter.Parser
	var tweets []geoEvalTweet
	var profiles []geoProfile
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var ps post.Post
		if res, _ := p.Parse(sc.Bytes(), &ps); res.Kind != twitter.KindPost {
			continue
		}
		if ps.UserLocation != "" {
			profiles = append(profiles, geoProfile{ps.UserLocation, ps.PlatformLang})
		}
		if ps.GeoSource != post.GeoExact {
			continue
		}
		t := geoEvalTweet{truth: ps.Point, location: ps.UserLocation, text: ps.Text, hashtags: ps.Hashtags, lang: ps.PlatformLang}
		if stripped, ok := withoutCoordinates(sc.Bytes()); ok {
			var pp post.Post
			if res, _ := p.Parse(stripped, &pp); res.Kind == twitter.KindPost && pp.GeoSource == post.GeoPlace {
				t.place = &pp.Point
			}
		}
		tweets = append(tweets, t)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("geo eval: %s: %w", path, err)
	}
	return tweets, profiles, nil
}

// withoutCoordinates returns the message with its exact coordinates
// removed (v1.1 coordinates and geo; v2 data.geo.coordinates or a flat
// tweet's geo.coordinates).
func withoutCoordinates(msg []byte) ([]byte, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(msg, &m) != nil {
		return nil, false
	}
	if _, ok := m["user"]; ok {
		delete(m, "coordinates")
		delete(m, "geo")
	} else {
		holder, key := m, "geo"
		var data map[string]json.RawMessage
		if raw, ok := m["data"]; ok {
			if json.Unmarshal(raw, &data) != nil {
				return nil, false
			}
			holder = data
		}
		var g map[string]json.RawMessage
		if json.Unmarshal(holder[key], &g) != nil {
			return nil, false
		}
		delete(g, "coordinates")
		b, _ := json.Marshal(g)
		holder[key] = b
		if data != nil {
			b, _ := json.Marshal(data)
			m["data"] = b
		}
	}
	b, err := json.Marshal(m)
	return b, err == nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
