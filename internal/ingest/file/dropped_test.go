package file

import (
	"bytes"
	"strings"
	"testing"
)

// Dropped reports the oversized messages under their reason, zero before
// any, and agrees with Skipped.
func TestDroppedByReason(t *testing.T) {
	in := "{\"a\":1}\n{\"b\":\"" + strings.Repeat("x", 100) + "\"}\n[{\"c\":2},{\"d\":\"" + strings.Repeat("y", 100) + "\"}]\n"
	src, err := New("mem", WithReader(bytes.NewReader([]byte(in))), WithMaxMessageSize(32), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if d := src.Dropped(); len(d) != 1 || d[DropOversize] != 0 {
		t.Fatalf("before Run: %v", d)
	}
	got, err := collect(t, src)
	if err != nil {
		t.Fatal(err)
	}
	// The array's line is over the limit as a whole: skipped unread, like
	// the long object.
	if len(got) != 1 || src.Dropped()[DropOversize] != 2 || src.Skipped() != 2 {
		t.Errorf("messages %q, dropped %v, skipped %d; want 1, 2 oversize", got, src.Dropped(), src.Skipped())
	}
}
