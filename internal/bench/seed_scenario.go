package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// seed runs the seed's own pipeline on the first --seed-messages messages
// of the same corpus and prints the ratio to this run's stopwords ingest.
func (b *runner) seed(ctx context.Context) error {
	if SeedPython() == "" || Which("redis-server") == "" {
		return skipError{"python3 or redis-server not installed"}
	}
	if _, err := os.Stat(filepath.Join(b.cfg.BaselineDir, "seed_pipeline.py")); err != nil {
		return skipError{"no seed pipeline at " + b.cfg.BaselineDir}
	}
	corpus := filepath.Join(b.dir, "seed.jsonl")
	lines, _, err := ReadLines(b.corpus)
	if err != nil {
		return err
	}
	if err := WriteSeedCorpus(lines, b.cfg.SeedMessages, corpus); err != nil {
		return err
	}
	rdir := filepath.Join(b.dir, "redis-seed")
	os.MkdirAll(rdir, 0o755)
	load := LoadAvg()
	res, err := RunSeed(ctx, b.cfg.BaselineDir, corpus, b.cfg.SeedNLTK, rdir)
	if err != nil {
		// The seed is Python with Debian packages (its README); a machine
		// without them still gets geoheat's own numbers.
		return skipError{err.Error()}
	}
	note := fmt.Sprintf("seed_pipeline.py (multiprocessing) on the first %d well-formed messages, NLTK_DATA=%s; %d tweets written in %.2f s", res.Messages, b.cfg.SeedNLTK, res.Written, res.Seconds)
	if b.ingestRate > 0 && res.MessagesPer > 0 {
		note = fmt.Sprintf("geoheat ingest (stopwords) is %.0f× the seed in this run; ", b.ingestRate/res.MessagesPer) + note
	}
	b.rows = append(b.rows, Row{Scenario: "seed (Python, Redis)", Messages: res.Messages, MsgPerSec: res.MessagesPer, Load: load, Note: note})
	return nil
}
