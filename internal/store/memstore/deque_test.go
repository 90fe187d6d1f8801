package memstore

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBetweenAndCountByBlocks checks the time queries that decide whole
// blocks of chunks at once (Between, countDeque, MinTime) against reading every
// element: times mostly ascending with late ones, the front dropped part
// way through a block, spans inside, across and outside blocks.
func TestBetweenAndCountByBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var d deque[int64]
	var held []int64
	t0 := int64(0)
	for range 300_000 {
		t0 += int64(rng.IntN(3))
		tm := t0
		if rng.IntN(50) == 0 {
			tm -= int64(rng.IntN(5000))
		}
		d.PushTimed(tm, tm)
		held = append(held, tm)
	}
	if len(d.blocks) < 5 {
		t.Fatalf("%d blocks; the test needs several", len(d.blocks))
	}
	check := func(what string) {
		t.Helper()
		timeOf := func(v *int64) int64 { return *v }
		if got, ok := d.MinTime(timeOf); !ok || got != slices.Min(held) {
			t.Fatalf("%s: MinTime %d (%v), want %d", what, got, ok, slices.Min(held))
		}
		for range 200 {
			lo := held[0] + rng.Int64N(held[len(held)-1]-held[0]+1) - 1000
			hi := lo + rng.Int64N(int64(len(held)))
			if rng.IntN(10) == 0 {
				hi = math.MaxInt64
			}
			var want []span
			for i, tm := range held {
				if tm >= lo && (tm < hi || hi == math.MaxInt64) {
					if n := len(want); n > 0 && want[n-1].to == i {
						want[n-1].to++
					} else {
						want = append(want, span{i, i + 1})
					}
				}
			}
			if got := d.Between(lo, hi, timeOf, nil); !slices.Equal(got, want) {
				t.Fatalf("%s: Between(%d, %d): %d runs, want %d", what, lo, hi, len(got), len(want))
			}
			if hi == math.MaxInt64 {
				continue
			}
			step := max(1, (hi-lo)/int64(1+rng.IntN(40)))
			n := int((hi - lo + step - 1) / step)
			h := histo{lo: lo, hi: hi, start: lo, step: step, n: n}
			got, want2 := make([]int64, n), make([]int64, n)
			countDeque(&d, timeOf, &h, got, nil)
			for _, tm := range held {
				if k := h.bucket(tm); k >= 0 {
					want2[k]++
				}
			}
			if !slices.Equal(got, want2) {
				t.Fatalf("%s: countDeque over [%d, %d) step %d: %v, want %v", what, lo, hi, step, got, want2)
			}
		}
	}
	check("full")
	for _, k := range []int{700, 40_000, 1, 33_000} {
		d.DropFront(k)
		held = held[k:]
		check("after drops")
	}
	for range 70_000 { // refill past the drops: new blocks after old ones
		t0++
		d.PushTimed(t0, t0)
		held = append(held, t0)
	}
	check("refilled")
	d.DropFront(d.Len())
	held = nil
	for range 40_000 {
		t0++
		d.PushTimed(t0, t0)
		held = append(held, t0)
	}
	check("after dropping everything")
	// In order but for one late element far behind, deep in a block: the
	// front chunk's first time is not the lowest held.
	d.DropFront(1500)
	held = held[1500:]
	t0++
	d.PushTimed(held[0]-10, held[0]-10)
	held = append(held, held[0]-10)
	for range 40_000 {
		t0++
		d.PushTimed(t0, t0)
		held = append(held, t0)
	}
	check("a late element")
}
