package stopwords

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type goldenList struct {
	Name   string   `json:"name"`
	N      int      `json:"n"`
	SHA256 string   `json:"sha256"`
	Words  []string `json:"words"`
}

func loadGoldenLists(t *testing.T) map[string][]goldenList {
	t.Helper()
	data, err := os.ReadFile("testdata/lists.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sets map[string][]goldenList `json:"sets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Sets
}

// TestLoadMatchesNLTK compares Load with NLTK's stopwords.fileids() and
// stopwords.words(name) for every list of every set.
func TestLoadMatchesNLTK(t *testing.T) {
	sets := loadGoldenLists(t)
	for _, set := range []string{"minilists", "newest", "2012"} {
		t.Run(set, func(t *testing.T) {
			lists := loadSet(t, set)
			want := sets[set]
			var wantNames []string
			for _, g := range want {
				wantNames = append(wantNames, g.Name)
			}
			if got := lists.Names(); !slices.Equal(got, wantNames) {
				t.Fatalf("Names() = %q, NLTK fileids() %q", got, wantNames)
			}
			for i, list := range lists.All() {
				g := want[i]
				sum := sha256.Sum256([]byte(strings.Join(list.Words, "\x00")))
				if len(list.Words) != g.N || hex.EncodeToString(sum[:]) != g.SHA256 {
					t.Errorf("%s: %d words (sha256 %x), NLTK %d (%s)", list.Name, len(list.Words), sum, g.N, g.SHA256)
				}
				if g.Words != nil && !slices.Equal(list.Words, g.Words) {
					t.Errorf("%s: words %q, NLTK %q", list.Name, list.Words, g.Words)
				}
			}
		})
	}
}

func TestSplitLinesIsPythonSplitlines(t *testing.T) {
	// Expected values are Python 3's str.splitlines().
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n", []string{""}},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\r\nb\rc\n", []string{"a", "b", "c"}},
		{"a\r\rb", []string{"a", "", "b"}},
		{"a\n\r", []string{"a", ""}},
		{"a\vb\fc\x1cd\x1de\x1ef\u0085g\u2028h\u2029i", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}},
		{"a\x1fb\u00a0c\td", []string{"a\x1fb\u00a0c\td"}},
	} {
		var got []string
		for line := range splitLines(c.in) {
			got = append(got, line)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("splitLines(%+q) = %+q, want %+q", c.in, got, c.want)
		}
	}
}

func TestIsFileID(t *testing.T) {
	for id, want := range map[string]bool{
		"english": true, "README": false, "README.md": false, "READMEfirst": false,
		"readme": true, ".hidden": false, "sub/README": true, "sub/.x": true,
		"a\nb": false, "ab\n": true,
	} {
		if got := isFileID(id); got != want {
			t.Errorf("isFileID(%q) = %v, want %v", id, got, want)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("not UTF-8", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"english": "the\nand\n\xffoo\n"})
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "not UTF-8 (invalid byte at offset 8)") {
			t.Errorf("Load: %v, want a UTF-8 error naming the offset", err)
		}
	})
	t.Run("too many lists", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]string{}
		for i := range MaxLists + 1 {
			files[fmt.Sprintf("lang%02d", i)] = "w\n"
		}
		writeFiles(t, dir, files)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "more than 64") {
			t.Errorf("Load: %v, want a too-many-lists error", err)
		}
	})
	t.Run("same key", func(t *testing.T) {
		// "en" is not an NLTK name, so it is its own key, which is english's.
		_, err := FromMap(map[string][]string{"english": {"the"}, "en": {"the"}})
		if err == nil || !strings.Contains(err.Error(), `both map to language "en"`) {
			t.Errorf("FromMap: %v, want a duplicate-key error", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"README": "x", ".git/config": "x"})
		if _, err := Load(dir); err == nil {
			t.Error("Load of a directory without lists succeeded")
		}
		if _, err := FromMap(nil); err == nil {
			t.Error("FromMap(nil) succeeded")
		}
	})
}

func TestLoadSymlinks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"real/english": "the\n", "other/dutch": "de\n"})
	root := filepath.Join(dir, "real")
	// Like os.walk: a link to a file is a list, a link to a directory is
	// neither listed nor entered.
	if err := os.Symlink(filepath.Join(dir, "other", "dutch"), filepath.Join(root, "dutch")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "other"), filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	lists, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := lists.Names(); !slices.Equal(got, []string{"dutch", "english"}) {
		t.Errorf("Names() = %q", got)
	}
}

func TestFind(t *testing.T) {
	data := t.TempDir() // an NLTK data directory
	writeFiles(t, data, map[string]string{"corpora/stopwords/english": "the\n", "corpora/stopwords/README": "x"})
	direct := t.TempDir() // a stopwords directory given as such
	writeFiles(t, direct, map[string]string{"french": "le\n"})
	empty := t.TempDir()
	writeFiles(t, empty, map[string]string{"corpora/wordnet/x": "x", "corpora/stopwords.zip": "PK"})
	nested := filepath.Join(data, "corpora", "stopwords")

	t.Run("explicit", func(t *testing.T) {
		for in, want := range map[string]string{data: nested, direct: direct} {
			got, _, err := Find(in)
			if err != nil || got != want {
				t.Errorf("Find(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		// An explicit directory is the only candidate, even if NLTK_DATA has lists.
		t.Setenv("NLTK_DATA", data)
		_, tried, err := Find(empty)
		if err == nil || !slices.Equal(tried, []string{filepath.Join(empty, "corpora", "stopwords"), empty}) {
			t.Errorf("Find(empty) tried %q, err %v", tried, err)
		}
		if err == nil || !strings.Contains(err.Error(), "stopwords.zip") || strings.Contains(err.Error(), "NLTK_DATA") {
			t.Errorf("error %q should point at the zip and not at NLTK_DATA", err)
		}
	})
	t.Run("NLTK_DATA in order", func(t *testing.T) {
		t.Setenv("NLTK_DATA", strings.Join([]string{"", empty, direct, data}, string(os.PathListSeparator)))
		got, tried, err := Find("")
		if err != nil || got != direct {
			t.Fatalf("Find() = %q, %v; want %q", got, err, direct)
		}
		if want := []string{filepath.Join(empty, "corpora", "stopwords"), empty, filepath.Join(direct, "corpora", "stopwords"), direct}; !slices.Equal(tried, want) {
			t.Errorf("tried %q, want %q", tried, want)
		}
		lists, err := Load(got)
		if err != nil || !slices.Equal(lists.Names(), []string{"french"}) {
			t.Errorf("Load(%q) = %v, %v", got, lists, err)
		}
	})
	t.Run("nothing found", func(t *testing.T) {
		t.Setenv("NLTK_DATA", empty)
		t.Setenv("HOME", empty)
		_, tried, err := Find("")
		if err == nil {
			t.Skip("this machine has NLTK stopwords installed in a default location")
		}
		for _, p := range []string{empty, filepath.Join(empty, "nltk_data"), "/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"} {
			if !slices.Contains(tried, p) || !strings.Contains(err.Error(), p) {
				t.Errorf("%s missing from tried %q or from the error", p, tried)
			}
		}
		if !strings.Contains(err.Error(), "NLTK_DATA") {
			t.Errorf("error %q should mention NLTK_DATA", err)
		}
	})
}
