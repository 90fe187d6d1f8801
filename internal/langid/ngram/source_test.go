package ngram

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/langid/ngram/modeldata"
)

// linguaSource finds the lingua-go module go.mod pins, as the generator
// does.
func linguaSource(t testing.TB) (fs.FS, string) {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		t.Fatalf("go mod download lingua-go: %v", err)
	}
	var m struct{ Dir, Version string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		t.Fatalf("go mod download lingua-go: %v: %s", err, out)
	}
	return os.DirFS(m.Dir), m.Version
}

// TestLinguaModelLayout pins what this package expects of lingua-go's
// model files, so that a lingua-go upgrade that moves or reshapes them
// fails here, by name, rather than as a silently worse detector.
func TestLinguaModelLayout(t *testing.T) {
	src, _ := linguaSource(t)
	codes, err := linguaLanguages(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 75 {
		t.Errorf("lingua-go has %d languages, want 75 (v1.4.0)", len(codes))
	}
	for order := 1; order <= maxOrder; order++ {
		n, bad := 0, 0
		ok, err := readLinguaModel(src, "en", order, func(ng []byte, p float64) {
			n++
			if utf8.RuneCount(ng) != order || p <= 0 || p > 1 {
				bad++
			}
		})
		if err != nil || !ok {
			t.Fatalf("English order %d: ok %v, err %v", order, ok, err)
		}
		if n < 26 || bad > 0 {
			t.Errorf("English order %d: %d n-grams, %d malformed", order, n, bad)
		}
	}
	if ok, err := readLinguaModel(src, "ko", 2, func([]byte, float64) {}); ok || err != nil {
		t.Errorf("Korean bigrams: ok %v, err %v; want absent (script-only languages have unigrams only)", ok, err)
	}
}

// TestModelFile rebuilds the model file from the pinned lingua-go and
// checks that the embedded one is the same to the byte (a stale or
// hand-edited file fails here), then walks every table: buckets in order,
// every entry found by its own lookup, every posting naming a language.
func TestModelFile(t *testing.T) {
	if modeldata.File == "" {
		t.Fatal(ErrNoModel)
	}
	src, version := linguaSource(t)
	built, err := Build(src, version)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, []byte(modeldata.File)) {
		t.Fatalf("embedded model file (%d bytes) differs from one built from lingua-go %s (%d bytes): run go run ./internal/tools/ngrammodel",
			len(modeldata.File), version, len(built))
	}
	m, err := openModel(modeldata.File)
	if err != nil {
		t.Fatal(err)
	}
	if m.version != version || len(m.codes) != 75 {
		t.Errorf("version %q, %d languages; want %q, 75", m.version, len(m.codes), version)
	}
	for i := 0; i < len(m.posts)-postingsPad; i += postingBytes {
		if id := le16(m.posts, i) & (maxLangs - 1); int(id) >= len(m.codes) {
			t.Fatalf("posting %d names language %d of %d", i/postingBytes, id, len(m.codes))
		}
	}
	// Every used slot's postings lie inside the postings, one after the
	// other in slot-filling order, and cover them all.
	total := 0
	for order := 1; order <= maxOrder; order++ {
		tb := &m.tables[order]
		for i := 0; i < len(tb.slots); i += slotBytes {
			v := le64(tb.slots, i)
			if c := int(v >> 32 & 0xff); c > 0 {
				if first := int(v >> 40); (first+c)*postingBytes+postingsPad > len(m.posts) {
					t.Fatalf("order %d: slot %d: postings %d+%d of %d", order, i/slotBytes, first, c, len(m.posts)/postingBytes)
				}
				total += c
			}
		}
	}
	// Every hot n-gram is in one order's table, with the same postings.
	hot := 0
	for i := 0; i < len(m.hot.slots); i += hotSlotBytes {
		h := le64(m.hot.slots, i)
		if h == 0 {
			continue
		}
		hot++
		found := 0
		for order := 2; order <= maxOrder; order++ {
			if first, c, ok := m.tables[order].lookup(h); ok {
				found++
				if v := le32(m.hot.slots, i+8); v != first<<8|uint32(c) {
					t.Errorf("hot n-gram %x: %x, its order %d table %x", h, v, order, first<<8|uint32(c))
				}
			}
		}
		if found != 1 {
			t.Errorf("hot n-gram %x found in %d orders", h, found)
		}
	}
	if hot != hotCount {
		t.Errorf("%d hot n-grams, want %d", hot, hotCount)
	}
	if total*postingBytes+postingsPad != len(m.posts) {
		t.Errorf("the slots hold %d postings, the file %d", total, len(m.posts)/postingBytes)
	}
}

func TestOpenModelRejectsDamage(t *testing.T) {
	f := modeldata.File
	if f == "" {
		t.Fatal(ErrNoModel)
	}
	for name, bad := range map[string]string{
		"empty":     "",
		"magic":     "XXNGRAMA" + f[8:],
		"truncated": f[:len(f)-1],
		"trailing":  f + "x",
		"header":    f[:100],
	} {
		if _, err := openModel(bad); err == nil {
			t.Errorf("%s: openModel accepted a damaged file", name)
		}
	}
}

func TestDecodeModelRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{{0x22, 0xff}, {0x22, 0x02, 0x09}, {0x07}} {
		if err := decodeModel(b, func([]byte, float64) {}); err == nil {
			t.Errorf("decodeModel(%x): want an error", b)
		}
	}
}

func TestGalicianListsAreDisjoint(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range strings.Fields(galicianOnly) {
		seen[w] = true
	}
	for _, w := range strings.Fields(iberianOnly) {
		if seen[w] {
			t.Errorf("%q is in both Galician lists", w)
		}
	}
}

