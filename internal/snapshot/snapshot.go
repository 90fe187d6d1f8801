// Package snapshot encodes in-memory state to a stream and back, with a
// checksum over every byte, for the embedded store's shutdown snapshot: a
// store that wrote one starts by reading it instead of replaying its whole
// write-ahead log (as Prometheus' TSDB does with its head snapshot).
//
// The encoding is the machine's own memory layout: slices of pointer-free
// element types are written as their bytes, so that gigabytes of columns
// and summaries are written and read at the disk's speed. A snapshot is
// therefore read back only by the build that wrote it (the caller's header
// says which; see Layout); any other reader rebuilds from its log.
//
// A file (NewFileWriter, NewFileReader) holds the stream compressed with
// S2, behind a header that gives its length (file.go).
//
// Errors are sticky: after the first, writes do nothing and reads return
// zero values, so that an encoder reads as a list of fields, checked once
// at the end (Close).
package snapshot

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"reflect"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/s2"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Writer encodes values to a stream. Create it with NewWriter.
type Writer struct {
	w   *bufio.Writer
	crc uint32
	n   int64
	err error
	buf [8]byte
	// A Writer from NewFileWriter compresses through enc into out, the
	// counted file.
	file WriterAtWriter
	enc  *s2.Writer
	out  *countingWriter
	// rising is PutRising's buffer, reused: a store writes a list per
	// hashtag and language, millions at a billion posts.
	rising []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 1<<20)}
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	w.crc = crc32.Update(w.crc, castagnoli, b)
	w.n += int64(len(b))
	_, w.err = w.w.Write(b)
}

// Uint64 writes v.
func (w *Writer) Uint64(v uint64) {
	binary.LittleEndian.PutUint64(w.buf[:], v)
	w.write(w.buf[:8])
}

// Int64 writes v.
func (w *Writer) Int64(v int64) { w.Uint64(uint64(v)) }

// Int writes v.
func (w *Writer) Int(v int) { w.Uint64(uint64(v)) }

// Uint32 writes v.
func (w *Writer) Uint32(v uint32) { w.Uint64(uint64(v)) }

// Bool writes v.
func (w *Writer) Bool(v bool) {
	if v {
		w.Uint64(1)
	} else {
		w.Uint64(0)
	}
}

// String writes s.
func (w *Writer) String(s string) {
	w.Int(len(s))
	w.write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Strings writes ss: their lengths, then their bytes, so that a reader
// makes two allocations for millions of strings.
func (w *Writer) Strings(ss []string) {
	lens := make([]uint32, len(ss))
	for i, s := range ss {
		if len(s) > math.MaxUint32 {
			w.Fail(fmt.Errorf("snapshot: a string of %d bytes", len(s)))
			return
		}
		lens[i] = uint32(len(s))
	}
	Put(w, lens)
	for _, s := range ss {
		w.write(unsafe.Slice(unsafe.StringData(s), len(s)))
	}
}

// Len is how many bytes were written so far.
func (w *Writer) Len() int64 { return w.n }

// Fail records err (a value the encoder cannot write) unless an error is
// already recorded.
func (w *Writer) Fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Err is the first error.
func (w *Writer) Err() error { return w.err }

// Close writes the checksum of everything written and flushes (and, from
// NewFileWriter, completes the file). It does not close the underlying
// writer.
func (w *Writer) Close() error {
	err := w.close()
	if w.enc != nil {
		if err != nil {
			w.enc.Close() // its goroutines; the error is err's
			return err
		}
		return w.closeFile()
	}
	return err
}

func (w *Writer) close() error {
	if w.err != nil {
		return w.err
	}
	binary.LittleEndian.PutUint32(w.buf[:4], w.crc)
	if _, err := w.w.Write(w.buf[:4]); err != nil {
		return err
	}
	return w.w.Flush()
}

// Put writes the elements of s, whose type must hold no pointers.
func Put[T any](w *Writer, s []T) {
	if err := checkPlain[T](); err != nil {
		w.Fail(err)
		return
	}
	w.Int(len(s))
	w.write(bytesOf(s))
}

// PutValue writes *v, whose type must hold no pointers.
func PutValue[T any](w *Writer, v *T) {
	if err := checkPlain[T](); err != nil {
		w.Fail(err)
		return
	}
	w.write(unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v)))
}

