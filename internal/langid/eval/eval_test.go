package eval

import (
	"context"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/langid"
)

// lengthRule answers English for texts of 20 bytes or more and nothing
// below: a rule whose per-length results are known.
type lengthRule struct{}

func (lengthRule) Detect(text string) langid.Result {
	if len(text) < 20 {
		return langid.Result{}
	}
	return langid.Result{Lang: "en", Matches: 1, Total: 1, Kept: true}
}

func TestEvaluatePerLengthAndAll(t *testing.T) {
	set := Set{name: "t", groups: []string{"all"}, rows: []row{
		{gold: "en", text: "short"},
		{gold: "en", text: strings.Repeat("a", 30)},
		{gold: "fr", text: strings.Repeat("b", 60)},
		{gold: "en", text: strings.Repeat("c", 250)},
	}}
	rep, err := Evaluate(context.Background(), "rule", func() (langid.Detector, error) { return lengthRule{}, nil }, []Set{set})
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Sets[0]
	if st.Und != 1 || st.CorrectKept != 2 || st.All != 0.5 {
		t.Errorf("und %d, correct kept %d, all %v; want 1, 2, 0.5", st.Und, st.CorrectKept, st.All)
	}
	want := []Length{
		{Bucket: "<20 B", Texts: 1, Accuracy: 0, UndShare: 1},
		{Bucket: "20-49 B", Texts: 1, Accuracy: 1, UndShare: 0},
		{Bucket: "50-99 B", Texts: 1, Accuracy: 0, UndShare: 0},
		{Bucket: ">=200 B", Texts: 1, Accuracy: 1, UndShare: 0},
	}
	if len(st.PerLength) != len(want) {
		t.Fatalf("per length = %+v, want %+v", st.PerLength, want)
	}
	for i := range want {
		if st.PerLength[i] != want[i] {
			t.Errorf("per length[%d] = %+v, want %+v", i, st.PerLength[i], want[i])
		}
	}
	var out strings.Builder
	rep.Print(&out)
	if !strings.Contains(out.String(), "per length") || !strings.Contains(out.String(), "50.00 %") {
		t.Errorf("printed report lacks the per-length line or the all column:\n%s", out.String())
	}
}
