// The SVG writer: a scene as hand-written SVG, every text escaped.
package planviz

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
)

// svgFontSize is the size of the SVG's monospace text, whose advance
// (about 0.6 em) is close to the bitmap font's 7 pixels.
const svgFontSize = "11.5"

// hexColor is c as #RRGGBB.
func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

// svg writes the scene as an SVG document.
func (s *scene) svg() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%s">`+"\n",
		width, height, width, height, svgFontSize)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="%s"/>`+"\n", width, height, hexColor(rgb(paperRGB)))
	for _, x := range s.boxes {
		fmt.Fprintf(&b, `<path d="M%d %dH%dV%dH%dZ" style="fill:%s;stroke:%s;stroke-width:1"/>`+"\n",
			x.x0, x.y0, x.x1, x.y1, x.x0, hexColor(x.fill), hexColor(rgb(outlineRGB)))
	}
	for _, st := range s.strokes {
		b.WriteString(`<path d="`)
		for i, g := range st.segs {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "M%d %dL%d %d", g.x0, g.y0, g.x1, g.y1)
		}
		fmt.Fprintf(&b, `" style="fill:none;stroke:%s;stroke-width:%d`, hexColor(st.color), st.width)
		if st.dashed {
			fmt.Fprintf(&b, ";stroke-dasharray:%d,%d", dashLen, dashGap)
		}
		b.WriteString(`"/>` + "\n")
	}
	for _, t := range s.texts {
		fmt.Fprintf(&b, `<text x="%d" y="%d"`, t.x, t.y)
		switch t.anchor {
		case middle:
			b.WriteString(` text-anchor="middle"`)
		case end:
			b.WriteString(` text-anchor="end"`)
		}
		if t.vertical {
			fmt.Fprintf(&b, ` transform="rotate(-90 %d %d)"`, t.x, t.y)
		}
		if t.bold {
			b.WriteString(` font-weight="bold"`)
		}
		fmt.Fprintf(&b, ` fill="%s">`, hexColor(rgb(inkRGB)))
		// Labels are tensor names from untrusted models: escape <, >, &,
		// quotes and white space, and replace what XML cannot hold.
		_ = xml.EscapeText(&b, []byte(t.s)) // a bytes.Buffer does not fail
		b.WriteString("</text>\n")
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
