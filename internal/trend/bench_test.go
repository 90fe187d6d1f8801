package trend

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/spill"
	"github.com/geoheat/geoheat/internal/store"
)

// benchPosts is how many posts the benchmarks index over 24 hours;
// GEOHEAT_TEST_TREND_POSTS overrides it (10000000 for issue 14's target).
func benchPosts() int {
	if v, err := strconv.Atoi(os.Getenv("GEOHEAT_TEST_TREND_POSTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// benchIndex indexes n posts spread over span (in ix, with an area when
// it has one): 20 languages and 50,000 tags drawn by Zipf, 0.85 tags a
// post, a quarter with a point (in halves' two countries), a million
// authors. It returns the newest post's time.
func benchIndex(b *testing.B, ix *Index, n int, span time.Duration) int64 {
	b.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	langZ := rand.NewZipf(r, 1.2, 1, 19)
	tagZ := rand.NewZipf(r, 1.1, 1, 49_999)
	langs := make([]string, 20)
	for i := range langs {
		langs[i] = fmt.Sprintf("l%02d", i)
	}
	tags := make([]string, 50_000)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%d", i)
	}
	var p Post
	for i := range n {
		p = Post{Lang: langs[langZ.Uint64()], Time: t0 + int64(span)/int64(n)*int64(i), Author: uint32(r.IntN(1_000_000)), Tags: p.Tags[:0]}
		if r.Float64() < 0.85 {
			p.Tags = append(p.Tags, tags[tagZ.Uint64()])
		}
		if r.IntN(4) == 0 {
			p.HasPoint, p.Lat, p.Lon, p.Source = true, r.Float64()*60, r.Float64()*60-30, post.GeoExact
		}
		ix.Add(&p)
		if i%10_000 == 0 {
			if err := ix.MoveCold(); err != nil {
				b.Fatal(err)
			}
		}
	}
	return t0 + int64(span)
}

// BenchmarkQuery asks for the trends of one language and of all, world
// and by country and box, a 1 h window over a 24 h baseline.
func BenchmarkQuery(b *testing.B) {
	n := benchPosts()
	ix := New(halves)
	head := benchIndex(b, ix, n, 24*time.Hour)
	b.Logf("%d posts: the index holds %.1f bytes a post", n, float64(ix.MemoryBytes())/float64(n))
	box := func(lat, lon float64) bool { return lat > 10 && lat < 30 && lon > -10 && lon < 10 }
	bounds := store.BBox{West: -10, South: 10, East: 10, North: 30}
	for _, c := range []struct {
		name string
		q    store.TrendsQuery
	}{
		{"all/world", store.TrendsQuery{}},
		{"lang/world", store.TrendsQuery{Lang: "l00"}},
		{"small-lang/world", store.TrendsQuery{Lang: "l10"}},
		{"all/country", store.TrendsQuery{Country: "ES"}},
		{"lang/country", store.TrendsQuery{Lang: "l00", Country: "ES"}},
		{"lang/box", store.TrendsQuery{Lang: "l00", Within: box, Bounds: bounds}},
		{"all/box", store.TrendsQuery{Within: box, Bounds: bounds}},
		{"all/box-unbounded", store.TrendsQuery{Within: box}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Query(c.q, head, t0, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAdd measures indexing one post, the cost trends add to ingest.
func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	tags := make([]string, 5000)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%d", i)
	}
	ix := New(halves)
	var p Post
	i := 0
	for b.Loop() {
		p = Post{Lang: "en", Time: t0 + int64(i)*int64(10*time.Millisecond), Author: uint32(r.IntN(100_000)), Tags: append(p.Tags[:0], tags[r.IntN(len(tags))])}
		if i%4 == 0 {
			p.HasPoint, p.Lat, p.Lon, p.Source = true, 40, -3, post.GeoExact
		}
		ix.Add(&p)
		if i%1_000_000 == 0 {
			ix.DropBefore(p.Time - int64(time.Hour))
		}
		i++
	}
}

// BenchmarkQueryPast asks about a moment nine days back in an index of ten
// days (a 1 h window over a 24 h baseline), whose buckets are cold
// (compressed blocks in an area) or on the heap.
func BenchmarkQueryPast(b *testing.B) {
	n := benchPosts()
	area, err := spill.Open(b.TempDir(), spill.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer area.Close()
	heap, cold := New(halves), New(halves)
	cold.SetCold(area)
	benchIndex(b, heap, n, 10*24*time.Hour)
	benchIndex(b, cold, n, 10*24*time.Hour)
	b.Logf("%d posts: %.1f bytes a post on the heap; cold, %.1f on the heap and %.1f in the area",
		n, float64(heap.MemoryBytes())/float64(n), float64(cold.MemoryBytes())/float64(n), float64(area.Stats().HeldBytes)/float64(n))
	at := t0 + int64(26*time.Hour)
	for _, ix := range []struct {
		name string
		ix   *Index
	}{{"heap", heap}, {"cold", cold}} {
		for _, c := range []struct {
			name string
			q    store.TrendsQuery
		}{
			{"all/world", store.TrendsQuery{}},
			{"lang/world", store.TrendsQuery{Lang: "l00"}},
			{"all/country", store.TrendsQuery{Country: "ES"}},
		} {
			b.Run(ix.name+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := ix.ix.Query(c.q, at, t0, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
