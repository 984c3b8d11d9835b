// TFLite builtins that map onto the operators added for ONNX: DIV,
// BATCH_MATMUL, PRELU, DEPTH_TO_SPACE, RESIZE_NEAREST_NEIGHBOR and
// MIRROR_PAD (PAD with mode REFLECT or SYMMETRIC).

package tflite

import (
	"fmt"

	"github.com/tinygen/tinygen/frontends/tflite/internal/schema"
	"github.com/tinygen/tinygen/ir"
)

// builtinOfExt is builtinOf for the added kinds.
func builtinOfExt(k ir.OpKind) (schema.BuiltinOperator, bool) {
	switch k {
	case ir.Div:
		return schema.BuiltinOperatorDIV, true
	case ir.BatchMatMul:
		return schema.BuiltinOperatorBATCH_MATMUL, true
	case ir.Prelu:
		return schema.BuiltinOperatorPRELU, true
	case ir.DepthToSpace:
		return schema.BuiltinOperatorDEPTH_TO_SPACE, true
	case ir.ResizeNearestNeighbor:
		return schema.BuiltinOperatorRESIZE_NEAREST_NEIGHBOR, true
	}
	return 0, false
}

// arityExt is arityOf for the added kinds (ok false for others).
func arityExt(k ir.OpKind) (arity, bool) {
	switch k {
	case ir.Div, ir.BatchMatMul, ir.Prelu, ir.ResizeNearestNeighbor:
		return arity{2, 2, 2}, true
	case ir.DepthToSpace:
		return arity{1, 1, 1}, true
	}
	return arity{}, false
}

// attrsExt reads the attributes of the added kinds and of MIRROR_PAD
// (handled false for every other op).
func (p *parser) attrsExt(op *schema.Operator, o *ir.Op) (a ir.Attrs, handled bool, err error) {
	in, out := o.Inputs[0], o.Outputs[0]
	switch o.Kind {
	case ir.Div:
		t, err := options(op, schema.BuiltinOptionsDivOptions)
		if err != nil {
			return nil, true, err
		}
		var opt schema.DivOptions
		opt.Init(t.Bytes, t.Pos)
		act, err := activation(opt.FusedActivationFunction())
		return ir.BinaryAttrs{Activation: act}, true, err
	case ir.BatchMatMul:
		t, err := options(op, schema.BuiltinOptionsBatchMatMulOptions)
		if err != nil {
			return nil, true, err
		}
		var opt schema.BatchMatMulOptions
		opt.Init(t.Bytes, t.Pos)
		return ir.BatchMatMulAttrs{AdjX: opt.AdjX(), AdjY: opt.AdjY()}, true, nil
	case ir.Prelu:
		return ir.NoAttrs{}, true, nil
	case ir.DepthToSpace:
		t, err := options(op, schema.BuiltinOptionsDepthToSpaceOptions)
		if err != nil {
			return nil, true, err
		}
		var opt schema.DepthToSpaceOptions
		opt.Init(t.Bytes, t.Pos)
		return ir.DepthToSpaceAttrs{BlockSize: int(opt.BlockSize()), Mode: ir.DCR}, true, nil
	case ir.ResizeNearestNeighbor:
		t, err := options(op, schema.BuiltinOptionsResizeNearestNeighborOptions)
		if err != nil {
			return nil, true, err
		}
		var opt schema.ResizeNearestNeighborOptions
		opt.Init(t.Bytes, t.Pos)
		size, err := constInts(o.Inputs[1], "size")
		if err != nil {
			return nil, true, err
		}
		if len(size) != 2 || len(out.Shape) != 4 || size[0] != out.Shape[1] || size[1] != out.Shape[2] {
			return nil, true, fmt.Errorf("size %v does not match the output %v", size, out.Shape)
		}
		a := ir.ResizeAttrs{NewHeight: size[0], NewWidth: size[1], TFLite: true}
		switch ac, hp := opt.AlignCorners(), opt.HalfPixelCenters(); {
		case ac && hp:
			return nil, true, fmt.Errorf("align_corners together with half_pixel_centers is not supported")
		case ac:
			a.CoordMode, a.NearestMode = ir.AlignCorners, ir.RoundPreferCeil
		case hp:
			a.CoordMode, a.NearestMode = ir.TFHalfPixelForNearest, ir.Floor
		default:
			a.CoordMode, a.NearestMode = ir.Asymmetric, ir.Floor
		}
		o.Inputs = o.Inputs[:1]
		return a, true, nil
	case ir.Pad:
		if p.codes[op.OpcodeIndex()].name != schema.BuiltinOperatorMIRROR_PAD.String() {
			return nil, false, nil
		}
		t, err := options(op, schema.BuiltinOptionsMirrorPadOptions)
		if err != nil {
			return nil, true, err
		}
		var opt schema.MirrorPadOptions
		opt.Init(t.Bytes, t.Pos)
		pads, err := constInts(o.Inputs[1], "paddings")
		if err != nil {
			return nil, true, err
		}
		ps := o.Inputs[1].Shape
		if len(ps) != 2 || ps[1] != 2 || ps[0] != len(in.Shape) {
			return nil, true, fmt.Errorf("paddings %v has shape %v, want [%d, 2]", o.Inputs[1], ps, len(in.Shape))
		}
		pa := ir.PadAttrs{Before: make([]int, ps[0]), After: make([]int, ps[0]), Mode: ir.PadReflect}
		for j := range pa.Before {
			pa.Before[j], pa.After[j] = pads[2*j], pads[2*j+1]
		}
		if opt.Mode() == schema.MirrorPadModeSYMMETRIC {
			pa.Mode = ir.PadSymmetric
		}
		o.Inputs = o.Inputs[:1]
		return pa, true, nil
	}
	return nil, false, nil
}

