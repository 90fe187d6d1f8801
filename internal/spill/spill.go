// Package spill keeps blocks of bytes that will never change again in
// memory-mapped files instead of on the Go heap.
//
// The embedded store holds its posts in columns of fixed-size chunks; once a
// chunk is full and a little behind the newest, it is only ever read, and
// at a billion posts the chunks are most of the memory. Put copies such a
// block into the current file of the area (with a pwrite, so the copy
// costs the process no resident memory until it is read) and returns the
// same bytes read through a read-only shared mapping of the file: the
// caller swaps its heap block for them and the garbage collector frees the
// heap copy. What is read through the mapping is served from the kernel's
// page cache, so a working set that fits stays as fast as the heap, and
// what is not read costs only disk.
//
// Files are written in order and never rewritten; a file is removed once
// every block in it has been released (the store drops its oldest posts
// first, so files empty roughly in the order they were written). Readers
// that hold mapped bytes without the caller's lock (the store's heat maps
// read their snapshot after releasing it) bracket their reading with Enter
// and Exit: a file emptied while they read is unmapped only after every
// reader that entered before it was emptied has left, so a reader never
// touches an unmapped page.
//
// A page read through a mapping stays mapped into the process, and counts
// in its resident memory, until the kernel needs the memory back. Reads
// that sweep (a summary of a hashtag's points spread over a year) would
// so make the process's resident size grow to the files' size while memory
// is free. With a resident budget (Options.ResidentBudget), every 8 MiB
// written (and at every Trim) the area checks the process's resident file
// pages and, over the budget, unmaps the pages of every file but the one
// being written
// (madvise MADV_DONTNEED): they stay in the kernel's page cache, and the
// next read maps them again without touching the disk.
//
// The files are a cache of what the store's write-ahead log holds, unless
// the store cuts its log at a snapshot (a checkpoint): Open removes what an
// earlier process left in the directory, unless told to keep it for a
// snapshot that points into it (Options.Keep, Adopt, Settle; CloseKeep
// leaves the files for that), and Pin keeps the files a checkpoint names
// until the next one. A write that fails (a full disk) leaves the block where it
// was, on the heap: nothing held is lost, the store keeps more in memory
// than it would, and Stats counts the failure.
package spill

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultFileSize is the size of each mapped file: big enough that a
// billion posts need a few hundred mappings, small enough that a file
// empties soon after the posts it holds are dropped.
const DefaultFileSize = 64 << 20

// Options configures Open.
type Options struct {
	// FileSize is the size of each file (default DefaultFileSize).
	FileSize int64
	// ResidentBudget bounds the process's resident file-backed pages
	// (RssFile) the area lets stay mapped; 0 never unmaps them.
	ResidentBudget int64
	// Keep keeps the files an earlier process left (CloseKeep) instead of
	// removing them: Adopt takes back the blocks a snapshot names, and
	// Settle then removes the files none was taken back from.
	Keep bool
}

// trimCheck is how many bytes are written between two checks of the
// resident budget.
const trimCheck = 8 << 20

// align is where blocks start within a file: a cache line, more than any
// column element's alignment.
const align = 64

const filePrefix = "cold-"

// Area is a directory of memory-mapped files holding released-to-disk
// blocks. It is safe for concurrent use.
type Area struct {
	dir      string
	fileSize int64
	budget   int64
	sinceChk int64 // bytes written since the budget was last checked

	mu    sync.Mutex      // guards files, cur, next, kept and the counters
	files []*file         // by mapping address, for Release's lookup
	kept  map[int64]*file // Options.Keep: the earlier files by number, until Settle
	// pinned are the files a snapshot on disk names blocks in (Pin):
	// they stay, emptied or not, until the next PinLive.
	pinned map[int64]bool
	// toVerify: the kept files Settle kept, for Verify.
	toVerify []string
	cur      *file // the file being written
	next     int   // number of the next file
	stats    Stats

	// Readers: epoch counts files emptied; readers maps an epoch to the
	// readers that entered in it. A file retired in epoch e is unmapped
	// once no reader of an epoch <= e is left.
	emu     sync.Mutex
	epoch   uint64
	readers map[uint64]int
	retired []retiredFile
}

type file struct {
	num  int64 // the number in its name
	f    *os.File
	path string
	data []byte // the mapping, fileSize long
	used int64  // bytes written (blocks and their alignment)
	live int    // blocks put and not released
	held int64  // bytes of those blocks
}

type retiredFile struct {
	f     *file
	epoch uint64
}

