package ngram

import "testing"

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"करना", "karna"},
		{"अपने", "apne"},
		{"सबसे", "sabse"},
		{"समझना", "samajhna"},
		{"और", "aur"},
		{"है", "hai"},
		{"नहीं", "nahin"},
		{"सभी मनुष्यों को", "sabhi manushyon ko"},
		{"जिसका", "jiska"},
		{"भारत।", "bharat."},
	}
	for _, tt := range tests {
		if got := transliterate(tt.in); got != tt.want {
			t.Errorf("transliterate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
