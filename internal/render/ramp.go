package render

import (
	"image/color"
	"math"
)

// rampStop is one colour of the heat ramp; t runs 0..1.
type rampStop struct {
	t          float64
	r, g, b, a float64
}

// The ramp runs from transparent through blue, cyan, green and yellow to
// red, as the seed's Google Maps heatmap did, so that reports look like the
// notebook's maps.
var ramp = []rampStop{
	{0.00, 0, 0, 255, 0},
	{0.10, 0, 40, 255, 120},
	{0.30, 0, 200, 255, 190},
	{0.50, 40, 230, 60, 215},
	{0.70, 255, 230, 0, 230},
	{1.00, 255, 30, 0, 245},
}

// rampLUT is the ramp sampled at 256 levels, premultiplied.
var rampLUT = func() (lut [256]color.RGBA) {
	for i := range lut {
		t := float64(i) / 255
		j := 1
		for j < len(ramp)-1 && ramp[j].t < t {
			j++
		}
		a, b := ramp[j-1], ramp[j]
		f := (t - a.t) / (b.t - a.t)
		mix := func(x, y float64) float64 { return x + (y-x)*f }
		al := mix(a.a, b.a)
		lut[i] = color.RGBA{
			R: uint8(math.Round(mix(a.r, b.r) * al / 255)),
			G: uint8(math.Round(mix(a.g, b.g) * al / 255)),
			B: uint8(math.Round(mix(a.b, b.b) * al / 255)),
			A: uint8(math.Round(al)),
		}
	}
	return lut
}()
