package snapshot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"
)

type cell struct {
	Key uint32
	N   uint16
	Lat float64
}

type withPointer struct{ P *int }

// write writes one of each kind of value the store writes.
func write(w *Writer) {
	w.Uint64(1 << 60)
	w.Int64(-5)
	w.Int(42)
	w.Uint32(7)
	w.Bool(true)
	w.String("héllo")
	w.Strings([]string{"a", "", "bcd"})
	Put(w, []cell{{1, 2, 3.5}, {4, 5, -6.25}})
	Put(w, []uint16(nil))
	v := [3]int32{9, 8, 7}
	PutValue(w, &v)
	PutRising(w, []uint32{math.MaxUint32 - 1, math.MaxUint32, 3, 3, 300, 70000})
	PutRising(w, nil)
}

type values struct {
	U   uint64
	I64 int64
	I   int
	U32 uint32
	B   bool
	S   string
	SS  []string
	C   []cell
	E   []uint16
	V   [3]int32
	R   []uint32
	R0  []uint32
}

func read(r *Reader) values {
	var v values
	v.U, v.I64, v.I, v.U32, v.B, v.S, v.SS = r.Uint64(), r.Int64(), r.Int(), r.Uint32(), r.Bool(), r.String(), r.Strings()
	v.C = Get[cell](r)
	v.E = Get[uint16](r)
	GetValue(r, &v.V)
	v.R, v.R0 = GetRising(r), GetRising(r)
	return v
}

func encoded(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	write(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readBack reads write's values from r and checks them.
func readBack(t *testing.T, r *Reader) {
	t.Helper()
	got := read(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	want := values{1 << 60, -5, 42, 7, true, "héllo", []string{"a", "", "bcd"},
		[]cell{{1, 2, 3.5}, {4, 5, -6.25}}, nil, [3]int32{9, 8, 7},
		[]uint32{math.MaxUint32 - 1, math.MaxUint32, 3, 3, 300, 70000}, nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	b := encoded(t)
	readBack(t, NewReader(bytes.NewReader(b), int64(len(b))))
}

// TestDamage: every flipped byte and every cut is found, by a check on
// the way or by the checksum, and never panics or allocates past the
// stream's size.
func TestDamage(t *testing.T) {
	b := encoded(t)
	for i := range b {
		d := bytes.Clone(b)
		d[i] ^= 0x40
		r := NewReader(bytes.NewReader(d), int64(len(d)))
		read(r)
		if err := r.Close(); !errors.Is(err, ErrDamaged) {
			t.Errorf("byte %d flipped: Close = %v, want ErrDamaged", i, err)
		}
	}
	for n := range len(b) {
		r := NewReader(bytes.NewReader(b[:n]), int64(n))
		read(r)
		if err := r.Close(); err == nil {
			t.Errorf("cut to %d of %d bytes: no error", n, len(b))
		}
	}
}

func TestPointersRefused(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	Put(w, []withPointer{{}})
	if w.Close() == nil {
		t.Error("a slice of pointers was written")
	}
	r := NewReader(bytes.NewReader(make([]byte, 64)), 64)
	if Get[withPointer](r); r.Err() == nil {
		t.Error("a slice of pointers was read")
	}
}

func TestLayoutFollowsTypes(t *testing.T) {
	type a struct {
		X uint32
		Y uint64
	}
	type b struct {
		X uint64
		Y uint64
	}
	if Layout(a{}) == Layout(b{}) || Layout(a{}) != Layout(a{}) {
		t.Error("layouts of different structs are equal, or of the same one differ")
	}
}

// writeAgain encodes v, values read, as write wrote them.
func writeAgain(v values) *bytes.Buffer {
	var again bytes.Buffer
	w := NewWriter(&again)
	w.Uint64(v.U)
	w.Int64(v.I64)
	w.Int(v.I)
	w.Uint32(v.U32)
	w.Bool(v.B)
	w.String(v.S)
	w.Strings(v.SS)
	Put(w, v.C)
	Put(w, v.E)
	PutValue(w, &v.V)
	PutRising(w, v.R)
	PutRising(w, v.R0)
	w.Close()
	return &again
}

// FuzzReader: whatever the bytes, reading never panics and a stream that
// reads back without error is one a Writer wrote.
func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	write(w)
	w.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), int64(len(b)))
		v := read(r)
		if r.Close() != nil {
			return
		}
		again := writeAgain(v)
		if !bytes.Equal(again.Bytes(), b) {
			t.Errorf("%x read back, written again as %x", b, again.Bytes())
		}
	})
}

// fileEncoded returns what NewFileWriter writes for write's values.
func fileEncoded(t testing.TB) []byte {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewFileWriter(f)
	write(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != w.FileLen() {
		t.Fatalf("FileLen %d, the file holds %d bytes", w.FileLen(), len(b))
	}
	return b
}

func TestFileRoundTrip(t *testing.T) {
	b := fileEncoded(t)
	r, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	readBack(t, r)
}

// TestFileCompresses: what the store writes most (counts, bounds) takes
// less room in the file than in the stream.
func TestFileCompresses(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewFileWriter(f)
	counts := make([]uint32, 1<<20)
	for i := range counts {
		counts[i] = uint32(i % 300)
	}
	Put(w, counts)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.FileLen() > w.Len()/4 {
		t.Errorf("%d bytes of counts took %d in the file", w.Len(), w.FileLen())
	}
}

// TestFileDamage: a flipped byte anywhere (header, frame, trailing
// bytes) and every cut are errors, never a panic, unless the frame still
// decodes to the same stream (a flag or a window size it does not need):
// the stream's checksum is what vouches for the values.
func TestFileDamage(t *testing.T) {
	b := fileEncoded(t)
	r, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := read(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	check := func(what string, d []byte) {
		t.Helper()
		r, err := NewFileReader(bytes.NewReader(d))
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("%s: NewFileReader = %v, want ErrDamaged", what, err)
			}
			return
		}
		if got := read(r); r.Close() == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: no error, and read back %+v", what, got)
		}
	}
	for i := range b {
		d := bytes.Clone(b)
		d[i] ^= 0x40
		check(fmt.Sprintf("byte %d flipped", i), d)
	}
	for n := range len(b) {
		check(fmt.Sprintf("cut to %d of %d bytes", n, len(b)), b[:n])
	}
	r, err = NewFileReader(bytes.NewReader(append(bytes.Clone(b), 0)))
	if err != nil {
		t.Fatal(err)
	}
	if read(r); r.Close() == nil {
		t.Error("a byte after the frame: no error")
	}
	// An uncompressed stream is not a file.
	if _, err := NewFileReader(bytes.NewReader(encoded(t))); !errors.Is(err, ErrDamaged) {
		t.Errorf("a bare stream: %v, want ErrDamaged", err)
	}
}

// FuzzFileReader: whatever the file's bytes, reading never panics, and
// a file that reads back without error holds what a Writer wrote.
func FuzzFileReader(f *testing.F) {
	f.Add(fileEncoded(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewFileReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		v := read(r)
		if r.Close() != nil {
			return
		}
		again := writeAgain(v)
		if again.Len() != int(binary.LittleEndian.Uint64(b[len(fileMagic):])) {
			t.Errorf("a stream of %d bytes read back from a header saying %d", again.Len(), binary.LittleEndian.Uint64(b[len(fileMagic):]))
		}
	})
}
