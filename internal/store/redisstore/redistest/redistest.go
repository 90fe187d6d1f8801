// Package redistest starts private redis-server processes for tests: one
// server on a free loopback port, optionally with the append-only file, that
// can be killed and restarted on the same port and directory; or a
// three-master Redis Cluster. Servers are stopped when the test ends.
//
// When redis-server is not installed the test is skipped, except under CI
// (CI set in the environment), where a missing server is a failure: CI is
// meant to run these tests (testenv.RequireTool).
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/testenv"
)

// Require returns the path of redis-server, skipping (or, under CI,
// failing) the test when it is missing.
func Require(t testing.TB) string {
	t.Helper()
	return testenv.RequireTool(t, "redis-server")
}

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	Port int
	Dir  string
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
	log *bytes.Buffer
}

// Option adjusts a server's command line.
type Option func(*[]string)

// WithAOF turns the append-only file on with fsync on every write, so a
// kill -9 of the server loses nothing it acknowledged.
func WithAOF() Option {
	return func(a *[]string) { *a = append(*a, "--appendonly", "yes", "--appendfsync", "always") }
}

// WithArgs adds raw redis-server arguments.
func WithArgs(args ...string) Option {
	return func(a *[]string) { *a = append(*a, args...) }
}

var prefixes atomic.Int64

// Prefix returns a key prefix no other test of this process uses, so tests
// sharing a server never touch each other's data.
func Prefix(t testing.TB) string {
	name := strings.NewReplacer("/", "-", " ", "_", "{", "", "}", "").Replace(t.Name())
	return fmt.Sprintf("t%d-%s", prefixes.Add(1), name)
}

// Start starts a server on a free loopback port, without snapshots and
// (unless WithAOF) without the append-only file, in a temporary directory.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	Require(t)
	s := &Server{t: t, Dir: t.TempDir()}
	for _, o := range opts {
		o(&s.args)
	}
	for attempt := 0; ; attempt++ {
		s.Port = FreePort(t)
		err := s.start()
		if err == nil {
			break
		}
		// Another process may have taken the port between FreePort and the
		// bind: try another one.
		if attempt == 5 {
			t.Fatalf("redistest: %v", err)
		}
	}
	t.Cleanup(s.Kill)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL returns redis://127.0.0.1:PORT/0 with the query appended ("" for
// none), e.g. URL("prefix=x").
func (s *Server) URL(query string) string {
	u := "redis://" + s.Addr() + "/0"
	if query != "" {
		u += "?" + query
	}
	return u
}

func (s *Server) start() error {
	args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "",
		"--dir", s.Dir, "--daemonize", "no", "--protected-mode", "no"}, s.args...)
	if !containsArg(s.args, "--appendonly") {
		args = append(args, "--appendonly", "no")
	}
	cmd := exec.Command("redis-server", args...)
	log := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.mu.Lock()
	s.cmd, s.log = cmd, log
	s.mu.Unlock()
	if err := waitPing(s.Addr(), 20*time.Second, cmd); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("redis-server on %s: %w\n%s", s.Addr(), err, log.String())
	}
	return nil
}

// Kill stops the server with SIGKILL (no shutdown save, as a crash), and
// waits for it to exit. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait()
}

// Restart starts the server again on the same port and directory (so with
// AOF it reloads its data) and returns once it answers PING with the data
// loaded.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Log returns what the server printed so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

func containsArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

// FreePort returns a loopback port nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Cmd sends one command over a fresh connection and returns the raw reply
// line(s); enough for setup without a client.
func Cmd(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(line, "$") {
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return strings.TrimSpace(line), nil
}

// waitPing polls until the server answers PING with PONG (not LOADING),
// the process exits, or the timeout passes. Polling is how one waits for
// another process to listen.
func waitPing(addr string, timeout time.Duration, cmd *exec.Cmd) error {
	deadline := time.Now().Add(timeout)
	for {
		reply, err := Cmd(addr, "PING")
		if err == nil && reply == "+PONG" {
			return nil
		}
		if processGone(cmd) {
			return fmt.Errorf("exited before answering")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG within %v (last: %q, %v)", timeout, reply, err)
		}
		time.Sleep(10 * time.Millisecond) // waiting for another process to listen
	}
}

// processGone reports whether the process exited (it is a zombie until
// its owner waits for it, or gone).
func processGone(cmd *exec.Cmd) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "status"))
	return err != nil || bytes.Contains(b, []byte("State:\tZ"))
}

// Cluster is a three-master Redis Cluster on loopback, no replicas.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts three cluster-enabled servers (each needs its port
// and port+10000 for the cluster bus) and joins them with
// `redis-cli --cluster create`, then waits until every node reports
// cluster_state:ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	Require(t)
	testenv.RequireTool(t, "redis-cli")
	c := &Cluster{}
	for range 3 {
		var s *Server
		for attempt := 0; s == nil; attempt++ {
			port := FreePort(t)
			if port+10000 > 65535 || !portFree(port+10000) {
				continue
			}
			cand := &Server{t: t, Dir: t.TempDir(), Port: port}
			cand.args = []string{"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(cand.Dir, "nodes.conf"),
				"--cluster-node-timeout", "5000"}
			if err := cand.start(); err != nil {
				if attempt == 5 {
					t.Fatalf("redistest: cluster node: %v", err)
				}
				continue
			}
			t.Cleanup(cand.Kill)
			s = cand
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.Nodes {
		args = append(args, n.Addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range c.Nodes {
		for {
			info, err := Cmd(n.Addr(), "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster node %s not ok: %q %v", n.Addr(), info, err)
			}
			time.Sleep(20 * time.Millisecond) // polling the cluster's own convergence
		}
	}
	return c
}

// URL returns a cluster URL naming every node as a seed, with the query
// appended.
func (c *Cluster) URL(query string) string {
	u := "redis://" + c.Nodes[0].Addr() + "?addr=" + c.Nodes[1].Addr() + "&addr=" + c.Nodes[2].Addr()
	if query != "" {
		u += "&" + query
	}
	return u
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
