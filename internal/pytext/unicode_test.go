package pytext

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The exhaustive tests compare every code point with what Debian's Python
// 3.11 (Unicode 14) computed; testdata/gen_golden.py writes the data.
//
// Python 3.11 and Go 1.26 (Unicode 15) disagree only on code points that
// Unicode 14 leaves unassigned (class "u" in wordclass.txt): for example
// Unicode 15 added the Kawi script and CJK Extension H, which Go's tables
// make letters (Word) while Python still sees unassigned characters (Punct).
// Those are counted and logged, not failed: agreeing with a Unicode version
// older than Go's would need a second copy of the tables, and text written in
// those characters cannot match any stopword anyway. Every code point Unicode
// 14 assigns must agree exactly.

type cpRange struct {
	first, last rune
	value       string
}

// readRanges parses "FIRST LAST VALUE" lines (hex code points), optionally
// prefixed by a keyword, skipping comments and other lines.
func readRanges(t *testing.T, path, keyword string) []cpRange {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cpRange
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if keyword != "" {
			if fields[0] != keyword {
				continue
			}
			fields = fields[1:]
		}
		if len(fields) != 3 || strings.HasSuffix(fields[0], ":") {
			continue
		}
		first, err1 := strconv.ParseUint(fields[0], 16, 32)
		last, err2 := strconv.ParseUint(fields[1], 16, 32)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		out = append(out, cpRange{rune(first), rune(last), fields[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pythonClasses expands wordclass.txt to one entry per code point.
func pythonClasses(t *testing.T) map[rune]string {
	t.Helper()
	m := make(map[rune]string, unicode.MaxRune+1)
	for _, rg := range readRanges(t, "testdata/wordclass.txt", "") {
		for r := rg.first; r <= rg.last; r++ {
			m[r] = rg.value
		}
	}
	return m
}

func isSurrogate(r rune) bool { return 0xD800 <= r && r < 0xE000 }

func TestClassOfEveryCodePoint(t *testing.T) {
	py := pythonClasses(t)
	var newer []string
	checked := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if isSurrogate(r) {
			continue
		}
		want, ok := py[r]
		if !ok {
			t.Fatalf("wordclass.txt has no entry for U+%04X", r)
		}
		got := ClassOf(r).String()
		if want == "u" {
			if got != "p" {
				newer = append(newer, fmt.Sprintf("U+%04X", r))
			}
			continue
		}
		checked++
		if got != want {
			t.Errorf("ClassOf(U+%04X %q) = %s, Python %s", r, r, got, want)
		}
	}
	t.Logf("%d assigned code points agree; %d unassigned in Python's Unicode are Word in Go's (e.g. %v)",
		checked, len(newer), newer[:min(5, len(newer))])
}

// TestTokensSplitEveryCodePoint runs each code point through the tokenizer
// itself (not only ClassOf) between ASCII letters, catching mistakes in
// decoding or in the run logic that ClassOf alone would not show.
func TestTokensSplitEveryCodePoint(t *testing.T) {
	py := pythonClasses(t)
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if isSurrogate(r) || py[r] == "u" {
			continue
		}
		s := "a" + string(r) + "."
		var want []string
		switch py[r] {
		case "w":
			want = []string{"a" + string(r), "."}
		case "s":
			want = []string{"a", "."}
		default:
			want = []string{"a", string(r) + "."}
		}
		got := Tokens(s)
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("Tokens(%+q) = %+q, want %+q", s, got, want)
		}
	}
}

// pythonLower reads lower.txt: the lower-case mapping of every code point
// that changes, and the sigma flags (see gen_golden.py's sigma_flags).
func pythonLower(t *testing.T) (mapping map[rune]string, sigma map[rune]int) {
	t.Helper()
	data, err := os.ReadFile("testdata/lower.txt")
	if err != nil {
		t.Fatal(err)
	}
	mapping = make(map[rune]string)
	for _, line := range strings.Split(string(data), "\n") {
		cp, rest, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := strconv.ParseUint(cp, 16, 32)
		if err != nil {
			t.Fatalf("lower.txt: bad line %q", line)
		}
		var b strings.Builder
		for _, h := range strings.Fields(rest) {
			v, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				t.Fatalf("lower.txt: bad line %q", line)
			}
			b.WriteRune(rune(v))
		}
		mapping[rune(r)] = b.String()
	}
	sigma = make(map[rune]int, unicode.MaxRune+1)
	for _, rg := range readRanges(t, "testdata/lower.txt", "sigma") {
		v, err := strconv.Atoi(rg.value)
		if err != nil {
			t.Fatalf("lower.txt: bad sigma flags %q", rg.value)
		}
		for r := rg.first; r <= rg.last; r++ {
			sigma[r] = v
		}
	}
	return mapping, sigma
}

// goSigmaFlags computes gen_golden.py's sigma_flags with Lower.
func goSigmaFlags(c string) int {
	flags := 0
	if strings.HasSuffix(Lower(c+"Σ"), "ς") {
		flags |= 1
	}
	if strings.HasSuffix(Lower("A"+c+"Σ"), "ς") {
		flags |= 2
	}
	if strings.HasPrefix(Lower("AΣ"+c), "aς") {
		flags |= 4
	}
	return flags
}

func TestLowerEveryCodePoint(t *testing.T) {
	py := pythonClasses(t)
	mapping, sigma := pythonLower(t)
	newer := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if isSurrogate(r) {
			continue
		}
		c := string(r)
		want, ok := mapping[r]
		if !ok {
			want = c
		}
		got := Lower(c)
		if 2*len(got) > 3*len(c) {
			// The detectors size their stack buffers on this bound.
			t.Errorf("Lower(U+%04X) grows from %d to %d bytes, more than half", r, len(c), len(got))
		}
		gotFlags, wantFlags := goSigmaFlags(c), sigma[r]
		if py[r] == "u" {
			if got != want || gotFlags != wantFlags {
				newer++
			}
			continue
		}
		if got != want {
			t.Errorf("Lower(U+%04X %q) = %+q, Python %+q", r, c, got, want)
		}
		if gotFlags != wantFlags {
			t.Errorf("final sigma around U+%04X %q: flags %03b, Python %03b (1: cased, 2: cased or case-ignorable, 4: case-ignorable or not cased)",
				r, c, gotFlags, wantFlags)
		}
	}
	t.Logf("%d code points unassigned in Python's Unicode lower-case differently in Go's", newer)
}

// TestLowerKeepsInvalidUTF8 documents the one input Python cannot have.
func TestLowerKeepsInvalidUTF8(t *testing.T) {
	in := "A\xffB\xe2\x82Σ"
	if got, want := Lower(in), "a\xffb\xe2\x82σ"; got != want {
		t.Errorf("Lower(%q) = %q, want %q", in, got, want)
	}
	if !utf8.ValidString(Lower("ÀΣ")) {
		t.Error("Lower of valid UTF-8 must stay valid")
	}
}
