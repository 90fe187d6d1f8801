package pytext

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTokensExamples(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" \t\n", nil},
		{"Good muffins cost $3.88\nin New York.", []string{"Good", "muffins", "cost", "$", "3", ".", "88", "in", "New", "York", "."}},
		{"don't", []string{"don", "'", "t"}},
		{"snake_case __x__", []string{"snake_case", "__x__"}},
		{"x²+½=Ⅻ", []string{"x²", "+", "½", "=", "Ⅻ"}},
		// Combining marks are not \w: the Devanagari vowel sign splits the word.
		{"नमस्ते", []string{"नमस", "्", "त", "े"}},
		// U+001C..U+001F and NBSP are \s in Python, unlike U+200B (a format char).
		{"a\x1cb\u00a0c\u200bd", []string{"a", "b", "c", "\u200b", "d"}},
		// Emoji and their joiners/modifiers are one punctuation run.
		{"ok👍🏽👩\u200d💻!", []string{"ok", "👍🏽👩\u200d💻!"}},
		{"a\xffb", []string{"a", "\xff", "b"}},
	} {
		if got := Tokens(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokens(%+q) = %+q, want %+q", c.in, got, c.want)
		}
	}
}

func TestWordPunctStopsEarly(t *testing.T) {
	var got []string
	for tok := range WordPunct("a b c d") {
		got = append(got, tok)
		if len(got) == 2 {
			break
		}
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("got %q", got)
	}
}

func TestNextTokenDoesNotAllocate(t *testing.T) {
	s := "RT @user: Ça va? 日本語 👍🏽 ΟΔΥΣΣΕΥΣ"
	buf := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		for start, end := NextToken(s, 0); start < end; start, end = NextToken(s, end) {
			_ = s[start:end]
		}
		buf = AppendLower(buf[:0], s)
	})
	if allocs != 0 {
		t.Errorf("NextToken + AppendLower allocated %v times per run", allocs)
	}
}

// pySpaces is Python's \s outside ASCII as an RE2 character class; together
// with \p{L}\p{N}_ for \w it gives an independent oracle for the tokenizer.
const pySpaces = `\t-\r\x1c-\x20\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`

var oracle = regexp.MustCompile(`[\p{L}\p{N}_]+|[^\p{L}\p{N}_` + pySpaces + `]+`)

func FuzzWordPunct(f *testing.F) {
	for _, s := range []string{
		"", "Good muffins cost $3.88\nin New York.", "नमस्ते", "İstanbul ΣΑΣ",
		"a\x1cb\u00a0c\u200bd", "👩\u200d💻 #️⃣", "\xff\xfe", "x²½Ⅻ", "__init__",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var joined strings.Builder
		prevEnd := 0
		for start, end := NextToken(s, 0); start < end; start, end = NextToken(s, end) {
			if start < prevEnd || end > len(s) {
				t.Fatalf("token [%d:%d) out of order or range (previous end %d, len %d)", start, end, prevEnd, len(s))
			}
			// Only whitespace may lie between tokens.
			for i := prevEnd; i < start; {
				c, size := classAt(s, i)
				if c != Space {
					t.Fatalf("skipped non-space %+q at %d in %+q", s[i:i+size], i, s)
				}
				i += size
			}
			// Each token is a run of one class that is not Space.
			tok := s[start:end]
			first, _ := classAt(tok, 0)
			for i := 0; i < len(tok); {
				c, size := classAt(tok, i)
				if c != first || c == Space {
					t.Fatalf("token %+q mixes classes", tok)
				}
				i += size
			}
			joined.WriteString(tok)
			prevEnd = end
		}
		// Tokens concatenated are the input without its whitespace.
		var want strings.Builder
		for i := 0; i < len(s); {
			c, size := classAt(s, i)
			if c != Space {
				want.WriteString(s[i : i+size])
			}
			i += size
		}
		if joined.String() != want.String() {
			t.Fatalf("tokens join to %+q, want %+q", joined.String(), want.String())
		}
		if utf8.ValidString(s) {
			if got, want := Tokens(s), oracle.FindAllString(s, -1); !slices.Equal(got, want) {
				t.Fatalf("Tokens(%+q) = %+q, regexp oracle %+q", s, got, want)
			}
		}
	})
}

func FuzzLower(f *testing.F) {
	for _, s := range []string{"", "ABC", "İstanbul", "ΟΔΥΣΣΕΥΣ Α.Σ", "ΑΣ\u0301Β", "\xffΣ", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		low := Lower(s)
		if got := string(AppendLower(nil, s)); got != low {
			t.Fatalf("AppendLower(%+q) = %+q, Lower %+q", s, got, low)
		}
		if utf8.ValidString(s) != utf8.ValidString(low) {
			t.Fatalf("Lower(%+q) = %+q changed UTF-8 validity", s, low)
		}
		ascii := true
		for i := 0; i < len(s); i++ {
			ascii = ascii && s[i] < utf8.RuneSelf
		}
		if ascii && low != strings.ToLower(s) {
			t.Fatalf("Lower(%q) = %q, want strings.ToLower's %q", s, low, strings.ToLower(s))
		}
		// Without its two special cases, Python's lower is Go's simple
		// mapping rune by rune: a reference for the run-copying loops.
		if utf8.ValidString(s) && !strings.ContainsAny(s, "İΣ") {
			if want := strings.Map(unicode.ToLower, s); low != want {
				t.Fatalf("Lower(%+q) = %+q, want %+q", s, low, want)
			}
		}
	})
}

// benchTexts are tweet-like texts: mentions, URLs, accents, emoji.
var benchTexts = []struct{ name, text string }{
	{"ascii", "RT @KATANA77: I am going to the BEACH with my friends this weekend and it is going to be great http://t.co/PkCJAcSuYK"},
	{"french", "RT @KATANA77: Ça va? Où êtes-vous ce soir 😊❤️ je suis à la maison avec mes amis #weekend http://t.co/PkCJAcSuYK"},
	{"japanese", "@aym0566x 名前:前田あゆみ 第一印象:なんか怖っ！今の印象:とりあえずキモい。噛み合わない 好きなところ:ぶすでキモいとこ😋✨✨"},
}

func BenchmarkNextToken(b *testing.B) {
	for _, bt := range benchTexts {
		b.Run(bt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.text)))
			for b.Loop() {
				n := 0
				for start, end := NextToken(bt.text, 0); start < end; start, end = NextToken(bt.text, end) {
					n++
				}
				if n == 0 {
					b.Fatal("no tokens")
				}
			}
		})
	}
}

func BenchmarkAppendLower(b *testing.B) {
	for _, bt := range benchTexts {
		b.Run(bt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.text)))
			buf := make([]byte, 0, 512)
			for b.Loop() {
				buf = AppendLower(buf[:0], bt.text)
			}
		})
	}
}

// TestLowerASCIIBytes checks the eight-bytes-at-a-time ASCII path at every
// byte value and alignment, including the letters' neighbours @ [ ` {.
func TestLowerASCIIBytes(t *testing.T) {
	for c := range 256 {
		for pad := range 17 {
			in := strings.Repeat("Q", pad) + string([]byte{byte(c)}) + "@AZ[`az{" + strings.Repeat("W", pad)
			want := []byte(in)
			for i, b := range want {
				if 'A' <= b && b <= 'Z' {
					want[i] = b + 'a' - 'A'
				}
			}
			if got := Lower(in); got != string(want) {
				t.Fatalf("Lower(%q) = %q, want %q", in, got, want)
			}
		}
	}
}
