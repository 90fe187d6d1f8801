package twitter

import (
	"encoding/json"
	"strings"
	"testing"
)

// validateJSON must agree with encoding/json.Valid (below the nesting
// limit); FuzzParse checks the same on random input.
func TestValidateJSONAgreesWithEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `1E-2`, `true`, `false`, `null`,
		` {"a" : [1, 2.5, -3e2, "x", true, false, null, {}, []] } `,
		`{"a":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`,
		"{\"a\":\"\xff\xfe invalid UTF-8 is valid JSON\"}",
		`{"a":"` + strings.Repeat("long plain text ", 100) + `"}`,
		`{"a":"` + strings.Repeat(`\/`, 100) + `"}`,
		// Invalid.
		``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `[1,]`, `[,1]`, `{"a":1 "b":2}`,
		`{a:1}`, `{'a':1}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`,
		`{"a":+1}`, `{"a":NaN}`, `{"a":Infinity}`, `{"a":-Infinity}`, `{"a":nan}`, `{"a":tru}`,
		`{"a":nul}`, `{"a":falsey}`, `{"a":1.2.3}`, `{"a":0x10}`, "{\"a\":\"tab\there\"}",
		"{\"a\":\"nul\x00\"}", `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, `{"a":"\`,
		`{"a":"unterminated`, `{"a":1}}`, `{"a":1}x`, `[}`, `{]`, `{"a":[1}`, `"\u00"`,
		"\xef\xbb\xbf{}", `{"a":1}{"b":2}`, `[[[`, `]]]`,
	}
	for _, in := range inputs {
		got := validateJSON([]byte(in)) == nil
		if want := json.Valid([]byte(in)); got != want {
			t.Errorf("validateJSON(%q) valid=%v, encoding/json %v", in, got, want)
		}
	}
}

func TestValidateJSONErrorsSayWhere(t *testing.T) {
	err := validateJSON([]byte(`{"a":[1,2,x]}`))
	if err == nil || !strings.Contains(err.Error(), "offset 10") {
		t.Errorf("error %v does not give offset 10", err)
	}
}