func bytesOf[T any](s []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), uintptr(len(s))*unsafe.Sizeof(*new(T)))
}

// Reader decodes what a Writer wrote. Create it with NewReader.
type Reader struct {
	r    *bufio.Reader
	crc  uint32
	left int64 // bytes of the stream not yet read
	err  error
	buf  [8]byte
	dec  *s2.Reader // from NewFileReader
}

// NewReader returns a Reader on r, which holds size bytes: a length read
// that would need more than what is left is an error, so a damaged length
// never allocates past the stream's size.
func NewReader(r io.Reader, size int64) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 1<<20), left: size - 4}
}

// ErrDamaged reports a stream that does not decode or whose checksum does
// not match.
var ErrDamaged = errors.New("snapshot: damaged")

func (r *Reader) read(b []byte) bool {
	if r.err != nil {
		clear(b)
		return false
	}
	if int64(len(b)) > r.left {
		r.err = fmt.Errorf("%w: %d bytes wanted, %d left", ErrDamaged, len(b), r.left)
		clear(b)
		return false
	}
	if _, err := io.ReadFull(r.r, b); err != nil {
		r.err = fmt.Errorf("%w: %v", ErrDamaged, err)
		clear(b)
		return false
	}
	r.left -= int64(len(b))
	r.crc = crc32.Update(r.crc, castagnoli, b)
	return true
}

// Uint64 reads a value Writer.Uint64 wrote.
func (r *Reader) Uint64() uint64 {
	r.read(r.buf[:8])
	return binary.LittleEndian.Uint64(r.buf[:8])
}

// Int64 reads a value Writer.Int64 wrote.
func (r *Reader) Int64() int64 { return int64(r.Uint64()) }

// Int reads a value Writer.Int wrote.
func (r *Reader) Int() int { return int(r.Uint64()) }

// Uint32 reads a value Writer.Uint32 wrote; a larger value is damage.
func (r *Reader) Uint32() uint32 {
	v := r.Uint64()
	if v > math.MaxUint32 {
		r.Fail("value %d is not a uint32", v)
		return 0
	}
	return uint32(v)
}

// Bool reads a value Writer.Bool wrote; anything but 0 or 1 is damage.
func (r *Reader) Bool() bool {
	switch r.Uint64() {
	case 0:
		return false
	case 1:
		return true
	}
	r.Fail("not a bool")
	return false
}

// Len reads a length of elements of size bytes each and checks that they
// fit in what is left.
func (r *Reader) Len(size uintptr) int {
	n := r.Uint64()
	if r.err != nil {
		return 0
	}
	if size == 0 {
		size = 1
	}
	if n > uint64(r.left)/uint64(size) {
		r.Fail("length %d of %d-byte elements exceeds the %d bytes left", n, size, r.left)
		return 0
	}
	return int(n)
}

// String reads a value Writer.String wrote.
func (r *Reader) String() string {
	n := r.Len(1)
	if n == 0 {
		return ""
	}
	b := make([]byte, n)
	r.read(b)
	return unsafe.String(unsafe.SliceData(b), n)
}

// Strings reads a value Writer.Strings wrote. The strings share one
// array: it stays allocated while any of them is referenced.
func (r *Reader) Strings() []string {
	lens := Get[uint32](r)
	total := int64(0)
	for _, n := range lens {
		total += int64(n)
	}
	if total > r.left {
		r.Fail("strings of %d bytes exceed the %d bytes left", total, r.left)
		return nil
	}
	if len(lens) == 0 {
		return nil
	}
	blob := make([]byte, total)
	r.read(blob)
	ss := make([]string, len(lens))
	off := 0
	for i, n := range lens {
		if n > 0 {
			ss[i] = unsafe.String(&blob[off], int(n))
		}
		off += int(n)
	}
	return ss
}

// Fail records that what was read does not make sense (damage the
// checksum would also find, found earlier), unless an error is already
// recorded.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, args...))
	}
}

// Err is the first error.
func (r *Reader) Err() error { return r.err }

// Close checks that the whole stream was read and that its checksum
// matches; the values read are to be trusted only when it returns nil.
func (r *Reader) Close() error {
	err := r.close()
	if r.dec != nil {
		return r.closeFile(err)
	}
	return err
}

