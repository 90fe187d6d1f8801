package ngram

import "strings"

// confusablePairs are the language pairs whose close calls stay
// undetermined: languages written so alike that a short text often fits
// both, and where the n-gram models' best guess between them is barely
// better than a coin (measured on the shared sentences and tweets, see
// docs/langid.md). A close call between any other two languages keeps the
// best guess.
var confusablePairs = strings.Fields(`
id-ms bs-hr bs-sr hr-sr no-nn no-da nn-da gl-pt gl-es cs-sk hi-mr zu-xh mk-bg`)

func (m *model) addConfusable() {
	for _, p := range confusablePairs {
		a, b, _ := strings.Cut(p, "-")
		ia, okA := m.ids[a]
		ib, okB := m.ids[b]
		if a == "no" {
			ia, okA = m.ids["nb"]
		}
		if b == "no" {
			ib, okB = m.ids["nb"]
		}
		if okA && okB {
			m.confusable[ia].add(ib)
			m.confusable[ib].add(ia)
		}
	}
}
