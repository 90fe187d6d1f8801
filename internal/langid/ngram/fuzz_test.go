package ngram

import "testing"

// FuzzDetect feeds arbitrary bytes, seeded with real tweet shapes: Detect
// must not panic, must answer a supported language or "", and must agree
// with Explain and DetectHint.
//
//	go test -run '^$' -fuzz FuzzDetect -fuzztime 30s ./internal/langid/ngram/
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"RT @user: hola amigos #fiesta https://t.co/x 😂",
		"@amazonさんから 今日は",
		"&amp;&lt;&#39;& &",
		"＠user ＃タグ www.",
		"Ман чӣ кор кунам ҳоло",
		"Non se debe poñer o carro diante dos bois.",
		"\xff\xfe invalid \xc3",
		"",
	} {
		f.Add(s)
	}
	d := newDetector(f)
	supported := map[string]bool{"": true}
	for _, l := range d.Languages() {
		supported[l] = true
	}
	f.Fuzz(func(t *testing.T, text string) {
		res := d.Detect(text)
		if !supported[res.Lang] {
			t.Fatalf("Detect(%q) = %+v: unsupported language", text, res)
		}
		if res.Kept && res.Lang == "" {
			t.Fatalf("Detect(%q) = %+v: kept without a language", text, res)
		}
		ex, near := d.Explain(text)
		if ex != res {
			t.Fatalf("Explain(%q) = %+v, Detect = %+v", text, ex, res)
		}
		if res.Lang != "" && (len(near) == 0 || near[0] != res.Lang) {
			t.Fatalf("Explain(%q) near = %v, want %q first", text, near, res.Lang)
		}
		if hinted, ok := d.DetectHint(text, res.Lang); hinted != res || !ok {
			t.Fatalf("DetectHint(%q, own answer) = %+v, %v", text, hinted, ok)
		}
	})
}
