package textindex

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/words"
)

var t0 = time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC).UnixNano()

func ids(ps []store.KeptPost) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestNewestFilters(t *testing.T) {
	x := New(100, 0)
	add := func(seq uint64, min int, lang, text string, tags []string, pt bool, lat, lon float64, src post.GeoSource) {
		x.Add(Post{Seq: seq, Time: t0 + int64(min)*int64(time.Minute), Lang: lang, ID: fmt.Sprint(seq),
			Handle: "h" + fmt.Sprint(seq), Text: text, Tags: tags, HasPoint: pt, Lat: lat, Lon: lon, Source: src, Conf: 255})
	}
	add(1, 0, "en", "Café in Paris #Fútbol", []string{"fútbol"}, true, 48.85, 2.35, post.GeoExact)
	add(2, 1, "fr", "CAFE au lait", nil, false, 0, 0, 0)
	add(3, 2, "ja", "東京都に行く", nil, true, 35.68, 139.7, post.GeoPlace)
	add(4, 3, "en", "cafe at the date line", []string{"fiji"}, true, -17, 179.5, post.GeoProfile)
	add(5, 3, "en", "same minute, added later", nil, true, -17, -179.5, post.GeoText)
	add(6, 2, "en", "late arrival of an older post", nil, false, 0, 0, 0)

	minute := func(m int) int64 { return t0 + int64(m)*int64(time.Minute) }
	for _, tc := range []struct {
		name string
		f    Filter
		n    int
		want []string
	}{
		{"all newest first, ties later-added first", Filter{}, 10, []string{"5", "4", "6", "3", "2", "1"}},
		{"n", Filter{}, 2, []string{"5", "4"}},
		{"accents and case", Filter{Words: []string{"cafe"}}, 10, []string{"4", "2", "1"}},
		{"AND", Filter{Words: []string{"cafe", "paris"}}, 10, []string{"1"}},
		{"word held nowhere", Filter{Words: []string{"cafe", "zzz"}}, 10, nil},
		{"CJK pair", Filter{Words: words.Append(nil, "京都")}, 10, []string{"3"}},
		{"CJK pair not in order", Filter{Words: words.Append(nil, "都京")}, 10, nil},
		{"tag via words and exactly", Filter{Tag: "fútbol"}, 10, []string{"1"}},
		{"tag word in text is not a tag", Filter{Tag: "paris"}, 10, nil},
		{"lang", Filter{Lang: "en"}, 10, []string{"5", "4", "6", "1"}},
		{"unknown lang", Filter{Lang: "xx"}, 10, nil},
		{"span from inclusive to exclusive", Filter{Lo: minute(1), Hi: minute(3)}, 10, []string{"6", "3", "2"}},
		{"empty span", Filter{Lo: minute(3), Hi: minute(3)}, 10, nil},
		{"geo set", Filter{Geo: post.GeoSetTrusted}, 10, []string{"3", "1"}},
		{"bbox any provenance", Filter{BBox: store.BBox{West: 0, South: 0, East: 180, North: 90}}, 10, []string{"3", "1"}},
		{"bbox across the antimeridian", Filter{BBox: store.BBox{West: 170, South: -20, East: -170, North: -10}}, 10, []string{"5", "4"}},
		{"bbox and geo", Filter{BBox: store.BBox{West: 170, South: -20, East: -170, North: -10}, Geo: 1 << post.GeoText}, 10, []string{"5"}},
	} {
		got, err := x.Newest(tc.f, tc.n)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, ids(got), tc.want)
		}
		var each []string
		if err := x.Each(tc.f, func(e *Entry) bool { each = append(each, fmt.Sprint(e.Seq)); return true }); err != nil {
			t.Fatal(err)
		}
		if tc.n >= 6 && len(each) != len(tc.want) {
			t.Errorf("%s: Each saw %q, want the posts of %q", tc.name, each, tc.want)
		}
	}
	if _, err := x.Newest(Filter{BBox: store.BBox{West: -200, South: 0, East: 0, North: 1}}, 1); !errors.Is(err, store.ErrBadQuery) {
		t.Errorf("bad box: err %v, want ErrBadQuery", err)
	}

	got, _ := x.Newest(Filter{Words: []string{"paris"}}, 1)
	want := store.KeptPost{ID: "1", Lang: "en", Time: time.Unix(0, t0).UTC(), Handle: "h1", Text: "Café in Paris #Fútbol",
		URL: "https://x.com/h1/status/1", Tags: []string{"fútbol"},
		Point: &store.Point{Point: post.Point{Lat: 48.85, Lon: 2.35}, Source: post.GeoExact, Confidence: 1}}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("kept post %+v, want %+v", got, want)
	}
	if o, ok := x.OldestTime(); !ok || o != t0 {
		t.Errorf("OldestTime %v %v", o, ok)
	}
}

