package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Mem is a process's resident memory, from /proc/PID/status.
type Mem struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the peak since start or the last ResetPeak
}

// ReadMem reads /proc/<pid>/status; pid "self" is this process.
func ReadMem(pid string) (Mem, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return Mem{}, err
	}
	defer f.Close()
	var m Mem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst = &m.RSS
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst = &m.Peak
		default:
			continue
		}
		fields := strings.Fields(string(line))
		if len(fields) >= 2 {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				*dst = kb << 10
			}
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%s/status", pid)
	}
	return m, sc.Err()
}

// ResetPeak resets this process's VmHWM to its current RSS (Linux 4.0+:
// writing 5 to clear_refs), so that scenarios run one after another in one
// process each report their own peak. It reports whether that worked; when
// it did not, peaks are cumulative and the table says so.
func ResetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// LoadAvg is the 1-minute load average, as text ("1.42"), or "?".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// Machine describes the machine in one line: cores, CPU model, memory, Go.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s, GOMAXPROCS %d", runtime.NumCPU(), model, mem, runtime.Version(), runtime.GOMAXPROCS(0))
}

// Which returns the path of an executable in PATH, or "".
func Which(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// FreeDisk reports the bytes free to this user on dir's file system, 0
// when it cannot tell.
func FreeDisk(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0
	}
	return int64(st.Bavail) * st.Bsize
}

// MemAvailable is the memory the kernel says can be given to processes
// without swapping (MemAvailable in /proc/meminfo), plus what this process
// holds already; 0 when unknown.
func MemAvailable() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0
			}
			m, _ := ReadMem("self")
			return kb<<10 + m.RSS
		}
	}
	return 0
}
