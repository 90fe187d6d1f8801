package trend

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/spill"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/testenv"
)

// TestColdBucketsAnswerTheSame fills an index whose buckets more than
// eight days behind the newest move to an area and one that keeps them on
// the heap, with posts over twelve days, some days late (they thaw cold
// buckets, which go cold again), and checks that queries about moments
// throughout answer the same as each other and as the posts say; that
// the cold index's heap count shrank by what the area holds; and that
// drops release the cold blocks.
func TestColdBucketsAnswerTheSame(t *testing.T) {
	area, err := spill.Open(t.TempDir(), spill.Options{FileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer area.Close()
	r := rand.New(rand.NewPCG(8, 9))
	span := int64(12 * 24 * time.Hour)
	ps := randomPosts(11, 60000)
	for i := range ps {
		ps[i].Time = t0 + span/int64(len(ps))*int64(i)
		if r.IntN(30) == 0 {
			ps[i].Time -= r.Int64N(int64(10 * 24 * time.Hour)) // days late
		}
	}
	heap, cold := New(halves), New(halves)
	cold.SetCold(area)
	thawed := 0
	for i := range ps {
		heap.Add(&ps[i])
		if bk, ok := cold.all.find(BucketOf(ps[i].Time)); ok && bk.cold != nil && len(ps[i].Tags) > 0 {
			thawed++
		}
		cold.Add(&ps[i])
		if i%500 == 0 {
			if err := cold.MoveCold(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cold.MoveCold(); err != nil {
		t.Fatal(err)
	}
	held := area.Stats().HeldBytes
	if held == 0 || thawed == 0 {
		t.Fatalf("%d bytes cold, %d late posts for cold buckets: the test needs both", held, thawed)
	}
	// The blocks are compressed: the area holds well under what left
	// the heap.
	if got := heap.MemoryBytes() - cold.MemoryBytes(); held > got*2/3 {
		t.Errorf("the heap count shrank by %d bytes, the area holds %d: want a third less at least", got, held)
	}
	compare := func(oldest int64) {
		t.Helper()
		for _, at := range []time.Duration{20 * time.Hour, 3 * 24 * time.Hour, 6*24*time.Hour + 7*time.Minute, 11 * 24 * time.Hour, 12 * 24 * time.Hour} {
			head := t0 + int64(at)
			if head < oldest+int64(24*time.Hour) {
				continue // dropped: nothing to compare
			}
			for _, q := range []store.TrendsQuery{
				{MinScore: -1, MinAuthors: 1, N: 100},
				{Lang: "es", Window: 2 * time.Hour, Baseline: 3 * 24 * time.Hour, MinScore: -1, MinAuthors: 1, N: 100},
				{Country: "ES", MinScore: -1, MinAuthors: 1, N: 100},
				{Within: func(lat, lon float64) bool { return lon > -15 && lon < 5 && lat > 0 && lat < 20 },
					Bounds: store.BBox{West: -15, South: 0, East: 5, North: 20}, MinScore: -1, MinAuthors: 1, N: 100},
			} {
				h, err1 := heap.Query(q, head, oldest, false)
				c, err2 := cold.Query(q, head, oldest, false)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if !reflect.DeepEqual(h, c) || len(c.Trends) == 0 {
					t.Fatalf("at %v %+v: cold buckets answer\n%+v\nheap\n%+v", at, q, c, h)
				}
				if !q.HasArea() {
					if want := naive(ps, q, head, oldest); !reflect.DeepEqual(c.Trends, want.Trends) {
						t.Fatalf("at %v %+v: %+v, the posts say %+v", at, q, c.Trends, want.Trends)
					}
				}
			}
		}
	}
	compare(t0 - int64(5*24*time.Hour))
	cut := t0 + int64(2*24*time.Hour)
	heap.DropBefore(cut)
	cold.DropBefore(cut)
	compare(cut)
	if after := area.Stats().HeldBytes; after >= held || after == 0 {
		t.Errorf("cold bytes %d before dropping two days, %d after", held, after)
	}
	cold.DropBefore(t0 + span + int64(time.Hour))
	if st := area.Stats(); st.HeldBytes != 0 || cold.held != 0 {
		t.Errorf("everything dropped: %d bytes still cold, %d counted on the heap", st.HeldBytes, cold.held)
	}
}

// TestColdWriteFailure: when the area cannot write (the file size limit
// lowered: the kernel fails the writes as a full disk does), buckets stay
// on the heap and answer as before, one failed write per MoveCold; with
// room again they go cold at the next call.
func TestColdWriteFailure(t *testing.T) {
	area, ps := twelveDays(t, t.TempDir(), 12)
	heap, cold := New(halves), New(halves)
	cold.SetCold(area)
	for i := range ps {
		heap.Add(&ps[i])
		cold.Add(&ps[i])
	}
	restore := testenv.LimitFileSize(t, 1)
	for range 3 {
		if err := cold.MoveCold(); err == nil {
			t.Fatal("MoveCold with no room: no error")
		}
	}
	restore()
	if st := area.Stats(); st.HeldBytes != 0 || st.PutErrors != 3 {
		t.Fatalf("after three failing calls: %+v; want nothing held and one failed write a call", st)
	}
	q := store.TrendsQuery{MinScore: -1, MinAuthors: 1, N: 100}
	at := t0 + int64(3*24*time.Hour)
	h, _ := heap.Query(q, at, t0, false)
	c, _ := cold.Query(q, at, t0, false)
	if !reflect.DeepEqual(h, c) || len(c.Trends) == 0 {
		t.Fatalf("answers differ after failed writes:\n%+v\n%+v", c, h)
	}
	if err := cold.MoveCold(); err != nil || area.Stats().HeldBytes == 0 {
		t.Fatalf("with room again: %v, %d bytes cold", err, area.Stats().HeldBytes)
	}
	if c, _ = cold.Query(q, at, t0, false); !reflect.DeepEqual(h, c) {
		t.Fatal("answers differ once the buckets went cold")
	}
}

// TestColdDue: ColdDue, which lets the store skip MoveCold (and its lock)
// on most posts, says true whenever MoveCold would move a bucket: one
// gone more than coldAfter behind the newest, or one a late post brought
// back; and false once MoveCold has run.
func TestColdDue(t *testing.T) {
	area, err := spill.Open(t.TempDir(), spill.Options{FileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer area.Close()
	ix := New(halves)
	ix.SetCold(area)
	ps := randomPosts(12, 2000)
	day := int64(24 * time.Hour)
	add := func(i int, at int64) {
		t.Helper()
		p := ps[i]
		p.Time = at
		ix.Add(&p)
	}
	for i := range 1000 {
		add(i, t0+int64(i)*int64(time.Minute))
	}
	if ix.ColdDue() {
		t.Fatal("due with every bucket within a day of the newest")
	}
	moved := func() int64 {
		t.Helper()
		before := area.Stats().Blocks
		if err := ix.MoveCold(); err != nil {
			t.Fatal(err)
		}
		return area.Stats().Blocks - before
	}
	add(1000, t0+9*day)
	if !ix.ColdDue() {
		t.Fatal("not due with a day of buckets nine days behind the newest")
	}
	if n := moved(); n == 0 {
		t.Fatal("MoveCold moved nothing")
	}
	if ix.ColdDue() {
		t.Fatal("still due after MoveCold")
	}
	// A late post thaws a cold bucket (in the language's index and all
	// languages'): due until both are moved again, which waits for its
	// tail to be folded in.
	add(1001, t0+int64(10*time.Minute))
	if !ix.ColdDue() {
		t.Fatal("not due after a late post brought a bucket back")
	}
	if n := moved(); n != 0 {
		t.Errorf("MoveCold moved %d blocks with an unfolded tail", n)
	}
	if !ix.ColdDue() {
		t.Fatal("not due with thawed buckets waiting to be folded")
	}
	ix.compactDirty()
	if n := moved(); n != 2 {
		t.Errorf("MoveCold moved %d blocks after a bucket thawed in two indexes, want 2", n)
	}
	if ix.ColdDue() {
		t.Error("still due after the thawed bucket went back")
	}
}

// TestDamagedColdBucket: a cold bucket's block damaged on disk (the file
// written behind the mapping) fails a query that reads it, with the
// bucket named, instead of answering without its counts.
func TestDamagedColdBucket(t *testing.T) {
	dir := t.TempDir()
	area, ps := twelveDays(t, dir, 13)
	ix := New(halves)
	ix.SetCold(area)
	for i := range ps {
		ix.Add(&ps[i])
	}
	if err := ix.MoveCold(); err != nil {
		t.Fatal(err)
	}
	q := store.TrendsQuery{MinScore: -1, MinAuthors: 1, N: 100}
	at := t0 + int64(3*24*time.Hour)
	if _, err := ix.Query(q, at, t0, false); err != nil {
		t.Fatalf("before the damage: %v", err)
	}
	bk, ok := ix.all.find(BucketOf(at))
	if !ok || bk.cold == nil {
		t.Fatal("no cold bucket where the query reads")
	}
	ref := area.Ref(bk.cold)
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("cold-%08d", ref.File)), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, ref.Len), ref.Off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ix.Query(q, at, t0, false); err == nil || !strings.Contains(err.Error(), fmt.Sprint(bk.idx)) {
		t.Errorf("a damaged cold bucket answered: %v; want an error naming bucket %d", err, bk.idx)
	}
}

// twelveDays opens an area in dir (closed when the test ends) and returns
// it with 20,000 random posts spread over twelve days from t0.
func twelveDays(t *testing.T, dir string, seed uint64) (*spill.Area, []Post) {
	t.Helper()
	area, err := spill.Open(dir, spill.Options{FileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { area.Close() })
	ps := randomPosts(seed, 20000)
	span := int64(12 * 24 * time.Hour)
	for i := range ps {
		ps[i].Time = t0 + span/int64(len(ps))*int64(i)
	}
	return area, ps
}