func TestCutAndURL(t *testing.T) {
	x := New(10, 0)
	long := strings.Repeat("é", 300) // 600 bytes
	x.Add(Post{Seq: 1, Time: t0, Lang: "fr", ID: "at://did:plc:x/app.bsky.feed.post/1", Handle: "did:plc:x",
		Text: long, URL: "https://bsky.app/profile/did:plc:x/post/1", Tags: []string{"a b", ""}})
	got, _ := x.Newest(Filter{}, 1)
	p := got[0]
	if len(p.Text) != 512 || p.Text != long[:512] {
		t.Errorf("text cut to %d bytes", len(p.Text))
	}
	if p.URL != "https://bsky.app/profile/did:plc:x/post/1" {
		t.Errorf("url %q", p.URL)
	}
	if !slices.Equal(p.Tags, []string{"a b", ""}) {
		t.Errorf("tags %q", p.Tags)
	}
	x.Add(Post{Seq: 2, Time: t0, Lang: "fr", ID: "2", Text: "see https://t.co/Abc12 now(http://x.y)"})
	for w, want := range map[string]int{"abc12": 0, "t": 0, "see": 1, "now": 1, "http": 1, "y": 1} {
		if got, _ := x.Newest(Filter{Words: []string{w}}, 5); len(got) != want {
			t.Errorf("word %q of a link: %d posts, want %d", w, len(got), want)
		}
	}
	got, _ = x.Newest(Filter{}, 1)
	if got[0].URL != "https://x.com/i/web/status/2" || got[0].Tags != nil {
		t.Errorf("derived url %q tags %q", got[0].URL, got[0].Tags)
	}
}

func TestBoundsAndDrops(t *testing.T) {
	x := New(3, 10*time.Minute)
	for i := range 5 {
		x.Add(Post{Seq: uint64(i), Time: t0 + int64(i)*int64(time.Minute), Lang: "en", ID: fmt.Sprint(i), Text: "word"})
	}
	if got, _ := x.Newest(Filter{Words: []string{"word"}}, 10); !slices.Equal(ids(got), []string{"4", "3", "2"}) || x.Len() != 3 {
		t.Errorf("limit: %q", ids(got))
	}
	// 20 minutes later: everything before minute 10 goes.
	x.Add(Post{Seq: 5, Time: t0 + 20*int64(time.Minute), Lang: "en", ID: "5", Text: "other"})
	if got, _ := x.Newest(Filter{}, 10); !slices.Equal(ids(got), []string{"5"}) {
		t.Errorf("max age: %q", ids(got))
	}
	if got, _ := x.Newest(Filter{Words: []string{"word"}}, 10); len(got) != 0 {
		t.Errorf("dropped posts still found: %q", ids(got))
	}
	x.DropBefore(6)
	if x.Len() != 0 {
		t.Errorf("DropBefore left %d", x.Len())
	}
	if _, ok := x.OldestTime(); ok {
		t.Error("OldestTime of an empty index")
	}
	off := New(0, 0)
	off.Add(Post{Seq: 1, Lang: "en", Text: "x"})
	if off.Len() != 0 {
		t.Error("limit 0 kept a post")
	}
}

// oracle is the naive index: a slice, scanned.
type oracle struct {
	limit  int
	maxAge int64
	posts  []Post
	newest int64
}

func (o *oracle) add(p Post) {
	p.Text = cut(p.Text, store.SnippetBytes)
	o.posts = append(o.posts, p)
	if len(o.posts) == 1 || p.Time > o.newest {
		o.newest = p.Time
	}
	for len(o.posts) > o.limit {
		o.posts = o.posts[1:]
	}
	for o.maxAge > 0 && len(o.posts) > 0 && o.posts[0].Time < o.newest-o.maxAge {
		o.posts = o.posts[1:]
	}
}

