package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/geo/geoeval"
)

const geoUsage = `Usage:
  geoheat geo resolve [--lang es] [--text] STRING...   resolve place names (profile locations; --text: post texts)
  geoheat geo eval [--data FILE]... [--threshold 0.5]   measure resolution against tweets' exact coordinates
  geoheat geo eval --profiles FILE [--misses]          measure profile resolution on a labelled set (text, city, ...)`

func runGeo(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "eval":
			return runGeoEval(env, args[1:])
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

// runGeoEval is `geoheat geo eval`: its flags; the measurement is
// internal/geo/geoeval's.
func runGeoEval(env Env, args []string) error {
	fs := newGeoFlags("eval", env)
	var data stringList
	fs.Var(&data, "data", "tweet file (raw v1.1 or v2 JSON lines, .gz ok); repeatable (default the shared v1 and v2 tweets)")
	threshold := fs.Float64("threshold", geo.DefaultThreshold, "resolver confidence threshold")
	speedFor := fs.Duration("speed-time", 2*time.Second, "how long the resolutions/s loop runs")
	profiles := fs.String("profiles", "", "labelled profile strings (TSV: text, city or none, country, lat, lon, lang; e.g. "+geoeval.DefaultProfiles+") to score instead of tweets")
	misses := fs.Bool("misses", false, "with --profiles: list every unresolved, wrong or false place")
	if err := parseGeoFlags(fs, args); err != nil {
		return helpOK(err)
	}
	if *profiles != "" && len(data) > 0 {
		return fmt.Errorf("%w: geo eval: --profiles and --data are separate evaluations; give one", ErrUsage)
	}
	g, err := geo.Default()
	if err != nil {
		return err
	}
	if *profiles != "" {
		return geoeval.RunProfiles(env.Stdout, g, *profiles, *threshold, *misses)
	}
	return geoeval.Run(env.Stdout, g, geoeval.Options{Data: data, Threshold: *threshold, SpeedFor: *speedFor})
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
