package render

import (
	"math"

	"github.com/geoheat/geoheat/internal/store"
)

// Projection selects how longitude and latitude map onto the image.
type Projection int

const (
	// Equirectangular maps degrees linearly: the whole globe, poles too.
	Equirectangular Projection = iota
	// WebMercator is the slippy map's projection (the dashboard's), clipped
	// at ±85.05°.
	WebMercator
)

// maxMercLat is web mercator's latitude limit, where the map is square.
const maxMercLat = 85.0511287798

// DefaultView is the world as reports usually show it: Antarctica's empty
// interior and the Arctic ocean cropped.
var DefaultView = store.BBox{West: -180, South: -58, East: 180, North: 84}

// view maps lon/lat onto pixels. west..east is unwrapped (east may exceed
// 180 for a box across the antimeridian); top and bottom are projected.
type view struct {
	west, east  float64
	top, bottom float64
	w, h        int
	proj        Projection
}

func (v *view) projY(lat float64) float64 {
	if v.proj == WebMercator {
		lat = min(max(lat, -maxMercLat), maxMercLat)
		return math.Log(math.Tan(math.Pi/4+lat*math.Pi/360)) * 180 / math.Pi
	}
	return lat
}

func (v *view) x(lon float64) float64 { return (lon - v.west) / (v.east - v.west) * float64(v.w) }
func (v *view) y(lat float64) float64 {
	return (v.top - v.projY(lat)) / (v.top - v.bottom) * float64(v.h)
}

// newView fits box into width×height pixels. Height 0 picks the height that
// keeps the box's aspect; otherwise the box is widened, in whichever
// direction it is short, to the image's aspect so degrees stay square.
func newView(box store.BBox, width, height int, proj Projection) view {
	if box.IsZero() {
		box = DefaultView
	}
	v := view{west: box.West, east: box.East, w: width, proj: proj}
	if v.east <= v.west {
		v.east += 360 // across the antimeridian
	}
	v.top, v.bottom = v.projY(box.North), v.projY(box.South)
	if v.top-v.bottom < 1e-9 {
		v.top, v.bottom = v.top+0.5, v.bottom-0.5
	}
	spanX, spanY := v.east-v.west, v.top-v.bottom
	if height <= 0 {
		height = int(math.Round(float64(width) * spanY / spanX))
		height = min(max(height, 16), MaxSize)
		v.h = height
		return v
	}
	v.h = height
	want := float64(height) / float64(width)
	limit := v.projY(90)
	if spanY/spanX < want {
		mid, half := (v.top+v.bottom)/2, spanX*want/2
		v.top, v.bottom = mid+half, mid-half
		// Slide the window back inside the globe rather than show space.
		if v.top > limit {
			v.bottom -= v.top - limit
			v.top = limit
		}
		if v.bottom < -limit {
			v.top += -limit - v.bottom
			v.bottom = -limit
		}
		v.top = min(v.top, limit)
	} else {
		mid, half := (v.west+v.east)/2, spanY/want/2
		v.west, v.east = mid-half, mid+half
	}
	return v
}

// globeInView reports whether the copy of the globe shifted by off degrees
// of longitude (-360, 0 or 360) shows in the view.
func (v *view) globeInView(off float64) bool {
	return v.west <= 180+off && v.east >= -180+off
}

// copies returns the longitude offsets (multiples of 360°) at which
// something at lon appears in the view, so that a view across the
// antimeridian, or wider than the globe, shows it on every side.
func (v *view) copies(lon float64, dst []float64) []float64 {
	dst = dst[:0]
	for k := -1.0; k <= 2; k++ {
		l := lon + k*360
		if l >= v.west-180 && l <= v.east+180 {
			dst = append(dst, k*360)
		}
	}
	return dst
}
