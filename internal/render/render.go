// Package render draws heatmaps as PNG images in Go, over Natural Earth
// country outlines: for reports, READMEs and terminals, and for
// `GET /api/heat.png`, `geoheat render` and `geoheat map`. It depends on the
// store's types only; outlines are handed in (see DecodeTopoJSON).
package render

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"

	"github.com/geoheat/geoheat/internal/store"
)

// Size limits, so a request cannot ask for a huge image.
const (
	MaxSize      = 4096
	DefaultWidth = 1024
)

// Colours of the base map: a dark sea so the heat ramp reads well.
var (
	SeaColor       = color.RGBA{0x0f, 0x1c, 0x2b, 0xff}
	LandColor      = color.RGBA{0x2a, 0x38, 0x47, 0xff}
	BorderColor    = color.RGBA{0x5a, 0x6e, 0x84, 0xff}
	GraticuleColor = color.RGBA{0x1c, 0x2c, 0x3e, 0xff}
)

// Options configure Render.
type Options struct {
	Width      int        // pixels; 0 means DefaultWidth
	Height     int        // pixels; 0 keeps the view's aspect
	View       store.BBox // the area shown; zero means DefaultView
	Projection Projection
	Outlines   *Outlines // nil draws only the graticule
	// Radius of one cell's splat in pixels; 0 picks one from the cell size.
	Radius float64
	// CellDeg is the cells' edge in degrees (HeatResult.CellDeg), used to
	// size splats so that neighbouring cells merge into one glow.
	CellDeg float64
}

// Render draws cells as a heatmap over the outlines. Cells are weighted
// points (store.HeatCell); the image is owned by the caller.
func Render(cells []store.HeatCell, o Options) *image.RGBA {
	w := o.Width
	if w <= 0 {
		w = DefaultWidth
	}
	w = min(w, MaxSize)
	v := newView(o.View, w, min(o.Height, MaxSize), o.Projection)
	img := image.NewRGBA(image.Rect(0, 0, v.w, v.h))
	draw.Draw(img, img.Bounds(), image.NewUniform(SeaColor), image.Point{}, draw.Src)
	drawGraticule(img, &v)
	if o.Outlines != nil {
		fillLand(img, &v, o.Outlines.Land)
		for _, r := range o.Outlines.Borders {
			strokeRing(img, &v, r, BorderColor)
		}
	}
	radius := o.Radius
	if radius <= 0 {
		radius = autoRadius(&v, o.CellDeg)
	}
	drawHeat(img, &v, cells, radius)
	return img
}

// autoRadius makes a splat about three cells wide, at least 7 px (so a
// single post stays visible) and at most 1/12 of the image.
func autoRadius(v *view, cellDeg float64) float64 {
	pxPerDeg := float64(v.w) / (v.east - v.west)
	r := 7.0
	if cellDeg > 0 {
		r = max(r, cellDeg*pxPerDeg*1.5)
	}
	return min(r, float64(min(v.w, v.h))/12)
}

func drawGraticule(img *image.RGBA, v *view) {
	for lon := -180.0; lon <= 180; lon += 30 {
		ring := Ring{{lon, -89.9}, {lon, 89.9}}
		strokeRing(img, v, ring, GraticuleColor)
	}
	for lat := -60.0; lat <= 60; lat += 30 {
		ring := Ring{{-180, lat}, {180, lat}}
		strokeRing(img, v, ring, GraticuleColor)
	}
}

// fillLand fills the polygons with a non-zero winding rasterizer, drawing
// each at every longitude offset where it shows (a view across the
// antimeridian sees both sides).
func fillLand(img *image.RGBA, v *view, land []Polygon) {
	r := vector.NewRasterizer(v.w, v.h)
	r.DrawOp = draw.Over
	var offs []float64
	for k := -1.0; k <= 1; k++ {
		if off := k * 360; v.globeInView(off) {
			offs = append(offs, off)
		}
	}
	for _, off := range offs {
		for _, p := range land {
			for _, ring := range p {
				for i, pt := range ring {
					x, y := float32(v.x(pt[0]+off)), float32(v.y(pt[1]))
					if i == 0 {
						r.MoveTo(x, y)
					} else {
						r.LineTo(x, y)
					}
				}
				r.ClosePath()
			}
		}
	}
	r.Draw(img, img.Bounds(), image.NewUniform(LandColor), image.Point{})
}

func strokeRing(img *image.RGBA, v *view, ring Ring, c color.RGBA) {
	for k := -1.0; k <= 1; k++ {
		off := k * 360
		if !v.globeInView(off) {
			continue
		}
		for i := 1; i < len(ring); i++ {
			a, b := ring[i-1], ring[i]
			if math.Abs(a[0]-b[0]) > 180 {
				continue // a seam along the antimeridian, not a border
			}
			line(img, v.x(a[0]+off), v.y(a[1]), v.x(b[0]+off), v.y(b[1]), c)
		}
	}
}

// line draws a one-pixel line by stepping along its longer axis; borders
// are decoration, so no anti-aliasing.
func line(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	if (x0 < 0 && x1 < 0) || (x0 >= w && x1 >= w) || (y0 < 0 && y1 < 0) || (y0 >= h && y1 >= h) {
		return
	}
	dx, dy := x1-x0, y1-y0
	n := int(math.Ceil(math.Max(math.Abs(dx), math.Abs(dy))))
	if n > 4*MaxSize {
		n = 4 * MaxSize
	}
	for i := 0; i <= n; i++ {
		t := 0.0
		if n > 0 {
			t = float64(i) / float64(n)
		}
		x, y := int(x0+dx*t), int(y0+dy*t)
		if x >= 0 && y >= 0 && x < img.Rect.Dx() && y < img.Rect.Dy() {
			img.SetRGBA(x, y, c)
		}
	}
}
