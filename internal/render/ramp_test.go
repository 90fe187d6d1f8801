package render

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestParseRamps(t *testing.T) {
	for _, tc := range []struct {
		name, json, err string
	}{
		{"ok", `{"heat":[[0,0,0,0,0],[1,255,255,255,255]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, ""},
		{"one stop", `{"heat":[[0,0,0,0,0]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "at least two"},
		{"not from 0", `{"heat":[[0.1,0,0,0,0],[1,0,0,0,0]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "t=0 to t=1"},
		{"not to 1", `{"heat":[[0,0,0,0,0],[0.9,0,0,0,0]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "t=0 to t=1"},
		{"t decreasing", `{"heat":[[0,0,0,0,0],[0.5,0,0,0,0],[0.4,0,0,0,0],[1,0,0,0,0]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "not increasing"},
		{"short stop", `{"heat":[[0,0,0,0],[1,0,0,0,0]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "want [t, r, g, b, a]"},
		{"alpha 0..1", `{"heat":[[0,0,0,0,0],[1,0,0,0,0.5]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "outside 0..255"},
		{"too bright", `{"heat":[[0,0,0,0,0],[1,256,0,0,0]],"inferred":[[0,1,2,3,0],[1,4,5,6,7]]}`, "outside 0..255"},
		{"no inferred", `{"heat":[[0,0,0,0,0],[1,0,0,0,0]]}`, "inferred"},
		{"not json", `[`, "ramp.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseRamps([]byte(tc.json))
			if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// TestRampOneSource fails when a consumer of the heat ramp stops using
// ramp.json: the PNG renderer's table (which the standalone page shows)
// and every script of the dashboard, which must carry no colour of the
// ramp as a literal of its own (a copy would drift).
func TestRampOneSource(t *testing.T) {
	// The renderer: its table passes through every stop, premultiplied.
	for _, s := range ramps.Heat {
		i := int(math.Round(s[0] * 255))
		c := rampLUT[i]
		want := [4]float64{s[1] * s[4] / 255, s[2] * s[4] / 255, s[3] * s[4] / 255, s[4]}
		got := [4]float64{float64(c.R), float64(c.G), float64(c.B), float64(c.A)}
		for k := range want {
			// The table samples t at i/255, a hair off the stop.
			if math.Abs(got[k]-want[k]) > 4 {
				t.Errorf("rampLUT[%d] = %v, want %v (stop %v)", i, got, want, s)
				break
			}
		}
	}

	// No script holds a colour of either ramp as a literal: every stop's
	// r,g,b triple is looked for (any spacing) in the dashboard's sources,
	// which read ramp.json through web/src/ramp.js. (The standalone page
	// shows the PNG renderer's image.)
	scripts := map[string]string{}
	src := filepath.Join("..", "..", "web", "src")
	names, _ := filepath.Glob(filepath.Join(src, "*.js"))
	if len(names) == 0 {
		t.Fatalf("no dashboard sources at %s", src)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		scripts["web/src/"+filepath.Base(n)] = string(b)
	}
	if len(names) > 0 && !strings.Contains(scripts["web/src/ramp.js"], `"../../internal/render/ramp.json"`) {
		t.Error("web/src/ramp.js does not import internal/render/ramp.json")
	}
	for _, stops := range [][]RampStop{ramps.Heat, ramps.Inferred} {
		for _, s := range stops {
			re := regexp.MustCompile(fmt.Sprintf(`\b%v\s*,\s*%v\s*,\s*%v\b`, s[1], s[2], s[3]))
			for name, text := range scripts {
				if loc := re.FindStringIndex(text); loc != nil {
					t.Errorf("%s holds ramp colour %v,%v,%v itself (%q): use ramp.json", name, s[1], s[2], s[3], text[loc[0]:loc[1]])
				}
			}
		}
	}
}