// Stats is what the area holds.
type Stats struct {
	Files      int   // files on disk
	DiskBytes  int64 // bytes written to the files on disk
	HeldBytes  int64 // bytes of blocks put and not released
	Blocks     int64 // blocks put and not released
	PutErrors  int64 // Puts that failed (the block stayed on the heap)
	LastErrMsg string
	Trims      int64 // times the files' pages were unmapped for the budget
	// Damaged counts the kept files in which Verify found a block whose
	// checksum fails; DamagedMsg says where.
	Damaged    int64
	DamagedMsg string
}

// Open opens the area in dir, creating it, and removes the files an
// earlier process left there.
func Open(dir string, o Options) (*Area, error) {
	fileSize := o.FileSize
	if fileSize <= 0 {
		fileSize = DefaultFileSize
	}
	fileSize = (fileSize + int64(os.Getpagesize()) - 1) &^ (int64(os.Getpagesize()) - 1)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spill: create %s: %w", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spill: read %s: %w", dir, err)
	}
	a := &Area{dir: dir, fileSize: fileSize, budget: o.ResidentBudget, readers: make(map[uint64]int)}
	if o.Keep {
		a.kept = make(map[int64]*file)
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), filePrefix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		num, err := strconv.ParseInt(strings.TrimPrefix(e.Name(), filePrefix), 10, 64)
		if o.Keep && err == nil && num >= 0 {
			if err := a.keepFile(path, num); err != nil {
				a.Close()
				return nil, err
			}
			continue
		}
		if err := os.Remove(path); err != nil {
			a.Close()
			return nil, fmt.Errorf("spill: remove an earlier process's file: %w", err)
		}
	}
	return a, nil
}

// keepFile maps an earlier process's file for Adopt. Caller is Open.
func (a *Area) keepFile(path string, num int64) error {
	fd, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("spill: open %s: %w", path, err)
	}
	st, err := fd.Stat()
	if err != nil || st.Size() <= 0 || st.Size() > 1<<40 {
		fd.Close()
		// Not one of ours to read; the files are a cache.
		return os.Remove(path)
	}
	data, err := mapFile(fd, st.Size())
	if err != nil {
		fd.Close()
		return fmt.Errorf("spill: map %s: %w", path, err)
	}
	f := &file{num: num, f: fd, path: path, data: data}
	a.kept[num] = f
	a.insert(f)
	a.next = max(a.next, int(num)+1)
	return nil
}

// mapFile maps size bytes of fd read-only for random reads: blocks are
// read a few elements at a time, anywhere in the file, so no readahead,
// which would read 128 KiB or more from disk around each page a read
// misses.
func mapFile(fd *os.File, size int64) ([]byte, error) {
	data, err := unix.Mmap(int(fd.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	if err := unix.Madvise(data, unix.MADV_RANDOM); err != nil {
		unix.Munmap(data)
		return nil, err
	}
	return data, nil
}

// insert adds f to the lookup by address. Caller holds mu or is Open.
func (a *Area) insert(f *file) {
	at, _ := slices.BinarySearchFunc(a.files, addr(f.data), func(x *file, p uintptr) int { return cmp.Compare(addr(x.data), p) })
	a.files = slices.Insert(a.files, at, f)
	a.stats.Files++
}

// Ref locates a block in the area's files.
type Ref struct {
	File int64 // the number in the file's name
	Off  int64
	Len  int64
}

// Ref returns where the block b, which Put or Adopt returned, lies.
func (a *Area) Ref(b []byte) Ref {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.fileOf(b)
	return Ref{File: f.num, Off: int64(addr(b) - addr(f.data)), Len: int64(len(b))}
}

// Adopt takes back a block an earlier process put in a file that Open
// kept (Options.Keep) and returns its bytes, as Put would have.
func (a *Area) Adopt(r Ref) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.kept[r.File]
	if f == nil {
		return nil, fmt.Errorf("spill: no file %s%08d in %s", filePrefix, r.File, a.dir)
	}
	if r.Off < 0 || r.Len <= 0 || r.Off > int64(len(f.data))-r.Len {
		return nil, fmt.Errorf("spill: block %d+%d past the end of %s (%d bytes)", r.Off, r.Len, f.path, len(f.data))
	}
	if end := r.Off + r.Len; end > f.used {
		a.stats.DiskBytes += end - f.used
		f.used = end
	}
	f.live++
	f.held += r.Len
	a.stats.HeldBytes += r.Len
	a.stats.Blocks++
	return f.data[r.Off : r.Off+r.Len : r.Off+r.Len], nil
}

// Settle ends the adoption: the kept files no block was taken back from
// are removed, and the next Put starts a new file.
func (a *Area) Settle() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range a.kept {
		if f.live == 0 {
			a.retire(f)
		} else {
			a.toVerify = append(a.toVerify, f.path)
		}
	}
	a.kept = nil
}

