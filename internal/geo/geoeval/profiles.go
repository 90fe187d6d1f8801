package geoeval

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/post"
)

// DefaultProfiles is the labelled set of profile strings (issue 18),
// relative to the repository root.
const DefaultProfiles = "internal/geo/testdata/profiles.tsv"

// LabelledProfile is one row of a labelled set: a profile string and the
// city it names, or none (Place false) for a non-place.
type LabelledProfile struct {
	Text  string
	City  string
	Place bool // false: the string must resolve to nothing
	Truth post.Point
	Lang  string
}

// ReadProfiles reads a labelled set: tab-separated text, city ("none" for
// a non-place), country, latitude, longitude, language; lines starting
// "#" are comments.
func ReadProfiles(r io.Reader) ([]LabelledProfile, error) {
	var out []LabelledProfile
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("geo eval: profiles line %d: want 6 tab-separated fields (text, city, country, lat, lon, lang)", n)
		}
		p := LabelledProfile{Text: f[0], City: f[1], Lang: f[5], Place: f[1] != "none"}
		if p.Place {
			lat, err1 := strconv.ParseFloat(f[3], 64)
			lon, err2 := strconv.ParseFloat(f[4], 64)
			p.Truth = post.Point{Lat: lat, Lon: lon}
			if err1 != nil || err2 != nil || !p.Truth.Valid() {
				return nil, fmt.Errorf("geo eval: profiles line %d: bad coordinates %q, %q", n, f[3], f[4])
			}
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// ProfileScore is the result over one group of a labelled set.
type ProfileScore struct {
	Group       string  `json:"group"` // "all" or a language
	Places      int     `json:"places"`
	Resolved    int     `json:"resolved"`     // places resolved to anything
	Within100   int     `json:"within_100km"` // places resolved within 100 km of the truth
	MedianKm    float64 `json:"median_km"`    // over resolved places
	NonPlaces   int     `json:"non_places"`
	FalsePlaces int     `json:"false_places"` // non-places that resolved
}

// Miss is a labelled place resolved wrongly or not at all, or a non-place
// resolved: what to look at to improve the resolver.
type Miss struct {
	Row LabelledProfile
	Got string  // the match's name, "" for none
	Km  float64 // distance to the truth when both exist
}

// EvaluateProfiles resolves every row as a profile location with its
// language, and scores all rows and each language.
func EvaluateProfiles(r *geo.Resolver, rows []LabelledProfile) ([]ProfileScore, []Miss) {
	type acc struct {
		s     ProfileScore
		dists []float64
	}
	groups := map[string]*acc{}
	get := func(k string) *acc {
		if groups[k] == nil {
			groups[k] = &acc{s: ProfileScore{Group: k}}
		}
		return groups[k]
	}
	var misses []Miss
	for _, row := range rows {
		m, ok := r.ResolveProfile(row.Text, row.Lang)
		for _, a := range []*acc{get("all"), get(row.Lang)} {
			if !row.Place {
				a.s.NonPlaces++
				if ok {
					a.s.FalsePlaces++
				}
				continue
			}
			a.s.Places++
			if ok {
				a.s.Resolved++
				d := geo.DistanceKm(m.Point, row.Truth)
				a.dists = append(a.dists, d)
				if d <= 100 {
					a.s.Within100++
				}
			}
		}
		switch {
		case !row.Place && ok:
			misses = append(misses, Miss{Row: row, Got: m.Name + ", " + m.Country})
		case row.Place && !ok:
			misses = append(misses, Miss{Row: row})
		case row.Place && geo.DistanceKm(m.Point, row.Truth) > 100:
			misses = append(misses, Miss{Row: row, Got: m.Name + ", " + m.Country, Km: geo.DistanceKm(m.Point, row.Truth)})
		}
	}
	out := make([]ProfileScore, 0, len(groups))
	for _, a := range groups {
		sort.Float64s(a.dists)
		if len(a.dists) > 0 {
			a.s.MedianKm = nearestRank(a.dists, 0.5)
		}
		out = append(out, a.s)
	}
	// "all" first, then languages by size.
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Group == "all") != (out[j].Group == "all") {
			return out[i].Group == "all"
		}
		if n, m := out[i].Places+out[i].NonPlaces, out[j].Places+out[j].NonPlaces; n != m {
			return n > m
		}
		return out[i].Group < out[j].Group
	})
	return out, misses
}

// RunProfiles evaluates the labelled set at path and writes the table
// (and, with misses, every miss) to w.
func RunProfiles(w io.Writer, g *geo.Gazetteer, path string, threshold float64, misses bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("geo eval: %w", err)
	}
	defer f.Close()
	rows, err := ReadProfiles(f)
	if err != nil {
		return err
	}
	scores, miss := EvaluateProfiles(geo.NewResolver(g, geo.Options{Threshold: threshold}), rows)
	fmt.Fprintf(w, "%d labelled profile strings in %s; threshold %.2f\n", len(rows), path, threshold)
	out := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "lang\tplaces\tresolved\tshare resolved\twithin 100 km\tof resolved\tmedian km\tnon-places\tfalse places\t")
	for _, s := range scores {
		fmt.Fprintf(out, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", s.Group, s.Places, s.Resolved,
			pct(float64(s.Resolved), float64(s.Places)), pct(float64(s.Within100), float64(s.Places)),
			pct(float64(s.Within100), float64(s.Resolved)), km(s.MedianKm, s.Resolved), s.NonPlaces, s.FalsePlaces)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if misses {
		for _, m := range miss {
			switch {
			case !m.Row.Place:
				fmt.Fprintf(w, "false place\t%s\t%q -> %s\n", m.Row.Lang, m.Row.Text, m.Got)
			case m.Got == "":
				fmt.Fprintf(w, "unresolved\t%s\t%q (%s)\n", m.Row.Lang, m.Row.Text, m.Row.City)
			default:
				fmt.Fprintf(w, "wrong\t%s\t%q (%s) -> %s, %.0f km\n", m.Row.Lang, m.Row.Text, m.Row.City, m.Got, m.Km)
			}
		}
	}
	return nil
}