// checkEncodable refuses IR that TFLite cannot express and that the
// encoder would otherwise write without it: explicit padding, the pool
// extensions and PAD modes.
func checkEncodable(o *ir.Op) error {
	switch a := o.Attrs.(type) {
	case ir.Pool2DAttrs:
		if a.Padding == ir.PadExplicit || a.DilationH > 1 || a.DilationW > 1 || a.CountIncludePad {
			return fmt.Errorf("%v: explicit padding, dilation and count_include_pad cannot be written as TFLite", o)
		}
	case ir.Conv2DAttrs:
		if a.Padding == ir.PadExplicit {
			return fmt.Errorf("%v: explicit padding cannot be written as TFLite", o)
		}
	case ir.DepthwiseConv2DAttrs:
		if a.Padding == ir.PadExplicit {
			return fmt.Errorf("%v: explicit padding cannot be written as TFLite", o)
		}
	case ir.PadAttrs:
		if a.Mode != ir.PadConstant && a.Mode != ir.PadReflect && a.Mode != ir.PadSymmetric {
			return fmt.Errorf("%v: PAD mode %v cannot be written as TFLite", o, a.Mode)
		}
	}
	return nil
}

// builtinForEncode is the builtin an op is written as: MIRROR_PAD for a
// PAD with mode REFLECT or SYMMETRIC, builtinOf otherwise.
func builtinForEncode(o *ir.Op) (schema.BuiltinOperator, bool) {
	if a, ok := o.Attrs.(ir.PadAttrs); ok && (a.Mode == ir.PadReflect || a.Mode == ir.PadSymmetric) {
		return schema.BuiltinOperatorMIRROR_PAD, true
	}
	return builtinOf(o.Kind)
}

