//go:build race

package place

// raceEnabled: timing budgets do not apply under the race detector.
const raceEnabled = true
