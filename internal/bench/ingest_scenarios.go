package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// ingestSummary is the part of `geoheat ingest --json`'s summary the bench
// reads.
type ingestSummary struct {
	Messages   int64   `json:"messages"`
	Posts      int64   `json:"posts"`
	Undetected int64   `json:"undetected"`
	Written    int64   `json:"written"`
	Seconds    float64 `json:"seconds"`
}

// ingestOnce runs `geoheat ingest --json` on the corpus and returns its
// summary and the peak RSS of the run. With the geoheat binary at hand it
// runs as a child process: the numbers are then exactly those of the
// command, its peak RSS is its own (from wait4's rusage), and its garbage
// collector does not see the bench's heap. Otherwise (tests) it runs in
// this process through Run, and the peak is this process's VmHWM.
func (b *runner) ingestOnce(ctx context.Context, detector, storeURL, source string, extra ...string) (ingestSummary, int64, error) {
	data := filepath.Join(b.dir, "data-ingest")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	args := []string{"ingest", "--source", source, "--detector", detector, "--stopwords-dir", b.cfg.StopwordsDir,
		"--store", storeURL, "--data-dir", data, "--json", "--log-level", "warn"}
	args = append(args, extra...)
	var out []byte
	var peak int64
	if bin := b.binary(); bin != "" {
		cmd := exec.CommandContext(ctx, bin, args...)
		// A cancelled run (overload's deadline) is told like Ctrl-C: it
		// drains and prints its summary.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if cmd.ProcessState != nil {
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				peak = ru.Maxrss << 10 // kilobytes on Linux
			}
		}
		if err != nil && ctx.Err() == nil {
			return ingestSummary{}, 0, fmt.Errorf("%s %s: %w (%s)", bin, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		out = stdout.Bytes()
	} else {
		ResetPeak()
		o, err := b.subcommand(ctx, args)
		mem, _ := ReadMem("self")
		// A cancelled run (overload's deadline) still prints its summary.
		if err != nil && ctx.Err() == nil {
			return ingestSummary{}, 0, err
		}
		out, peak = o, mem.Peak
	}
	var sum ingestSummary
	if err := json.Unmarshal(out, &sum); err != nil {
		return sum, 0, fmt.Errorf("ingest summary: %w: %q", err, out)
	}
	return sum, peak, nil
}

// ingestRows runs repeat end-to-end ingests and the stage timings, and adds
// one row with the median run.
func (b *runner) ingestRows(ctx context.Context, name, detector, storeURL string) (float64, error) {
	type run struct {
		sum  ingestSummary
		peak int64
		load string
	}
	var runs []run
	for i := range b.cfg.Repeat {
		load := LoadAvg()
		sum, peak, err := b.ingestOnce(ctx, detector, storeURL, "file:"+b.corpus)
		if err != nil {
			return 0, err
		}
		if sum.Messages != b.cfg.Messages || sum.Seconds <= 0 {
			return 0, fmt.Errorf("run %d read %d messages of %d in %.3f s", i+1, sum.Messages, b.cfg.Messages, sum.Seconds)
		}
		b.logf("  %s run %d: %.0f msg/s (load %s)", name, i+1, float64(sum.Messages)/sum.Seconds, load)
		runs = append(runs, run{sum, peak, load})
	}
	slices.SortFunc(runs, func(x, y run) int { return cmp.Compare(x.sum.Seconds, y.sum.Seconds) })
	med := runs[len(runs)/2]
	rate := float64(med.sum.Messages) / med.sum.Seconds
	var loads []string
	var rates []string
	for _, r := range runs {
		loads = append(loads, r.load)
		rates = append(rates, fmt.Sprintf("%.0f", float64(r.sum.Messages)/r.sum.Seconds))
	}
	stages, err := b.stages(ctx, detector, storeURL)
	if err != nil {
		return 0, err
	}
	note := fmt.Sprintf("median of %d (%s msg/s); %d posts, %d written, %d undetected%s", len(runs), strings.Join(rates, ", "), med.sum.Posts, med.sum.Written, med.sum.Undetected, b.listsNote(detector))
	b.rows = append(b.rows, Row{
		Scenario: name, Messages: med.sum.Messages, MsgPerSec: rate, MBPerSec: float64(b.bytes) / med.sum.Seconds / 1e6,
		Stages: stages, RSSBytes: med.peak, Load: strings.Join(loads, " "), Note: note,
	})
	return rate, nil
}

// listsNote names the stopword lists a stopwords row used.
func (b *runner) listsNote(detector string) string {
	if detector != "stopwords" {
		return ""
	}
	return "; lists " + b.cfg.StopwordsDir
}

// stages measures read, parse, detect and record one at a time with the
// product's own parser, detector and store (see MeasureStages).
func (b *runner) stages(ctx context.Context, detector, storeURL string) ([]Stage, error) {
	data := filepath.Join(b.dir, "data-stages")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	det, err := b.product.OpenDetector(detector, b.cfg.StopwordsDir)
	if err != nil {
		return nil, err
	}
	st, err := b.product.OpenStore(storeURL, data)
	if err != nil {
		return nil, err
	}
	stages, err := MeasureStages(ctx, StageInputs{Corpus: b.corpus, NewParser: b.product.NewParser, Detector: det, Recorder: st})
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && len(stages) > 0 && b.readNs == 0 {
		b.readNs = stages[0].NsPerMsg
	}
	return stages, err
}

func (b *runner) ingest(ctx context.Context, detector, storeURL string) error {
	rate, err := b.ingestRows(ctx, "ingest ("+detector+")", detector, storeURL)
	if detector == "stopwords" && err == nil {
		b.ingestRate = rate
	}
	return err
}

// redis ingests into a private redis-server started for the scenario, and
// keeps its commandstats for the report: the Redis store's cost is mostly
// in the server, which a Go profile does not show.
func (b *runner) redis(ctx context.Context) error {
	if Which("redis-server") == "" {
		return skipError{"redis-server not installed"}
	}
	rdir := filepath.Join(b.dir, "redis")
	os.MkdirAll(rdir, 0o755)
	r, err := StartRedis(rdir)
	if err != nil {
		return err
	}
	defer r.Stop()
	url := fmt.Sprintf("redis://%s/0", r.Addr())
	if _, err := b.ingestRows(ctx, "ingest (stopwords) → redis", "stopwords", url); err != nil {
		return err
	}
	if stats, err := r.Command("INFO commandstats"); err == nil {
		var keep []string
		for _, line := range strings.Split(stats, "\n") {
			if strings.HasPrefix(line, "cmdstat_") {
				keep = append(keep, "    "+strings.TrimSpace(line))
			}
		}
		b.details = append(b.details, "redis INFO commandstats after the redis scenario (all runs and the stage timing):\n"+strings.Join(keep, "\n"))
	}
	return nil
}
