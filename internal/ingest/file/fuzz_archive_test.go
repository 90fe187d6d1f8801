package file

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// FuzzArchive is FuzzRun seeded with what the readers of compressed and
// archived input see: gzip, zstd and bzip2 streams (bzip2 decoded by
// pbzip2's goroutines, where a panic would crash the process), tar
// members that are themselves compressed or damaged, and a tar cut short. Invariants: Run returns;
// messages are non-empty and within the limit; reading one byte at a time
// gives the same messages, skips and outcome.
func FuzzArchive(f *testing.F) {
	lines := []byte("{\"a\":1}\n{\"b\":[2,3]}\n")
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	zst := func(b []byte) []byte {
		enc, err := zstd.NewWriter(nil)
		if err != nil {
			f.Fatal(err)
		}
		defer enc.Close()
		return enc.EncodeAll(b, nil)
	}
	// bzip2 written by the bzip2 tool (Go has no compressor), from
	// testdata/lines.jsonl.
	bz, err := os.ReadFile(filepath.Join("testdata", "lines.jsonl.bz2"))
	if err != nil {
		f.Fatal(err)
	}
	tarOf := func(members map[string][]byte) []byte {
		var buf bytes.Buffer
		w := tar.NewWriter(&buf)
		for _, name := range []string{"2013/06/01/00/00.json", "2013/06/01/00/01.json.gz", "2013/06/01/00/02.json.zst", "2013/06/01/00/03.json.bz2", "README"} {
			b, ok := members[name]
			if !ok {
				continue
			}
			w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
			w.Write(b)
		}
		w.Close()
		return buf.Bytes()
	}
	plainTar := tarOf(map[string][]byte{"2013/06/01/00/00.json": lines})
	mixedTar := tarOf(map[string][]byte{
		"2013/06/01/00/00.json": lines, "2013/06/01/00/01.json.gz": gz(lines),
		"2013/06/01/00/02.json.zst": zst(lines), "2013/06/01/00/03.json.bz2": bz, "README": []byte("not json\n"),
	})
	spoilt := bytes.Clone(bz)
	spoilt[len(spoilt)/2] ^= 0x40
	damagedTar := tarOf(map[string][]byte{"2013/06/01/00/00.json": lines, "2013/06/01/00/01.json.gz": gz(lines)[:25], "2013/06/01/00/03.json.bz2": spoilt})
	for _, seed := range [][]byte{
		gz(lines), zst(lines), gz(gz(lines)), plainTar, mixedTar, gz(mixedTar), zst(plainTar),
		mixedTar[:len(mixedTar)/2], gz(lines)[:20], zst(lines)[:10],
		bz, spoilt, bz[:len(bz)-5], damagedTar, gz(damagedTar), append(bytes.Clone(bz), bz...),
	} {
		f.Add(seed)
	}

	const max = 64
	f.Fuzz(func(t *testing.T, in []byte) {
		checkFuzzRuns(t, max, func(oneByte bool) ([]string, error, int64) {
			src := newFuzzSource(t, in, max, oneByte)
			// A hang is a finding too: fail (and so save the input)
			// rather than stall the fuzzer.
			type result struct {
				got []string
				err error
			}
			done := make(chan result, 1)
			go func() {
				got, err := collect(t, src)
				done <- result{got, err}
			}()
			select {
			case r := <-done:
				return r.got, r.err, src.Skipped()
			case <-time.After(10 * time.Second):
				buf := make([]byte, 1<<16)
				t.Fatalf("Run did not return in 10 s (one byte at a time: %v)\n%s", oneByte, buf[:runtime.Stack(buf, true)])
				return nil, nil, 0
			}
		})
	})
}
