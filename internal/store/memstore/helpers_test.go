package memstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store/storetest"
)

// generator makes realistic posts: a skewed language mix, most posts
// without hashtags, Zipf-distributed tags in mixed case, a quarter with a
// point clustered around cities, increasing snowflake-like ids.
type generator struct {
	rng    *rand.Rand
	zipf   *rand.Zipf
	cities []post.Point
	id     uint64
}

var (
	genLangs   = []string{"en", "en", "en", "en", "en", "en", "en", "en", "es", "es", "es", "pt", "pt", "ja", "ja", "ar", "fr", "de", "tr", "it", "ru", "hinglish"}
	genTagText = func() []string {
		out := make([]string, 50_000)
		for i := range out {
			out[i] = fmt.Sprintf("tag%d", i)
		}
		return out
	}()
)

// geoShare is the fraction of generated posts with a point.
const geoShare = 0.25

func newGenerator(seed uint64) *generator {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &generator{
		rng:  rng,
		zipf: rand.NewZipf(rng, 1.2, 1, uint64(len(genTagText)-1)),
		id:   340_000_000_000_000_000,
	}
	for range 200 {
		g.cities = append(g.cities, post.Point{Lat: rng.Float64()*120 - 60, Lon: rng.Float64()*360 - 180})
	}
	return g
}

// batch returns n posts spread evenly over [start, start+span).
func (g *generator) batch(n int, start time.Time, span time.Duration) []post.Post {
	out := make([]post.Post, n)
	for i := range out {
		g.id += 1 + uint64(g.rng.IntN(1<<22))
		p := post.Post{
			ID:   fmt.Sprint(g.id),
			Time: start.Add(span * time.Duration(i) / time.Duration(n)).Truncate(time.Second),
			Text: "just landed and the coffee here is amazing, more later from the conference",
			Lang: genLangs[g.rng.IntN(len(genLangs))],
		}
		var nTags int
		switch r := g.rng.Float64(); {
		case r < 0.55:
		case r < 0.80:
			nTags = 1
		case r < 0.92:
			nTags = 2
		default:
			nTags = 3 + g.rng.IntN(4)
		}
		for range nTags {
			tag := genTagText[g.zipf.Uint64()]
			if g.rng.IntN(4) == 0 {
				tag = strings.ToUpper(tag[:1]) + tag[1:]
			}
			p.Hashtags = append(p.Hashtags, tag)
		}
		if g.rng.Float64() < geoShare {
			c := g.cities[int(math.Pow(g.rng.Float64(), 2)*float64(len(g.cities)))]
			p.HasPoint = true
			p.Point = post.Point{
				Lat: min(max(c.Lat+g.rng.NormFloat64()*0.1, -90), 90),
				Lon: min(max(c.Lon+g.rng.NormFloat64()*0.1, -180), 180),
			}
		}
		out[i] = p
	}
	return out
}

// fill opens a store and records n generated posts in batches of 256, at 50
// posts a second of post time starting at T0.
func fill(tb testing.TB, opts Options, n int) *Store {
	tb.Helper()
	return fillWith(tb, opts, n, nil)
}

// fillWith is fill with each generated batch passed through mix (when not
// nil) before it is recorded.
func fillWith(tb testing.TB, opts Options, n int, mix func([]post.Post) []post.Post) *Store {
	tb.Helper()
	if opts.Now == nil {
		opts.Now = storetest.NewClock(storetest.T0.Add(30 * 24 * time.Hour)).Now
	}
	s := open(tb, opts)
	gen := newGenerator(42)
	ctx := context.Background()
	const per = 256
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		start := storetest.T0.Add(time.Duration(i) * time.Second / 50)
		batch := gen.batch(k, start, time.Duration(k)*time.Second/50)
		if mix != nil {
			batch = mix(batch)
		}
		if err := s.Record(ctx, batch); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

func dirSize(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		n += info.Size()
	}
	return n
}

func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	segs, err := segmentIndexes(filepath.Join(dir, "wal"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segments in %s: %v", dir, err)
	}
	return filepath.Join(dir, "wal", segmentName(segs[len(segs)-1]))
}

func truncateBy(t *testing.T, path string, n int64) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	truncateTo(t, path, info.Size()-n)
}

func truncateTo(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// lastEntryOffset returns where the last entry of a segment file starts.
func lastEntryOffset(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pos, last := 0, 0
	for pos < len(data) {
		size, n := binary.Uvarint(data[pos:])
		if n <= 0 {
			t.Fatalf("bad framing at %d", pos)
		}
		last = pos
		pos += n + int(size)
	}
	return int64(last)
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// flipByte inverts one byte fromEnd bytes before the end of the file.
func flipByte(t *testing.T, path string, fromEnd int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-fromEnd] ^= 0xff
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
}

// safeBuffer collects log output.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *safeBuffer) Contains(sub string) bool { return strings.Contains(s.String(), sub) }

func (s *safeBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

func containsString(s, sub string) bool { return strings.Contains(s, sub) }
