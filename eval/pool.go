package eval

import (
	"errors"
	"fmt"
	"math"

	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/quant"
)

// errEmptyWindow is returned when a pooling window has no in-image tap;
// TFLM's AveragePool returns false (kernel failure) in that case.
var errEmptyWindow = errors.New("pooling window contains no input element")

// preparePool prepares AVERAGE_POOL_2D and MAX_POOL_2D. It reproduces
// PoolingPrepare/CalculateOpDataPooling in tensorflow/lite/micro/kernels/
// pooling_common.cc (int8/int16: |input scale − output scale| ≤ 1e-6 and
// equal zero points, no requantization) and the kernels AveragePool/MaxPool
// in tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h
// (int8/int16) and tensorflow/lite/kernels/internal/reference/pooling.h
// (float) (§6, §14.2). Windows are clipped to the image; padding taps are not
// counted. Beyond TFLite (ONNX, docs/operators.md): explicit pads, dilation
// (taps dilation apart, those outside the image skipped) and
// CountIncludePad, which divides by the taps inside the padded image (the
// pads count as real zeros: code zero point for int8/int16).
func preparePool(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.Pool2DAttrs)
	in, out := op.Inputs[0], op.Outputs[0]
	dh, dw := a.Dilations()
	g, err := newGeom(in, out, ir.Window{Padding: a.Padding, ExplicitPads: a.ExplicitPads}, a.FilterH, a.FilterW, a.StrideH, a.StrideW, dh, dw)
	if err != nil {
		return nil, err
	}
	avg := op.Kind == ir.AveragePool2D
	var pc *padCount
	if avg && a.CountIncludePad {
		pc = &padCount{endH: g.inH + a.PadBottom - a.CeilPadBottom, endW: g.inW + a.PadRight - a.CeilPadRight}
	}
	switch {
	case in.DType == ir.Float32 && out.DType == ir.Float32:
		lo, hi := quant.FloatActivationRange(a.Activation)
		return func(ins [][]byte, o []byte) error {
			return poolFloat(&g, avg, pc, decodeF32(ins[0]), lo, hi, o)
		}, nil
	case (in.DType == ir.Int8 || in.DType == ir.Int16) && out.DType == in.DType:
		inS, inZ, err := tensorQuant(op, in, "input")
		if err != nil {
			return nil, err
		}
		outS, outZ, err := tensorQuant(op, out, "output")
		if err != nil {
			return nil, err
		}
		// TF_LITE_ENSURE_NEAR(input scale, output scale, 1e-6): the
		// difference is a float, compared in double.
		d := inS - outS
		if d < 0 {
			d = -d
		}
		if float64(d) > 1e-6 || d != d {
			return nil, fmt.Errorf("%v: input scale %v and output scale %v differ (TFLM pooling does not requantize)", op, inS, outS)
		}
		if inZ != outZ {
			return nil, fmt.Errorf("%v: input zero point %d and output zero point %d differ (TFLM pooling does not requantize)", op, inZ, outZ)
		}
		lo, hi, err := quant.ActivationRange(a.Activation, out.DType, outS, outZ)
		if err != nil {
			return nil, err
		}
		dt := in.DType
		typeMin, _ := dt.Range()
		if pc != nil {
			pc.zp = inZ
		}
		return func(ins [][]byte, o []byte) error {
			return poolInt(&g, avg, pc, a.Rounding, inZ, decodeInts(ins[0], dt, 0), int32(typeMin), lo, hi, dt, o)
		}, nil
	}
	return nil, unsupportedTypes(op)
}

// padCount describes CountIncludePad: taps at rows [−pad_h, endH) and
// columns [−pad_w, endW) count; the padded ones add the zero point zp.
type padCount struct {
	endH, endW int
	zp         int32
}

