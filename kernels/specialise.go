// specialise.go: helpers the specialised kernel sets share when they turn
// a reference call into their own (constant filters and biases).

package kernels

import "github.com/tinygen/tinygen/ir"

// constInt8 returns the int8 values of a constant tensor, or false.
func constInt8(t *ir.Tensor) ([]int8, bool) {
	if t == nil || !t.IsConst() || t.DType != ir.Int8 || len(t.Data) != t.Shape.Elements() {
		return nil, false
	}
	out := make([]int8, len(t.Data))
	for i, b := range t.Data {
		out[i] = int8(b)
	}
	return out, true
}

// constBias returns the n int32 biases of a constant bias tensor (zeros
// when there is none), or false when the bias is not a constant of n
// values.
func constBias(t *ir.Tensor, n int) ([]int32, bool) {
	if t == nil {
		return make([]int32, n), true
	}
	if !t.IsConst() || t.DType != ir.Int32 || t.Shape.Elements() != n || len(t.Data) != 4*n {
		return nil, false
	}
	return t.Int32s(), true
}

// abs64 returns |v|.
func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// tfliteWindow reports whether op has no window, TFLite's SAME or VALID
// padding, or explicit pads that give the output size and leading padding
// of SAME or VALID in both dimensions. Those are the only geometries the
// specialised sets were written and tested for: they read the reference
// kernel's window (output size and leading padding), and a window that
// reaches further into the padding than TFLite's ever does (ONNX's larger
// or asymmetric pads) breaks assumptions some of them make. Select keeps
// the reference kernel for every other explicit window.
func tfliteWindow(op *ir.Op) bool {
	w, ok := ir.WindowOf(op.Attrs)
	if !ok || w.Padding != ir.PadExplicit {
		return true
	}
	if len(op.Inputs) == 0 || op.Inputs[0] == nil || len(op.Inputs[0].Shape) != 4 {
		return false
	}
	var fh, fw, sh, sw, dh, dw int
	switch a := op.Attrs.(type) {
	case ir.Conv2DAttrs:
		if len(op.Inputs) < 2 || op.Inputs[1] == nil || len(op.Inputs[1].Shape) != 4 {
			return false
		}
		fh, fw, sh, sw, dh, dw = op.Inputs[1].Shape[1], op.Inputs[1].Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW
	case ir.DepthwiseConv2DAttrs:
		if len(op.Inputs) < 2 || op.Inputs[1] == nil || len(op.Inputs[1].Shape) != 4 {
			return false
		}
		fh, fw, sh, sw, dh, dw = op.Inputs[1].Shape[1], op.Inputs[1].Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW
	case ir.Pool2DAttrs:
		dh, dw = a.Dilations()
		fh, fw, sh, sw = a.FilterH, a.FilterW, a.StrideH, a.StrideW
	default:
		return false
	}
	in := op.Inputs[0].Shape
	same := func(inLen, filter, stride, dilation int, out, pad int) bool {
		for _, p := range []ir.Padding{ir.PadSame, ir.PadValid} {
			if o, b, err := ir.ConvOutSize(p, inLen, filter, stride, dilation); err == nil && o == out && b == pad {
				return true
			}
		}
		return false
	}
	oh, ph, err := w.Height(in[1], fh, sh, dh)
	if err != nil {
		return false
	}
	ow, pw, err := w.Width(in[2], fw, sw, dw)
	if err != nil {
		return false
	}
	return same(in[1], fh, sh, dh, oh, ph) && same(in[2], fw, sw, dw, ow, pw)
}
