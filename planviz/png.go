// The PNG writer: a scene rasterised with the standard library and the
// 7×13 bitmap font of golang.org/x/image/font/basicfont.
package planviz

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// png rasterises the scene and encodes it.
func (s *scene) png() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fill(img, img.Bounds(), rgb(paperRGB))
	outline := rgb(outlineRGB)
	for _, b := range s.boxes {
		fill(img, image.Rect(b.x0, b.y0, b.x1, b.y1), b.fill)
		fill(img, image.Rect(b.x0, b.y0, b.x1, b.y0+1), outline)
		fill(img, image.Rect(b.x0, b.y1-1, b.x1, b.y1), outline)
		fill(img, image.Rect(b.x0, b.y0, b.x0+1, b.y1), outline)
		fill(img, image.Rect(b.x1-1, b.y0, b.x1, b.y1), outline)
	}
	for _, st := range s.strokes {
		for _, g := range st.segs {
			drawSegment(img, g, st)
		}
	}
	for _, t := range s.texts {
		drawText(img, t)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fill paints r (clipped to the image) in c.
func fill(img *image.RGBA, r image.Rectangle, c color.NRGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// drawSegment paints a horizontal or vertical segment of a stroke, width
// pixels thick and centred on the line, dashed if the stroke is.
func drawSegment(img *image.RGBA, g segment, st stroke) {
	lo := -st.width / 2
	hi := lo + st.width
	horizontal := g.y0 == g.y1
	a, b := g.x0, g.x1
	if !horizontal {
		a, b = g.y0, g.y1
	}
	if a > b {
		a, b = b, a
	}
	period := b - a + 1
	on := period
	if st.dashed {
		period, on = dashLen+dashGap, dashLen
	}
	for p := a; p <= b; p += period {
		q := min(p+on, b+1)
		if horizontal {
			fill(img, image.Rect(p, g.y0+lo, q, g.y0+hi), st.color)
		} else {
			fill(img, image.Rect(g.x0+lo, p, g.x0+hi, q), st.color)
		}
	}
}

// drawText paints a text in ink, bold as a second copy a pixel to the
// right, vertical by rotating the rendered line.
func drawText(img *image.RGBA, t text) {
	w := textWidth(t.s)
	x := t.x
	switch t.anchor {
	case middle:
		x -= w / 2
	case end:
		x -= w
	}
	ink := image.NewUniform(rgb(inkRGB))
	if !t.vertical {
		copies := 1
		if t.bold {
			copies = 2
		}
		for i := 0; i < copies; i++ {
			d := font.Drawer{Dst: img, Src: ink, Face: basicfont.Face7x13, Dot: fixed.P(x+i, t.y)}
			d.DrawString(t.s)
		}
		return
	}
	// Render the line into a mask, then copy it turned anticlockwise:
	// mask (i, j) lands at (t.x - ascent + j, y0 - i), where y0 is the
	// bottom end of the line along the y axis.
	mask := image.NewAlpha(image.Rect(0, 0, w, lineH))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: basicfont.Face7x13, Dot: fixed.P(0, ascent)}
	d.DrawString(t.s)
	y0 := t.y + (t.x - x) // the line starts below its anchor
	c := rgb(inkRGB)
	bounds := img.Bounds()
	for j := 0; j < lineH; j++ {
		for i := 0; i < w; i++ {
			if mask.AlphaAt(i, j).A < 0x80 {
				continue
			}
			p := image.Pt(t.x-ascent+j, y0-i)
			if p.In(bounds) {
				img.Set(p.X, p.Y, c)
			}
		}
	}
}