func (o *oracle) match(p Post, f Filter) bool {
	lo, hi := f.Lo, f.Hi
	if lo == 0 && hi == 0 {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if p.Time < lo || p.Time >= hi || f.Lang != "" && p.Lang != f.Lang {
		return false
	}
	if f.Tag != "" && !slices.Contains(p.Tags, f.Tag) {
		return false
	}
	ws := words.Append(nil, p.Text)
	for _, t := range p.Tags {
		ws = words.Append(ws, t)
	}
	for _, w := range f.Words {
		if !slices.Contains(ws, w) {
			return false
		}
	}
	if f.Geo != 0 || !f.BBox.IsZero() {
		if !p.HasPoint || f.Geo != 0 && !f.Geo.Has(p.Source) {
			return false
		}
		b := f.BBox
		if !b.IsZero() {
			inLon := p.Lon >= b.West && p.Lon <= b.East
			if b.West > b.East {
				inLon = p.Lon >= b.West || p.Lon <= b.East
			}
			if !inLon || p.Lat < b.South || p.Lat > b.North {
				return false
			}
		}
	}
	return true
}

var vocab = []string{"rain", "sun", "café", "Cafe", "東京都", "paris", "the", "a", "snow", "wind", "#Goal", "fiesta"}

func randPost(r *rand.Rand, seq uint64, tm int64) Post {
	var sb strings.Builder
	for range 1 + r.IntN(8) {
		sb.WriteString(vocab[r.IntN(len(vocab))])
		sb.WriteByte(' ')
	}
	p := Post{Seq: seq, Time: tm, Lang: []string{"en", "fr", "ja"}[r.IntN(3)], ID: fmt.Sprint(seq), Handle: "u", Text: sb.String()}
	for range r.IntN(3) {
		p.Tags = append(p.Tags, []string{"goal", "rain", "x"}[r.IntN(3)])
	}
	if r.IntN(2) == 0 {
		p.HasPoint, p.Lat, p.Lon, p.Source = true, r.Float64()*180-90, r.Float64()*360-180, post.GeoSource(1+r.IntN(4))
	}
	return p
}

// TestAgainstOracle adds random posts (times mostly rising, some late)
// past the bounds and compares every query with the naive index.
func TestAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, bounds := range []struct {
		limit  int
		maxAge time.Duration
	}{{3000, 0}, {5000, 30 * time.Minute}, {50, 0}} {
		x := New(bounds.limit, bounds.maxAge)
		o := &oracle{limit: bounds.limit, maxAge: int64(bounds.maxAge)}
		tm := t0
		for seq := range uint64(9000) {
			tm += int64(r.IntN(2000)) * int64(time.Millisecond)
			pt := tm
			if r.IntN(10) == 0 {
				pt -= int64(r.IntN(600)) * int64(time.Second)
			}
			p := randPost(r, seq, pt)
			x.Add(p)
			o.add(p)
			if seq%97 == 0 {
				checkSized(t, x)
			}
			if seq%1500 != 1499 {
				continue
			}
			if seq == 4499 {
				x.DropBefore(seq - 100)
				for len(o.posts) > 0 && o.posts[0].Seq < seq-100 {
					o.posts = o.posts[1:]
				}
			}
			for _, f := range []Filter{
				{}, {Words: []string{"cafe"}}, {Words: []string{"rain", "sun"}}, {Words: words.Append(nil, "京都")},
				{Tag: "goal"}, {Tag: "rain", Lang: "fr"}, {Lang: "ja", Words: []string{"the"}},
				{Lo: tm - int64(20*time.Minute), Hi: tm - int64(10*time.Minute)},
				{Lo: tm - int64(20*time.Minute), Hi: tm - int64(10*time.Minute), Words: []string{"snow"}},
				{Geo: post.GeoSetTrusted}, {BBox: store.BBox{West: 100, South: -50, East: -100, North: 50}, Geo: post.GeoSetAll},
				{BBox: store.BBox{West: -10, South: 0, East: 40, North: 60}, Words: []string{"wind"}},
			} {
				var want []Post
				for _, p := range o.posts {
					if o.match(p, f) {
						want = append(want, p)
					}
				}
				var each []uint64
				if err := x.Each(f, func(e *Entry) bool { each = append(each, e.Seq); return true }); err != nil {
					t.Fatal(err)
				}
				wantSeqs := make([]uint64, len(want))
				for i, p := range want {
					wantSeqs[i] = p.Seq
				}
				if !slices.Equal(each, wantSeqs) {
					t.Fatalf("bounds %+v seq %d filter %+v: Each saw %d posts, want %d", bounds, seq, f, len(each), len(wantSeqs))
				}
				slices.SortStableFunc(want, func(a, b Post) int {
					if a.Time != b.Time {
						return -cmpInt(a.Time, b.Time)
					}
					return -cmpInt(int64(a.Seq), int64(b.Seq))
				})
				for _, n := range []int{1, 20, 1000} {
					got, err := x.Newest(f, n)
					if err != nil {
						t.Fatal(err)
					}
					w := want[:min(n, len(want))]
					if len(got) != len(w) {
						t.Fatalf("bounds %+v filter %+v n %d: %d posts, want %d", bounds, f, n, len(got), len(w))
					}
					for i := range w {
						if got[i].ID != w[i].ID || got[i].Text != w[i].Text {
							t.Fatalf("bounds %+v filter %+v n %d: post %d is %s, want %s", bounds, f, n, i, got[i].ID, w[i].ID)
						}
					}
				}
			}
			if x.Len() != len(o.posts) {
				t.Fatalf("Len %d, want %d", x.Len(), len(o.posts))
			}
		}
		// Dropped postings are trimmed: far fewer than a pass's worth remain.
		if live := x.Len() * 12; x.postings > int64(live) {
			t.Errorf("bounds %+v: %d postings for %d posts", bounds, x.postings, x.Len())
		}
	}
}

