// Package storetest is the conformance suite every store.Store passes: the
// embedded memstore and, later, the Redis store. It uses only the store
// interfaces, so the answers it checks are the contract, not one
// implementation's accidents.
//
// Contract points the suite pins down beyond store.go's doc comments:
//   - Top with a named language that holds no hashtags returns one LangTop
//     for it with no tags (the seed printed every language); Lang "" lists
//     only languages holding hashtags.
//   - Top's N defaults to 3 and Last to 5000; Points' N defaults to 400.
//   - A post whose point is not Valid is recorded without its point.
//   - A post with a zero Time is recorded at the store clock's now.
//   - Heat cells are ordered by weight descending, ties by the cell's row
//     then column from the south-west (analysis.Grid), so Limit keeps the
//     same cells on every store.
//   - Methods given a cancelled context return its error.
//   - Points and Heat include only exact and place points unless their Geo
//     says otherwise; Counts' Geo counts those too, GeoBySource every
//     provenance. A point recorded without a GeoSource is exact, without a
//     confidence it has confidence 1; confidences come back quantised
//     (store.QuantizeConfidence).
//   - Trends count distinct authors (trend.AuthorOf of a post's user id),
//     so a store must keep each post's author, across restarts too; the
//     store must be given CountryOf as its country index. Trends never
//     answer a nil list.
package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store"
)

// NewStore opens a fresh, empty store whose clock is now and whose country
// index is CountryOf. Run closes it when
// the subtest ends (a second Close returning ErrClosed is fine); newStore
// registers its own cleanups for anything else (directories, servers).
type NewStore func(t *testing.T, now func() time.Time) store.Store

// Clock is a settable clock, safe for concurrent use.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// T0 is the suite's reference time: the stores are fed a 2013 archive, as
// the seed was, and the clock is set well after it unless a test says
// otherwise.
var T0 = time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)

// Run runs the suite, one subtest per behaviour, each on a fresh store.
// The kept-text cases (explore.go) open their stores with with[0], which
// must map Options onto the store's (memstore: Options.KeepText,
// KeepTextAge, Retention); without it they fail.
func Run(t *testing.T, newStore NewStore, with ...NewStoreWith) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Empty", testEmpty},
		{"Counts", testCounts},
		{"RecordIgnoresPostsWithoutLanguage", testIgnoresNoLang},
		{"RecordDoesNotRetainSlices", testNoRetain},
		{"InvalidPointRecordedWithoutPoint", testInvalidPoint},
		{"TopSeedTieOrder", testTopTies},
		{"TopAllLanguages", testTopAllLanguages},
		{"TopLastCutoff", testTopLast},
		{"TopDefaultLast5000", testTopDefaultLast},
		{"TopUnicodeLowerCase", testTopUnicode},
		{"TopWindowBoundaries", testTopWindow},
		{"HeadClampedToNow", testHeadClamped},
		{"ZeroTimeIsNow", testZeroTime},
		{"PointsLastNOldestFirst", testPoints},
		{"PointsBitExact", testPointsBitExact},
		{"HeatWorld", testHeatWorld},
		{"HeatFilters", testHeatFilters},
		{"HeatAntimeridianAndPoles", testHeatAntimeridian},
		{"HeatZoom", testHeatZoom},
		{"HeatLimit", testHeatLimit},
		{"HeatWindow", testHeatWindow},
		{"HeatLast", testHeatLast},
		{"Stats", testStats},
		{"ProvenanceRoundTrip", testProvenanceRoundTrip},
		{"ProvenanceDefaultExcludesInferred", testProvenanceDefault},
		{"ProvenanceTrustedMapEqualsStoreWithoutInferred", testProvenanceTrustedMap},
		{"ProvenanceCountsAgreeWithPoints", testProvenanceCounts},
		{"TrendsBurst", testTrendsBurst},
		{"TrendsBaselineShort", testTrendsBaselineShort},
		{"TrendsAt", testTrendsAt},
		{"TrendsPlaces", testTrendsPlaces},
		{"TrendsEmpty", testTrendsEmpty},
		{"TrendsBadQueries", testTrendsBadQueries},
		{"BadQueries", testBadQueries},
		{"CancelledContext", testCancelled},
		{"Closed", testClosed},
		{"ConcurrentRecordAndQueries", testConcurrent},
		{"ExploreCountsRangeAndBBox", testCountsSelected},
		{"ExploreTopRangeAndBBox", testTopSelected},
		{"ExploreHeatRange", testHeatRange},
		{"ExplorePointsTimeAndTags", testPointsTimeTags},
		{"ExploreHistogram", testHistogram},
		{"ExploreBadQueries", testExploreBadQueries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(T0.Add(24 * time.Hour))
			s := newStore(t, clock.Now)
			t.Cleanup(func() { s.Close() })
			open := func() store.Store {
				o := newStore(t, clock.Now)
				t.Cleanup(func() { o.Close() })
				return o
			}
			tt.fn(t, &env{t: t, s: s, clock: clock, ctx: context.Background(), open: open})
		})
	}
	for _, tt := range keepingCases {
		t.Run(tt.name, func(t *testing.T) {
			if len(with) == 0 {
				t.Fatal("storetest.Run needs a NewStoreWith for the kept-text cases")
			}
			clock := NewClock(T0.Add(24 * time.Hour))
			openWith := func(opts Options) store.Store {
				o := with[0](t, clock.Now, opts)
				t.Cleanup(func() { o.Close() })
				return o
			}
			tt.fn(t, &env{t: t, clock: clock, ctx: context.Background()}, openWith)
		})
	}
}
