// Layout of a figure: where every rectangle, line and piece of text goes,
// in whole pixels, shared by the SVG and PNG writers.
package planviz

import (
	"image/color"
	"math"
	"strconv"
	"unicode/utf8"
)

// The text metrics of the 7×13 bitmap font the PNG uses; the SVG's
// monospace font at svgFontSize has about the same advance.
const (
	advance = 7  // pixels per character
	ascent  = 11 // baseline to the top of the cell
	descent = 2  // baseline to the bottom of the cell
	lineH   = ascent + descent
)

// box is a buffer: a rectangle [x0,x1) × [y0,y1) (y grows downwards)
// filled with fill and outlined in outlineRGB.
type box struct {
	x0, y0, x1, y1 int
	fill           color.NRGBA
}

// segment is a horizontal (y0 == y1) or vertical (x0 == x1) line from
// (x0, y0) to (x1, y1), both ends included.
type segment struct{ x0, y0, x1, y1 int }

// stroke is a set of segments drawn alike.
type stroke struct {
	segs   []segment
	color  color.NRGBA
	width  int
	dashed bool // dashLen on, dashGap off
}

// The dash pattern of dashed strokes, in pixels.
const (
	dashLen = 8
	dashGap = 4
)

// anchor says which point of a text its position is.
type anchor int

// The text anchors: the start, middle or end of the baseline.
const (
	start anchor = iota
	middle
	end
)

// text is one line of text whose baseline is anchored at (x, y); a
// vertical text reads from bottom to top (rotated 90° anticlockwise about
// its anchor).
type text struct {
	s        string
	x, y     int
	anchor   anchor
	vertical bool
	bold     bool
}

// scene is a laid-out figure, drawn in order: boxes, strokes, texts.
type scene struct {
	boxes   []box
	strokes []stroke
	texts   []text
}

// textWidth is the width in pixels of s in the bitmap font (one cell per
// rune; invalid bytes are one replacement character each).
func textWidth(s string) int { return utf8.RuneCountInString(s) * advance }

// fit shortens s with "..." so that it is at most w pixels wide.
func fit(s string, w int) string {
	n := w / advance
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 3 {
		return ""
	}
	rs := []rune(s)
	return string(rs[:n-3]) + "..."
}

// tick is an axis mark and its label.
type tick struct {
	Value int
	Label string
}

// ticks marks [lo, hi] (0 <= lo) with whole numbers at a 1-2-5 spacing,
// at most about eight labelled ticks.
func ticks(lo, hi int) []tick {
	if hi <= lo {
		return []tick{{lo, strconv.Itoa(lo)}}
	}
	span := float64(hi - lo)
	step := 1
	for span/float64(step) > 8 {
		d := step
		for d >= 10 {
			d /= 10
		}
		if d == 2 {
			step = step / 2 * 5
		} else {
			step *= 2
		}
	}
	var out []tick
	for v := (lo + step - 1) / step * step; ; v += step {
		out = append(out, tick{v, strconv.Itoa(v)})
		if v > hi-step {
			break
		}
	}
	return out
}

// layout places everything of a checked figure.
func layout(f Figure) *scene {
	s := &scene{}
	ink := rgb(inkRGB)

	// Axis ranges: x spans the steps, y the highest byte plus 4%.
	xmax := max(f.Steps, 1)
	top := max(f.ArenaSize, f.LowerBound, 1)
	for _, r := range f.Rects {
		top = max(top, r.Offset+r.Size)
	}
	ymax := top
	if top < math.MaxInt/2 {
		ymax = top + top/25 + 1
	}
	xt, yt := ticks(0, xmax), ticks(0, ymax)

	// Margins: the title lines above; the y axis label and tick labels
	// on the left; tick labels and the x axis label below.
	lines := title(f)
	plotTop := 16 + 16*len(lines)
	yLabelW := 0
	for _, t := range yt {
		yLabelW = max(yLabelW, textWidth(t.Label))
	}
	plotLeft := 8 + lineH + 8 + yLabelW + 4 + 5
	plotRight := width - 24
	plotBottom := height - (5 + 3 + lineH + 8 + lineH + 8)
	pw, ph := plotRight-plotLeft, plotBottom-plotTop
	px := func(v int) int { return plotLeft + int(math.Round(float64(v)*float64(pw)/float64(xmax))) }
	py := func(v int) int { return plotBottom - int(math.Round(float64(v)*float64(ph)/float64(ymax))) }

	// The buffers, each at least a pixel wide and high, labelled where
	// the label fits with a margin.
	cs := colors(len(f.Rects))
	var labels []text
	for i, r := range f.Rects {
		b := box{x0: px(r.First), x1: px(r.Last + 1), y0: py(r.Offset + r.Size), y1: py(r.Offset), fill: cs[i]}
		b.x1 = max(b.x1, b.x0+1)
		b.y0 = min(b.y0, b.y1-1)
		s.boxes = append(s.boxes, b)
		if r.Label != "" && textWidth(r.Label)+4 <= b.x1-b.x0 && lineH+2 <= b.y1-b.y0 {
			labels = append(labels, text{s: r.Label, x: (b.x0 + b.x1) / 2, y: (b.y0+b.y1)/2 + 4, anchor: middle})
		}
	}

	// The arena size (solid) and the lower bound (dashed), over the
	// buffers; the dashes stay visible when the two are equal.
	if f.ArenaSize > 0 {
		y := py(f.ArenaSize)
		s.strokes = append(s.strokes, stroke{segs: []segment{{plotLeft, y, plotRight, y}}, color: rgb(arenaRGB), width: 2})
	}
	if f.LowerBound > 0 {
		y := py(f.LowerBound)
		s.strokes = append(s.strokes, stroke{segs: []segment{{plotLeft, y, plotRight, y}}, color: rgb(boundRGB), width: 2, dashed: true})
	}

	// The axes and their ticks.
	s.strokes = append(s.strokes, stroke{segs: []segment{
		{plotLeft, plotTop, plotLeft, plotBottom},
		{plotLeft, plotBottom, plotRight, plotBottom},
	}, color: ink, width: 1})
	marks := stroke{color: ink, width: 1}
	for _, t := range xt {
		x := px(t.Value)
		marks.segs = append(marks.segs, segment{x, plotBottom, x, plotBottom + 5})
		s.texts = append(s.texts, text{s: t.Label, x: x, y: plotBottom + 5 + 3 + ascent, anchor: middle})
	}
	for _, t := range yt {
		y := py(t.Value)
		marks.segs = append(marks.segs, segment{plotLeft - 5, y, plotLeft, y})
		s.texts = append(s.texts, text{s: t.Label, x: plotLeft - 5 - 4, y: y + 4, anchor: end})
	}
	s.strokes = append(s.strokes, marks)
	s.texts = append(s.texts,
		text{s: "step (op index)", x: (plotLeft + plotRight) / 2, y: height - 8 - descent, anchor: middle},
		text{s: "arena offset (bytes)", x: 8 + ascent, y: (plotTop + plotBottom) / 2, anchor: middle, vertical: true},
	)
	for i, l := range lines {
		s.texts = append(s.texts, text{s: fit(l, width-16), x: width / 2, y: 8 + ascent + 16*i, anchor: middle, bold: i == 0 && f.Title != ""})
	}
	s.texts = append(s.texts, labels...)
	return s
}