// Verify reads through the files that Settle kept, checking every block's
// checksum, and reports the first damage found (also counted in Stats) or
// ctx's error. A file removed meanwhile (its blocks all dropped) is
// skipped. It reads with the file's own readahead, not through the
// mapping, and holds no lock while it reads.
func (a *Area) Verify(ctx context.Context) error {
	a.mu.Lock()
	paths := a.toVerify
	a.toVerify = nil
	a.mu.Unlock()
	var first error
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := verifyFile(ctx, path)
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, context.Canceled) {
			continue
		}
		a.mu.Lock()
		a.stats.Damaged++
		a.stats.DamagedMsg = err.Error()
		a.mu.Unlock()
		if first == nil {
			first = err
		}
	}
	return first
}

// verifyFile checks the blocks of one file, up to the first header of
// length 0 (where nothing was written).
func verifyFile(ctx context.Context, path string) error {
	fd, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return err
	}
	r := bufio.NewReaderSize(fd, 1<<20)
	var head [headerLen]byte
	var buf []byte
	pos, off := int64(0), int64(align)
	for i := 0; off+headerLen <= st.Size(); i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := r.Discard(int(off - headerLen - pos)); err != nil {
			return fmt.Errorf("spill: %s: %w", path, err)
		}
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return fmt.Errorf("spill: %s: %w", path, err)
		}
		n := int64(binary.LittleEndian.Uint32(head[:4]))
		if n == 0 {
			return nil
		}
		if off+n > st.Size() {
			return fmt.Errorf("spill: %s: damaged: a block of %d bytes at %d runs past the file's end", path, n, off)
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("spill: %s: %w", path, err)
		}
		if crc32.Checksum(buf, castagnoli) != binary.LittleEndian.Uint32(head[4:]) {
			return fmt.Errorf("spill: %s: damaged: the block of %d bytes at %d fails its checksum", path, n, off)
		}
		pos = off + n
		off = dataAt(pos)
	}
	return nil
}

// Dir is the area's directory.
func (a *Area) Dir() string { return a.dir }

// Put copies b to the area and returns the copy, read-only: writing to it
// faults. The copy stays valid until Release and, for a reader that
// entered before the Release, until that reader's Exit. A block larger
// than the file size is refused.
func (a *Area) Put(b []byte) ([]byte, error) {
	n := int64(len(b))
	if n == 0 || n > a.fileSize-align {
		return nil, fmt.Errorf("spill: block of %d bytes (files hold %d)", n, a.fileSize)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	off := int64(align)
	if a.cur != nil {
		off = dataAt(a.cur.used)
	}
	if a.cur == nil || off+n > a.fileSize {
		if err := a.startFile(); err != nil {
			return nil, a.failed(err)
		}
		off = align
	}
	f := a.cur
	var head [headerLen]byte
	binary.LittleEndian.PutUint32(head[:4], uint32(n))
	binary.LittleEndian.PutUint32(head[4:], crc32.Checksum(b, castagnoli))
	if err := writeFull(f.f, [][]byte{head[:], b}, off-headerLen); err != nil {
		return nil, a.failed(fmt.Errorf("spill: write %s: %w", f.path, err))
	}
	a.stats.DiskBytes += off + n - f.used
	f.used = off + n
	f.live++
	f.held += n
	a.stats.HeldBytes += n
	a.stats.Blocks++
	if a.sinceChk += n; a.sinceChk >= trimCheck {
		a.checkBudget()
	}
	return f.data[off : off+n : off+n], nil
}

// Each block is preceded by a header, its length and CRC-32C, so that
// Verify can read a file through and check every block without an index.
// A block's data starts aligned, its header in the 8 bytes before.
const headerLen = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// dataAt is where the data of the block after a file's first used bytes
// starts.
func dataAt(used int64) int64 { return (used + headerLen + align - 1) &^ (align - 1) }

// writeFull writes bufs at off with one pwritev, finishing a short write.
func writeFull(f *os.File, bufs [][]byte, off int64) error {
	for len(bufs) > 0 {
		n, err := unix.Pwritev(int(f.Fd()), bufs, off)
		if err != nil {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: err}
		}
		if n == 0 {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: io.ErrShortWrite}
		}
		off += int64(n)
		for n > 0 && len(bufs) > 0 {
			k := min(n, len(bufs[0]))
			bufs[0] = bufs[0][k:]
			n -= k
			if len(bufs[0]) == 0 {
				bufs = bufs[1:]
			}
		}
	}
	return nil
}

