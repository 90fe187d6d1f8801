package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/testenv"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// geoheat ingest over the shared v1.1 tweets, checked against a reference
// computed here independently of geoheat's packages: encoding/json for
// parsing, x/text/cases for Python-style lower-casing, a hand loop over
// unicode classes for wordpunct_tokenize, and the stopword files read
// directly.
func TestIngestSharedTweetsMatchesReference(t *testing.T) {
	shared := testenv.Shared(t)
	input := filepath.Join(shared, "tweets/combined/v1_tweets_unique.jsonl.gz")
	for _, set := range []struct{ name, dir string }{
		{"newest", filepath.Join(shared, "nltk_stopwords")},
		{"2012", filepath.Join(shared, "nltk_stopwords", "notebook_era_2012")},
	} {
		t.Run(set.name, func(t *testing.T) {
			want := referenceReplay(t, input, filepath.Join(set.dir, "corpora", "stopwords"))
			dataDir := t.TempDir()
			ctx := context.Background()
			out, errs, err := run(t, ctx, "", "ingest", "--source", "file:"+input, "--data-dir", dataDir,
				"--detector", "stopwords", "--stopwords-dir", set.dir, "--json", "--workers", "3")
			if err != nil {
				t.Fatalf("ingest: %v\n%s", err, errs)
			}
			var sum Summary
			mustUnmarshal(t, out, &sum)
			if sum.Messages != want.messages || sum.Posts != want.posts || sum.Written != want.written {
				t.Fatalf("summary %+v; reference messages %d posts %d written %d", sum, want.messages, want.posts, want.written)
			}

			out, _, err = run(t, ctx, "", "counts", "--data-dir", dataDir, "--json")
			if err != nil {
				t.Fatal(err)
			}
			var counts []httpapi.CountRow
			mustUnmarshal(t, out, &counts)
			if len(counts) != len(want.langs) {
				t.Errorf("%d languages, reference %d", len(counts), len(want.langs))
			}
			for _, c := range counts {
				r := want.langs[c.Lang]
				// The reference reads coordinates only: compare geoheat's
				// exact points (place centres are stored too, as "place").
				if r == nil || c.Posts != r.posts || c.GeoBySource.Exact != int64(len(r.points)) || c.Hashtags != int64(len(r.tags)) {
					t.Errorf("%s: geoheat %+v, reference %+v", c.Lang, c, r)
				}
			}

			out, _, err = run(t, ctx, "", "top", "--data-dir", dataDir, "--json", "--n", "5")
			if err != nil {
				t.Fatal(err)
			}
			var tops []httpapi.TopRow
			mustUnmarshal(t, out, &tops)
			for _, row := range tops {
				r := want.langs[row.Lang]
				exp := mostCommon(r.tags, 5000, 5)
				if fmt.Sprint(row.Tags) != fmt.Sprint(exp) {
					t.Errorf("%s top: geoheat %v, reference %v", row.Lang, row.Tags, exp)
				}
			}

			for key, r := range want.langs {
				if len(r.points) == 0 {
					continue
				}
				out, _, err := run(t, ctx, "", "points", "--data-dir", dataDir, "--lang", key, "--geo", "exact", "--json")
				if err != nil {
					t.Fatal(err)
				}
				var pts httpapi.PointsData
				mustUnmarshal(t, out, &pts)
				exp := r.points
				if len(exp) > 400 {
					exp = exp[len(exp)-400:]
				}
				if fmt.Sprint(pts.Points) != fmt.Sprint(exp) {
					t.Errorf("%s points: geoheat %v\nreference %v", key, pts.Points, exp)
				}
			}
		})
	}
}

type refLang struct {
	posts  int64
	tags   []string // lower-cased, in stream order
	points [][2]float64
}

type refResult struct {
	messages, posts, written int64
	langs                    map[string]*refLang
}

func referenceReplay(t *testing.T, input, listDir string) refResult {
	t.Helper()
	lists := readLists(t, listDir)
	res := refResult{langs: map[string]*refLang{}}
	lower := cases.Lower(language.Und)
	for _, line := range testenv.ReadLines(t, input) {
		if strings.TrimSpace(string(line)) == "" {
			continue
		}
		res.messages++
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			continue
		}
		user, _ := m["user"].(map[string]any)
		if m["id"] == nil && m["id_str"] == nil || user == nil {
			continue
		}
		res.posts++
		text, tags := refTextAndTags(m)
		lang, matches := refDetect(lists, lower.String(text))
		if matches <= 1 {
			continue
		}
		res.written++
		l := res.langs[lang]
		if l == nil {
			l = &refLang{}
			res.langs[lang] = l
		}
		l.posts++
		for _, tag := range tags {
			l.tags = append(l.tags, lower.String(tag))
		}
		if p, ok := refPoint(m); ok {
			l.points = append(l.points, p)
		}
	}
	return res
}

