// Package geoeval measures place resolution (internal/geo) against tweets
// that carry exact coordinates: each tweet's place centre, profile location
// and text are resolved with the exact point hidden, and the distance to it
// is the error. `geoheat geo eval` prints its table; docs/geo.md records
// the numbers.
package geoeval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// DefaultData are the shared tweet files: v1.1 (profiles, places,
// texts) and v2 (places, texts; the v2 captures carry no user locations).
var DefaultData = []string{
	"../shared/data/tweets/combined/v1_tweets_unique.jsonl.gz",
	"../shared/data/tweets/combined/v2_tweets_unique.jsonl.gz",
}

// tweet is one tweet with exact coordinates, and what each method
// has to go on.
type tweet struct {
	truth    post.Point
	place    *post.Point // the place's bbox centre, parsed with the coordinates removed
	location string
	text     string
	hashtags []string
	lang     string
}

// evalRow is one line of the eval table.
type evalRow struct {
	Method     string  `json:"method"`
	Candidates int     `json:"candidates"`
	Resolved   int     `json:"resolved"`
	MedianKm   float64 `json:"median_km"`
	P90Km      float64 `json:"p90_km"`
	Within100  int     `json:"within_100km"`
}

// Options configure one evaluation.
type Options struct {
	// Data are tweet files (raw v1.1 or v2 JSON lines, compressed as the
	// file source accepts); default the shared v1 and v2 tweets, those
	// present (DefaultData).
	Data []string
	// Threshold is the resolver's confidence threshold.
	Threshold float64
	// SpeedFor is how long the resolutions/s loop runs; 0 skips it.
	SpeedFor time.Duration
}

// Run reads the tweets of opts.Data, resolves each one's place, profile
// location and text with its exact point hidden, and writes the table
// (and the resolver's speed) to w.
func Run(w io.Writer, g *geo.Gazetteer, opts Options) error {
	data := opts.Data
	if len(data) == 0 {
		for _, p := range DefaultData {
			if _, err := os.Stat(p); err == nil {
				data = append(data, p)
			}
		}
		if len(data) == 0 {
			return fmt.Errorf("geo eval: no --data given and the shared tweets are absent (%s)", strings.Join(DefaultData, ", "))
		}
	}
	var tweets []tweet
	var profiles []profile // every profile location, exact point or not: the speed loop's input
	for _, path := range data {
		tw, pr, err := read(path)
		if err != nil {
			return err
		}
		tweets = append(tweets, tw...)
		profiles = append(profiles, pr...)
	}
	rows := evaluate(geo.NewResolver(g, geo.Options{Threshold: opts.Threshold}), tweets)

	out := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "%d tweets with exact coordinates in %s; threshold %.2f\n", len(tweets), strings.Join(baseNames(data), ", "), opts.Threshold)
	fmt.Fprintln(out, "method\tcandidates\tresolved\tshare resolved\tmedian km\tp90 km\twithin 100 km\t")
	for _, r := range rows {
		fmt.Fprintf(out, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", r.Method, r.Candidates, r.Resolved,
			pct(float64(r.Resolved), float64(r.Candidates)), km(r.MedianKm, r.Resolved), km(r.P90Km, r.Resolved),
			pct(float64(r.Within100), float64(r.Resolved)))
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if len(profiles) > 0 && opts.SpeedFor > 0 {
		for _, c := range []struct {
			name string
			size int
		}{{"fresh cache per pass", 0}, {"no cache", -1}} {
			n, d := speed(g, geo.Options{Threshold: opts.Threshold, CacheSize: c.size}, profiles, opts.SpeedFor)
			fmt.Fprintf(w, "profile resolutions/s on one core (%s; %d strings in stream order, %d distinct): %.0f\n",
				c.name, len(profiles), distinct(profiles), float64(n)/d.Seconds())
		}
	}
	return nil
}

type profile struct{ loc, lang string }

func distinct(ps []profile) int {
	seen := make(map[profile]bool, len(ps))
	for _, p := range ps {
		seen[p] = true
	}
	return len(seen)
}

// speed resolves every profile string once, in stream order, with a
// new resolver per pass (so the cache starts empty and only the stream's
// own repeats hit it), on this goroutine, for about d: resolutions per
// second on one core.
func speed(g *geo.Gazetteer, opts geo.Options, ps []profile, d time.Duration) (int, time.Duration) {
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

// evaluate resolves each tweet by each method separately, hiding its
// exact point, then in the pipeline's order of trust (place, profile,
// text) as "combined".
func evaluate(r *geo.Resolver, tweets []tweet) []evalRow {
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
	rows := make([]evalRow, len(methods))
	for i, m := range methods {
		d := dists[i]
		sort.Float64s(d)
		row := evalRow{Method: m, Candidates: cands[i], Resolved: len(d)}
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

// read reads the tweets of a file with the pipeline's own parser.
// The place centre is what the parser gives once the coordinates are
// removed, so "place" measures exactly what a post without coordinates
// gets.
func read(path string) ([]tweet, []profile, error) {
	r, err := file.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("geo eval: %w", err)
	}
	defer r.Close()
	var p twitter.Parser
	var tweets []tweet
	var profiles []profile
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var ps post.Post
		if res, _ := p.Parse(sc.Bytes(), &ps); res.Kind != twitter.KindPost {
			continue
		}
		if ps.UserLocation != "" {
			profiles = append(profiles, profile{ps.UserLocation, ps.PlatformLang})
		}
		if ps.GeoSource != post.GeoExact {
			continue
		}
		t := tweet{truth: ps.Point, location: ps.UserLocation, text: ps.Text, hashtags: ps.Hashtags, lang: ps.PlatformLang}
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
