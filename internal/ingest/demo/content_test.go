package demo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAuthoredContentIsUsable checks the authored tables once: the catalog
// compiles (slots resolve, every slot is used), shares add up, and no text
// holds characters Twitter would have HTML-escaped ("&", "<", ">"), which
// would make the v1.1 entity indices disagree with the text.
func TestAuthoredContentIsUsable(t *testing.T) {
	cat := loadCatalog()
	total := 0
	for _, spec := range allLanguageSpecs() {
		total += spec.permille
		var texts []string
		texts = append(texts, spec.sentences...)
		texts = append(texts, spec.reactions...)
		texts = append(texts, spec.tags...)
		texts = append(texts, spec.bios...)
		texts = append(texts, spec.firstNames...)
		texts = append(texts, spec.surnames...)
		texts = append(texts, spec.locations...)
		for _, values := range spec.slots {
			texts = append(texts, values...)
		}
		for _, s := range texts {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "&<>") {
				t.Errorf("%s: %q is not valid UTF-8 or holds & < >", spec.code, s)
			}
		}
		for _, tag := range append(append([]string(nil), spec.tags...), spec.tagStems...) {
			if strings.ContainsAny(tag, " #@.,'-") {
				t.Errorf("%s: tag %q has a character that ends a hashtag", spec.code, tag)
			}
		}
		if len(spec.handleStems) > 0 && len(spec.handleStems) != len(spec.firstNames) {
			t.Errorf("%s: %d handle stems for %d first names", spec.code, len(spec.handleStems), len(spec.firstNames))
		}
		for _, stem := range spec.handleStems {
			if fold(stem) != stem {
				t.Errorf("%s: handle stem %q is not lower-case ASCII", spec.code, stem)
			}
		}
		if len(spec.handleStems) == 0 && len(spec.cities) > 0 {
			for _, name := range spec.firstNames {
				if fold(name) == "" {
					t.Errorf("%s: name %q folds to no handle; give handleStems", spec.code, name)
				}
			}
		}
	}
	if total != 1000 {
		t.Errorf("language shares add up to %d‰, want 1000", total)
	}
	for _, l := range cat.langs {
		if len(l.tags) < 10 {
			t.Errorf("%s: only %d tags", l.code, len(l.tags))
		}
	}
}

func TestPickFollowsTheCDF(t *testing.T) {
	cdf := []float64{0.25, 0.5, 1}
	for _, c := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.2499, 0}, {0.25, 1}, {0.4999, 1}, {0.5, 2}, {0.9999, 2}} {
		if got := pick(cdf, c.u); got != c.want {
			t.Errorf("pick(%v) = %d, want %d", c.u, got, c.want)
		}
	}
}

func TestRankTagsInterleavesSharedTags(t *testing.T) {
	shared := compileTags([]string{"S1", "S2", "S3"})
	own := compileTags([]string{"o1", "o2", "o3", "o4", "o5", "o6"})
	var got []string
	for _, h := range rankTags(shared, own) {
		got = append(got, h.forms[0].text.s)
	}
	if want := "o1 S1 o2 S2 o3 o4 S3 o5 o6"; strings.Join(got, " ") != want {
		t.Errorf("ranking %v, want %s", got, want)
	}
}