// counted returns the number of taps of the window at (y0, x0) that lie in
// the padded image.
func (pc *padCount) counted(g *convGeom, y0, x0 int) int32 {
	fyS, fyE := ir.TapRange(y0, g.dilH, g.fH, -g.padH, pc.endH)
	fxS, fxE := ir.TapRange(x0, g.dilW, g.fW, -g.padW, pc.endW)
	return int32(max(fyE-fyS, 0) * max(fxE-fxS, 0))
}

// poolInt is the int8/int16 pooling loop: AVERAGE sums raw codes and rounds
// with quant.AveragePoolRound (or quant.AveragePoolRoundHalfEven for
// Rounding=HALF_EVEN); MAX starts from the type minimum. Both clamp
// to the activation range. Taps run fy, then fx, over those inside the
// image (with dilation 1, TFLM's clipped window ranges).
func poolInt(g *convGeom, avg bool, pc *padCount, rounding ir.PoolRounding, zp int32, in []int32, typeMin, lo, hi int32, dt ir.DType, o []byte) error {
	i := 0
	for b := 0; b < g.batches; b++ {
		for oy := 0; oy < g.outH; oy++ {
			y0 := oy*g.strideH - g.padH
			fyS, fyE := ir.TapRange(y0, g.dilH, g.fH, 0, g.inH)
			for ox := 0; ox < g.outW; ox++ {
				x0 := ox*g.strideW - g.padW
				fxS, fxE := ir.TapRange(x0, g.dilW, g.fW, 0, g.inW)
				for c := 0; c < g.outC; c++ {
					var acc, n int32
					m := typeMin
					for fy := fyS; fy < fyE; fy++ {
						row := (b*g.inH + y0 + g.dilH*fy) * g.inW
						for fx := fxS; fx < fxE; fx++ {
							v := in[(row+x0+g.dilW*fx)*g.inC+c]
							acc += v
							n++
							m = max(m, v)
						}
					}
					var r int32
					if avg {
						if pc != nil {
							cnt := pc.counted(g, y0, x0)
							acc += pc.zp * (cnt - n)
							n = cnt
						}
						if n == 0 {
							return errEmptyWindow
						}
						if rounding == ir.PoolRoundHalfEven {
							r = quant.AveragePoolRoundHalfEven(acc, n, zp)
						} else {
							r = quant.AveragePoolRound(acc, n)
						}
					} else {
						r = m
					}
					setIntAt(o, dt, i, min(max(r, lo), hi))
					i++
				}
			}
		}
	}
	return nil
}

// poolFloat is the float pooling loop (§14.2): AVERAGE accumulates total
// and count in float32 (fy, then fx) and divides; MAX folds with
// std::max starting at −FLT_MAX. Both clamp with quant.ClampFloat.
// CountIncludePad divides by the taps in the padded image instead.
func poolFloat(g *convGeom, avg bool, pc *padCount, in []float32, lo, hi float32, o []byte) error {
	i := 0
	for b := 0; b < g.batches; b++ {
		for oy := 0; oy < g.outH; oy++ {
			y0 := oy*g.strideH - g.padH
			fyS, fyE := ir.TapRange(y0, g.dilH, g.fH, 0, g.inH)
			for ox := 0; ox < g.outW; ox++ {
				x0 := ox*g.strideW - g.padW
				fxS, fxE := ir.TapRange(x0, g.dilW, g.fW, 0, g.inW)
				for c := 0; c < g.outC; c++ {
					var total, count float32
					m := float32(-math.MaxFloat32)
					for fy := fyS; fy < fyE; fy++ {
						row := (b*g.inH + y0 + g.dilH*fy) * g.inW
						for fx := fxS; fx < fxE; fx++ {
							v := in[(row+x0+g.dilW*fx)*g.inC+c]
							total += v
							count++
							if m < v {
								m = v
							}
						}
					}
					r := m
					if avg {
						if pc != nil {
							count = float32(pc.counted(g, y0, x0))
						}
						if count == 0 {
							return errEmptyWindow
						}
						r = total / count
					}
					setF32At(o, i, quant.ClampFloat(r, lo, hi))
					i++
				}
			}
		}
	}
	return nil
}
