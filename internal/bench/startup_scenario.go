package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// startup builds a data directory holding --posts posts (through the
// store, as ingest would leave it) and times `geoheat serve` from process
// start until /readyz answers 200 and /api/status shows every post.
func (b *runner) startup(ctx context.Context) error {
	pool, err := b.pool()
	if err != nil {
		return err
	}
	data := filepath.Join(b.dir, "data-startup")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	st, err := memstore.Open(memstore.Options{Dir: data, MaxPosts: b.cfg.Posts, Fsync: memstore.FsyncNo, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	if _, err := Fill(ctx, st, pool, b.cfg.Posts, time.Now(), 24*time.Hour); err != nil {
		st.Close()
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	st = nil
	runtime.GC()
	debug.FreeOSMemory()
	size := dirSize(data)
	bin := b.binary()
	for _, v := range []struct{ name, detector string }{{"startup: serve --no-ingest", "ngram"}, {"startup: serve --no-ingest --detector stopwords", "stopwords"}} {
		load := LoadAvg()
		took, peak, how, err := b.startOnce(ctx, bin, data, v.detector)
		if err != nil {
			return err
		}
		b.rows = append(b.rows, Row{Scenario: v.name, Latencies: []Latency{{Name: "to ready", N: 1, P50: took, P99: took}},
			RSSBytes: peak, Load: load, Note: fmt.Sprintf("%s posts persisted (%.0f MB on disk, %.1f B/post); %s", human(b.cfg.Posts), float64(size)/1e6, float64(size)/float64(b.cfg.Posts), how)})
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// startOnce starts serve on data and waits until it is ready with every
// post visible.
func (b *runner) startOnce(ctx context.Context, bin, data, detector string) (time.Duration, int64, string, error) {
	port, err := FreePort()
	if err != nil {
		return 0, 0, "", err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"serve", "--no-ingest", "--data-dir", data, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--detector", detector,
		"--stopwords-dir", b.cfg.StopwordsDir, "--max-posts", strconv.Itoa(b.cfg.Posts), "--log-level", "error"}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cmd *exec.Cmd
	done := make(chan error, 1)
	how := "in this process (no geoheat binary: pass --binary for a child process)"
	ResetPeak()
	t0 := time.Now()
	if bin != "" {
		how = "child process " + filepath.Base(bin)
		cmd = exec.CommandContext(sctx, bin, args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(runtime.GOMAXPROCS(0)))
		if err := cmd.Start(); err != nil {
			return 0, 0, "", err
		}
		go func() { done <- cmd.Wait() }()
	} else {
		go func() { _, err := b.subcommand(sctx, args); done <- err }()
	}
	c := &http.Client{Timeout: 2 * time.Second}
	var took time.Duration
	var peak int64
	for {
		select {
		case err := <-done:
			return 0, 0, "", fmt.Errorf("serve exited before ready: %v", err)
		default:
		}
		if time.Since(t0) > 5*time.Minute {
			return 0, 0, "", errors.New("serve not ready after 5 minutes")
		}
		if Get(sctx, c, base+"/readyz") == nil {
			if req, err := http.NewRequestWithContext(sctx, http.MethodGet, base+"/api/status", nil); err == nil {
				if resp, err := c.Do(req); err == nil {
					var env struct {
						Data httpapi.StatusData `json:"data"`
					}
					derr := json.NewDecoder(resp.Body).Decode(&env)
					resp.Body.Close()
					if derr == nil && env.Data.Store.Posts == int64(b.cfg.Posts) {
						took = time.Since(t0)
						break
					}
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if cmd != nil {
		if m, err := ReadMem(strconv.Itoa(cmd.Process.Pid)); err == nil {
			peak = m.Peak
		}
		cmd.Process.Signal(os.Interrupt)
	} else if m, err := ReadMem("self"); err == nil {
		peak = m.Peak
	}
	cancel()
	<-done
	return took, peak, how, nil
}