// optionsExt builds the builtin options of the added kinds and MIRROR_PAD
// (handled false for others).
func optionsExt(o *ir.Op, addConst func(string, []int32, []int) error) (opts *schema.BuiltinOptionsT, handled bool, err error) {
	opt := func(t schema.BuiltinOptions, v any) (*schema.BuiltinOptionsT, bool, error) {
		return &schema.BuiltinOptionsT{Type: t, Value: v}, true, nil
	}
	wrongAttrs := fmt.Errorf("attributes are %T, which does not match %v", o.Attrs, o.Kind)
	switch o.Kind {
	case ir.Div:
		a, ok := o.Attrs.(ir.BinaryAttrs)
		if !ok {
			return nil, true, wrongAttrs
		}
		act, err := actOf(a.Activation)
		if err != nil {
			return nil, true, err
		}
		return opt(schema.BuiltinOptionsDivOptions, &schema.DivOptionsT{FusedActivationFunction: act})
	case ir.BatchMatMul:
		a, ok := o.Attrs.(ir.BatchMatMulAttrs)
		if !ok {
			return nil, true, wrongAttrs
		}
		return opt(schema.BuiltinOptionsBatchMatMulOptions, &schema.BatchMatMulOptionsT{AdjX: a.AdjX, AdjY: a.AdjY})
	case ir.Prelu:
		return nil, true, nil
	case ir.DepthToSpace:
		a, ok := o.Attrs.(ir.DepthToSpaceAttrs)
		if !ok {
			return nil, true, wrongAttrs
		}
		if a.Mode != ir.DCR {
			return nil, true, fmt.Errorf("%v: DEPTH_TO_SPACE mode %v cannot be written as TFLite (DCR only)", o, a.Mode)
		}
		bs, err := i32("block size", a.BlockSize)
		if err != nil {
			return nil, true, err
		}
		return opt(schema.BuiltinOptionsDepthToSpaceOptions, &schema.DepthToSpaceOptionsT{BlockSize: bs})
	case ir.ResizeNearestNeighbor:
		a, ok := o.Attrs.(ir.ResizeAttrs)
		if !ok {
			return nil, true, wrongAttrs
		}
		var ac, hp bool
		switch {
		case !a.TFLite || a.ScaleH != 0 || a.ScaleW != 0:
			return nil, true, fmt.Errorf("%v: ONNX resize arithmetic cannot be written as TFLite", o)
		case a.CoordMode == ir.AlignCorners && a.NearestMode == ir.RoundPreferCeil:
			ac = true
		case a.CoordMode == ir.TFHalfPixelForNearest && a.NearestMode == ir.Floor:
			hp = true
		case a.CoordMode == ir.Asymmetric && a.NearestMode == ir.Floor:
		default:
			return nil, true, fmt.Errorf("%v: modes %v/%v cannot be written as TFLite", o, a.CoordMode, a.NearestMode)
		}
		if err := addConst("size", []int32{2}, []int{a.NewHeight, a.NewWidth}); err != nil {
			return nil, true, err
		}
		return opt(schema.BuiltinOptionsResizeNearestNeighborOptions, &schema.ResizeNearestNeighborOptionsT{AlignCorners: ac, HalfPixelCenters: hp})
	case ir.Pad:
		a, ok := o.Attrs.(ir.PadAttrs)
		if !ok || (a.Mode != ir.PadReflect && a.Mode != ir.PadSymmetric) {
			return nil, false, nil
		}
		pads := make([]int, 0, 2*len(a.Before))
		for j := range a.Before {
			if j >= len(a.After) {
				return nil, true, fmt.Errorf("padding has %d before and %d after values", len(a.Before), len(a.After))
			}
			pads = append(pads, a.Before[j], a.After[j])
		}
		if err := addConst("paddings", []int32{int32(len(a.Before)), 2}, pads); err != nil {
			return nil, true, err
		}
		mode := schema.MirrorPadModeREFLECT
		if a.Mode == ir.PadSymmetric {
			mode = schema.MirrorPadModeSYMMETRIC
		}
		return opt(schema.BuiltinOptionsMirrorPadOptions, &schema.MirrorPadOptionsT{Mode: mode})
	}
	return nil, false, nil
}