// TestWordTableFile rebuilds the word table from the embedded model and
// the word lists beside it (modeldata/words.txt) and fails if the embedded
// one differs: a stale table (a scoring change without make models) would
// silently change answers. It also checks that every word of the lists is
// found, and that a held-back word credited from its vector scores as it
// does position by position.
func TestWordTableFile(t *testing.T) {
	if modeldata.File == "" || modeldata.WordTable == "" {
		t.Fatal("no embedded model or word table: run make models")
	}
	lists, err := os.ReadFile(filepath.Join("modeldata", "words.txt"))
	if err != nil {
		t.Fatalf("%v: run make models", err)
	}
	want, err := BuildWordTable([]byte(modeldata.File), lists)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != modeldata.WordTable {
		t.Fatal("embedded words.bin differs from a rebuild: run make models")
	}
	d := newDetector(t)
	loaded, err := openModel(modeldata.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.loadWordLists(string(lists)); err != nil {
		t.Fatal(err)
	}
	vecs := 0
	for w, e := range loaded.wordPtrs {
		got, ok := d.m.words.lookup(hashRunes([]rune(w)))
		if got.vec != 0 {
			vecs++
		}
		got.vec = 0
		if !ok || got != *e {
			t.Fatalf("word %q: table has %+v (found %v), the lists %+v", w, got, ok, *e)
		}
	}
	if vecs != len(vecWords(loaded.wordPtrs)) || vecs < 10000 {
		t.Errorf("%d words with vectors, want %d (> 10000)", vecs, len(vecWords(loaded.wordPtrs)))
	}
	for _, w := range []string{"zzzqx", "geoheat", "kubernetes"} {
		if _, ok := d.m.words.lookup(hashRunes([]rune(w))); ok {
			t.Errorf("%q found in the word table", w)
		}
	}
	plain := &Detector{}
	*plain = *d
	m := *d.m
	m.vecs = ""
	plain.m = &m
	for _, text := range []string{"the cat and the dog", "de la casa que es", "и в на не что", "RT @x: yang ini tidak bisa"} {
		var a, b analysis
		d.analyse(text, &a)
		plain.analyse(text, &b)
		if a.scores != b.scores {
			t.Errorf("%q: scores with word vectors differ from position by position", text)
		}
	}
}

// TestOpenWordTableRejectsDamage: a word table that does not fit the
// model file, or is cut short, is an error, not a silently worse detector.
func TestOpenWordTableRejectsDamage(t *testing.T) {
	f := modeldata.WordTable
	if f == "" {
		t.Fatal(ErrNoModel)
	}
	for name, bad := range map[string]string{
		"magic":     "XXWORDS1" + f[8:],
		"languages": f[:9] + "zz" + f[11:],
		"truncated": f[:len(f)-1],
		"trailing":  f + "x",
		"header":    f[:100],
	} {
		m, err := openModel(modeldata.File)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.openWordTable(bad); err == nil {
			t.Errorf("%s: openWordTable accepted a damaged table", name)
		}
	}
}

// TestOpenAllocates: opening the embedded model and word table builds
// nothing per word or n-gram: a handful of allocations (the model, its
// language codes and ids), whatever the tables' sizes.
func TestOpenAllocates(t *testing.T) {
	if modeldata.File == "" || modeldata.WordTable == "" {
		t.Fatal(ErrNoModel)
	}
	n := testing.AllocsPerRun(10, func() {
		m, err := openModel(modeldata.File)
		if err == nil {
			err = m.openWordTable(modeldata.WordTable)
		}
		if err != nil {
			t.Fatal(err)
		}
	})
	if n > 20 {
		t.Errorf("opening the model allocates %v times, want at most 20", n)
	}
}

// TestDenseAndHotTables: the dense table's vectors and the hot table give
// the scores the orders' tables give alone, on texts of several languages
// (most of their 4-grams and of their words' first three letters are in
// the dense table).
func TestDenseAndHotTables(t *testing.T) {
	d := newDetector(t)
	if d.m.dense.slots == "" || d.m.hot.slots == "" {
		t.Fatal("no dense or hot table: run make models")
	}
	plain := &Detector{}
	*plain = *d
	m := *d.m
	m.dense, m.hot = denseTable{}, hotTable{}
	plain.m = &m
	hits, starts := 0, 0
	for _, text := range []string{
		"the government announced that the national elections will take place tomorrow",
		"el gobierno anunció que las elecciones nacionales serán mañana por la tarde",
		"le gouvernement a annoncé que les élections nationales auront lieu demain",
		"die Regierung hat angekündigt, dass die Wahlen morgen stattfinden werden",
		"pemerintah mengumumkan bahwa pemilihan umum akan diadakan besok",
		"правительство объявило, что выборы состоятся завтра",
		"RT @someone: sooooo happy right now!!! #blessed https://t.co/xyz",
	} {
		var a, b analysis
		d.analyse(text, &a)
		plain.analyse(text, &b)
		if a.scores != b.scores {
			t.Errorf("%q: scores with the dense and hot tables differ from the orders' tables alone", text)
		}
		rs := []rune(strings.ToLower(text))
		for i := 0; i+maxOrder <= len(rs); i++ {
			if d.m.dense.lookup(hashRunes(rs[i:i+maxOrder])) != 0 {
				hits++
			}
		}
		for _, w := range strings.Fields(strings.ToLower(text)) {
			if w := []rune(w); len(w) >= 3 && d.m.dense.lookup(hashRunes(w[:3])) != 0 {
				starts++
			}
		}
	}
	if hits < 50 || starts < 30 {
		t.Errorf("only %d 4-grams and %d words' first three letters of the texts in the dense table", hits, starts)
	}
}
