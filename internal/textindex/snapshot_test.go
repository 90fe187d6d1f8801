package textindex

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/snapshot"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/words"
)

// snapPost makes a varied post: a skewed vocabulary, a word of its own one
// post in five (whose list is later forgotten and its slot reused), CJK
// text, links, hashtags, points of every provenance.
func snapPost(r *rand.Rand, seq uint64, tm int64) Post {
	var sb strings.Builder
	for range 2 + r.IntN(10) {
		fmt.Fprintf(&sb, "w%d ", r.IntN(r.IntN(3000)+1))
	}
	if r.IntN(5) == 0 {
		fmt.Fprintf(&sb, "u%d ", seq)
	}
	if r.IntN(8) == 0 {
		sb.WriteString("東京都に行く Café ")
	}
	if r.IntN(10) == 0 {
		fmt.Fprintf(&sb, "https://t.co/x%d", seq)
	}
	p := Post{Seq: seq, Time: tm, Lang: []string{"en", "fr", "ja", "es", "de"}[r.IntN(5)], ID: fmt.Sprint(seq),
		Handle: fmt.Sprintf("user%d", r.IntN(50)), Text: sb.String(), Conf: uint8(r.IntN(256))}
	if r.IntN(6) == 0 {
		p.URL = fmt.Sprintf("https://bsky.app/profile/x/post/%d", seq)
	}
	for range r.IntN(3) {
		p.Tags = append(p.Tags, []string{"goal", "rain", "fútbol", "x"}[r.IntN(4)])
	}
	if r.IntN(2) == 0 {
		p.HasPoint, p.Lat, p.Lon, p.Source = true, r.Float64()*180-90, r.Float64()*360-180, post.GeoSource(r.IntN(5))
	}
	return p
}

// feed makes posts with times mostly rising, one in ten late by up to ten
// minutes.
type feed struct {
	r   *rand.Rand
	seq uint64
	tm  int64
}

func newFeed(seed uint64) *feed { return &feed{r: rand.New(rand.NewPCG(seed, 7)), tm: t0} }

func (f *feed) next() Post {
	f.seq++
	f.tm += int64(f.r.IntN(2000)) * int64(time.Millisecond)
	pt := f.tm
	if f.r.IntN(10) == 0 {
		pt -= int64(f.r.IntN(600)) * int64(time.Second)
	}
	return snapPost(f.r, f.seq, pt)
}

// addAll adds p to every index, one post in three cut beforehand with
// each index's own Cut (its own seed).
func addAll(p Post, xs ...*Index) {
	precut := p.Seq%3 == 0
	for _, x := range xs {
		q := p
		if precut {
			q.Words, q.WordsCut = x.Cut(nil, p.Text, p.Tags), true
		}
		x.Add(q)
	}
}