// checkSized checks the sizes MemoryBytes reads, kept as the index
// changes, against a walk of it.
func checkSized(t *testing.T, x *Index) {
	t.Helper()
	kept := [3]int64{x.chunkBytes, x.keyBytes, x.listBytes}
	x.sized()
	if walked := [3]int64{x.chunkBytes, x.keyBytes, x.listBytes}; kept != walked {
		t.Fatalf("chunk, word and list bytes kept %v, walked %v", kept, walked)
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FuzzRoundTrip: whatever a post holds comes back as given (the text cut at
// a rune boundary), and it is found by each of its words.
func FuzzRoundTrip(f *testing.F) {
	f.Add("123", "user", "Café #x 東京都", "", "x", "")
	f.Add("at://did", "did:plc", strings.Repeat("ü", 400), "https://bsky.app/x", "\x80\xff", "a b")
	f.Fuzz(func(t *testing.T, id, handle, text, url, tag1, tag2 string) {
		x := New(2, 0)
		x.Add(Post{Seq: 1, Time: t0, Lang: "en", ID: "other", Text: "other"})
		x.Add(Post{Seq: 2, Time: t0, Lang: "en", ID: id, Handle: handle, Text: text, URL: url, Tags: []string{tag1, tag2}})
		got, err := x.Newest(Filter{}, 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("%v %v", got, err)
		}
		p := got[0]
		wantText := cut(text, store.SnippetBytes)
		if p.Text != wantText || len(p.Text) > store.SnippetBytes {
			t.Fatalf("text %q, want %q", p.Text, wantText)
		}
		if p.ID != cut(id, maxIDBytes) || p.Handle != cut(handle, maxHandleBytes) {
			t.Fatalf("id %q handle %q", p.ID, p.Handle)
		}
		if wantURL := post.Link(p.ID, p.Handle, cut(url, maxURLBytes)); p.URL != wantURL {
			t.Fatalf("url %q, want %q", p.URL, wantURL)
		}
		if !slices.Equal(p.Tags, []string{tag1, tag2}) {
			t.Fatalf("tags %q", p.Tags)
		}
		for _, w := range appendWords(nil, wantText) {
			got, _ := x.Newest(Filter{Words: []string{w}}, 2)
			if !slices.ContainsFunc(got, func(k store.KeptPost) bool { return k.ID == p.ID }) {
				t.Fatalf("word %q of %q does not find the post", w, wantText)
			}
		}
	})
}

// benchText builds tweet-like texts: 12 to 25 words of a Zipf vocabulary
// of 50 000, a handle, a hashtag.
func benchPosts(n int) []Post {
	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.1, 2, 50000)
	out := make([]Post, n)
	var sb strings.Builder
	for i := range out {
		sb.Reset()
		for range 12 + r.IntN(14) {
			fmt.Fprintf(&sb, "w%d ", z.Uint64())
		}
		tag := fmt.Sprintf("t%d", z.Uint64()%5000)
		sb.WriteString("#" + tag + " https://t.co/" + fmt.Sprint(r.Uint64()%1e10))
		out[i] = Post{Seq: uint64(i), Time: t0 + int64(i)*int64(time.Millisecond), Lang: "en",
			ID: fmt.Sprint(1_800_000_000_000_000_000 + i), Handle: fmt.Sprintf("user%d", r.IntN(100000)),
			Text: sb.String(), Tags: []string{tag}, HasPoint: i%4 == 0, Lat: 40, Lon: -3, Source: post.GeoExact, Conf: 255}
	}
	return out
}

// BenchmarkAdd measures adding to a full index and reports the live heap
// and the MemoryBytes estimate per kept post.
func BenchmarkAdd(b *testing.B) {
	const held = 200_000
	posts := benchPosts(held)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := New(held, 0)
	for _, p := range posts {
		x.Add(p)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	var text int
	for _, p := range posts {
		text += len(p.Text)
	}
	heap := float64(after.HeapAlloc-before.HeapAlloc) / held
	est := float64(x.MemoryBytes()) / held
	b.ResetTimer()
	for i := range b.N {
		p := posts[i%held]
		p.Seq = uint64(held + i)
		x.Add(p)
	}
	runtime.KeepAlive(posts)
	// Reported after the loop: ResetTimer clears reported metrics.
	b.ReportMetric(heap, "heapB/post")
	b.ReportMetric(est, "estB/post")
	b.ReportMetric(float64(text)/held, "textB/post")
}

func BenchmarkNewest(b *testing.B) {
	const held = 200_000
	x := New(held, 0)
	for _, p := range benchPosts(held) {
		x.Add(p)
	}
	for _, bc := range []struct {
		name string
		f    Filter
	}{
		{"all", Filter{}},
		{"common word", Filter{Words: []string{"w2"}}},
		{"two words", Filter{Words: []string{"w2", "w30"}}},
		{"rare word", Filter{Words: []string{"w40000"}}},
		{"bbox", Filter{BBox: store.BBox{West: -10, South: 35, East: 5, North: 45}}},
		{"old range", Filter{Lo: t0, Hi: t0 + int64(time.Minute)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				if _, err := x.Newest(bc.f, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHashCollisions forces words to share a hash (Add takes precut
// words): each keeps its own posting list, and dropping the posts of the
// word holding the hash's slot leaves the other findable, and the reverse.
func TestHashCollisions(t *testing.T) {
	x := New(2, 0)
	add := func(seq uint64, ws ...Word) {
		x.Add(Post{Seq: seq, Time: int64(seq), Lang: "en", ID: "1", Words: ws, WordsCut: true})
	}
	a, b, c := Word{"alpha", 7}, Word{"beta", 7}, Word{"gamma", 7}
	add(1, a)
	add(2, b, c)
	for _, w := range []Word{a, b, c} {
		if li, ok := x.lookup(w); !ok || x.keys[li] != w.Text {
			t.Fatalf("%q not found under a shared hash", w.Text)
		}
	}
	add(3, c) // drops post 1: "alpha", which held the hash's slot
	for range 10 {
		x.trimSome()
	}
	if _, ok := x.lookup(a); ok {
		t.Errorf("alpha still found after its only post was dropped")
	}
	for _, w := range []Word{b, c} {
		if li, ok := x.lookup(w); !ok || x.keys[li] != w.Text {
			t.Errorf("%q lost when alpha's list was freed", w.Text)
		}
	}
	add(4, a) // alpha again: a fresh list under the same hash
	add(5, a)
	for range 10 {
		x.trimSome()
	}
	li, ok := x.lookup(a)
	if !ok || len(x.lists[li]) != 2 {
		t.Fatalf("alpha re-added: found %v, list %v", ok, x.lists[li])
	}
	for _, w := range []Word{b, c} {
		if _, ok := x.lookup(w); ok {
			t.Errorf("%q found after all its posts were dropped", w.Text)
		}
	}
	if len(x.byHash)+len(x.collide) != 1 {
		t.Errorf("%d words by hash and %d colliding held, want just alpha", len(x.byHash), len(x.collide))
	}
}
