package place

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/geoheat/geoheat/internal/geo"
)

// maxSuggestions is how many close matches an error offers.
const maxSuggestions = 3

// suggestMinPopulation limits place suggestions to towns people are likely
// to mean; it also keeps the search to ~30,000 names.
const suggestMinPopulation = 15000

// suggester finds the names closest to one that was not found, by edit
// distance (a swap of two letters counts one: "Madird" is one from
// "Madrid") or as a prefix ("Barcel" for Barcelona). Its tables are built
// on first use: only failed lookups need them.
type suggester struct {
	once      sync.Once
	gaz       *geo.Gazetteer
	idx       *Countries
	placeList []suggestion
	countryNL []suggestion
}

type suggestion struct {
	key  []rune // folded
	s    Suggestion
	rank int64 // higher wins a tie: population, or 0 for countries
}

func newSuggester(g *geo.Gazetteer, c *Countries) *suggester {
	return &suggester{gaz: g, idx: c}
}

func (s *suggester) build() {
	s.once.Do(func() {
		for k, p := range s.gaz.Names() {
			if p.Population >= suggestMinPopulation {
				s.placeList = append(s.placeList, suggestion{[]rune(k), Suggestion{Value: placeLabel(p)}, int64(p.Population)})
			}
		}
		for k, cc := range s.gaz.CountryNames() {
			name := s.idx.Name(cc)
			if len(k) < 4 || name == "" {
				continue // codes are matched exactly or not at all; outline-less countries cannot be selected
			}
			s.countryNL = append(s.countryNL, suggestion{[]rune(k), Suggestion{Value: cc, Note: name}, 0})
		}
		// A stable order, so that equal matches come out the same way on
		// every run (map iteration is random).
		for _, l := range [][]suggestion{s.placeList, s.countryNL} {
			slices.SortFunc(l, func(a, b suggestion) int {
				return cmp.Or(cmp.Compare(b.rank, a.rank), strings.Compare(a.s.Value, b.s.Value))
			})
		}
	})
}

func (s *suggester) places(folded string) []Suggestion {
	s.build()
	return closest(s.placeList, folded)
}

func (s *suggester) countries(folded string) []Suggestion {
	s.build()
	return closest(s.countryNL, folded)
}

// closest returns the best matches: smallest distance, then rank; each
// value once.
func closest(list []suggestion, folded string) []Suggestion {
	q := []rune(folded)
	if len(q) < 2 {
		return nil
	}
	limit := 1
	switch {
	case len(q) >= 9:
		limit = 3
	case len(q) >= 5:
		limit = 2
	}
	type hit struct {
		d int
		s *suggestion
	}
	var hits []hit
	for i := range list {
		c := &list[i]
		d := limit + 1
		if len(q) >= 4 && len(c.key) > len(q) && slices.Equal(c.key[:len(q)], q) {
			d = limit // a prefix: worth offering, after the near-misses
		}
		if abs(len(c.key)-len(q)) <= limit {
			d = min(d, osaDistance(q, c.key, limit))
		}
		if d <= limit {
			hits = append(hits, hit{d, c})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.d, b.d) })
	var out []Suggestion
	for _, h := range hits {
		if len(out) == maxSuggestions {
			break
		}
		if !slices.Contains(out, h.s.s) {
			out = append(out, h.s.s)
		}
	}
	return out
}

// osaDistance is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions, and swaps of adjacent letters, each 1); it
// gives up with limit+1 once every path exceeds limit.
func osaDistance(a, b []rune, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