func refTextAndTags(m map[string]any) (string, []string) {
	src := m
	textKey := "text"
	if m["truncated"] == true {
		if ext, ok := m["extended_tweet"].(map[string]any); ok {
			src, textKey = ext, "full_text"
		}
	}
	text, ok := src[textKey].(string)
	if !ok {
		text, _ = src["full_text"].(string)
	}
	var tags []string
	if ent, ok := src["entities"].(map[string]any); ok {
		hs, _ := ent["hashtags"].([]any)
		for _, h := range hs {
			if hm, ok := h.(map[string]any); ok {
				if s, ok := hm["text"].(string); ok {
					tags = append(tags, s)
				}
			}
		}
	}
	return text, tags
}

func refPoint(m map[string]any) ([2]float64, bool) {
	get := func(key string) ([]any, bool) {
		o, ok := m[key].(map[string]any)
		if !ok {
			return nil, false
		}
		c, ok := o["coordinates"].([]any)
		return c, ok && len(c) == 2
	}
	valid := func(lat, lon float64) bool { return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 }
	if c, ok := get("coordinates"); ok {
		lon, ok1 := c[0].(float64)
		lat, ok2 := c[1].(float64)
		if ok1 && ok2 && valid(lat, lon) {
			return [2]float64{lat, lon}, true
		}
	}
	if c, ok := get("geo"); ok {
		lat, ok1 := c[0].(float64)
		lon, ok2 := c[1].(float64)
		if ok1 && ok2 && valid(lat, lon) {
			return [2]float64{lat, lon}, true
		}
	}
	return [2]float64{}, false
}

type refList struct {
	name  string
	words map[string]bool
}

func readLists(t *testing.T, dir string) []refList {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []refList
	for _, e := range entries {
		if e.IsDir() || e.Name() == "README" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		words := map[string]bool{}
		for _, w := range strings.Split(string(b), "\n") {
			if w = strings.TrimSuffix(w, "\r"); w != "" {
				words[w] = true
			}
		}
		out = append(out, refList{name: e.Name(), words: words})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// refDetect: the most distinct stopword matches wins, the alphabetically
// first NLTK name on ties.
func refDetect(lists []refList, lowered string) (string, int) {
	tokens := map[string]bool{}
	for _, tok := range refTokens(lowered) {
		tokens[tok] = true
	}
	best, bestName := 0, ""
	for _, l := range lists {
		n := 0
		for tok := range tokens {
			if l.words[tok] {
				n++
			}
		}
		if n > best {
			best, bestName = n, l.name
		}
	}
	return langid.ByName(bestName).Key(), best
}

// refTokens is \w+|[^\w\s]+ with Python's classes: \w letters, numbers
// and underscore; \s Unicode white space plus U+001C..U+001F.
func refTokens(s string) []string {
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_':
			return 1
		case unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f:
			return 0
		}
		return 2
	}
	var out []string
	var cur []rune
	curClass := 0
	for _, r := range s {
		c := class(r)
		if c != curClass && len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
		curClass = c
		if c != 0 {
			cur = append(cur, r)
		}
	}
	if len(cur) > 0 {
		out = append(out, string(cur))
	}
	return out
}

type tagCount struct {
	Tag   string `json:"tag"`
	Count int64  `json:"count"`
}

// mostCommon is Counter(tags[-last:]).most_common(n).
func mostCommon(tags []string, last, n int) []tagCount {
	if len(tags) > last {
		tags = tags[len(tags)-last:]
	}
	idx := map[string]int{}
	var counts []tagCount
	for _, tag := range tags {
		if i, ok := idx[tag]; ok {
			counts[i].Count++
			continue
		}
		idx[tag] = len(counts)
		counts = append(counts, tagCount{tag, 1})
	}
	sort.SliceStable(counts, func(i, j int) bool { return counts[i].Count > counts[j].Count })
	if len(counts) > n {
		counts = counts[:n]
	}
	return counts
}
