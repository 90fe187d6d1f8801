package render

import (
	"image"
	"math"

	"github.com/geoheat/geoheat/internal/store"
)

// drawHeat splats every cell as a gaussian of its weight into a density
// buffer, then colours the buffer through the ramp over img.
//
// Density is compressed logarithmically before colouring: heat cells range
// from one post to tens of thousands, and a linear scale would show only the
// biggest city.
func drawHeat(img *image.RGBA, v *view, cells []store.HeatCell, radius float64) {
	if len(cells) == 0 {
		return
	}
	w, h := v.w, v.h
	density := make([]float32, w*h)
	kernel, kr := gaussKernel(radius)
	var offs []float64
	for _, c := range cells {
		if c.Weight <= 0 {
			continue
		}
		weight := float32(c.Weight)
		cy := int(math.Round(v.y(c.Lat)))
		offs = v.copies(c.Lon, offs) // reuse the buffer across cells
		for _, off := range offs {
			cx := int(math.Round(v.x(c.Lon + off)))
			if cx < -kr || cx >= w+kr || cy < -kr || cy >= h+kr {
				continue
			}
			for ky := -kr; ky <= kr; ky++ {
				y := cy + ky
				if y < 0 || y >= h {
					continue
				}
				row := kernel[(ky+kr)*(2*kr+1):]
				for kx := -kr; kx <= kr; kx++ {
					x := cx + kx
					if x < 0 || x >= w {
						continue
					}
					density[y*w+x] += weight * row[kx+kr]
				}
			}
		}
	}
	var peak float32
	for _, d := range density {
		peak = max(peak, d)
	}
	if peak <= 0 {
		return
	}
	// A lone post splatted at full kernel height gives 1; the log scale
	// shows it faintly (~0.1 of the ramp) even beside a cell of 10,000.
	norm := 1 / math.Log1p(float64(peak))
	for i, d := range density {
		if d < 0.02 {
			continue
		}
		t := math.Log1p(float64(d)) * norm
		t = 0.08 + 0.92*t
		c := rampLUT[min(int(t*255), 255)]
		if c.A == 0 {
			continue
		}
		blendOver(img, i%w, i/w, c.R, c.G, c.B, c.A)
	}
}

// gaussKernel returns a (2r+1)² bump with peak 1 that falls smoothly to 0
// at radius: (1-d²/r²)³, gaussian-like but with compact support, so a
// heavy cell has no hard edge where a cut-off gaussian would stop.
func gaussKernel(radius float64) ([]float32, int) {
	kr := max(1, int(math.Ceil(radius)))
	r2 := radius * radius
	k := make([]float32, (2*kr+1)*(2*kr+1))
	for y := -kr; y <= kr; y++ {
		for x := -kr; x <= kr; x++ {
			f := 1 - float64(x*x+y*y)/r2
			if f > 0 {
				k[(y+kr)*(2*kr+1)+x+kr] = float32(f * f * f)
			}
		}
	}
	return k, kr
}

// blendOver composites a premultiplied colour over an opaque pixel.
func blendOver(img *image.RGBA, x, y int, r, g, b, a uint8) {
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+4 : i+4]
	inv := 255 - uint32(a)
	p[0] = uint8(uint32(r) + uint32(p[0])*inv/255)
	p[1] = uint8(uint32(g) + uint32(p[1])*inv/255)
	p[2] = uint8(uint32(b) + uint32(p[2])*inv/255)
	p[3] = 255
}
