package platform

import (
	"testing"

	"github.com/geoheat/geoheat/internal/langid"
)

// fakeText answers a fixed language; plausible lists the hints it accepts.
type fakeText struct {
	res       langid.Result
	plausible map[string]bool
}

func (f fakeText) Detect(string) langid.Result { return f.res }
func (f fakeText) Explain(string) (langid.Result, []string) {
	return f.res, []string{f.res.Lang}
}
func (f fakeText) DetectHint(_, hint string) (langid.Result, bool) {
	return f.res, !f.res.Kept || hint == f.res.Lang || f.plausible[hint]
}

func TestKey(t *testing.T) {
	tests := []struct {
		tag  string
		want string
		ok   bool
	}{
		{"en", "en", true},
		{"in", "id", true}, // X's legacy Indonesian
		{"iw", "he", true}, // X's legacy Hebrew
		{"nb", "no", true},
		{"pt-BR", "pt", true},
		{"zh-cn", "zh", true},
		{"EN_gb", "en", true},
		{"km", "km", true}, // a language geoheat has no name for is kept as is
		{"und", "", false},
		{"zxx", "", false},
		{"qme", "", false},
		{"qht", "", false},
		{"art", "", false},
		{"", "", false},
		{"x", "", false},
		{"e1", "", false},
	}
	for _, tt := range tests {
		got, ok := Key(tt.tag)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Key(%q) = %q, %v; want %q, %v", tt.tag, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDetectPost(t *testing.T) {
	spanish := fakeText{res: langid.Result{Lang: "es", Matches: 99, Total: 100, Kept: true}, plausible: map[string]bool{"gl": true}}
	unsure := fakeText{res: langid.Result{Lang: "tl", Matches: 55, Total: 100, Kept: false}}
	tag := langid.Result{Lang: "", Matches: 100, Total: 100, Kept: true}
	with := func(l string) langid.Result { r := tag; r.Lang = l; return r }
	tests := []struct {
		name string
		mode Mode
		text fakeText
		tag  string
		want langid.Result
	}{
		{"trust takes the tag", Trust, spanish, "en", with("en")},
		{"trust maps legacy codes", Trust, spanish, "in", with("id")},
		{"trust falls back on und", Trust, spanish, "und", spanish.res},
		{"trust falls back without a tag", Trust, spanish, "", spanish.res},
		{"auto keeps an agreeing tag", Auto, spanish, "es", with("es")},
		{"auto keeps a plausible tag", Auto, spanish, "gl", with("gl")},
		{"auto overrides a contradicted tag", Auto, spanish, "en", spanish.res},
		{"auto keeps the tag when the text cannot tell", Auto, unsure, "en", with("en")},
		{"auto falls back on special codes", Auto, spanish, "qme", spanish.res},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.mode, tt.text)
			if got := d.DetectPost("text", tt.tag); got != tt.want {
				t.Errorf("DetectPost(tag %q) = %+v, want %+v", tt.tag, got, tt.want)
			}
			if got := d.Detect("text"); got != tt.text.res {
				t.Errorf("Detect = %+v, want the text detector's %+v", got, tt.text.res)
			}
		})
	}
}
