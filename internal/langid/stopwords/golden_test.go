package stopwords

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/testenv"
)

// The golden files in testdata are written by testdata/gen_golden.py, which
// runs NLTK's own corpus reader and tokenizer (and cross-checks the seed's
// get_likely_language); see its header for how to regenerate them.

// listSetDir returns the directory of a list set named as in the golden
// files, skipping the test when shared data is needed but missing.
func listSetDir(t testing.TB, set string) string {
	t.Helper()
	switch set {
	case "minilists":
		return filepath.Join("testdata", "minilists")
	case "newest":
		return testenv.Shared(t, "nltk_stopwords")
	case "2012":
		return testenv.Shared(t, "nltk_stopwords", "notebook_era_2012")
	}
	t.Fatalf("unknown list set %q", set)
	return ""
}

func loadSet(t testing.TB, set string) *Lists {
	t.Helper()
	lists, err := Load(listSetDir(t, set))
	if err != nil {
		t.Fatal(err)
	}
	return lists
}

// golden is one text's expected outcome: Python's matches, total and the
// sorted NLTK names tied at the top.
type golden struct {
	Matches, Total int
	Tied           []string
}

func (g *golden) UnmarshalJSON(data []byte) error {
	var row [3]json.RawMessage
	if err := json.Unmarshal(data, &row); err != nil {
		return err
	}
	if err := json.Unmarshal(row[0], &g.Matches); err != nil {
		return err
	}
	if err := json.Unmarshal(row[1], &g.Total); err != nil {
		return err
	}
	return json.Unmarshal(row[2], &g.Tied)
}

type fixtureDoc struct {
	Texts   []string            `json:"texts"`
	Results map[string][]golden `json:"results"`
}

func loadFixture(t testing.TB) fixtureDoc {
	t.Helper()
	data, err := os.ReadFile("testdata/fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc fixtureDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// checkAgainstGolden asserts that Detect and Explain (TiesFirst) reproduce
// one golden row; it returns false after reporting a mismatch.
func checkAgainstGolden(t *testing.T, d *Detector, label, text string, want golden) bool {
	t.Helper()
	wantKeys := make([]string, len(want.Tied))
	for i, name := range want.Tied {
		wantKeys[i] = langid.ByName(name).Key()
	}
	wantResult := langid.Result{Matches: want.Matches, Total: want.Total, Kept: want.Matches > 1}
	if len(wantKeys) > 0 {
		// TiesFirst: the alphabetically first NLTK name; Python sorted them.
		wantResult.Lang = wantKeys[0]
	}
	got := d.Detect(text)
	explained, tied := d.Explain(text)
	if got != wantResult || explained != wantResult || !slices.Equal(tied, wantKeys) {
		t.Errorf("%s %+q:\n Detect  %+v\n Explain %+v tied %q\n Python  %+v tied %q",
			label, text, got, explained, tied, wantResult, wantKeys)
		return false
	}
	return true
}

func TestFixtureMatchesNLTK(t *testing.T) {
	doc := loadFixture(t)
	for _, set := range []string{"minilists", "newest", "2012"} {
		t.Run(set, func(t *testing.T) {
			rows := doc.Results[set]
			if len(rows) != len(doc.Texts) {
				t.Fatalf("fixture.json: %d results for %d texts", len(rows), len(doc.Texts))
			}
			d := New(loadSet(t, set), TiesFirst, 0)
			for i, text := range doc.Texts {
				checkAgainstGolden(t, d, fmt.Sprintf("text %d", i), text, rows[i])
			}
		})
	}
}

// tweetText is the part of a v1.1 message the golden rows refer to.
type tweetText struct {
	ID       json.Number `json:"id"`
	IDStr    string      `json:"id_str"`
	Text     *string     `json:"text"`
	FullText *string     `json:"full_text"`
}

// tweet is a text from the shared tweet file and where it came from.
type tweet struct {
	id, field, text string
}

var (
	tweetsOnce sync.Once
	tweets     []tweet
	tweetsErr  error
)

// loadTweets reads every message with an id and a text from the shared tweet file, as
// gen_golden.py's tweet_texts does, or skips when the file is absent.
func loadTweets(t testing.TB) []tweet {
	t.Helper()
	path := testenv.Shared(t, "tweets", "combined", "v1_tweets_unique.jsonl.gz")
	tweetsOnce.Do(func() { tweets, tweetsErr = readTweets(path) })
	if tweetsErr != nil {
		t.Fatal(tweetsErr)
	}
	return tweets
}

func readTweets(path string) ([]tweet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out []tweet
	sc := bufio.NewScanner(gz)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var msg tweetText
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			return nil, err
		}
		tw := tweet{id: msg.IDStr}
		if tw.id == "" {
			tw.id = msg.ID.String() // "" for "id": null, which is skipped
		}
		if tw.id == "" {
			continue
		}
		switch {
		case msg.Text != nil:
			tw.field, tw.text = "text", *msg.Text
		case msg.FullText != nil:
			tw.field, tw.text = "full_text", *msg.FullText
		default:
			continue
		}
		out = append(out, tw)
	}
	return out, sc.Err()
}

type goldenTweet struct {
	ID    string   `json:"id"`
	Field string   `json:"f"`
	M     int      `json:"m"`
	T     int      `json:"t"`
	Tied  []string `json:"tied"`
}

func readGoldenTweets(t *testing.T, path string) map[string]goldenTweet {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(testenv.ReadGunzipped(t, path)))
	var header struct {
		Rows int `json:"rows"`
	}
	if err := dec.Decode(&header); err != nil {
		t.Fatal(err)
	}
	rows := make(map[string]goldenTweet, header.Rows)
	for dec.More() {
		var g goldenTweet
		if err := dec.Decode(&g); err != nil {
			t.Fatal(err)
		}
		rows[g.ID] = g
	}
	if len(rows) != header.Rows {
		t.Fatalf("%s: %d rows, header says %d", path, len(rows), header.Rows)
	}
	return rows
}

func TestTweetsMatchNLTK(t *testing.T) {
	for _, set := range []string{"newest", "2012"} {
		t.Run(set, func(t *testing.T) {
			all := loadTweets(t)
			d := New(loadSet(t, set), TiesFirst, 0)
			want := readGoldenTweets(t, filepath.Join("testdata", "tweets_"+set+".jsonl.gz"))
			if len(all) != len(want) {
				t.Errorf("%d tweets with a text, golden has %d (tweet file changed? rerun gen_golden.py)", len(all), len(want))
			}
			failures, ties := 0, 0
			for _, tw := range all {
				g, ok := want[tw.id]
				if !ok || g.Field != tw.field {
					t.Fatalf("tweet %s (%s): no golden row (rerun gen_golden.py)", tw.id, tw.field)
				}
				if len(g.Tied) > 1 {
					ties++
				}
				if !checkAgainstGolden(t, d, "tweet "+tw.id, tw.text, golden{g.M, g.T, g.Tied}) {
					if failures++; failures > 20 {
						t.Fatal("too many mismatches")
					}
				}
			}
			t.Logf("%d tweets agree with NLTK (%d with a tie at the top)", len(all), ties)
		})
	}
}
