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
// counted.
func preparePool(op *ir.Op) (kernel, error) {
	a := op.Attrs.(ir.Pool2DAttrs)
	in, out := op.Inputs[0], op.Outputs[0]
	g, err := newGeom(in, out, a.Padding, a.FilterH, a.FilterW, a.StrideH, a.StrideW, 1, 1)
	if err != nil {
		return nil, err
	}
	avg := op.Kind == ir.AveragePool2D
	switch {
	case in.DType == ir.Float32 && out.DType == ir.Float32:
		lo, hi := quant.FloatActivationRange(a.Activation)
		return func(ins [][]byte, o []byte) error {
			return poolFloat(&g, avg, decodeF32(ins[0]), lo, hi, o)
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
		return func(ins [][]byte, o []byte) error {
			return poolInt(&g, avg, decodeInts(ins[0], dt, 0), int32(typeMin), lo, hi, dt, o)
		}, nil
	}
	return nil, unsupportedTypes(op)
}

// window returns the clipped filter ranges [fyS, fyE) × [fxS, fxE) of the
// output position (oy, ox) and the input origin (y0, x0).
func (g *convGeom) window(oy, ox int) (y0, x0, fyS, fyE, fxS, fxE int) {
	y0 = oy*g.strideH - g.padH
	x0 = ox*g.strideW - g.padW
	return y0, x0, max(0, -y0), min(g.fH, g.inH-y0), max(0, -x0), min(g.fW, g.inW-x0)
}

// poolInt is the int8/int16 pooling loop: AVERAGE sums raw codes and rounds
// with quant.AveragePoolRound; MAX starts from the type minimum. Both clamp
// to the activation range.
func poolInt(g *convGeom, avg bool, in []int32, typeMin, lo, hi int32, dt ir.DType, o []byte) error {
	i := 0
	for b := 0; b < g.batches; b++ {
		for oy := 0; oy < g.outH; oy++ {
			for ox := 0; ox < g.outW; ox++ {
				y0, x0, fyS, fyE, fxS, fxE := g.window(oy, ox)
				for c := 0; c < g.outC; c++ {
					var acc, n int32
					m := typeMin
					for fy := fyS; fy < fyE; fy++ {
						row := ((b*g.inH+y0+fy)*g.inW + x0) * g.inC
						for fx := fxS; fx < fxE; fx++ {
							v := in[row+fx*g.inC+c]
							acc += v
							n++
							m = max(m, v)
						}
					}
					var r int32
					if avg {
						if n == 0 {
							return errEmptyWindow
						}
						r = quant.AveragePoolRound(acc, n)
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
func poolFloat(g *convGeom, avg bool, in []float32, lo, hi float32, o []byte) error {
	i := 0
	for b := 0; b < g.batches; b++ {
		for oy := 0; oy < g.outH; oy++ {
			for ox := 0; ox < g.outW; ox++ {
				y0, x0, fyS, fyE, fxS, fxE := g.window(oy, ox)
				for c := 0; c < g.outC; c++ {
					var total, count float32
					m := float32(-math.MaxFloat32)
					for fy := fyS; fy < fyE; fy++ {
						row := ((b*g.inH+y0+fy)*g.inW + x0) * g.inC
						for fx := fxS; fx < fxE; fx++ {
							v := in[row+fx*g.inC+c]
							total += v
							count++
							if m < v {
								m = v
							}
						}
					}
					r := m
					if avg {
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
