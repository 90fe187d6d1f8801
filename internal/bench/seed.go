package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Redis is a private redis-server started for one scenario, without
// persistence, so the bench neither touches the shared Redis on 6379 nor
// measures disk.
type Redis struct {
	Port int
	cmd  *exec.Cmd
	dir  string
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// StartRedis starts redis-server on a free port and waits until it answers.
func StartRedis(dir string) (*Redis, error) {
	bin := Which("redis-server")
	if bin == "" {
		return nil, errors.New("redis-server not found in PATH")
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &Redis{Port: port, cmd: cmd, dir: dir}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", r.Addr(), 200*time.Millisecond)
		if err == nil {
			fmt.Fprint(c, "PING\r\n")
			c.SetReadDeadline(time.Now().Add(time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return r, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Stop()
	return nil, fmt.Errorf("redis-server on port %d did not answer within 10 s", port)
}

// Addr is host:port.
func (r *Redis) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.Port) }

// Command sends one inline command and returns the raw reply (bulk
// replies such as INFO come back whole), for the commandstats the report
// quotes.
func (r *Redis) Command(cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", r.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "%s\r\n", cmd)
	br := bufio.NewReader(c)
	head, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(head, "$") {
		return strings.TrimSpace(head), nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil || n < 0 {
		return "", fmt.Errorf("bad reply %q", head)
	}
	buf := make([]byte, n+2)
	if _, err := ioReadFull(br, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// Stop kills the server (SIGTERM, then waits).
func (r *Redis) Stop() {
	if r.cmd.Process != nil {
		r.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			r.cmd.Process.Kill()
			<-done
		}
	}
}

// SeedResult is the seed pipeline's RESULT line.
type SeedResult struct {
	Messages    int64   `json:"messages_read"`
	Written     int64   `json:"tweets_written"`
	Seconds     float64 `json:"wall_s"`
	MessagesPer float64 `json:"messages_per_s"`
}

// SeedPython is the interpreter with the seed's Debian packages (its
// README says to use /usr/bin/python3), else python3 from PATH.
func SeedPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return Which("python3")
}

// WriteSeedCorpus copies the first n well-formed JSON lines of corpus: the
// seed's loader dies on a malformed line (json.loads raises), so it gets
// the corpus without them, as scripts/bench-vs-seed.sh does.
func WriteSeedCorpus(lines [][]byte, n int, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	k := 0
	for _, l := range lines {
		if k >= n {
			break
		}
		if !json.Valid(l) {
			continue
		}
		w.Write(l)
		w.WriteByte('\n')
		k++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RunSeed runs the seed's multiprocessing pipeline (baselineDir's
// seed_pipeline.py) on corpus into a private Redis, with the NLTK lists in
// nltkData, and returns its RESULT.
func RunSeed(ctx context.Context, baselineDir, corpus, nltkData, tmp string) (SeedResult, error) {
	py := SeedPython()
	if py == "" {
		return SeedResult{}, errors.New("python3 not found")
	}
	script := filepath.Join(baselineDir, "seed_pipeline.py")
	if _, err := os.Stat(script); err != nil {
		return SeedResult{}, err
	}
	r, err := StartRedis(tmp)
	if err != nil {
		return SeedResult{}, err
	}
	defer r.Stop()
	cmd := exec.CommandContext(ctx, py, script, corpus, strconv.Itoa(r.Port), "0", "--flush", "--seed", "1", "--no-appendonly")
	cmd.Env = append(os.Environ(), "NLTK_DATA="+nltkData)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return SeedResult{}, fmt.Errorf("seed pipeline: %w: %s", err, lastLine(string(ee.Stderr)))
		}
		return SeedResult{}, fmt.Errorf("seed pipeline: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var res SeedResult
			if err := json.Unmarshal([]byte(rest), &res); err != nil {
				return res, fmt.Errorf("seed RESULT line: %w", err)
			}
			return res, nil
		}
	}
	return SeedResult{}, errors.New("seed pipeline printed no RESULT line")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
