package render

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Animation: `geoheat render --from … --to … --step 1h -o anim.gif` draws
// one heatmap per step and writes them as one GIF. GIF frames hold at most
// 256 colours; every frame is mapped onto one palette built from what the
// renderer draws (the base map's colours and the heat ramp over sea and
// over land), so colours do not flicker from frame to frame as they would
// with a palette per frame.

// MaxFrames bounds an animation: a year of days, or three weeks of hours.
const MaxFrames = 500

// CaptionColor and CaptionBackground draw a frame's caption.
var (
	CaptionColor      = color.RGBA{0xf0, 0xf4, 0xf8, 0xff}
	CaptionBackground = color.RGBA{0x05, 0x0a, 0x10, 0xff}
)

// AnimationPalette is the palette every frame of an animation shares.
func AnimationPalette() color.Palette {
	p := color.Palette{SeaColor, LandColor, BorderColor, GraticuleColor, CaptionColor, CaptionBackground}
	// The rest of the 256 go to the ramp composited over sea and over
	// land, evenly over its levels: that is what drawHeat produces.
	per := (256 - len(p)) / 2
	for _, base := range []color.RGBA{SeaColor, LandColor} {
		for i := range per {
			c := rampLUT[i*255/(per-1)]
			p = append(p, over(c, base))
		}
	}
	return p
}

// over composites premultiplied c over the opaque base, as blendOver does.
func over(c, base color.RGBA) color.RGBA {
	inv := 255 - uint32(c.A)
	return color.RGBA{
		R: uint8(uint32(c.R) + uint32(base.R)*inv/255),
		G: uint8(uint32(c.G) + uint32(base.G)*inv/255),
		B: uint8(uint32(c.B) + uint32(base.B)*inv/255),
		A: 255,
	}
}

// Caption writes text on img's top-left corner over a dark band, in a
// fixed 7×13 font (the caption is a time span: ASCII).
func Caption(img *image.RGBA, text string) {
	face := basicfont.Face7x13
	w := font.MeasureString(face, text).Ceil()
	band := image.Rect(0, 0, min(w+12, img.Rect.Dx()), min(face.Height+8, img.Rect.Dy()))
	draw.Draw(img, band, image.NewUniform(CaptionBackground), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(CaptionColor), Face: face,
		Dot: fixed.P(6, 4+face.Ascent)}
	d.DrawString(text)
}

// Animation collects frames of one size and writes them as a GIF.
type Animation struct {
	palette color.Palette
	index   map[color.RGBA]uint8 // colour → palette index, filled as met
	gif     gif.GIF
}

// NewAnimation returns an empty animation that loops forever.
func NewAnimation() *Animation {
	return &Animation{palette: AnimationPalette(), index: map[color.RGBA]uint8{}}
}

// Add maps img onto the shared palette and appends it as a frame shown
// for delay hundredths of a second. Frames must all have img's size.
func (a *Animation) Add(img *image.RGBA, delay int) error {
	if n := len(a.gif.Image); n > 0 && a.gif.Image[0].Rect != img.Rect {
		return fmt.Errorf("render: frame %d is %v, the first was %v", n, img.Rect, a.gif.Image[0].Rect)
	}
	if len(a.gif.Image) >= MaxFrames {
		return fmt.Errorf("render: more than %d frames", MaxFrames)
	}
	pm := image.NewPaletted(img.Rect, a.palette)
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			c := img.RGBAAt(x, y)
			i, ok := a.index[c]
			if !ok {
				// Most pixels are a few base colours: look each colour up
				// once, not each pixel.
				i = uint8(a.palette.Index(c))
				a.index[c] = i
			}
			pm.SetColorIndex(x, y, i)
		}
	}
	a.gif.Image = append(a.gif.Image, pm)
	a.gif.Delay = append(a.gif.Delay, delay)
	return nil
}

// Len reports how many frames were added.
func (a *Animation) Len() int { return len(a.gif.Image) }

// Encode writes the frames as one animated GIF.
func (a *Animation) Encode(w io.Writer) error {
	if len(a.gif.Image) == 0 {
		return fmt.Errorf("render: an animation without frames")
	}
	if err := gif.EncodeAll(w, &a.gif); err != nil {
		return fmt.Errorf("render: encode gif: %w", err)
	}
	return nil
}