func (r *Reader) close() error {
	if r.err != nil {
		return r.err
	}
	if r.left != 0 {
		return fmt.Errorf("%w: %d bytes not read", ErrDamaged, r.left)
	}
	want := r.crc
	var sum [4]byte
	if _, err := io.ReadFull(r.r, sum[:]); err != nil {
		return fmt.Errorf("%w: checksum: %v", ErrDamaged, err)
	}
	if got := binary.LittleEndian.Uint32(sum[:]); got != want {
		return fmt.Errorf("%w: checksum %08x, computed %08x", ErrDamaged, got, want)
	}
	return nil
}

// Get reads the elements Put wrote; nil when there were none.
func Get[T any](r *Reader) []T {
	if err := checkPlain[T](); err != nil {
		r.Fail("%v", err)
		return nil
	}
	n := r.Len(unsafe.Sizeof(*new(T)))
	if n == 0 {
		return nil
	}
	s := make([]T, n)
	r.read(bytesOf(s))
	return s
}

// GetValue reads into *v what PutValue wrote.
func GetValue[T any](r *Reader, v *T) {
	if err := checkPlain[T](); err != nil {
		r.Fail("%v", err)
		return
	}
	r.read(unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v)))
}

// Layout describes the memory layout of the given values' types (their
// names, sizes and fields' offsets), for a snapshot's header: a reader
// whose layout differs (another build changed a type) does not read it.
func Layout(vs ...any) string {
	var b []byte
	for _, v := range vs {
		b = appendLayout(b, reflect.TypeOf(v))
	}
	return fmt.Sprintf("%08x", crc32.Checksum(b, castagnoli))
}

func appendLayout(b []byte, t reflect.Type) []byte {
	b = fmt.Appendf(b, "%s/%d/%d;", t.String(), t.Size(), t.Align())
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			b = fmt.Appendf(b, "%s@%d:", f.Name, f.Offset)
			b = appendLayout(b, f.Type)
		}
	case reflect.Array:
		b = appendLayout(b, t.Elem())
	}
	return b
}

// plain caches checkPlain's verdict per type.
var plain sync.Map // reflect.Type -> error

// checkPlain reports an error unless T holds no pointers, strings, slices,
// maps, interfaces, channels or functions: only such types' bytes mean the
// same when read back by another process.
func checkPlain[T any]() error {
	t := reflect.TypeFor[T]()
	if v, ok := plain.Load(t); ok {
		if v == nil {
			return nil
		}
		return v.(error)
	}
	var err error
	if !isPlain(t) {
		err = fmt.Errorf("snapshot: %s holds pointers: it cannot be written as bytes", t)
	}
	plain.Store(t, err)
	return err
}

func isPlain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return isPlain(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !isPlain(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// PutRising writes s, a list of uint32 that mostly rise by little (the
// positions of a hashtag's points, ascending and wrapping), as the
// differences between neighbours (modulo 2^32) in varints: a byte or two
// each instead of four, and bytes that compress besides.
func PutRising(w *Writer, s []uint32) {
	b := w.rising[:0]
	prev := uint32(0)
	for _, v := range s {
		b = binary.AppendUvarint(b, uint64(v-prev))
		prev = v
	}
	w.rising = b
	w.Int(len(s))
	w.Int(len(b))
	w.write(b)
}

// GetRising reads what PutRising wrote; nil when it wrote none.
func GetRising(r *Reader) []uint32 {
	n := r.Len(1) // every value takes at least a byte
	size := r.Len(1)
	if r.err != nil || n == 0 && size == 0 {
		return nil
	}
	if n > size || size > n*binary.MaxVarintLen32 {
		r.Fail("%d values in %d bytes", n, size)
		return nil
	}
	b := make([]byte, size)
	if !r.read(b) {
		return nil
	}
	s := make([]uint32, n)
	prev := uint32(0)
	for i := range s {
		d, k := binary.Uvarint(b)
		// (An overlong encoding, ending in a zero byte, is not PutRising's.)
		if k <= 0 || d > math.MaxUint32 || k > 1 && b[k-1] == 0 {
			r.Fail("value %d of %d does not decode", i, n)
			return nil
		}
		prev += uint32(d)
		s[i], b = prev, b[k:]
	}
	if len(b) != 0 {
		r.Fail("%d bytes after %d values", len(b), n)
		return nil
	}
	return s
}
