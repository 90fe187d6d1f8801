package stopwords

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pytext"
)

// Detector must satisfy the interfaces the pipeline and the API use.
var (
	_ langid.Detector  = (*Detector)(nil)
	_ langid.Explainer = (*Detector)(nil)
)

func miniDetector(t testing.TB, ties TieMode, seed int64) *Detector {
	t.Helper()
	return New(loadSet(t, "minilists"), ties, seed)
}

func TestDetectBasics(t *testing.T) {
	d := miniDetector(t, TiesFirst, 0)
	for _, c := range []struct {
		text string
		want langid.Result
		tied []string
	}{
		// Nothing matches: unknown, nothing tied.
		{"xyz 123 😀", langid.Result{}, nil},
		// One match is a language but not kept.
		{"le chien", langid.Result{Lang: "fr", Matches: 1, Total: 1}, []string{"fr"}},
		// Distinct tokens count once: "le le le" is one match.
		{"le le LE la", langid.Result{Lang: "fr", Matches: 2, Total: 3, Kept: true}, []string{"fr"}}, // la: also Spanish
		// Ties: "de" is French, Spanish and Turkish; TiesFirst takes french.
		{"de", langid.Result{Lang: "fr", Matches: 1, Total: 3}, []string{"fr", "es", "tr"}},
		// ΩΣ lower-cases to ως (final sigma), a Greek stopword.
		{"ΩΣ ΤΟΥΣ", langid.Result{Lang: "el", Matches: 2, Total: 2, Kept: true}, []string{"el"}},
		// Punctuation runs are tokens too: "!" and "😂" are (self-made) stopwords,
		// but "!!" is not.
		{"😂 ! !!", langid.Result{Lang: "symbols", Matches: 2, Total: 2, Kept: true}, []string{"symbols"}},
	} {
		got, tied := d.Explain(c.text)
		if got != c.want || !slices.Equal(tied, c.tied) {
			t.Errorf("Explain(%q) = %+v, %q; want %+v, %q", c.text, got, tied, c.want, c.tied)
		}
		if got := d.Detect(c.text); got != c.want {
			t.Errorf("Detect(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestLanguagesInNameOrder(t *testing.T) {
	var names []string
	for _, l := range miniDetector(t, TiesFirst, 0).Languages() {
		names = append(names, l.Name)
	}
	if !slices.IsSorted(names) || len(names) != 10 {
		t.Errorf("Languages() names %q", names)
	}
}

func TestTiesRandom(t *testing.T) {
	// "the and" ties english and hinglish (2 matches each; Klingon has "the").
	const text = "the and"
	_, tied := miniDetector(t, TiesFirst, 0).Explain(text)
	if !slices.Equal(tied, []string{"en", "hinglish"}) {
		t.Fatalf("fixture changed: tied %q", tied)
	}
	d := miniDetector(t, TiesRandom, 42)
	counts := map[string]int{}
	var sequence []string
	for range 1000 {
		r := d.Detect(text)
		if !slices.Contains(tied, r.Lang) || r.Matches != 2 || r.Total != 5 || !r.Kept {
			t.Fatalf("Detect = %+v, want 2 of 5 matches for one of %q", r, tied)
		}
		counts[r.Lang]++
		sequence = append(sequence, r.Lang)
	}
	// Both must occur, and roughly evenly (binomial, p = 0.5: 1000 draws
	// stay within 400..600 with probability 1 - 2e-10).
	for _, lang := range tied {
		if counts[lang] < 400 || counts[lang] > 600 {
			t.Errorf("%s chosen %d times of 1000", lang, counts[lang])
		}
	}
	// The same seed gives the same sequence; another seed, another one.
	again := miniDetector(t, TiesRandom, 42)
	other := miniDetector(t, TiesRandom, 43)
	same, differs := true, false
	for _, want := range sequence {
		if again.Detect(text).Lang != want {
			same = false
		}
		if other.Detect(text).Lang != want {
			differs = true
		}
	}
	if !same || !differs {
		t.Errorf("seeded sequences: same seed repeats %v, other seed differs %v", same, differs)
	}
	// A text without a tie never consumes randomness or varies.
	if r := d.Detect("le la"); r.Lang != "fr" {
		t.Errorf("untied text picked %q", r.Lang)
	}
}

func TestConcurrentDetect(t *testing.T) {
	d := miniDetector(t, TiesRandom, 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				if r := d.Detect("the and de la"); r.Lang == "" {
					t.Error("no language")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDetectDoesNotAllocate(t *testing.T) {
	d := miniDetector(t, TiesRandom, 0)
	texts := []string{
		"RT @someone: THE cat is on the table and it is NOT moving http://t.co/x",
		"İSTANBUL'DA BİR GÜN DAHA VE BEN ÇOK MUTLUYUM ΟΔΥΣΣΕΥΣ 😂😂 ! ...",
		"名前:前田あゆみ 第一印象:なんか怖っ！😋✨✨ de la",
	}
	for _, text := range texts {
		if allocs := testing.AllocsPerRun(100, func() { d.Detect(text) }); allocs != 0 {
			t.Errorf("Detect(%q) allocated %v times", text, allocs)
		}
	}
}

func TestLongTextSpills(t *testing.T) {
	// Longer than both stack buffers (the lower-case copy and the list of
	// distinct matches), so both spill to the heap; results must not change.
	d := miniDetector(t, TiesFirst, 0)
	var long strings.Builder
	for i := range 300 {
		// ΣΑΣ lowers to σας (Greek); the, and, of are English and Hinglish
		// (and "the" Klingon); "w" + two letters matches nothing.
		fmt.Fprintf(&long, "ΣΑΣ the and of w%c%c ", 'a'+i%26, 'a'+i/26)
	}
	for _, text := range []string{long.String(), long.String() + strings.Repeat("de ", 200)} {
		got, tied := d.Explain(text)
		want := langid.Result{Lang: "en", Matches: 3, Total: 8, Kept: true}
		wantTied := []string{"en", "hinglish"}
		if strings.HasSuffix(text, "de ") {
			want.Total += 3 // de: French, Spanish, Turkish
		}
		if got != want || !slices.Equal(tied, wantTied) {
			t.Errorf("Explain(%d bytes) = %+v %q, want %+v %q", len(text), got, tied, want, wantTied)
		}
	}
	// Many distinct matches: more than the stack list of distinct stopwords.
	var many strings.Builder
	many.WriteString("the the ")
	lists := map[string][]string{"big": nil, "small": {"w0", "w1"}}
	for i := range 500 {
		w := fmt.Sprintf("w%d", i)
		lists["big"] = append(lists["big"], w)
		fmt.Fprintf(&many, "%s %s ", w, w)
	}
	l, err := FromMap(lists)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := New(l, TiesFirst, 0).Detect(many.String()), (langid.Result{Lang: "big", Matches: 500, Total: 502, Kept: true}); got != want {
		t.Errorf("Detect(500 distinct) = %+v, want %+v", got, want)
	}
}

// naiveExplain is get_likely_language written the obvious way (sets of
// strings, one intersection per list), as a reference for the optimized
// scoring with bit masks, filters and de-duplication by id.
func naiveExplain(lists *Lists, text string) (best, total int, tied []string) {
	tokens := map[string]bool{}
	for _, tok := range pytext.Tokens(pytext.Lower(text)) {
		tokens[tok] = true
	}
	scores := make([]int, len(lists.All()))
	for i, list := range lists.All() {
		set := map[string]bool{}
		for _, w := range list.Words {
			set[w] = true
		}
		for tok := range tokens {
			if set[tok] {
				scores[i]++
			}
		}
		total += scores[i]
		best = max(best, scores[i])
	}
	for i, list := range lists.All() {
		if best > 0 && scores[i] == best {
			tied = append(tied, langid.ByName(list.Name).Key())
		}
	}
	return best, total, tied
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", "the and", "de la", "ΩΣ ΤΟΥΣ", "İçin ve", "😂 !", "\xff\xfe the", "a\u0307b"} {
		f.Add(s)
	}
	lists := mustLoadMini(f)
	d := New(lists, TiesRandom, 7)
	first := New(lists, TiesFirst, 0)
	f.Fuzz(func(t *testing.T, text string) {
		r, tied := d.Explain(text)
		if r.Matches > r.Total || r.Matches < 0 {
			t.Fatalf("%+v: Matches out of range", r)
		}
		if r.Kept != (r.Matches > 1) {
			t.Fatalf("%+v: Kept must be Matches > 1", r)
		}
		if (r.Lang == "") != (r.Matches == 0) || (len(tied) == 0) != (r.Matches == 0) {
			t.Fatalf("%+v tied %q: unknown iff no match", r, tied)
		}
		if r.Lang != "" && !slices.Contains(tied, r.Lang) {
			t.Fatalf("%+v: Lang not among tied %q", r, tied)
		}
		if f := first.Detect(text); f.Matches != r.Matches || f.Total != r.Total || (len(tied) > 0 && f.Lang != tied[0]) {
			t.Fatalf("TiesFirst %+v vs TiesRandom %+v tied %q", f, r, tied)
		}
		if best, total, want := naiveExplain(lists, text); r.Matches != best || r.Total != total || !slices.Equal(tied, want) {
			t.Fatalf("Explain(%+q) = %+v %q; reference: %d of %d, tied %q", text, r, tied, best, total, want)
		}
	})
}

func mustLoadMini(tb testing.TB) *Lists {
	lists, err := Load("testdata/minilists")
	if err != nil {
		tb.Fatal(err)
	}
	return lists
}
