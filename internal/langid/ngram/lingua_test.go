package ngram

import (
	"testing"
	"unicode/utf8"
)

// TestLinguaModelLayout pins what this package expects of lingua-go's
// embedded models, so that a lingua-go upgrade that moves or reshapes them
// fails here, by name, rather than as a silently worse detector.
func TestLinguaModelLayout(t *testing.T) {
	codes, err := linguaLanguages()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 75 {
		t.Errorf("lingua-go has %d languages, want 75 (v1.4.0)", len(codes))
	}
	for order := 1; order <= maxOrder; order++ {
		n, bad := 0, 0
		ok, err := readLinguaModel("en", order, func(ng string, p float64) {
			n++
			if utf8.RuneCountInString(ng) != order || p <= 0 || p > 1 {
				bad++
			}
		})
		if err != nil || !ok {
			t.Fatalf("English order %d: ok %v, err %v", order, ok, err)
		}
		if n < 26 || bad > 0 {
			t.Errorf("English order %d: %d n-grams, %d malformed", order, n, bad)
		}
	}
	if ok, err := readLinguaModel("ko", 2, func(string, float64) {}); ok || err != nil {
		t.Errorf("Korean bigrams: ok %v, err %v; want absent (script-only languages have unigrams only)", ok, err)
	}
}

func TestDecodeModelRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{{0x22, 0xff}, {0x22, 0x02, 0x09}, {0x07}} {
		if err := decodeModel(b, func(string, float64) {}); err == nil {
			t.Errorf("decodeModel(%x): want an error", b)
		}
	}
}

func TestGalicianListsAreDisjoint(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range splitWords(galicianOnly) {
		seen[w] = true
	}
	for _, w := range splitWords(iberianOnly) {
		if seen[w] {
			t.Errorf("%q is in both Galician lists", w)
		}
	}
}
