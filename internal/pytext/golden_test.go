package pytext

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// goldenCase is one line of testdata/cases.txt as Python saw it; see
// testdata/gen_golden.py, which writes golden.json and is how to update it.
type goldenCase struct {
	In     string   `json:"in"`
	Lower  string   `json:"lower"`
	Tokens []string `json:"tokens"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	data, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Python  string       `json:"python"`
		Unicode string       `json:"unicode"`
		Cases   []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("golden.json has no cases")
	}
	t.Logf("golden.json: %d cases from Python %s (Unicode %s)", len(doc.Cases), doc.Python, doc.Unicode)
	return doc.Cases
}

func TestGoldenLowerAndTokens(t *testing.T) {
	for _, c := range loadGolden(t) {
		if got := Lower(c.In); got != c.Lower {
			t.Errorf("Lower(%+q) = %+q, Python %+q", c.In, got, c.Lower)
		}
		if got := string(AppendLower([]byte("prefix"), c.In)); got != "prefix"+c.Lower {
			t.Errorf("AppendLower(prefix, %+q) = %+q, want prefix + %+q", c.In, got, c.Lower)
		}
		got := Tokens(c.Lower)
		if !slices.Equal(got, c.Tokens) {
			t.Errorf("Tokens(%+q)\n got    %+q\n Python %+q", c.Lower, got, c.Tokens)
		}
	}
}
