package ir

import (
	"fmt"
	"math"
	"sort"
)

// ConvOutSize returns the output length of one spatial dimension of a
// convolution or pool, and the padding before it, as TFLite computes them
// (tensorflow/lite/kernels/padding.h, ComputeOutSize and
// ComputePaddingHeightWidth): SAME gives ceil(in/stride); VALID gives
// (in - effective_filter + stride)/stride; the before-padding is half the
// total, rounded down.
func ConvOutSize(p Padding, in, filter, stride, dilation int) (out, padBefore int, err error) {
	if stride < 1 || dilation < 1 || filter < 1 {
		return 0, 0, fmt.Errorf("stride %d, dilation %d and filter %d must be positive", stride, dilation, filter)
	}
	// TFLite stores them as int32; the bound also keeps the products
	// below (at most 2^31 * 2^31) inside a 64-bit int.
	if stride > math.MaxInt32 || dilation > math.MaxInt32 || filter > math.MaxInt32 || in > math.MaxInt32 {
		return 0, 0, fmt.Errorf("stride %d, dilation %d, filter %d and input size %d must be at most %d", stride, dilation, filter, in, math.MaxInt32)
	}
	eff := (filter-1)*dilation + 1
	switch p {
	case PadSame:
		out = (in + stride - 1) / stride
	case PadValid:
		if in < eff {
			return 0, 0, fmt.Errorf("VALID padding: input size %d smaller than effective filter size %d", in, eff)
		}
		out = (in + stride - eff) / stride
	default:
		return 0, 0, fmt.Errorf("invalid padding %v", p)
	}
	total := (out-1)*stride + eff - in
	if total < 0 {
		total = 0
	}
	return out, total / 2, nil
}

