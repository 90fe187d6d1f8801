package analysis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/geoheat/geoheat/internal/store"
)

// naiveMostCommon is Counter.most_common written the obvious way (count,
// then stable sort of the first-seen order), to check the heap selection
// against.
func naiveMostCommon(ids []uint32, n int) []IDCount {
	counts := map[uint32]int64{}
	var order []uint32
	for _, id := range ids {
		if counts[id] == 0 {
			order = append(order, id)
		}
		counts[id]++
	}
	slices.SortStableFunc(order, func(a, b uint32) int {
		switch {
		case counts[a] > counts[b]:
			return -1
		case counts[a] < counts[b]:
			return 1
		}
		return 0
	})
	var out []IDCount
	for _, id := range order[:min(max(n, 0), len(order))] {
		out = append(out, IDCount{ID: id, Count: counts[id]})
	}
	return out
}

// skewedIDs returns n ids below vocab; squaring skews the distribution so
// that ties at several counts are common.
func skewedIDs(rng *rand.Rand, vocab, n int) []uint32 {
	ids := make([]uint32, n)
	for i := range ids {
		f := rng.Float64()
		ids[i] = uint32(f * f * float64(vocab))
	}
	return ids
}

func tc(tag string, n int64) store.TagCount { return store.TagCount{Tag: tag, Count: n} }

func TestMostCommonStrings(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		n    int
		want []store.TagCount
	}{
		{"empty", nil, 3, []store.TagCount{}},
		{"n zero", []string{"a"}, 0, []store.TagCount{}},
		{"ties keep first seen", []string{"b", "a", "c", "a", "b"}, 3,
			[]store.TagCount{tc("b", 2), tc("a", 2), tc("c", 1)}},
		{"count beats first seen", []string{"x", "y", "y"}, 2,
			[]store.TagCount{tc("y", 2), tc("x", 1)}},
		{"n larger than distinct", []string{"one"}, 10, []store.TagCount{tc("one", 1)}},
		{"case folded before counting", []string{"Go", "GO", "go", "Rust"}, 2,
			[]store.TagCount{tc("go", 3), tc("rust", 1)}},
		// Python lower-cases İ to i + U+0307 and a word-final Σ to ς (so
		// ΟΔΟΣ meets the literal οδος), and keeps ß as ß (so Straße and
		// STRASSE stay apart).
		{"python lower", []string{"İstanbul", "i\u0307stanbul", "ΟΔΟΣ", "οδος", "Straße", "STRASSE"}, 5,
			[]store.TagCount{tc("i\u0307stanbul", 2), tc("οδος", 2), tc("straße", 1), tc("strasse", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MostCommon(tt.tags, tt.n)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MostCommon(%q, %d) = %v, want %v", tt.tags, tt.n, got, tt.want)
			}
		})
	}
}

func TestCounterMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c Counter
	for round := range 200 {
		ids := skewedIDs(rng, 1+rng.IntN(50), rng.IntN(300))
		n := rng.IntN(12)
		c.Reset()
		if round%2 == 0 {
			c.AddAll(ids)
		} else {
			for _, id := range ids {
				c.Add(id)
			}
		}
		got := c.MostCommon(n, nil)
		want := naiveMostCommon(ids, n)
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("round %d: ids %v n %d:\n got %v\nwant %v", round, ids, n, got, want)
		}
		if c.Distinct() != len(naiveMostCommon(ids, 1<<30)) {
			t.Fatalf("Distinct = %d", c.Distinct())
		}
	}
}

// TestAddRankedOutOfOrder counts a sequence in shuffled runs with
// AddRanked (each run's counts with the rank of its first occurrence, as
// a block's summary gives them) and checks that the list is the one
// counting the sequence in order gives, ties included; a Reset in
// between goes back to first-seen order.
func TestAddRankedOutOfOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var c Counter
	for round := range 200 {
		ids := skewedIDs(rng, 1+rng.IntN(40), rng.IntN(300))
		// Cut the sequence into runs and count them in a random order.
		var cuts []int
		for i := 0; i < len(ids); i += 1 + rng.IntN(20) {
			cuts = append(cuts, i)
		}
		c.Reset()
		for _, k := range rng.Perm(len(cuts)) {
			end := len(ids)
			if k+1 < len(cuts) {
				end = cuts[k+1]
			}
			first := map[uint32]int{}
			n := map[uint32]uint32{}
			for i := cuts[k]; i < end; i++ {
				if _, ok := first[ids[i]]; !ok {
					first[ids[i]] = i
				}
				n[ids[i]]++
			}
			for id, cnt := range n {
				c.AddRanked(id, cnt, uint64(first[id]))
			}
		}
		n := rng.IntN(12)
		if got, want := c.MostCommon(n, nil), naiveMostCommon(ids, n); len(got)+len(want) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: ids %v n %d:\n got %v\nwant %v", round, ids, n, got, want)
		}
	}
	c.Reset()
	c.AddAll([]uint32{5, 2, 2, 5, 9})
	if got := c.MostCommon(3, nil); !reflect.DeepEqual(got, []IDCount{{5, 2}, {2, 2}, {9, 1}}) {
		t.Fatalf("after Reset, first-seen order again: %v", got)
	}
}

func TestCounterResetClearsCounts(t *testing.T) {
	var c Counter
	c.Grow(4)
	c.AddAll([]uint32{1, 1, 3})
	c.Reset()
	c.Add(3)
	if c.Count(1) != 0 || c.Count(3) != 1 || c.Distinct() != 1 {
		t.Fatalf("after reset: count(1)=%d count(3)=%d distinct=%d", c.Count(1), c.Count(3), c.Distinct())
	}
	if got := c.MostCommon(3, nil); !reflect.DeepEqual(got, []IDCount{{3, 1}}) {
		t.Fatalf("MostCommon = %v", got)
	}
}

// zipfIDs returns n tag ids drawn from a Zipf distribution over vocab ids,
// roughly how hashtags are distributed in a stream.
func zipfIDs(n, vocab int) []uint32 {
	z := rand.NewZipf(rand.New(rand.NewPCG(7, 7)), 1.1, 1, uint64(vocab-1))
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(z.Uint64())
	}
	return ids
}

func BenchmarkCounterTop3(b *testing.B) {
	for _, size := range []struct{ n, vocab int }{{5000, 2000}, {1_000_000, 100_000}} {
		ids := zipfIDs(size.n, size.vocab)
		b.Run(fmt.Sprintf("tags=%d", size.n), func(b *testing.B) {
			b.ReportAllocs()
			var c Counter
			c.Grow(size.vocab)
			var dst []IDCount
			for b.Loop() {
				c.Reset()
				c.AddAll(ids)
				dst = c.MostCommon(3, dst[:0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size.n), "ns/tag")
		})
	}
}
