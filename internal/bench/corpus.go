package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
)

// CorpusEpoch starts the demo's synthetic clock for every corpus, so that a
// seed and a size give the same bytes on every machine and every day.
var CorpusEpoch = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// WriteCorpus writes n demo messages (JSON lines) to path and returns the
// file's size. The demo generator is what `geoheat demo` writes: raw v1.1
// stream messages of 2.5-5 KB with notices, malformed lines and ~30 % geo.
func WriteCorpus(path string, n int64, seed uint64) (int64, error) {
	return WriteCorpusFrom(path, n, seed, CorpusEpoch)
}

// WriteCorpusFrom is WriteCorpus with the messages' times starting at
// start: the scale scenario's ingest stamps them after the year it holds,
// as a live stream's would be.
func WriteCorpusFrom(path string, n int64, seed uint64, start time.Time) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	src := demo.New(demo.Options{Seed: seed, Now: func() time.Time { return start }})
	if err := src.WriteFile(f, n); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// LoopDir makes a directory holding copies hard links of corpus (one
// inode, so the page cache holds the bytes once; the file source walks
// regular files only, not symbolic links): the file source reads a
// directory's files in order, so a run longer than one corpus replays it
// through the real reader rather than through a special looping source.
// dir must be on corpus's file system.
func LoopDir(dir, corpus string, copies int) error {
	abs, err := filepath.Abs(corpus)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range copies {
		if err := os.Link(abs, filepath.Join(dir, fmt.Sprintf("part-%05d.jsonl", i))); err != nil {
			return err
		}
	}
	return nil
}

// ReadLines loads a JSON-lines file into memory, one slice per line, for
// the stage timings (which must not time the disk).
func ReadLines(path string) ([][]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var lines [][]byte
	var total int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		b := bytes.Clone(sc.Bytes())
		total += int64(len(b)) + 1
		lines = append(lines, b)
	}
	return lines, total, sc.Err()
}