func writeSnap(t testing.TB, x *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := snapshot.NewWriter(&buf)
	x.WriteSnapshot(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readSnap(t testing.TB, b []byte, limit int, maxAge time.Duration) *Index {
	t.Helper()
	r := snapshot.NewReader(bytes.NewReader(b), int64(len(b)))
	y := ReadSnapshot(r, limit, maxAge)
	if err := r.Close(); err != nil {
		t.Fatalf("reading a snapshot back: %v", err)
	}
	return y
}

// snapFilters are filters of every kind, around the feed's latest time.
func snapFilters(f *feed) []Filter {
	m := int64(time.Minute)
	return []Filter{
		{}, {Words: []string{"w1"}}, {Words: []string{"w1", "w2"}}, {Words: []string{"w0", "w3", "w5"}},
		{Words: []string{fmt.Sprintf("u%d", f.seq-3)}}, {Words: []string{fmt.Sprintf("u%d", f.seq-400)}},
		{Words: []string{"cafe"}}, {Words: words.Append(nil, "京都")}, {Words: []string{"nowhere"}},
		{Tag: "goal"}, {Tag: "fútbol", Lang: "fr"}, {Lang: "ja", Words: []string{"w1"}}, {Lang: "de"}, {Lang: "xx"},
		{Lo: f.tm - 20*m, Hi: f.tm - 10*m}, {Lo: f.tm - 200*m, Hi: f.tm - 150*m},
		{Lo: f.tm - 30*m, Hi: f.tm - 5*m, Words: []string{"w2"}},
		{Geo: post.GeoSetTrusted}, {Geo: 1 << post.GeoText, Lang: "en"},
		{BBox: store.BBox{West: 100, South: -50, East: -100, North: 50}, Geo: post.GeoSetAll},
		{BBox: store.BBox{West: -10, South: 0, East: 40, North: 60}, Words: []string{"w1"}},
		{BBox: store.BBox{West: -200, South: 0, East: 0, North: 1}}, // bad: an error
	}
}

// sameAnswers fails unless a and b answer every query alike.
func sameAnswers(t *testing.T, what string, a, b *Index, fs []Filter) {
	t.Helper()
	if a.Len() != b.Len() {
		t.Fatalf("%s: Len %d and %d", what, a.Len(), b.Len())
	}
	ao, aok := a.OldestTime()
	bo, bok := b.OldestTime()
	if ao != bo || aok != bok {
		t.Fatalf("%s: OldestTime %d %v and %d %v", what, ao, aok, bo, bok)
	}
	each := func(x *Index, f Filter) ([]Entry, error) {
		var es []Entry
		err := x.Each(f, func(e *Entry) bool { es = append(es, *e); return true })
		return es, err
	}
	for _, f := range fs {
		ae, aerr := each(a, f)
		be, berr := each(b, f)
		if (aerr == nil) != (berr == nil) || !reflect.DeepEqual(ae, be) {
			t.Fatalf("%s: filter %+v: Each saw %d posts (%v) and %d (%v)", what, f, len(ae), aerr, len(be), berr)
		}
		for _, n := range []int{1, 7, 100, a.Len() + 1} {
			ap, aerr := a.Newest(f, n)
			bp, berr := b.Newest(f, n)
			if (aerr == nil) != (berr == nil) || !reflect.DeepEqual(ap, bp) {
				t.Fatalf("%s: filter %+v n %d: Newest gave %q (%v) and %q (%v)", what, f, n, ids(ap), aerr, ids(bp), berr)
			}
		}
	}
}

// livePostings maps each word with held posts to their positions.
func livePostings(x *Index) map[string][]uint32 {
	m := make(map[string][]uint32)
	for li, l := range x.lists {
		if l = l[x.live(l):]; len(l) > 0 {
			for _, v := range l {
				m[x.keys[li]] = append(m[x.keys[li]], v-x.front)
			}
		}
	}
	return m
}

// spare is what MemoryBytes counts of capacity beyond length.
func spare(x *Index) int64 {
	n := int64(cap(x.chunks)-len(x.chunks)) * 8
	for _, c := range x.chunks {
		n += int64(cap(c.data) - len(c.data))
	}
	n += int64(cap(x.keys)-len(x.keys))*16 + int64(cap(x.hashes)-len(x.hashes))*8 +
		int64(cap(x.lists)-len(x.lists))*24 + int64(cap(x.free)-len(x.free))*4
	for _, l := range x.lists {
		n += int64(cap(l)-len(l)) * 4
	}
	return n + int64(cap(x.langs)-len(x.langs))*16
}

// sameState fails unless a and b hold the same records and word index
// (slot for slot): then later Adds and trims go the same way on both.
func sameState(t *testing.T, what string, a, b *Index) {
	t.Helper()
	if a.skip != b.skip || a.n != b.n || a.front != b.front || a.newest != b.newest || a.hasNewest != b.hasNewest ||
		a.sweep != b.sweep || a.postings != b.postings || a.blobBytes != b.blobBytes || a.blobPosts != b.blobPosts {
		t.Fatalf("%s: scalars differ: %d %d %d %d %v %d %d %d %d and %d %d %d %d %v %d %d %d %d", what,
			a.skip, a.n, a.front, a.newest, a.hasNewest, a.sweep, a.postings, a.blobBytes, a.blobPosts,
			b.skip, b.n, b.front, b.newest, b.hasNewest, b.sweep, b.postings, b.blobBytes, b.blobPosts)
	}
	if !slices.Equal(a.langs, b.langs) || !reflect.DeepEqual(a.langIDs, b.langIDs) {
		t.Fatalf("%s: languages %q and %q", what, a.langs, b.langs)
	}
	if len(a.chunks) != len(b.chunks) {
		t.Fatalf("%s: %d and %d chunks", what, len(a.chunks), len(b.chunks))
	}
	for i, ca := range a.chunks {
		cb := b.chunks[i]
		if ca.n != cb.n || ca.minT != cb.minT || ca.maxT != cb.maxT || ca.prefMax != cb.prefMax ||
			ca.recs != cb.recs || !bytes.Equal(ca.data, cb.data) {
			t.Fatalf("%s: chunk %d differs", what, i)
		}
	}
	if !slices.Equal(a.keys, b.keys) || !slices.Equal(a.free, b.free) || len(a.lists) != len(b.lists) {
		t.Fatalf("%s: word slots differ (%d and %d words, free %v and %v)", what, len(a.keys), len(b.keys), a.free, b.free)
	}
	for li := range a.lists {
		if !slices.Equal(a.lists[li], b.lists[li]) {
			t.Fatalf("%s: word %q: postings %v and %v", what, a.keys[li], a.lists[li], b.lists[li])
		}
	}
	if len(a.byHash)+len(a.collide) != len(b.byHash)+len(b.collide) {
		t.Fatalf("%s: %d+%d and %d+%d words mapped", what, len(a.byHash), len(a.collide), len(b.byHash), len(b.collide))
	}
}

// TestSnapshotRoundTrip fills indexes past their bounds, reads their
// snapshots back and checks that the copies hold the same state, find
// every word under their own seed, answer every query alike, and still
// do after the same further posts (enough for drops and trim passes).
func TestSnapshotRoundTrip(t *testing.T) {
	for _, bounds := range []struct {
		limit  int
		maxAge time.Duration
	}{{3000, 0}, {5000, 20 * time.Minute}, {50, 0}, {MaxLimit, 5 * time.Minute}} {
		what := fmt.Sprintf("limit %d maxAge %v", bounds.limit, bounds.maxAge)
		f := newFeed(uint64(bounds.limit))
		x := New(bounds.limit, bounds.maxAge)
		for i := range 12000 {
			addAll(f.next(), x)
			if i == 6000 {
				x.DropBefore(f.seq - 100)
			}
		}
		if len(x.free) == 0 || x.Len() == 0 || len(x.chunks) < 1 {
			t.Fatalf("%s: the fill leaves %d free slots, %d posts: not a test", what, len(x.free), x.Len())
		}
		y := readSnap(t, writeSnap(t, x), bounds.limit, bounds.maxAge)
		sameState(t, what, x, y)
		for li, k := range y.keys {
			if k == "" {
				continue
			}
			h := maphash.String(y.seed, k)
			if got, ok := y.lookup(Word{Text: k, Hash: h}); !ok || got != int32(li) || y.hashes[li] != h {
				t.Fatalf("%s: word %q not found under the reader's seed", what, k)
			}
		}
		// MemoryBytes differs only by capacity: the reader allocates exact
		// lengths, but for the tail arena, which gets tail()'s room.
		if xm, ym := x.MemoryBytes()-spare(x), y.MemoryBytes()-spare(y); xm != ym {
			t.Errorf("%s: MemoryBytes less spare capacity %d, read back %d", what, xm, ym)
		}
		if c := y.chunks[len(y.chunks)-1]; c.n < chunkSize && cap(c.data) < y.arenaSize() {
			t.Errorf("%s: the tail arena has room for %d bytes, a new one %d", what, cap(c.data), y.arenaSize())
		}
		if y.MemoryBytes() > x.MemoryBytes()+spare(y) {
			t.Errorf("%s: MemoryBytes %d, read back %d", what, x.MemoryBytes(), y.MemoryBytes())
		}
		checkSized(t, x)
		checkSized(t, y)
		sameAnswers(t, what, x, y, snapFilters(f))

		for i := range max(8000, 2*x.Len()) {
			addAll(f.next(), x, y)
			if i%2000 == 1999 {
				sameAnswers(t, what+" after more posts", x, y, snapFilters(f))
			}
		}
		x.Add(Post{Seq: f.seq + 1, Time: f.tm, Lang: "pt", ID: "new", Text: "w1 novo"})
		y.Add(Post{Seq: f.seq + 1, Time: f.tm, Lang: "pt", ID: "new", Text: "w1 novo"})
		f.seq++
		sameAnswers(t, what+" after more posts", x, y, append(snapFilters(f), Filter{Lang: "pt"}, Filter{Words: []string{"novo"}}))
		// New words now take free slots in hash order, which differs with
		// the seed, and so does when the sweep trims them: the words'
		// live postings agree, and the dropped ones are still trimmed.
		if xl, yl := livePostings(x), livePostings(y); !reflect.DeepEqual(xl, yl) {
			t.Fatalf("%s: live postings of %d and %d words differ", what, len(xl), len(yl))
		}
		if y.postings > x.postings*11/10+50 {
			t.Errorf("%s: %d postings, %d in the original", what, y.postings, x.postings)
		}
	}
}

// TestSnapshotSmallerBounds reads a snapshot with a smaller limit, a
// smaller maxAge or both: the copy answers as an index made with those
// bounds and fed the same posts, then and after further posts. A larger
// limit keeps what the writer held.
func TestSnapshotSmallerBounds(t *testing.T) {
	const limit, maxAge = 5000, 30 * time.Minute
	for _, b := range []struct {
		limit  int
		maxAge time.Duration
	}{{1200, maxAge}, {limit, 4 * time.Minute}, {800, 6 * time.Minute}, {0, 0}} {
		what := fmt.Sprintf("limit %d maxAge %v read as %d %v", limit, maxAge, b.limit, b.maxAge)
		f := newFeed(9)
		x, ref := New(limit, maxAge), New(b.limit, b.maxAge)
		for range 9000 {
			addAll(f.next(), x, ref)
		}
		if ref.Len() >= x.Len() {
			t.Fatalf("%s: the reference holds %d of %d: not a test", what, ref.Len(), x.Len())
		}
		y := readSnap(t, writeSnap(t, x), b.limit, b.maxAge)
		sameAnswers(t, what, ref, y, snapFilters(f))
		for i := range 6000 {
			addAll(f.next(), ref, y)
			if i%1500 == 1499 {
				sameAnswers(t, what+" after more posts", ref, y, snapFilters(f))
			}
		}
	}

	f := newFeed(10)
	x := New(1000, 0)
	for range 3000 {
		addAll(f.next(), x)
	}
	y := readSnap(t, writeSnap(t, x), 4000, 0)
	sameAnswers(t, "a larger limit", x, y, snapFilters(f))
	for range 1000 {
		addAll(f.next(), y)
	}
	if y.Len() != 2000 {
		t.Errorf("a larger limit: %d held after 1000 more, want 2000", y.Len())
	}
}

// TestSnapshotDropBeforeLast: after DropBefore the front post may be
// older than maxAge allows until the next Add. Read with the same bounds
// it stays; with a tighter maxAge it goes at once, and after the next Add
// the copy agrees with an index made with that maxAge.
func TestSnapshotDropBeforeLast(t *testing.T) {
	m := int64(time.Minute)
	posts := []Post{
		{Seq: 1, Time: t0, Lang: "en", ID: "1", Text: "a"},
		{Seq: 2, Time: t0 + 30*m, Lang: "en", ID: "2", Text: "b"},
		{Seq: 3, Time: t0 + 5*m, Lang: "en", ID: "3", Text: "c"}, // late
	}
	x, ref := New(100, 10*time.Minute), New(100, 4*time.Minute)
	for _, p := range posts {
		addAll(p, x, ref)
	}
	x.DropBefore(3)
	ref.DropBefore(3)
	if x.Len() != 1 || ref.Len() != 1 {
		t.Fatalf("%d and %d held, want the late post", x.Len(), ref.Len())
	}
	b := writeSnap(t, x)
	f := &feed{seq: 3, tm: t0 + 30*m}
	sameAnswers(t, "same bounds", x, readSnap(t, b, 100, 10*time.Minute), snapFilters(f))
	y := readSnap(t, b, 100, 4*time.Minute)
	if y.Len() != 0 {
		t.Errorf("tighter maxAge: %d held", y.Len())
	}
	addAll(Post{Seq: 4, Time: t0 + 31*m, Lang: "en", ID: "4", Text: "c"}, ref, y)
	sameAnswers(t, "tighter maxAge, then an Add", ref, y, snapFilters(f))
}

// TestSnapshotEmpty round-trips an index never fed, one emptied by drops
// (its newest time still bounds later posts' age) and one that keeps
// nothing.
func TestSnapshotEmpty(t *testing.T) {
	fresh := New(10, time.Minute)
	emptied := New(10, time.Minute)
	f := newFeed(11)
	for range 30 {
		addAll(f.next(), emptied)
	}
	emptied.DropBefore(f.seq + 1)
	for _, x := range []*Index{fresh, emptied, New(0, 0)} {
		y := readSnap(t, writeSnap(t, x), x.limit, time.Duration(x.maxAge))
		sameState(t, "empty", x, y)
		g := *f
		for range 40 {
			p := g.next()
			if p.Seq%2 == 0 {
				p.Time -= 5 * int64(time.Minute) // too old for emptied's newest: dropped on both
			}
			addAll(p, x, y)
		}
		sameAnswers(t, "empty then fed", x, y, snapFilters(&g))
	}
}

// TestSnapshotHashCollisions round-trips words that share a hash (Add
// takes precut words): the reader hashes them under its seed and finds
// each.
func TestSnapshotHashCollisions(t *testing.T) {
	x := New(3, 0)
	a, b, c := Word{"alpha", 7}, Word{"beta", 7}, Word{"gamma", 7}
	x.Add(Post{Seq: 1, Time: 1, Lang: "en", ID: "1", Words: []Word{a}, WordsCut: true})
	x.Add(Post{Seq: 2, Time: 2, Lang: "en", ID: "2", Words: []Word{b, c}, WordsCut: true})
	if len(x.collide) != 2 {
		t.Fatalf("%d colliding words, want 2", len(x.collide))
	}
	y := readSnap(t, writeSnap(t, x), 3, 0)
	for _, w := range []Word{a, b, c} {
		got, err := y.Newest(Filter{Words: []string{w.Text}}, 5)
		if err != nil || len(got) != 1 {
			t.Errorf("%q: found %q %v after reading", w.Text, ids(got), err)
		}
	}
	if len(y.byHash)+len(y.collide) != 3 {
		t.Errorf("%d+%d words mapped, want 3", len(y.byHash), len(y.collide))
	}
}

const damageLimit, damageAge = 2500, 40 * time.Minute

func damageIndex() (*Index, *feed) {
	f := newFeed(12)
	x := New(damageLimit, damageAge)
	for range 4000 {
		addAll(f.next(), x)
	}
	return x, f
}

// readDamaged reads b as a stream of size bytes and runs every query on
// what it returns: none may panic. It returns r.Close's error.
func readDamaged(b []byte, size int64, fs []Filter) error {
	r := snapshot.NewReader(bytes.NewReader(b), size)
	y := ReadSnapshot(r, damageLimit, damageAge)
	for _, f := range fs {
		_ = y.Each(f, func(e *Entry) bool { e.EachTag(func(string) bool { return true }); return true })
		_, _ = y.Newest(f, 50)
	}
	y.OldestTime()
	y.MemoryBytes()
	return r.Close()
}

// TestSnapshotDamage reads snapshots cut short and with a byte flipped:
// reading never panics, nor does querying what it returned, and Close
// reports the damage.
func TestSnapshotDamage(t *testing.T) {
	x, f := damageIndex()
	b := writeSnap(t, x)
	fs := snapFilters(f)
	if err := readDamaged(b, int64(len(b)), fs); err != nil {
		t.Fatalf("undamaged: %v", err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	var cuts []int
	for n := range 200 {
		cuts = append(cuts, n, len(b)-1-n, r.IntN(len(b)))
	}
	for _, n := range cuts {
		// As a file of that size, and as a stream ending early.
		if err := readDamaged(b[:n], int64(n), fs); !errors.Is(err, snapshot.ErrDamaged) {
			t.Fatalf("cut to %d of %d bytes: %v", n, len(b), err)
		}
		if err := readDamaged(b[:n], int64(len(b)), fs); !errors.Is(err, snapshot.ErrDamaged) {
			t.Fatalf("stream ending at %d of %d bytes: %v", n, len(b), err)
		}
	}
	d := make([]byte, len(b))
	var flips []int
	for n := range 400 {
		flips = append(flips, n, len(b)-1-n%8, r.IntN(len(b)))
	}
	for i, n := range flips {
		copy(d, b)
		d[n] ^= []byte{0x01, 0x80, 0xff}[i%3]
		if err := readDamaged(d, int64(len(d)), fs); !errors.Is(err, snapshot.ErrDamaged) {
			t.Fatalf("byte %d of %d flipped: %v", n, len(b), err)
		}
	}
}

// TestSnapshotInconsistent writes indexes broken in one way each, with a
// valid checksum: the reader finds each before Close and returns an empty
// index, without panicking.
func TestSnapshotInconsistent(t *testing.T) {
	// used returns a held word with two postings, after the slot from.
	used := func(x *Index, from int) int {
		for li := from + 1; li < len(x.keys); li++ {
			if x.keys[li] != "" && len(x.lists[li]) > 1 {
				return li
			}
		}
		panic("no word with two postings")
	}
	for _, tc := range []struct {
		name   string
		break_ func(x *Index)
	}{
		{"language out of range", func(x *Index) { x.chunks[1].recs[3].lang = uint16(len(x.langs)) }},
		{"strings past the arena", func(x *Index) { x.chunks[0].recs[x.chunks[0].n-1].off = uint32(len(x.chunks[0].data)) }},
		{"strings out of order", func(x *Index) { r := &x.chunks[1].recs[0]; r.ends[1], r.ends[2] = r.ends[2], r.ends[1]+1 }},
		{"skip past the first chunk", func(x *Index) { x.skip = x.chunks[0].n }},
		{"count", func(x *Index) { x.n++ }},
		{"chunk not full", func(x *Index) { x.chunks[0].n-- }},
		{"language twice", func(x *Index) { x.langs[1] = x.langs[0] }},
		{"free slot in use", func(x *Index) { x.free = append(x.free, int32(used(x, -1))) }},
		{"free slot twice", func(x *Index) { x.free = append(x.free, x.free[0]) }},
		{"free slot out of range", func(x *Index) { x.free = append(x.free, int32(len(x.keys))) }},
		{"word twice", func(x *Index) { li := used(x, -1); x.keys[used(x, li)] = x.keys[li] }},
		{"word without postings", func(x *Index) { x.lists[used(x, -1)] = nil }},
		{"postings out of order", func(x *Index) { l := x.lists[used(x, -1)]; l[0], l[1] = l[1], l[0] }},
		{"posting past the newest", func(x *Index) { l := x.lists[used(x, -1)]; l[len(l)-1] = x.front + uint32(x.n) }},
		{"sweep", func(x *Index) { x.sweep = len(x.lists) + 1 }},
		{"blob bytes", func(x *Index) { x.blobBytes = -1 }},
	} {
		x, _ := damageIndex()
		tc.break_(x)
		b := writeSnap(t, x)
		r := snapshot.NewReader(bytes.NewReader(b), int64(len(b)))
		y := ReadSnapshot(r, damageLimit, damageAge)
		if err := r.Err(); !errors.Is(err, snapshot.ErrDamaged) {
			t.Errorf("%s: read with error %v", tc.name, err)
		}
		if y.Len() != 0 || len(y.keys) != 0 {
			t.Errorf("%s: read %d posts, %d words", tc.name, y.Len(), len(y.keys))
		}
	}
}

// BenchmarkSnapshot writes and reads an index of a million posts with
// over a million distinct words.
func BenchmarkSnapshot(b *testing.B) {
	const held = 1_000_000
	x := New(held, 0)
	for i, p := range benchPosts(held) {
		p.Text += fmt.Sprintf(" u%d v%d", i, i/2)
		x.Add(p)
	}
	snap := writeSnap(b, x)
	b.Run("write", func(b *testing.B) {
		var buf bytes.Buffer
		for range b.N {
			buf.Reset()
			w := snapshot.NewWriter(&buf)
			x.WriteSnapshot(w)
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len())/held, "B/post")
	})
	b.Run("read", func(b *testing.B) {
		for range b.N {
			r := snapshot.NewReader(bytes.NewReader(snap), int64(len(snap)))
			ReadSnapshot(r, held, 0)
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(x.keys)), "words")
	})
}