// Trim unmaps the pages of every file but the one being written from the
// process when its resident file pages are over the budget, and reports
// whether it did. Put checks every 8 MiB written; a store that is read
// without being written to calls Trim now and then.
func (a *Area) Trim() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.checkBudget()
}

// checkBudget trims when over the budget. Caller holds mu.
func (a *Area) checkBudget() bool {
	a.sinceChk = 0
	if a.budget <= 0 || residentFile() <= a.budget {
		return false
	}
	a.trim()
	return true
}

// trim unmaps the pages of every file but the current one from the
// process; they stay in the page cache. Caller holds mu.
func (a *Area) trim() {
	page := int64(os.Getpagesize())
	for _, f := range a.files {
		if f != a.cur && f.used > 0 {
			// Errors leave the pages mapped: nothing lost but memory.
			_ = unix.Madvise(f.data[:min((f.used+page-1)&^(page-1), int64(len(f.data)))], unix.MADV_DONTNEED)
		}
	}
	a.stats.Trims++
}

// residentFile is the process's resident file-backed and shared memory in
// bytes (the third field of /proc/self/statm), 0 when unknown.
func residentFile() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0
	}
	pages, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

func (a *Area) failed(err error) error {
	a.stats.PutErrors++
	a.stats.LastErrMsg = err.Error()
	return err
}

// startFile seals the current file (retiring it when already empty) and
// creates the next. Caller holds mu.
func (a *Area) startFile() error {
	path := filepath.Join(a.dir, fmt.Sprintf("%s%08d", filePrefix, a.next))
	fd, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("spill: create %s: %w", path, err)
	}
	// The mapping covers the whole file from the start, so that blocks
	// written later need no new mapping; pages past what is written are
	// never read.
	if err := fd.Truncate(a.fileSize); err != nil {
		fd.Close()
		os.Remove(path)
		return fmt.Errorf("spill: size %s: %w", path, err)
	}
	data, err := mapFile(fd, a.fileSize)
	if err != nil {
		fd.Close()
		os.Remove(path)
		return fmt.Errorf("spill: map %s: %w", path, err)
	}
	if old := a.cur; old != nil && old.live == 0 && !a.pinned[old.num] {
		a.retire(old)
	}
	f := &file{num: int64(a.next), f: fd, path: path, data: data}
	a.next++
	a.cur = f
	a.insert(f)
	return nil
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// fileOf returns the file holding b. Caller holds mu.
func (a *Area) fileOf(b []byte) *file {
	p := addr(b)
	i, _ := slices.BinarySearchFunc(a.files, p, func(x *file, p uintptr) int { return cmp.Compare(addr(x.data), p) })
	// files[i-1] is the last file starting at or before p (i itself when
	// it starts exactly at p).
	if i == len(a.files) || addr(a.files[i].data) != p {
		i--
	}
	if i < 0 || p >= addr(a.files[i].data)+uintptr(len(a.files[i].data)) {
		panic("spill: bytes the area does not hold")
	}
	return a.files[i]
}

// Release tells the area that the block Put returned as b is no longer
// used. b must be exactly what Put returned. A file whose blocks are all
// released and that is no longer written is removed, once the readers that
// entered before have left.
func (a *Area) Release(b []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.fileOf(b)
	f.live--
	f.held -= int64(len(b))
	a.stats.HeldBytes -= int64(len(b))
	a.stats.Blocks--
	// A kept file is Settle's to retire until the adoption ends; a
	// pinned one Pin's.
	if f.live == 0 && f != a.cur && a.kept[f.num] != f && !a.pinned[f.num] {
		a.retire(f)
	}
}

// LiveFiles returns the numbers of the files that now hold blocks: those
// a snapshot written now names.
func (a *Area) LiveFiles() map[int64]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	live := make(map[int64]bool)
	for _, f := range a.files {
		if f.live > 0 {
			live[f.num] = true
		}
	}
	return live
}

// Pin keeps the files numbered in set on disk, emptied or not, until the
// next Pin, and Close leaves them: the files a durable snapshot (a
// checkpoint) names, and while the next one is being made durable, those
// of both. Files pinned before and not now that hold no block any more are
// removed.
func (a *Area) Pin(set map[int64]bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var empty []*file
	for _, f := range a.files {
		if f.live == 0 && f != a.cur && a.kept[f.num] != f && a.pinned[f.num] && !set[f.num] {
			empty = append(empty, f)
		}
	}
	a.pinned = maps.Clone(set)
	for _, f := range empty {
		a.retire(f)
	}
}

