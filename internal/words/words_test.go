package words

import (
	"slices"
	"testing"
)

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"Café CAFÉ cafe", []string{"cafe", "cafe", "cafe"}},
		{"#Fútbol @user https://t.co/x1", []string{"futbol", "user", "https", "t", "co", "x1"}},
		{"東京都に行く", []string{"東京", "京都", "都に", "に行", "行く"}},
		{"東", []string{"東"}},
		{"iPhone東京", []string{"iphone", "東京"}},
		// Thai vowel signs are nonspacing marks: folded away like accents, alike in queries and posts.
		{"สวัสดี", []string{"สว", "วส", "สด"}},
		{"Привет МИР", []string{"привет", "мир"}},
		{"", nil},
		{"!!! ...", nil},
	} {
		got := Append(nil, tc.text)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Append(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range []string{"Hello", "東京都", "Café\xff", "สวัสดี ครับ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws := Append(nil, s)
		for _, w := range ws {
			if w == "" {
				t.Fatalf("empty word from %q", s)
			}
			// Searching a post for its own words always matches: folding a
			// word again and cutting it gives words of the post.
			again := Append(nil, w)
			if len(again) == 0 {
				t.Fatalf("word %q of %q has no words", w, s)
			}
		}
	})
}

// BenchmarkAppend cuts posts of the kinds a stream carries: plain ASCII,
// accented Latin, Cyrillic and unspaced Japanese (the last three go
// through the accent remover).
func BenchmarkAppend(b *testing.B) {
	texts := []string{
		"Just landed in Madrid, the weather is great #travel #spain",
		"Qué día tan bonito en la playa, ¡mañana más! #verano",
		"Привет всем, сегодня отличная погода в Москве",
		"今日は東京でラーメンを食べました。とても美味しかった！",
	}
	var dst []string
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dst = Append(dst[:0], texts[i%len(texts)])
	}
}
