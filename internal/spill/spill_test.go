package spill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/geoheat/geoheat/internal/testenv"
)

const testFile = 64 << 10 // 16 pages

func openArea(t *testing.T, dir string) *Area {
	t.Helper()
	a, err := Open(dir, Options{FileSize: testFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func files(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, filePrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func block(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestPutReleaseRemovesFiles checks that blocks read back as written,
// start aligned, fill files in order, and that a file goes from disk once
// every block in it is released and it is no longer written.
func TestPutReleaseRemovesFiles(t *testing.T) {
	dir := t.TempDir()
	a := openArea(t, dir)
	rng := rand.New(rand.NewPCG(1, 2))
	var want, got [][]byte
	for range 40 { // 40 blocks of 8 KiB in files of 64 KiB: 5 files
		b := block(rng, 8<<10-int(rng.IntN(100)))
		c, err := a.Put(b)
		if err != nil {
			t.Fatal(err)
		}
		if addr(c)%align != 0 {
			t.Fatalf("block at %#x, not %d-aligned", addr(c), align)
		}
		want, got = append(want, b), append(got, c)
	}
	for i := range want {
		if !bytes.Equal(want[i], got[i]) {
			t.Fatalf("block %d reads back different bytes", i)
		}
	}
	st := a.Stats()
	if n := files(t, dir); n != 5 || st.Files != 5 || st.Blocks != 40 {
		t.Fatalf("%d files on disk, stats %+v; want 5 files, 40 blocks", n, st)
	}
	// Release the first file's blocks but one: it stays.
	for _, c := range got[:7] {
		a.Release(c)
	}
	if n := files(t, dir); n != 5 {
		t.Fatalf("a file with a block held was removed: %d files", n)
	}
	a.Release(got[7])
	if n := files(t, dir); n != 4 {
		t.Fatalf("after releasing every block of the first file: %d files, want 4", n)
	}
	// The file being written stays while empty.
	for _, c := range got[8:] {
		a.Release(c)
	}
	st = a.Stats()
	if n := files(t, dir); n != 1 || st.Files != 1 || st.Blocks != 0 || st.HeldBytes != 0 {
		t.Fatalf("everything released: %d files, stats %+v; want only the file being written", n, st)
	}
	if _, err := a.Put(block(rng, testFile-align)); err != nil {
		t.Fatal(err)
	}
	if n := files(t, dir); n != 1 {
		t.Fatalf("the emptied file was not removed when the next began: %d files", n)
	}
	if _, err := a.Put(block(rng, testFile-align+1)); err == nil {
		t.Fatal("a block larger than a file holds after its header was taken")
	}
}

// TestReadersKeepFilesMapped: a file emptied while a reader is in still
// reads, and is removed when the last reader that entered before leaves;
// a reader that entered after does not hold it.
func TestReadersKeepFilesMapped(t *testing.T) {
	dir := t.TempDir()
	a := openArea(t, dir)
	rng := rand.New(rand.NewPCG(3, 4))
	b := block(rng, testFile-align) // the largest a file takes after its header
	c, err := a.Put(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Put(block(rng, 100)); err != nil { // the first file is full
		t.Fatal(err)
	}
	r1 := a.Enter()
	r2 := a.Enter()
	a.Release(c)
	late := a.Enter()
	a.Exit(late)
	if n := files(t, dir); n != 2 {
		t.Fatalf("%d files while readers hold the first; want 2", n)
	}
	a.Exit(r1)
	if !bytes.Equal(c, b) {
		t.Fatal("the released block reads different bytes while a reader holds it")
	}
	if n := files(t, dir); n != 2 {
		t.Fatalf("%d files while a reader still holds the first; want 2", n)
	}
	a.Exit(r2)
	if n := files(t, dir); n != 1 {
		t.Fatalf("%d files after the readers left; want 1", n)
	}
}

// TestOpenRemovesEarlierFiles: the files are a cache; what an earlier
// process left is removed, other files are not.
func TestOpenRemovesEarlierFiles(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{FileSize: testFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Put([]byte("left behind")); err != nil {
		t.Fatal(err)
	}
	// A crash: no Close.
	other := filepath.Join(dir, "keep-me")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := openArea(t, dir)
	if n := files(t, dir); n != 0 {
		t.Fatalf("%d files of the earlier process left", n)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("a file not the area's was removed: %v", err)
	}
	if _, err := b.Put([]byte("new")); err != nil {
		t.Fatal(err)
	}
	a.Close()
}

// TestWriteErrors: with the file size limit lowered (the kernel then
// fails writes past it, as a full disk fails them), Put fails and counts
// it, both for a block in the file being written and for a new file;
// with the limit back, Put works again, and what was put before reads as
// written.
func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	a := openArea(t, dir)
	rng := rand.New(rand.NewPCG(5, 6))
	first := block(rng, 16<<10)
	c, err := a.Put(first)
	if err != nil {
		t.Fatal(err)
	}
	restore := testenv.LimitFileSize(t, 20<<10)
	_, err1 := a.Put(block(rng, 16<<10)) // past the limit in this file
	_, err2 := a.Put(block(rng, 60<<10)) // needs a new file
	restore()
	for i, err := range []error{err1, err2} {
		if !errors.Is(err, syscall.EFBIG) {
			t.Errorf("Put %d past the file size limit = %v, want EFBIG", i+1, err)
		}
	}
	if st := a.Stats(); st.PutErrors != 2 || st.Blocks != 1 || st.LastErrMsg == "" {
		t.Errorf("stats after two failed Puts: %+v", st)
	}
	again := block(rng, 16<<10)
	d, err := a.Put(again)
	if err != nil {
		t.Fatalf("Put with room again: %v", err)
	}
	if !bytes.Equal(c, first) || !bytes.Equal(d, again) {
		t.Error("blocks read back different bytes after the failures")
	}
}

// TestConcurrentReaders runs readers that enter, read blocks they took
// from a shared list and check them, while a writer puts and releases
// blocks: no reader reads an unmapped page or changed bytes (run with
// -race; an unmapped page would crash the test).
func TestConcurrentReaders(t *testing.T) {
	dir := t.TempDir()
	a := openArea(t, dir)
	type held struct {
		b   []byte
		sum byte
	}
	var mu sync.Mutex
	var live []held
	sumOf := func(b []byte) (s byte) {
		for _, x := range b {
			s ^= x
		}
		return s
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 9))
			for {
				select {
				case <-stop:
					return
				default:
				}
				rd := a.Enter()
				mu.Lock()
				var snap []held
				for range 8 {
					if len(live) > 0 {
						snap = append(snap, live[rng.IntN(len(live))])
					}
				}
				mu.Unlock()
				for _, h := range snap {
					if sumOf(h.b) != h.sum {
						errs <- errors.New("a block changed while a reader held it")
						a.Exit(rd)
						return
					}
				}
				a.Exit(rd)
			}
		}()
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		b := block(rng, 1+rng.IntN(12<<10))
		c, err := a.Put(b)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		live = append(live, held{c, sumOf(b)})
		var gone []byte
		if len(live) > 40 {
			gone, live = live[0].b, live[1:]
		}
		mu.Unlock()
		if gone != nil {
			a.Release(gone)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, st := files(t, dir), a.Stats(); n != st.Files || n > 12 {
		t.Errorf("%d files on disk, %d in stats: released files not removed", n, st.Files)
	}
}

// TestResidentBudget: pages read through the mappings stay resident
// until the next budget check finds the process over its budget; then
// every file but the one being written is unmapped from the process, and
// its blocks still read as written (from the page cache).
func TestResidentBudget(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{FileSize: 1 << 20, ResidentBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rng := rand.New(rand.NewPCG(10, 11))
	var want, got [][]byte
	put := func(total int) {
		for n := 0; n < total; n += 32 << 10 {
			b := block(rng, 32<<10)
			c, err := a.Put(b)
			if err != nil {
				t.Fatal(err)
			}
			want, got = append(want, b), append(got, c)
		}
	}
	read := func() {
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("block %d reads different bytes", i)
			}
		}
	}
	put(trimCheck) // the first check: nothing read yet
	read()
	before := residentFile()
	trims := a.Stats().Trims
	put(trimCheck) // the next check trims
	after := residentFile()
	if a.Stats().Trims <= trims {
		t.Fatal("no trim at the budget check")
	}
	// The 8 MiB read are unmapped, less the file being written (1 MiB).
	if before-after < 6<<20 {
		t.Errorf("resident file pages %d before the trim, %d after: want at least 6 MiB less", before, after)
	}
	read()
	if n := residentFile(); n < after+6<<20 {
		t.Errorf("reading again mapped %d bytes back, want the blocks' 8 MiB and more", n-after)
	}
	// Without writes, Trim does what the next Put would.
	if !a.Trim() || residentFile() > after+2<<20 {
		t.Errorf("Trim left %d resident file bytes, %d after the last trim", residentFile(), after)
	}
}

// TestCloseKeepAndAdopt: CloseKeep leaves the files that hold blocks (not
// the emptied ones); Open with Keep maps them again; Adopt gives back each
// block's bytes by its Ref, refuses refs that point nowhere, and Settle
// removes the files no block was adopted from; new blocks go to a new
// file, and released adopted blocks empty their files as Put's do.
func TestCloseKeepAndAdopt(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{FileSize: testFile})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var want [][]byte
	var refs []Ref
	for range 12 {
		b := block(rng, 10<<10+rng.IntN(5<<10))
		c, err := a.Put(b)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
		refs = append(refs, a.Ref(c))
	}
	if err := a.SyncFiles(a.LiveFiles()); err != nil {
		t.Fatal(err)
	}
	written := files(t, dir)
	if written < 3 {
		t.Fatalf("%d files: the test needs several", written)
	}
	if err := a.CloseKeep(); err != nil {
		t.Fatal(err)
	}
	if n := files(t, dir); n != written {
		t.Fatalf("%d files after CloseKeep, want the %d that hold blocks", n, written)
	}

	b, err := Open(dir, Options{FileSize: testFile, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Adopt the blocks of every file but the first's.
	var got [][]byte
	for i, r := range refs {
		if r.File == refs[0].File {
			continue
		}
		c, err := b.Adopt(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c, want[i]) {
			t.Fatalf("block %d adopted with other bytes", i)
		}
		got = append(got, c)
	}
	for _, bad := range []Ref{
		{File: 999, Off: 0, Len: 1},
		{File: refs[1].File, Off: testFile - 10, Len: 11},
		{File: refs[1].File, Off: -1, Len: 5},
		{File: refs[1].File, Off: 0, Len: 0},
	} {
		if _, err := b.Adopt(bad); err == nil {
			t.Errorf("Adopt(%+v) accepted", bad)
		}
	}
	b.Settle()
	if n := files(t, dir); n != written-1 {
		t.Errorf("%d files after Settle, want %d (the first one, adopted from by none, removed)", n, written-1)
	}
	if st := b.Stats(); st.Blocks != int64(len(got)) {
		t.Errorf("stats after adopting %d blocks: %+v", len(got), st)
	}
	c, err := b.Put(want[0])
	if err != nil {
		t.Fatal(err)
	}
	if r := b.Ref(c); r.File <= refs[len(refs)-1].File {
		t.Errorf("a new block went to file %d, not after the kept ones (last %d)", r.File, refs[len(refs)-1].File)
	}
	for _, g := range got {
		b.Release(g)
	}
	if n := files(t, dir); n != 1 {
		t.Errorf("%d files after releasing every adopted block, want only the one being written", n)
	}
}

// TestReleaseBeforeSettle: an adopted block released before Settle (a
// snapshot read that fails half way) leaves its file to Settle, which
// removes it once, and the area's counts stay whole.
func TestReleaseBeforeSettle(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{FileSize: testFile})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	c, err := a.Put(block(rng, 1000))
	if err != nil {
		t.Fatal(err)
	}
	ref := a.Ref(c)
	if err := a.CloseKeep(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, Options{FileSize: testFile, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Adopt(ref)
	if err != nil {
		t.Fatal(err)
	}
	b.Release(got)
	if n := files(t, dir); n != 1 {
		t.Errorf("%d files before Settle, want the kept one", n)
	}
	b.Settle()
	if n := files(t, dir); n != 0 {
		t.Errorf("%d files after Settle, want none", n)
	}
	if st := b.Stats(); st.Files != 0 || st.Blocks != 0 || st.HeldBytes != 0 || st.DiskBytes != 0 {
		t.Errorf("stats after Settle: %+v", st)
	}
}

// TestVerify: Verify reads the kept files through and finds a block whose
// bytes changed on disk since it was written (counted and described in
// Stats), and passes files that did not change.
func TestVerify(t *testing.T) {
	for _, damage := range []bool{false, true} {
		dir := t.TempDir()
		a, err := Open(dir, Options{FileSize: testFile})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 12))
		var refs []Ref
		for range 20 {
			c, err := a.Put(block(rng, 1+rng.IntN(20<<10)))
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, a.Ref(c))
		}
		if err := a.SyncFiles(a.LiveFiles()); err != nil {
			t.Fatal(err)
		}
		if err := a.CloseKeep(); err != nil {
			t.Fatal(err)
		}
		if damage {
			// A byte in the middle of the last block.
			r := refs[len(refs)-1]
			path := filepath.Join(dir, fmt.Sprintf("%s%08d", filePrefix, r.File))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			data[r.Off+r.Len/2] ^= 1
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		b, err := Open(dir, Options{FileSize: testFile, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range refs {
			if _, err := b.Adopt(r); err != nil {
				t.Fatal(err)
			}
		}
		b.Settle()
		err = b.Verify(context.Background())
		st := b.Stats()
		switch {
		case damage && (err == nil || st.Damaged != 1 || !strings.Contains(st.DamagedMsg, "checksum")):
			t.Errorf("a damaged block: Verify = %v, stats %+v", err, st)
		case !damage && (err != nil || st.Damaged != 0):
			t.Errorf("intact files: Verify = %v, stats %+v", err, st)
		}
		b.Close()
	}
}

// TestPin: the files holding blocks when they are pinned stay on disk
// once their blocks are released, through Close too, until the next Pin,
// which removes those that hold none; the file being written is never
// removed by it. SyncFiles syncs pinned files.
func TestPin(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{FileSize: testFile})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var blocks [][]byte
	for range 24 { // three blocks a file: 8 files
		c, err := a.Put(block(rng, 20<<10))
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, c)
	}
	if n := files(t, dir); n != 8 {
		t.Fatalf("%d files; the test wants 8", n)
	}
	a.Pin(a.LiveFiles())
	if err := a.SyncFiles(a.LiveFiles()); err != nil {
		t.Fatal(err)
	}
	for _, c := range blocks[:21] { // every file but the last's
		a.Release(c)
	}
	if n := files(t, dir); n != 8 {
		t.Errorf("%d files after their blocks were released, want the 8 pinned", n)
	}
	a.Pin(a.LiveFiles())
	if n := files(t, dir); n != 1 {
		t.Errorf("%d files after the next Pin, want the one still holding blocks", n)
	}
	a.Pin(a.LiveFiles())
	for _, c := range blocks[21:] {
		a.Release(c)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if n := files(t, dir); n != 1 {
		t.Errorf("%d files after Close, want the pinned one", n)
	}
}