// BroadcastShape returns the NumPy-style broadcast of two shapes.
func BroadcastShape(a, b Shape) (Shape, error) {
	n := len(a)
	if len(b) > n {
		n = len(b)
	}
	out := make(Shape, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

func rankIs(t *Tensor, r int, what string) error {
	if len(t.Shape) != r {
		return fmt.Errorf("%s %v has rank %d, want %d", what, t, len(t.Shape), r)
	}
	return nil
}

func axisOK(axis, rank int) error {
	if axis < 0 || axis >= rank {
		return fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return nil
}

// InferShape computes the output shape an operator's inputs and attributes
// imply. Verify compares it with the stored output shape. It needs the
// attribute type that matches the kind. For STRIDED_SLICE, whose result
// depends on mask semantics, it checks the attribute lengths and returns
// the stored output shape.
func InferShape(o *Op) (Shape, error) {
	if o.Kind > InvalidOp && o.Kind < numOpKinds {
		sp := specOf(o.Kind)
		if len(o.Inputs) < max(sp.minIn, 1) {
			return nil, fmt.Errorf("has %d inputs, want at least %d", len(o.Inputs), max(sp.minIn, 1))
		}
		for i := 0; i < sp.minIn; i++ {
			if o.Inputs[i] == nil {
				return nil, fmt.Errorf("required input %d is missing", i)
			}
		}
	}
	in := o.Inputs[0]
	switch a := o.Attrs.(type) {
	case Conv2DAttrs:
		f := o.Inputs[1]
		if err := rankIs(in, 4, "input"); err != nil {
			return nil, err
		}
		if err := rankIs(f, 4, "filter"); err != nil {
			return nil, err
		}
		if f.Shape[3] == 0 || in.Shape[3] == 0 || in.Shape[3]%f.Shape[3] != 0 {
			return nil, fmt.Errorf("input depth %d is not a multiple of filter depth %d", in.Shape[3], f.Shape[3])
		}
		groups := in.Shape[3] / f.Shape[3]
		if f.Shape[0]%groups != 0 {
			return nil, fmt.Errorf("%d output channels do not split into %d groups", f.Shape[0], groups)
		}
		if err := biasOK(o, f.Shape[0]); err != nil {
			return nil, err
		}
		return spatialOut(in, Window{a.Padding, a.ExplicitPads}, f.Shape[1], f.Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW, f.Shape[0])
	case DepthwiseConv2DAttrs:
		f := o.Inputs[1]
		if err := rankIs(in, 4, "input"); err != nil {
			return nil, err
		}
		if err := rankIs(f, 4, "filter"); err != nil {
			return nil, err
		}
		if f.Shape[0] != 1 || a.DepthMultiplier < 1 || f.Shape[3] != in.Shape[3]*a.DepthMultiplier {
			return nil, fmt.Errorf("filter %v does not fit input depth %d with depth multiplier %d", f.Shape, in.Shape[3], a.DepthMultiplier)
		}
		if err := biasOK(o, f.Shape[3]); err != nil {
			return nil, err
		}
		return spatialOut(in, Window{a.Padding, a.ExplicitPads}, f.Shape[1], f.Shape[2], a.StrideH, a.StrideW, a.DilationH, a.DilationW, f.Shape[3])
	case FullyConnectedAttrs:
		w := o.Inputs[1]
		if err := rankIs(w, 2, "weights"); err != nil {
			return nil, err
		}
		depth, units := w.Shape[1], w.Shape[0]
		n := in.Shape.Elements()
		if depth == 0 || len(in.Shape) == 0 || n%depth != 0 {
			return nil, fmt.Errorf("input %v does not divide into rows of %d", in.Shape, depth)
		}
		if err := biasOK(o, units); err != nil {
			return nil, err
		}
		if a.KeepNumDims {
			if in.Shape[len(in.Shape)-1] != depth {
				return nil, fmt.Errorf("keep_num_dims: input's last dimension %d is not the weights' depth %d", in.Shape[len(in.Shape)-1], depth)
			}
			out := in.Shape.Clone()
			out[len(out)-1] = units
			return out, nil
		}
		return Shape{n / depth, units}, nil
	case Pool2DAttrs:
		if err := rankIs(in, 4, "input"); err != nil {
			return nil, err
		}
		if a.DilationH < 0 || a.DilationW < 0 {
			return nil, fmt.Errorf("dilations %d, %d must not be negative", a.DilationH, a.DilationW)
		}
		if a.CeilPadBottom < 0 || a.CeilPadRight < 0 || a.CeilPadBottom > a.PadBottom || a.CeilPadRight > a.PadRight {
			return nil, fmt.Errorf("ceil-mode pads (%d, %d) must be between 0 and the pads (%d, %d)", a.CeilPadBottom, a.CeilPadRight, a.PadBottom, a.PadRight)
		}
		if a.CountIncludePad && (o.Kind != AveragePool2D || a.Padding != PadExplicit) {
			return nil, fmt.Errorf("CountIncludePad applies to AVERAGE_POOL_2D with EXPLICIT padding only")
		}
		if err := checkPoolRounding(o.Kind, a.Rounding, in.DType); err != nil {
			return nil, err
		}
		dh, dw := a.Dilations()
		return spatialOut(in, Window{a.Padding, a.ExplicitPads}, a.FilterH, a.FilterW, a.StrideH, a.StrideW, dh, dw, in.Shape[3])
	case BinaryAttrs:
		return BroadcastShape(in.Shape, o.Inputs[1].Shape)
	case BatchMatMulAttrs:
		return batchMatMulShape(a, in.Shape, o.Inputs[1].Shape)
	case DepthToSpaceAttrs:
		return depthToSpaceShape(a, in.Shape)
	case ResizeAttrs:
		return resizeShape(a, in.Shape)
	case NoAttrs:
		switch o.Kind {
		case Maximum, Minimum, Prelu:
			return BroadcastShape(in.Shape, o.Inputs[1].Shape)
		}
		return in.Shape.Clone(), nil
	case SoftmaxAttrs, LeakyReluAttrs, QuantizeAttrs:
		return in.Shape.Clone(), nil
	case ReshapeAttrs:
		s := Shape(a.NewShape)
		n, err := s.NumElements()
		if err != nil {
			return nil, err
		}
		if n != in.Shape.Elements() {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in.Shape, in.Shape.Elements(), s)
		}
		return s.Clone(), nil
	case SqueezeAttrs:
		drop := map[int]bool{}
		for _, ax := range a.Axes {
			if ax < 0 {
				ax += len(in.Shape)
			}
			if err := axisOK(ax, len(in.Shape)); err != nil {
				return nil, err
			}
			if in.Shape[ax] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", ax, in.Shape[ax])
			}
			drop[ax] = true
		}
		out := Shape{}
		for i, d := range in.Shape {
			if drop[i] || (len(a.Axes) == 0 && d == 1) {
				continue
			}
			out = append(out, d)
		}
		return out, nil
	case ConcatenationAttrs:
		if err := axisOK(a.Axis, len(in.Shape)); err != nil {
			return nil, err
		}
		out := in.Shape.Clone()
		out[a.Axis] = 0
		for i, t := range o.Inputs {
			if t == nil || len(t.Shape) != len(out) {
				return nil, fmt.Errorf("input %d has a different rank", i)
			}
			for d := range out {
				if d != a.Axis && t.Shape[d] != out[d] {
					return nil, fmt.Errorf("input %d has shape %v, not matching %v outside axis %d", i, t.Shape, in.Shape, a.Axis)
				}
			}
			out[a.Axis] += t.Shape[a.Axis]
		}
		return out, nil
	case PadAttrs:
		if len(a.Before) != len(in.Shape) || len(a.After) != len(in.Shape) {
			return nil, fmt.Errorf("paddings for %d axes, input has rank %d", len(a.Before), len(in.Shape))
		}
		out := in.Shape.Clone()
		for i := range out {
			if a.Before[i] < 0 || a.After[i] < 0 || a.Before[i] > MaxElements || a.After[i] > MaxElements {
				return nil, fmt.Errorf("padding of axis %d (%d, %d) out of range", i, a.Before[i], a.After[i])
			}
			if err := checkPadMode(a.Mode, a.Before[i], a.After[i], out[i]); err != nil {
				return nil, fmt.Errorf("axis %d: %w", i, err)
			}
			out[i] += a.Before[i] + a.After[i]
		}
		return out, nil
	case MeanAttrs:
		red := map[int]bool{}
		for _, ax := range a.Axes {
			if err := axisOK(ax, len(in.Shape)); err != nil {
				return nil, err
			}
			red[ax] = true
		}
		out := Shape{}
		for i, d := range in.Shape {
			switch {
			case !red[i]:
				out = append(out, d)
			case a.KeepDims:
				out = append(out, 1)
			}
		}
		return out, nil
	case TransposeAttrs:
		if len(a.Perm) != len(in.Shape) {
			return nil, fmt.Errorf("permutation %v for rank %d", a.Perm, len(in.Shape))
		}
		p := append([]int{}, a.Perm...)
		sort.Ints(p)
		for i, v := range p {
			if v != i {
				return nil, fmt.Errorf("%v is not a permutation", a.Perm)
			}
		}
		out := make(Shape, len(in.Shape))
		for i, ax := range a.Perm {
			out[i] = in.Shape[ax]
		}
		return out, nil
	case StridedSliceAttrs:
		r := len(in.Shape)
		if len(a.Begin) != r || len(a.End) != r || len(a.Strides) != r {
			return nil, fmt.Errorf("begin/end/strides have %d/%d/%d entries for rank %d", len(a.Begin), len(a.End), len(a.Strides), r)
		}
		for i, s := range a.Strides {
			if s == 0 {
				return nil, fmt.Errorf("stride %d is zero", i)
			}
		}
		return o.Outputs[0].Shape.Clone(), nil
	}
	return nil, fmt.Errorf("no shape rule for attributes %T", o.Attrs)
}

func biasOK(o *Op, channels int) error {
	b := o.Input(2)
	if b == nil {
		return nil
	}
	if b.Shape.Elements() != channels {
		return fmt.Errorf("bias %v has shape %v, want %d elements", b, b.Shape, channels)
	}
	return nil
}

func spatialOut(in *Tensor, w Window, fh, fw, sh, sw, dh, dw, channels int) (Shape, error) {
	oh, _, err := w.Height(in.Shape[1], fh, sh, dh)
	if err != nil {
		return nil, fmt.Errorf("height: %w", err)
	}
	ow, _, err := w.Width(in.Shape[2], fw, sw, dw)
	if err != nil {
		return nil, fmt.Errorf("width: %w", err)
	}
	return Shape{in.Shape[0], oh, ow, channels}, nil
}

// MACs returns the multiply-accumulate operations an op performs:
// convolutions, depthwise convolutions and fully connected layers count one
// per weight use, elementwise MUL one per output element; every other op
// counts 0. The graph must have passed Verify.
func (o *Op) MACs() int64 {
	out := o.Output()
	switch o.Kind {
	case Conv2D:
		f := o.Inputs[1].Shape
		return int64(out.Shape.Elements()) * int64(f[1]*f[2]*f[3])
	case DepthwiseConv2D:
		f := o.Inputs[1].Shape
		return int64(out.Shape.Elements()) * int64(f[1]*f[2])
	case FullyConnected:
		return int64(out.Shape.Elements()) * int64(o.Inputs[1].Shape[1])
	case Mul:
		return int64(out.Shape.Elements())
	case BatchMatMul:
		x := o.Inputs[0].Shape
		k := x[len(x)-1]
		if o.Attrs.(BatchMatMulAttrs).AdjX {
			k = x[len(x)-2]
		}
		return int64(out.Shape.Elements()) * int64(k)
	}
	return 0
}
