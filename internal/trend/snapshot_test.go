package trend

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/snapshot"
	"github.com/geoheat/geoheat/internal/spill"
	"github.com/geoheat/geoheat/internal/store"
)

// quarters is a country index for the snapshot tests: four countries
// across the posts' longitudes, nothing south of the equator.
func quarters(lat, lon float64) (string, bool) {
	switch {
	case lat < 0:
		return "", false
	case lon < -10:
		return "PT", true
	case lon < 0:
		return "ES", true
	case lon < 10:
		return "FR", true
	}
	return "IT", true
}

const day = int64(24 * time.Hour)

// snapshotPosts is n posts evenly over span from start in five languages,
// one in 30 up to late early.
func snapshotPosts(seed uint64, n int, start, span, late int64) []Post {
	r := rand.New(rand.NewPCG(seed, 2))
	ps := randomPosts(seed, n)
	for i := range ps {
		ps[i].Time = start + span/int64(n)*int64(i)
		if late > 0 && r.IntN(30) == 0 {
			ps[i].Time -= r.Int64N(late)
		}
		if r.IntN(3) == 0 {
			ps[i].Lang = []string{"de", "pt"}[r.IntN(2)]
		}
	}
	return ps
}

// addPosts adds ps, moving cold buckets every moveEvery posts (never
// when 0), and returns how many posts were for a cold bucket.
func addPosts(t *testing.T, ix *Index, ps []Post, moveEvery int) (thawed int) {
	t.Helper()
	for i := range ps {
		if bk, ok := ix.all.find(BucketOf(ps[i].Time)); ok && bk.cold != nil && len(ps[i].Tags) > 0 {
			thawed++
		}
		ix.Add(&ps[i])
		if moveEvery > 0 && i%moveEvery == 0 {
			if err := ix.MoveCold(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return thawed
}

// newest is the last bucket fillForSnapshot adds to.
var newest = t0 + 12*day + int64(10*time.Minute)

// fillForSnapshot builds an index of n posts and a few hundred more (on
// area, when not nil) holding every
// kind of bucket a snapshot carries: cold ones (with an area), some thawed
// by late posts and folded again, some thawed and with an unsorted tail,
// tails of late posts in old buckets and of the newest bucket, and warm
// entries for buckets since dropped.
func fillForSnapshot(t *testing.T, area *spill.Area, n int) *Index {
	t.Helper()
	ix := New(quarters)
	ix.SetCold(area)
	addPosts(t, ix, snapshotPosts(21, n, t0, 12*day, 10*day), 500)
	if err := ix.MoveCold(); err != nil {
		t.Fatal(err)
	}
	addPosts(t, ix, snapshotPosts(22, 300, t0+day/2, day, 0), 0)   // dropped below
	addPosts(t, ix, snapshotPosts(23, 300, t0+5*day/2, day, 0), 0) // folded by the next
	addPosts(t, ix, []Post{{Lang: "en", Time: newest, Tags: []string{"t1"}, Author: 1}}, 0)
	addPosts(t, ix, snapshotPosts(24, 200, t0+3*day, 3*day/2, 0), 0)
	addPosts(t, ix, snapshotPosts(25, 100, newest, int64(4*time.Minute), 0), 0)
	ix.DropBefore(t0 + 2*day)
	return ix
}

// checkFixture fails unless ix holds what fillForSnapshot means it to.
func checkFixture(t *testing.T, ix *Index, cold bool) {
	t.Helper()
	var coldN, unsortedTail, slack, tailsBehind, tailsNewest int
	for _, l := range append([]*langIndex{ix.all}, valuesOf(ix)...) {
		for _, bk := range l.buckets {
			if bk.cold != nil {
				coldN++
			}
			if bk.geoSort < len(bk.geo) {
				unsortedTail++
			}
			if cap(bk.geo) > len(bk.geo) {
				slack++
			}
		}
	}
	for _, bk := range ix.dirty {
		if bk.idx < ix.newest {
			tailsBehind++
		} else {
			tailsNewest++
		}
	}
	var warmDropped, warmFolded, warmDirty int
	for _, bk := range ix.warm {
		switch {
		case bk.dropped:
			warmDropped++
		case bk.dirty:
			warmDirty++
		default:
			warmFolded++
		}
	}
	got := fmt.Sprintf("cold %d, unsorted tails %d, arrays with room %d, tails behind %d and newest %d, warm dropped %d folded %d dirty %d",
		coldN, unsortedTail, slack, tailsBehind, tailsNewest, warmDropped, warmFolded, warmDirty)
	ok := unsortedTail > 0 && slack > 0 && tailsBehind > 0 && tailsNewest > 0
	if cold {
		ok = ok && coldN > 0 && warmDropped > 0 && warmFolded > 0 && warmDirty > 0
	}
	if !ok {
		t.Fatalf("the fixture lacks a kind of bucket: %s", got)
	}
	t.Log(got)
}

func valuesOf(ix *Index) []*langIndex {
	var ls []*langIndex
	for _, key := range ix.sorted {
		ls = append(ls, ix.langs[key])
	}
	return ls
}

// bucketState is a bucket as a comparison sees it.
type bucketState struct {
	Idx         int64
	Lens, Caps  [numParts]int
	GeoSort     int
	Places      []placeRange
	Dirty, Cold bool
	// Exact states only: these hold tag ids and are in their order.
	Pending []pair
	Runs    []run
	Authors []uint32
	Geo     []geoEv
}

// indexState is everything an index holds but its scratch space and area.
type indexState struct {
	Tags                  []string // exact: by id, "" for a free one; else sorted
	Distinct              int
	Sorted                []string
	Newest                int64
	HasNewest             bool
	SinceCompact          int
	Lists                 [][]bucketState
	ListCaps, ColdN       []int
	Dirty, Warm           []bucketRef
	Held, MemoryBytesLess int64 // MemoryBytesLess leaves the interner out
}

// stateOf describes ix, copying what it holds. An exact state is for an
// index and the copy read from its snapshot. Two indexes fed alike differ
// in what depends on the order a map of languages is walked in (which
// tag a freed id goes to next; the order MoveCold lists buckets in warm),
// so for them the state leaves out tag ids and warm's order.
func stateOf(t *testing.T, ix *Index, exact bool) indexState {
	t.Helper()
	s := indexState{Distinct: ix.tags.Distinct(), Sorted: slices.Clone(ix.sorted), Newest: ix.newest, HasNewest: ix.hasNewest,
		SinceCompact: ix.sinceCompact, Held: ix.held, MemoryBytesLess: ix.MemoryBytes() - ix.tags.MemoryBytes()}
	for id := range ix.tags.Size() {
		if name := ix.tags.Name(uint32(id)); exact || name != "" {
			s.Tags = append(s.Tags, name)
		}
	}
	if !exact {
		slices.Sort(s.Tags)
	}
	lists := append([]*langIndex{ix.all}, valuesOf(ix)...)
	if len(ix.langs) != len(ix.sorted) {
		t.Fatalf("%d languages, %d sorted", len(ix.langs), len(ix.sorted))
	}
	for _, l := range lists {
		var bs []bucketState
		for _, bk := range l.buckets {
			if bk.dropped {
				t.Fatalf("dropped bucket %d still indexed", bk.idx)
			}
			b := bucketState{Idx: bk.idx, GeoSort: bk.geoSort, Places: slices.Clone(orNil(bk.places)), Dirty: bk.dirty, Cold: bk.cold != nil,
				Lens: [numParts]int{len(bk.pending), len(bk.runs), len(bk.authors), len(bk.geo), len(bk.places)},
				Caps: [numParts]int{cap(bk.pending), cap(bk.runs), cap(bk.authors), cap(bk.geo), cap(bk.places)}}
			if exact {
				b.Pending, b.Runs = slices.Clone(orNil(bk.pending)), slices.Clone(orNil(bk.runs))
				b.Authors, b.Geo = slices.Clone(orNil(bk.authors)), slices.Clone(orNil(bk.geo))
			}
			bs = append(bs, b)
		}
		s.Lists = append(s.Lists, bs)
		s.ListCaps = append(s.ListCaps, cap(l.buckets))
		s.ColdN = append(s.ColdN, l.coldN)
	}
	// Buckets of dirty and warm as where they are indexed: a bucket not
	// found by its pointer is a copy, which a fold would miss.
	refs := func(bks []*bucket) []bucketRef {
		var rs []bucketRef
		for _, bk := range bks {
			if bk.dropped {
				continue
			}
			ref, ok := locate(lists, bk)
			if !ok {
				t.Fatalf("bucket %d of a list is not the one indexed", bk.idx)
			}
			rs = append(rs, ref)
		}
		return rs
	}
	s.Dirty, s.Warm = refs(ix.dirty), refs(ix.warm)
	if !exact {
		slices.SortFunc(s.Warm, func(a, b bucketRef) int { return cmp.Or(cmp.Compare(a.list, b.list), cmp.Compare(a.pos, b.pos)) })
	}
	return s
}

func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// sameState fails unless a and b are the same.
func sameState(t *testing.T, what string, a, b indexState) {
	t.Helper()
	if !reflect.DeepEqual(a, b) {
		diff := "states differ"
		va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
		for i := range va.NumField() {
			if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
				diff += " in " + va.Type().Field(i).Name
			}
		}
		t.Fatalf("%s: %s", what, diff)
	}
}

// snapshotQueries is every kind of query: languages, countries, boxes
// (across the antimeridian too), a circle without bounds, provenances,
// windows, defaults.
func snapshotQueries() []store.TrendsQuery {
	box := store.BBox{West: -15, South: 0, East: 5, North: 20}
	across := store.BBox{West: 15, South: -90, East: -15, North: 90}
	inBox := func(lat, lon float64) bool {
		return lat >= box.South && lat <= box.North && lon >= box.West && lon <= box.East
	}
	return []store.TrendsQuery{
		{MinScore: -1, MinAuthors: 1, N: 100},
		{},
		{Lang: "es", Window: 2 * time.Hour, Baseline: 3 * 24 * time.Hour, MinScore: -1, MinAuthors: 1, N: 100},
		{Lang: "de", Window: 30 * time.Minute, Baseline: 6 * time.Hour, MinScore: -1, MinAuthors: 2, N: 20},
		{Lang: "xx", MinScore: -1, MinAuthors: 1},
		{Country: "PT", Geo: post.GeoSetAll, MinScore: -1, MinAuthors: 1, N: 100},
		{Lang: "fr", Country: "IT", MinScore: -1, MinAuthors: 1, N: 100},
		{Country: "US", MinScore: -1, MinAuthors: 1},
		{Within: inBox, Bounds: box, MinScore: -1, MinAuthors: 1, N: 100},
		{Lang: "pt", Within: func(lat, lon float64) bool { return (lat-10)*(lat-10)+lon*lon < 100 },
			Geo: post.GeoSetInferred, MinScore: -1, MinAuthors: 1, N: 100},
		{Within: func(lat, lon float64) bool { return lon >= across.West || lon <= across.East },
			Bounds: across, MinScore: -1, MinAuthors: 1, N: 100},
	}
}

// sameAnswers fails unless a and b answer every query the same at the
// moments given, and some answers hold trends.
func sameAnswers(t *testing.T, a, b *Index, oldest int64, moments []int64) {
	t.Helper()
	if a.HasCountries() != b.HasCountries() {
		t.Fatal("one index places points in countries, the other not")
	}
	an, at := a.Size()
	if bn, bt := b.Size(); an != bn || at != bt {
		t.Fatalf("sizes %d buckets %d tags, %d and %d", an, at, bn, bt)
	}
	asked, listed := 0, 0
	for _, at := range moments {
		for i, q := range snapshotQueries() {
			for _, viaAt := range []bool{false, true} {
				head := at
				if viaAt {
					q.At, head = time.Unix(0, at).UTC(), newest+day
				}
				ra, errA := a.Query(q, head, oldest, false)
				rb, errB := b.Query(q, head, oldest, false)
				if errA != nil || errB != nil {
					t.Fatalf("query %d: %v, %v", i, errA, errB)
				}
				if !reflect.DeepEqual(ra, rb) {
					t.Fatalf("at %v, query %d %+v:\n%+v\nand\n%+v", time.Duration(at-t0), i, q, ra, rb)
				}
				asked++
				if len(ra.Trends) > 0 {
					listed++
				}
			}
		}
	}
	if listed < asked/3 {
		t.Fatalf("%d of %d answers list trends: too few to compare", listed, asked)
	}
}

// writeSnapshot snapshots ix.
func writeSnapshot(t *testing.T, ix *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := snapshot.NewWriter(&buf)
	ix.WriteSnapshot(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readSnapshot reads data into a new index on area (nil for none) and
// settles the area; it returns the reader's errors, after reading and at
// Close.
func readSnapshot(data []byte, area *spill.Area) (*Index, error, error) {
	ix := New(quarters)
	ix.SetCold(area)
	r := snapshot.NewReader(bytes.NewReader(data), int64(len(data)))
	ix.ReadSnapshot(r)
	errRead := r.Err()
	if area != nil {
		area.Settle()
	}
	return ix, errRead, r.Close()
}

func openArea(t *testing.T, dir string, keep bool) *spill.Area {
	t.Helper()
	a, err := spill.Open(dir, spill.Options{FileSize: 1 << 20, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestSnapshotRoundTrip snapshots an index, reads the snapshot into a new
// one (adopting the cold blocks from the area reopened) and checks that
// the copy holds exactly what the original held (tag ids, capacities,
// dirty and warm pointing at the indexed buckets in their order); that it
// holds, answers and counts its bytes as a twin of the original (fed
// alike on an area of its own) does, then again after both take the same
// further posts (late ones thawing cold buckets), MoveCold and
// DropBefore; and that dropping everything releases every adopted block.
func TestSnapshotRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name         string
		cold, fill   bool
		chunkBuckets int
		chunkBytes   int
	}{
		{name: "cold", cold: true, fill: true},
		{name: "cold in small chunks", cold: true, fill: true, chunkBuckets: 7, chunkBytes: 4 << 10},
		{name: "heap", fill: true},
		{name: "empty", cold: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.chunkBuckets > 0 {
				defer func(b, n int) { chunkBuckets, chunkBytes = b, n }(chunkBuckets, chunkBytes)
				chunkBuckets, chunkBytes = c.chunkBuckets, c.chunkBytes
			}
			var twinArea, srcArea *spill.Area
			srcDir := t.TempDir()
			if c.cold {
				twinArea, srcArea = openArea(t, t.TempDir(), false), openArea(t, srcDir, false)
			}
			fill := func(a *spill.Area) *Index {
				if !c.fill {
					ix := New(quarters)
					ix.SetCold(a)
					return ix
				}
				return fillForSnapshot(t, a, 40000)
			}
			twin, src := fill(twinArea), fill(srcArea)
			if c.fill {
				checkFixture(t, src, c.cold)
			}
			sameState(t, "twins", stateOf(t, twin, false), stateOf(t, src, false))

			data := writeSnapshot(t, src)
			written := stateOf(t, src, true)
			var area *spill.Area
			if c.cold {
				if err := srcArea.SyncFiles(srcArea.LiveFiles()); err != nil {
					t.Fatal(err)
				}
				if err := srcArea.CloseKeep(); err != nil {
					t.Fatal(err)
				}
				area = openArea(t, srcDir, true)
			}
			cp, errRead, errClose := readSnapshot(data, area)
			if errRead != nil || errClose != nil {
				t.Fatalf("reading the snapshot: %v; at Close: %v", errRead, errClose)
			}
			t.Logf("%d bytes of snapshot", len(data))
			// From the oldest held (a short baseline) through the cold
			// buckets to the newest and past it.
			oldest := t0 + 2*day
			moments := []int64{oldest + day/2, t0 + 3*day + int64(7*time.Minute), t0 + 5*day, t0 + 9*day,
				newest + int64(2*time.Minute), newest + day}
			sameState(t, "read back", written, stateOf(t, cp, true))
			sameState(t, "read back, next to the twin", stateOf(t, twin, false), stateOf(t, cp, false))
			if twin.MemoryBytes() != cp.MemoryBytes() {
				// The interner's capacities are not carried: its own
				// snapshot's business, so logged, not failed.
				t.Logf("MemoryBytes %d, read back %d (the interner's %d and %d)",
					twin.MemoryBytes(), cp.MemoryBytes(), twin.tags.MemoryBytes(), cp.tags.MemoryBytes())
			}
			if c.cold {
				if a, b := twinArea.Stats(), area.Stats(); a.HeldBytes != b.HeldBytes || a.Blocks != b.Blocks {
					t.Fatalf("cold blocks: the twin holds %d (%d bytes), the copy %d (%d bytes)", a.Blocks, a.HeldBytes, b.Blocks, b.HeldBytes)
				}
			}
			if !c.fill {
				if n, _ := cp.Size(); n != 0 {
					t.Fatalf("%d buckets read from an empty index's snapshot", n)
				}
				moments = []int64{newest + day/4, newest + day/2, newest + day}
			} else {
				sameAnswers(t, twin, cp, oldest, moments)
			}

			further := func(ix *Index) int {
				thawed := addPosts(t, ix, snapshotPosts(31, 8000, newest+int64(5*time.Minute), day, 10*day), 500)
				thawed += addPosts(t, ix, snapshotPosts(32, 200, t0+3*day, day, 0), 0)
				if err := ix.MoveCold(); err != nil {
					t.Fatal(err)
				}
				ix.DropBefore(t0 + 3*day)
				return thawed
			}
			thawedTwin, thawedCopy := further(twin), further(cp)
			if thawedTwin != thawedCopy || c.cold && c.fill && thawedCopy == 0 {
				t.Fatalf("late posts for cold buckets: %d in the twin, %d in the copy", thawedTwin, thawedCopy)
			}
			sameState(t, "after further posts", stateOf(t, twin, false), stateOf(t, cp, false))
			sameAnswers(t, twin, cp, t0+3*day, moments)
			if c.cold {
				if a, b := twinArea.Stats(), area.Stats(); a.HeldBytes != b.HeldBytes || a.Blocks != b.Blocks {
					t.Fatalf("cold blocks after further posts: the twin holds %d (%d bytes), the copy %d (%d bytes)", a.Blocks, a.HeldBytes, b.Blocks, b.HeldBytes)
				}
			}
			cp.DropBefore(math.MaxInt64)
			if cp.held != 0 || cp.tags.Distinct() != 0 {
				t.Errorf("everything dropped: %d bytes, %d tags held", cp.held, cp.tags.Distinct())
			}
			if c.cold {
				if st := area.Stats(); st.HeldBytes != 0 || st.Blocks != 0 {
					t.Errorf("everything dropped: %d blocks (%d bytes) still held in the area", st.Blocks, st.HeldBytes)
				}
			}
		})
	}
}

// linkDir links the files of src into a new directory: a reading that
// adopts nothing removes the files it kept, so each gets its own names.
func linkDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.Link(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestSnapshotDamaged reads snapshots cut short or with a byte flipped:
// the reading never panics and reports an error, found while reading
// (then the index is left empty) or at Close. With the checksum made to
// match the flipped byte, only the reader's checks stand between a
// damaged length or position and a panic: the reading may then succeed
// (a flipped count reads as another count) but must not panic.
func TestSnapshotDamaged(t *testing.T) {
	for _, cold := range []bool{true, false} {
		t.Run(fmt.Sprintf("cold=%v", cold), func(t *testing.T) {
			dir := t.TempDir()
			var srcArea *spill.Area
			if cold {
				srcArea = openArea(t, dir, false)
			}
			data := writeSnapshot(t, fillForSnapshot(t, srcArea, 5000))
			if cold {
				if err := srcArea.CloseKeep(); err != nil {
					t.Fatal(err)
				}
			}
			type damage struct {
				name    string
				data    []byte
				mayRead bool
			}
			var cases []damage
			for _, n := range []int{0, 3, 40, len(data) / 3, len(data) / 2, len(data) - 5, len(data) - 1} {
				cases = append(cases, damage{name: fmt.Sprintf("cut to %d", n), data: data[:n]})
			}
			r := rand.New(rand.NewPCG(3, 4))
			flip := func(i int) []byte {
				d := bytes.Clone(data)
				d[i] ^= byte(1 << r.IntN(8))
				return d
			}
			for _, i := range append([]int{10, 100, len(data) - 1}, randomInts(r, 40, len(data))...) {
				cases = append(cases, damage{name: fmt.Sprintf("byte %d flipped", i), data: flip(i)})
			}
			for _, i := range randomInts(r, 400, len(data)-4) {
				d := flip(i)
				binary.LittleEndian.PutUint32(d[len(d)-4:], crc32.Checksum(d[:len(d)-4], crc32.MakeTable(crc32.Castagnoli)))
				cases = append(cases, damage{name: fmt.Sprintf("byte %d flipped, checksum matching", i), data: d, mayRead: true})
			}
			early, read := 0, 0
			for _, c := range cases {
				var area *spill.Area
				if cold {
					area = openArea(t, linkDir(t, dir), true)
				}
				ix, errRead, errClose := readSnapshot(c.data, area)
				switch {
				case errRead != nil:
					early++
					if n, tags := ix.Size(); n != 0 || tags != 0 {
						t.Errorf("%s: failed (%v) leaving %d buckets and %d tags", c.name, errRead, n, tags)
					}
				case errClose == nil && !c.mayRead:
					t.Errorf("%s: no error", c.name)
				case errClose == nil:
					read++
				}
				if area != nil {
					area.Close()
				}
			}
			t.Logf("%d bytes; of %d damaged snapshots %d failed while reading, %d read (a checksum made to match)",
				len(data), len(cases), early, read)
		})
	}
}

func randomInts(r *rand.Rand, k, n int) []int {
	is := make([]int, k)
	for i := range is {
		is[i] = r.IntN(n)
	}
	return is
}

// TestSnapshotInconsistent damages one field of a bucket's head, of a
// language index's header or of a dirty or warm entry, with the checksum
// made to match: the reader's checks must find each while reading, as
// each would otherwise panic or leave a bucket a fold or a query would
// panic on.
func TestSnapshotInconsistent(t *testing.T) {
	dir := t.TempDir()
	area := openArea(t, dir, false)
	src := fillForSnapshot(t, area, 5000)
	data := writeSnapshot(t, src)
	w := snapshot.NewWriter(io.Discard)
	// at finds the bytes of v in data, which must hold them once.
	at := func(v []byte) int {
		t.Helper()
		if n := bytes.Count(data, v); n != 1 {
			t.Fatalf("%d copies of %x in the snapshot", n, v)
		}
		return bytes.Index(data, v)
	}
	headAt := func(pick func(bk *bucket) bool) (bucketHead, int) {
		t.Helper()
		for _, bk := range src.all.buckets {
			h, ok := headOf(w, area, bk)
			if ok && pick(bk) && bytes.Count(data, bytesOf([]bucketHead{h})) == 1 {
				return h, at(bytesOf([]bucketHead{h}))
			}
		}
		t.Fatal("no such bucket")
		return bucketHead{}, 0
	}
	heap, heapAt := headAt(func(bk *bucket) bool { return bk.cold == nil && !bk.dirty && len(bk.geo) > 0 && len(bk.runs) > 1 })
	cold, coldAt := headAt(func(bk *bucket) bool { return bk.cold != nil })
	second, secondAt := headAt(func(bk *bucket) bool { return bk == src.all.buckets[1] })
	first, _ := headAt(func(bk *bucket) bool { return bk == src.all.buckets[0] })
	lists := append([]*langIndex{src.all}, valuesOf(src)...)
	refs := func(bks []*bucket) []bucketRef {
		var rs []bucketRef
		for _, bk := range bks {
			if ref, ok := locate(lists, bk); ok && !bk.dropped {
				rs = append(rs, ref)
			}
		}
		return rs
	}
	dirtyAt, warmAt := at(bytesOf(refs(src.dirty))), at(bytesOf(refs(src.warm)))
	// The first list's header precedes its first chunk's length and heads.
	listAt := at(bytesOf([]bucketHead{first})) - 4*8
	if err := area.CloseKeep(); err != nil {
		t.Fatal(err)
	}

	head := func(h bucketHead, off int, change func(h *bucketHead)) func([]byte) {
		return func(d []byte) {
			change(&h)
			copy(d[off:], bytesOf([]bucketHead{h}))
		}
	}
	word := func(off int, v uint64) func([]byte) {
		return func(d []byte) { binary.LittleEndian.PutUint64(d[off:], v) }
	}
	for _, c := range []struct {
		name, want string
		damage     func([]byte)
	}{
		{"a heap bucket's runs past its chunk's", "a chunk's arrays hold", head(heap, heapAt, func(h *bucketHead) { h.lens[partRuns]++; h.caps[partRuns]++ })},
		{"a heap bucket's authors short of its chunk's", "a chunk's arrays hold", head(heap, heapAt, func(h *bucketHead) { h.lens[partAuthors]-- })},
		{"a capacity below the length", "in a capacity of", head(heap, heapAt, func(h *bucketHead) { h.caps[partRuns] = h.lens[partRuns] - 1 })},
		{"an unknown flag", "flags 0x8", head(heap, heapAt, func(h *bucketHead) { h.flags |= 8 })},
		{"more events sorted than held", "3 of 2 events sorted", head(heap, heapAt, func(h *bucketHead) { h.geoSort = h.lens[partGeo] + 1 })},
		{"a heap bucket marked cold", "a chunk's arrays hold", head(heap, heapAt, func(h *bucketHead) { h.flags |= flagCold })},
		{"buckets out of order", "after", head(second, secondAt, func(h *bucketHead) { h.idx = first.idx })},
		{"a cold bucket with a tail", "a tail to fold", head(cold, coldAt, func(h *bucketHead) { h.flags |= flagDirty })},
		{"a cold bucket with pending posts", "a chunk's arrays hold", head(cold, coldAt, func(h *bucketHead) { h.lens[partPending], h.caps[partPending] = 1, 1 })},
		{"a cold bucket with unsorted events", "a tail to fold", head(cold, coldAt, func(h *bucketHead) { h.geoSort = 0 })},
		{"a cold block for no arrays", "for arrays of 0", head(cold, coldAt, func(h *bucketHead) {
			h.lens, h.caps, h.geoSort = [numParts]uint32{}, [numParts]uint32{}, 0
		})},
		{"an empty cold block", "a block of 0 bytes", head(cold, coldAt, func(h *bucketHead) { h.coldLen = 0 })},
		{"a cold block past its file", "past the end", head(cold, coldAt, func(h *bucketHead) { h.coldOff = 1 << 40 })},
		{"a cold block in no file", "no file", head(cold, coldAt, func(h *bucketHead) { h.coldFile = 1 << 40 })},
		{"a dirty entry past its list", "is not there", word(dirtyAt, 1<<20<<32)},
		{"a warm entry in no list", "is not there", word(warmAt, 1<<20)},
		{"more cold than buckets", "considered cold", word(listAt+2*8, uint64(len(src.all.buckets)+1))},
		{"a capacity below the buckets", "considered cold", word(listAt+8, uint64(len(src.all.buckets)-1))},
		{"languages out of order", "out of order", func(d []byte) { copy(d[at([]byte("deenesfrpt")):], "endeesfrpt") }},
		{"a chunk longer than its list", "a chunk of", word(listAt+3*8, uint64(len(src.all.buckets)+1))},
	} {
		d := bytes.Clone(data)
		c.damage(d)
		if bytes.Equal(d, data) {
			t.Fatalf("%s: nothing changed", c.name)
		}
		binary.LittleEndian.PutUint32(d[len(d)-4:], crc32.Checksum(d[:len(d)-4], crc32.MakeTable(crc32.Castagnoli)))
		ix, errRead, _ := readSnapshot(d, openArea(t, linkDir(t, dir), true))
		if errRead == nil || !strings.Contains(errRead.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, errRead, c.want)
			continue
		}
		if n, _ := ix.Size(); n != 0 {
			t.Errorf("%s: %d buckets read", c.name, n)
		}
		t.Logf("%s: %v", c.name, errRead)
	}
}

// TestSnapshotColdNeedsArea: a snapshot with cold buckets does not read
// into an index without an area, and adopts nothing when its area lacks
// the blocks' files.
func TestSnapshotColdNeedsArea(t *testing.T) {
	dir := t.TempDir()
	a := openArea(t, dir, false)
	data := writeSnapshot(t, fillForSnapshot(t, a, 5000))
	if err := a.CloseKeep(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		area *spill.Area
		want string
	}{
		{"no area", nil, "no area"},
		{"an area without the files", openArea(t, t.TempDir(), true), "no file"},
	} {
		ix, errRead, _ := readSnapshot(data, c.area)
		if errRead == nil || !strings.Contains(errRead.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, errRead, c.want)
		}
		if n, _ := ix.Size(); n != 0 {
			t.Errorf("%s: %d buckets read", c.name, n)
		}
	}
}

// BenchmarkSnapshot writes and reads the index of benchPosts posts (no
// area: every bucket's arrays are in the snapshot).
func BenchmarkSnapshot(b *testing.B) {
	ix := New(halves)
	benchIndex(b, ix, benchPosts(), 24*time.Hour)
	var buf bytes.Buffer
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			w := snapshot.NewWriter(&buf)
			ix.WriteSnapshot(w)
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			r := snapshot.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			New(halves).ReadSnapshot(r)
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
}
