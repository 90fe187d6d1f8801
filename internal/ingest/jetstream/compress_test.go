package jetstream

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/klauspost/compress/zstd"
)

// testDictID is the ID of the dictionaries the tests build. Jetstream's own
// dictionary has its own ID; a decoder loaded with one dictionary refuses
// frames that name another.
const testDictID = 0x6a657473

// buildDict trains a zstd dictionary on events, as Jetstream trained its
// own on a sample of its stream. Jetstream's dictionary is not in this
// repository (it is Jetstream's file, given with --jetstream-zstd-dict), so
// the tests exercise the same scheme with one of their own.
func buildDict(t testing.TB, events [][]byte, id uint32) []byte {
	t.Helper()
	// The history is the first half of the sample, at most 64 KB:
	// klauspost's BuildDict divides by zero on some inputs whose contents
	// all lie inside the history (v1.18.0).
	var all []byte
	for _, ev := range events {
		all = append(all, ev...)
	}
	hist := all[:min(len(all)/2, 64<<10)]
	dict, err := zstd.BuildDict(zstd.BuildDictOptions{ID: id, Contents: events, History: hist, Offsets: [3]int{1, 4, 8}})
	if err != nil {
		t.Fatalf("build dictionary: %v", err)
	}
	return dict
}

func newDictEncoder(t testing.TB, dict []byte) *zstd.Encoder {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderDict(dict))
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestCompressedSameAsText: demo events sent compressed with a
// dictionary yields exactly the events sent as text, byte for byte, and a
// damaged frame is passed on to be counted as malformed without ending the
// connection.
func TestCompressedSameAsText(t *testing.T) {
	lines := demoEvents(t, 150)
	dict := buildDict(t, lines, testDictID)
	enc := newDictEncoder(t, dict)
	defer enc.Close()

	run := func(compress bool, script ...step) ([][]byte, *Source) {
		f := newFake(t, lines, script...)
		f.enc = enc
		srv := httptest.NewServer(f)
		defer srv.Close()
		defer close(f.stop)
		want := len(wanted(f))
		if len(script) > 0 && script[0].corrupt {
			want++
		}
		h := startSource(t, []string{srv.URL}, "", func(o *Options) {
			if compress {
				o.ZstdDict = dict
			}
		})
		got := h.take(t, want)
		h.close(t)
		return got, h.src
	}
	text, _ := run(false)
	packed, src := run(true, step{corrupt: true})
	if src.Corrupt() != 1 {
		t.Errorf("corrupt frames counted %d, want 1", src.Corrupt())
	}
	var p post.Post
	if _, err := Parse(packed[0], &p); err == nil {
		t.Fatalf("the damaged frame parsed: %.80q", packed[0])
	}
	packed = packed[1:]
	if len(packed) != len(text) {
		t.Fatalf("%d events compressed, %d as text", len(packed), len(text))
	}
	for i := range text {
		if !bytes.Equal(packed[i], text[i]) {
			t.Fatalf("event %d differs:\n%.200s\n%.200s", i, packed[i], text[i])
		}
	}
}

// TestCompressedWrongDictionary: frames compressed with another dictionary
// (an operator's stale file) are each counted and passed on, never fatal.
func TestCompressedWrongDictionary(t *testing.T) {
	lines := demoEvents(t, 150)
	theirs := buildDict(t, lines, testDictID)
	ours := buildDict(t, lines, testDictID+1) // same content, another ID
	enc := newDictEncoder(t, theirs)
	defer enc.Close()
	f := newFake(t, lines)
	f.enc = enc
	srv := serveFake(t, f)
	n := len(wanted(f))
	h := startSource(t, []string{srv.URL}, "", func(o *Options) { o.ZstdDict = ours })
	got := h.take(t, n)
	h.close(t)
	if h.src.Corrupt() != int64(n) {
		t.Errorf("corrupt %d, want %d", h.src.Corrupt(), n)
	}
	var p post.Post
	for _, g := range got {
		if _, err := Parse(g, &p); err == nil {
			t.Fatalf("a frame of another dictionary parsed")
		}
	}
}

func TestNewRejectsBadDictionary(t *testing.T) {
	for _, d := range [][]byte{{}, []byte("not a dictionary at all")} {
		if _, err := New(Options{Hosts: []string{"wss://example.invalid"}, ZstdDict: d}); err == nil {
			t.Errorf("dictionary %q accepted", d)
		}
	}
}

// FuzzDecodeFrame feeds arbitrary binary frames to the decode path and what
// it yields to Parse: nothing may panic or yield more than a frame's limit.
func FuzzDecodeFrame(f *testing.F) {
	lines := fixtureLines(f, "testdata/events.jsonl")
	dict := buildDict(f, lines, testDictID)
	enc := newDictEncoder(f, dict)
	defer enc.Close()
	for _, l := range lines {
		f.Add(enc.EncodeAll(l, nil))
	}
	plain, _ := zstd.NewWriter(nil)
	f.Add(plain.EncodeAll(lines[0], nil)) // no dictionary
	plain.Close()
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd})
	dec, err := newFrameDecoder(dict)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		out, err := dec.decode(frame)
		if err != nil {
			if out != nil {
				t.Fatalf("output with an error")
			}
			return
		}
		if len(out) > maxFrame {
			t.Fatalf("%d bytes decoded", len(out))
		}
		var p post.Post
		Parse(out, &p)
	})
}
