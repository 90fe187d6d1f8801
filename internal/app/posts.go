package app

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runPosts(ctx context.Context, env Env, args []string) error {
	cfg, err := queryFlags("posts", groupSelect|groupSearch|groupArea|groupRange|groupPostsN|groupFormat, env, args,
		"[--lang L] [--tag T] [--q WORDS] [--bbox W,S,E,N] [--geo exact,place] [--from T] [--to T] [--n 20] [--server URL | --store redis://... | --data-dir DIR] [--format table|json|csv|geojson]")
	if err != nil {
		return helpOK(err)
	}
	format, err := outputFormat("posts", cfg, "csv", "geojson")
	if err != nil {
		return err
	}
	q := exploreValues(cfg, url.Values{"n": {strconv.Itoa(cfg.N)}})
	d, done, err := selectionData[httpapi.PostsData](ctx, env, cfg, "posts", format, "/api/posts", q)
	if done || err != nil {
		return err
	}
	return printPosts(env.Stdout, d)
}

// printPosts writes each post as a heading line (time, language, handle,
// place, link) and its text indented below. Every field but the time and
// numbers is the author's or the payload's: terminalSafe keeps escape
// sequences from reaching the terminal.
func printPosts(w io.Writer, d httpapi.PostsData) error {
	for _, p := range d.Posts {
		where := ""
		if p.Lat != nil {
			where = fmt.Sprintf(" at %.4f,%.4f (%s)", *p.Lat, *p.Lon, p.Source)
		}
		fmt.Fprintf(w, "%s  %s  @%s%s  %s\n", p.Time.Format(timeLayout), p.Lang, terminalSafe(p.Handle), where, terminalSafe(p.URL))
		for _, line := range strings.Split(p.Text, "\n") {
			fmt.Fprintf(w, "    %s\n", terminalSafe(line))
		}
	}
	if d.Note != "" {
		fmt.Fprintln(w, "note: "+terminalSafe(d.Note))
	}
	_, err := fmt.Fprintf(w, "(%d shown; text kept for %d posts)\n", len(d.Posts), d.Kept)
	return err
}
