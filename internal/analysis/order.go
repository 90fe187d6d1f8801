package analysis

import "slices"

// selectBest reorders items so that items[:k] holds the k best items in
// order (best first) and returns that prefix; k >= len(items) sorts them all.
// before(a, b) reports whether a is better than b and must be a strict total
// order, so the result does not depend on the input order.
//
// It keeps a heap of the k best seen so far, rooted at the worst of them:
// O(n·log k) compares instead of sorting n items when only a few are wanted
// (top 3 of a million tags, the heaviest 500 of a million cells).
func selectBest[T any](items []T, k int, before func(a, b T) bool) []T {
	if k <= 0 {
		return items[:0]
	}
	if k < len(items) {
		h := items[:k]
		for i := k/2 - 1; i >= 0; i-- {
			siftDown(h, i, before)
		}
		for i := k; i < len(items); i++ {
			if before(items[i], h[0]) {
				h[0], items[i] = items[i], h[0]
				siftDown(h, 0, before)
			}
		}
		items = h
	}
	slices.SortFunc(items, func(a, b T) int {
		switch {
		case before(a, b):
			return -1
		case before(b, a):
			return 1
		}
		return 0
	})
	return items
}

// siftDown restores the heap property below i for a heap whose every parent
// is worse than (sorts after) its children.
func siftDown[T any](h []T, i int, before func(a, b T) bool) {
	for {
		worst := i
		l, r := 2*i+1, 2*i+2
		if l < len(h) && before(h[worst], h[l]) {
			worst = l
		}
		if r < len(h) && before(h[worst], h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}
