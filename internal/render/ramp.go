package render

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
)

// rampJSON is the one definition of the heat ramps. The renderer reads it
// here, the standalone page gets it in its JSON block (pageData.Ramp), and
// the dashboard bundles it (web/src/ramp.js imports this file), so there is
// no second copy to drift; TestRampOneSource fails if one appears.
//
//go:embed ramp.json
var rampJSON []byte

// RampStop is one colour of a heat ramp, [t, r, g, b, a] as in ramp.json:
// t runs 0..1, the colour and alpha 0..255.
type RampStop []float64

// Ramps are the two heat ramps: Heat for the platform's points (exact
// coordinates, places) and Inferred for the points geoheat placed itself,
// which no part of Heat resembles.
type Ramps struct {
	Heat     []RampStop `json:"heat"`
	Inferred []RampStop `json:"inferred"`
}

// ramps is parsed once; a malformed ramp.json is a build error, so it
// panics at init (a test covers the file).
var ramps = func() Ramps {
	r, err := parseRamps(rampJSON)
	if err != nil {
		panic(err)
	}
	return r
}()

// HeatRamps returns the ramps of ramp.json. The slices are shared: callers
// must not modify them.
func HeatRamps() Ramps { return ramps }

func parseRamps(b []byte) (Ramps, error) {
	var r Ramps
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("render: ramp.json: %w", err)
	}
	for name, stops := range map[string][]RampStop{"heat": r.Heat, "inferred": r.Inferred} {
		if err := checkRamp(stops); err != nil {
			return r, fmt.Errorf("render: ramp.json: %s: %w", name, err)
		}
	}
	return r, nil
}

// checkRamp wants at least two stops from t=0 to t=1, t increasing, and
// every component within 0..255.
func checkRamp(stops []RampStop) error {
	if len(stops) < 2 {
		return fmt.Errorf("want at least two stops, got %d", len(stops))
	}
	for i, s := range stops {
		if len(s) != 5 {
			return fmt.Errorf("stop %d: want [t, r, g, b, a], got %v", i, s)
		}
		if i > 0 && s[0] <= stops[i-1][0] {
			return fmt.Errorf("stop %d: t not increasing", i)
		}
		for _, v := range s[1:] {
			if v < 0 || v > 255 || v != math.Trunc(v) {
				return fmt.Errorf("stop %d: component %v outside 0..255", i, v)
			}
		}
	}
	if stops[0][0] != 0 || stops[len(stops)-1][0] != 1 {
		return fmt.Errorf("stops must run from t=0 to t=1")
	}
	return nil
}

// rampLUT is the heat ramp sampled at 256 levels, premultiplied.
var rampLUT = lut(ramps.Heat)

func lut(ramp []RampStop) (lut [256]color.RGBA) {
	for i := range lut {
		t := float64(i) / 255
		j := 1
		for j < len(ramp)-1 && ramp[j][0] < t {
			j++
		}
		a, b := ramp[j-1], ramp[j]
		f := (t - a[0]) / (b[0] - a[0])
		mix := func(k int) float64 { return a[k] + (b[k]-a[k])*f }
		al := mix(4)
		lut[i] = color.RGBA{
			R: uint8(math.Round(mix(1) * al / 255)),
			G: uint8(math.Round(mix(2) * al / 255)),
			B: uint8(math.Round(mix(3) * al / 255)),
			A: uint8(math.Round(al)),
		}
	}
	return lut
}