// SyncFiles flushes the files numbered in set to disk, without holding
// the area's lock while it waits (Put goes on). None may be removed
// meanwhile: they are pinned, or nothing releases blocks.
func (a *Area) SyncFiles(set map[int64]bool) error {
	a.mu.Lock()
	var fs []*os.File
	for _, f := range a.files {
		if set[f.num] {
			fs = append(fs, f.f)
		}
	}
	a.mu.Unlock()
	var errs []error
	for _, f := range fs {
		errs = append(errs, f.Sync())
	}
	return errors.Join(errs...)
}

// retire takes f out of the lookup and unmaps it once no reader that could
// hold its bytes is left. Caller holds mu.
func (a *Area) retire(f *file) {
	i := slices.Index(a.files, f)
	a.files = slices.Delete(a.files, i, i+1)
	a.stats.Files--
	a.stats.DiskBytes -= f.used
	a.emu.Lock()
	a.retired = append(a.retired, retiredFile{f: f, epoch: a.epoch})
	a.epoch++
	gone := a.reclaim()
	a.emu.Unlock()
	unmap(gone)
}

// reclaim takes the retired files no reader can hold any more off the
// list. Caller holds emu.
func (a *Area) reclaim() []*file {
	oldest := a.epoch
	for e := range a.readers {
		oldest = min(oldest, e)
	}
	var gone []*file
	keep := a.retired[:0]
	for _, r := range a.retired {
		if r.epoch < oldest {
			gone = append(gone, r.f)
		} else {
			keep = append(keep, r)
		}
	}
	clear(a.retired[len(keep):])
	a.retired = keep
	return gone
}

// unmap unmaps and removes files; the first error is what is left of it
// (nothing a caller could do: the space stays taken until the process
// exits).
func unmap(files []*file) error {
	var errs []error
	for _, f := range files {
		errs = append(errs, unix.Munmap(f.data), f.f.Close(), os.Remove(f.path))
		f.data = nil
	}
	return errors.Join(errs...)
}

// Reader is what Enter returns and Exit takes.
type Reader struct{ epoch uint64 }

// Enter marks the start of reading blocks outside the caller's lock: no
// file emptied after Enter is unmapped before the matching Exit. Enter
// before taking the snapshot of what to read.
func (a *Area) Enter() Reader {
	a.emu.Lock()
	e := a.epoch
	a.readers[e]++
	a.emu.Unlock()
	return Reader{e}
}

// Exit ends what Enter started, unmapping the files that waited for it.
func (a *Area) Exit(r Reader) {
	a.emu.Lock()
	if a.readers[r.epoch]--; a.readers[r.epoch] <= 0 {
		delete(a.readers, r.epoch)
	}
	var gone []*file
	if len(a.retired) > 0 {
		gone = a.reclaim()
	}
	a.emu.Unlock()
	unmap(gone)
}

// Stats reports what the area holds.
func (a *Area) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// Close waits for the readers that entered to leave, then unmaps and
// removes every file. Nothing may read the area's blocks after Close.
func (a *Area) Close() error { return a.close(false) }

// CloseKeep is Close but leaves the files that hold blocks on disk, for a
// later Open with Options.Keep to adopt (call SyncFiles first for them to
// outlast a power loss), and those Open kept that Settle has not dealt
// with yet. Either leaves the files Pin pinned.
func (a *Area) CloseKeep() error { return a.close(true) }

func (a *Area) close(keep bool) error {
	for {
		a.emu.Lock()
		n := len(a.readers)
		a.emu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.emu.Lock()
	var gone, kept []*file
	for _, f := range a.files {
		if keep && (f.live > 0 || a.kept[f.num] == f) || a.pinned[f.num] {
			kept = append(kept, f)
		} else {
			gone = append(gone, f)
		}
	}
	for _, r := range a.retired {
		gone = append(gone, r.f)
	}
	a.files, a.retired, a.cur, a.kept, a.pinned = nil, nil, nil, nil, nil
	a.emu.Unlock()
	a.stats.Files, a.stats.DiskBytes, a.stats.HeldBytes, a.stats.Blocks = 0, 0, 0, 0
	var errs []error
	for _, f := range kept {
		errs = append(errs, unix.Munmap(f.data), f.f.Close())
		f.data = nil
	}
	return errors.Join(append(errs, unmap(gone))...)
}
