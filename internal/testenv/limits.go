package testenv

import (
	"syscall"
	"testing"
)

// LimitFileSize lowers the process's file size limit (RLIMIT_FSIZE) to n
// bytes, so that the kernel fails writes past n (EFBIG) as a full disk
// fails them, and returns the function that puts the limit back (also run
// at the test's end). The limit is the whole process's: a test using it
// must not run in parallel with tests that write files.
func LimitFileSize(tb testing.TB, n uint64) (restore func()) {
	tb.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		tb.Fatal(err)
	}
	low := old
	low.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &low); err != nil {
		tb.Fatal(err)
	}
	restored := false
	restore = func() {
		if restored {
			return
		}
		restored = true
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(restore)
	return restore
}
