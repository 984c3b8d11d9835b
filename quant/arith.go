package quant

import (
	"fmt"

	"github.com/tinygen/tinygen/ir"
)

// AddParams are the precomputed parameters of quantized ADD and SUB (int8 and
// int16), TFLM's OpDataAdd / OpDataSub (§7). The three multipliers come from
// QuantizeMultiplierSmallerThanOneExp, so their shifts are ≤ 0 (right shifts
// by −Shift).
type AddParams struct {
	LeftShift    int   // 20 for int8 output, 15 for int16
	Input1Offset int32 // −z1
	Input2Offset int32 // −z2
	OutputOffset int32 // zo
	Input1       Multiplier
	Input2       Multiplier
	Output       Multiplier
	Min, Max     int32 // fused-activation clamp range (ActivationRange)
}

// PrepareAdd computes AddParams for ADD with input scales s1, s2, output
// scale so and zero points z1, z2, zo; dt is the output type (int8 or int16).
// With t = 2·double(max(s1, s2)) (§1.3, all double): input multipliers
// double(s1)/t and double(s2)/t, output multiplier t/(2^LeftShift·double(so)).
// It reproduces CalculateOpDataAdd in tensorflow/lite/micro/kernels/
// add_common.cc (tensorflow/tflite-micro at commit 90b983c2), returning an
// error where QuantizeMultiplierSmallerThanOneExp would CHECK-fail (for
// example an output scale so small that the output multiplier reaches 1).
func PrepareAdd(s1, s2, so float32, z1, z2, zo int32, act ir.Activation, dt ir.DType) (AddParams, error) {
	return prepareAddSub(s1, s2, so, z1, z2, zo, act, dt, false)
}

// PrepareSub computes AddParams for SUB. The formulas are those of PrepareAdd
// but evaluated in float32 and only then converted to double (§1.3):
// t = 2·max(s1, s2), double(s1/t), double(s2/t), double(t/(2^LeftShift·so)).
// This changes the low bits (scales 0.05, 0.1, 0.15 give an output multiplier
// of 1431655680 for SUB but 1431655730 for ADD). It reproduces
// CalculateOpDataSub in tensorflow/lite/micro/kernels/sub_common.cc
// (tensorflow/tflite-micro at commit 90b983c2).
func PrepareSub(s1, s2, so float32, z1, z2, zo int32, act ir.Activation, dt ir.DType) (AddParams, error) {
	return prepareAddSub(s1, s2, so, z1, z2, zo, act, dt, true)
}

func prepareAddSub(s1, s2, so float32, z1, z2, zo int32, act ir.Activation, dt ir.DType, sub bool) (AddParams, error) {
	var p AddParams
	switch dt {
	case ir.Int8:
		p.LeftShift = 20
	case ir.Int16:
		p.LeftShift = 15
	default:
		return p, fmt.Errorf("quant: ADD/SUB: unsupported output type %v", dt)
	}
	for _, s := range []struct {
		what  string
		scale float32
	}{{"input 1", s1}, {"input 2", s2}, {"output", so}} {
		if err := checkScale(s.what, s.scale); err != nil {
			return p, err
		}
	}
	p.Input1Offset, p.Input2Offset, p.OutputOffset = -z1, -z2, zo
	var m1, m2, mo float64
	if sub {
		t := 2 * max(s1, s2)
		m1, m2 = float64(s1/t), float64(s2/t)
		mo = float64(t / (float32(int32(1)<<p.LeftShift) * so))
	} else {
		t := 2 * float64(max(s1, s2))
		m1, m2 = float64(s1)/t, float64(s2)/t
		mo = t / (float64(int32(1)<<p.LeftShift) * float64(so))
	}
	for _, x := range []struct {
		m   *Multiplier
		v   float64
		who string
	}{{&p.Input1, m1, "input 1"}, {&p.Input2, m2, "input 2"}, {&p.Output, mo, "output"}} {
		q, s, err := QuantizeMultiplierSmallerThanOneExp(x.v)
		if err != nil {
			return p, fmt.Errorf("quant: ADD/SUB %s multiplier: %w", x.who, err)
		}
		*x.m = Multiplier{q, s}
	}
	var err error
	p.Min, p.Max, err = ActivationRange(act, dt, so, zo)
	return p, err
}

// addSub is the shared per-element body of AddElement and SubElement.
func addSub(p *AddParams, x, y int32, sub bool) int32 {
	a := shl32(x+p.Input1Offset, p.LeftShift)
	b := shl32(y+p.Input2Offset, p.LeftShift)
	sa := MultiplyByQuantizedMultiplierSmallerThanOneExp(a, p.Input1.Multiplier, p.Input1.Shift)
	sb := MultiplyByQuantizedMultiplierSmallerThanOneExp(b, p.Input2.Multiplier, p.Input2.Shift)
	r := sa + sb
	if sub {
		r = sa - sb
	}
	o := MultiplyByQuantizedMultiplierSmallerThanOneExp(r, p.Output.Multiplier, p.Output.Shift) + p.OutputOffset
	return clamp32(o, p.Min, p.Max)
}

// AddElement returns the clamped ADD output for raw inputs x and y (§7): each
// input is offset, shifted left by LeftShift and rescaled with
// MultiplyByQuantizedMultiplierSmallerThanOneExp; the sum is rescaled by the
// output multiplier, offset and clamped to [Min, Max]. It reproduces AddFunc
// in tensorflow/lite/kernels/internal/reference/integer_ops/add.h
// (tensorflow/tflite-micro at commit 90b983c2); the int16 path and broadcasts
// use the same arithmetic.
func AddElement(p AddParams, x, y int32) int32 { return addSub(&p, x, y, false) }

// SubElement is AddElement with the rescaled second input subtracted (§7), as
// SubElementwise in tensorflow/lite/kernels/internal/reference/sub.h
// (tensorflow/tflite-micro at commit 90b983c2).
func SubElement(p AddParams, x, y int32) int32 { return addSub(&p, x, y, true) }

// MulParams are the precomputed parameters of quantized MUL (§8), TFLM's
// OpDataMul.
type MulParams struct {
	Input1ZeroPoint int32
	Input2ZeroPoint int32
	OutputZeroPoint int32
	Output          Multiplier // shift may be positive
	Min, Max        int32      // fused-activation clamp range
}

// PrepareMul computes MulParams: QuantizeMultiplier(double(s1)·double(s2)/
// double(so)) and the activation range for output type dt (int8 or int16;
// int16 requires all zero points to be 0). It reproduces CalculateOpDataMul in
// tensorflow/lite/micro/kernels/mul_common.cc (tensorflow/tflite-micro at
// commit 90b983c2).
func PrepareMul(s1, s2, so float32, z1, z2, zo int32, act ir.Activation, dt ir.DType) (MulParams, error) {
	p := MulParams{Input1ZeroPoint: z1, Input2ZeroPoint: z2, OutputZeroPoint: zo}
	switch dt {
	case ir.Int8:
	case ir.Int16:
		if z1 != 0 || z2 != 0 || zo != 0 {
			return p, fmt.Errorf("quant: MUL int16: zero points must be 0, got %d, %d, %d", z1, z2, zo)
		}
	default:
		return p, fmt.Errorf("quant: MUL: unsupported output type %v", dt)
	}
	if err := checkScale("input 1", s1); err != nil {
		return p, err
	}
	if err := checkScale("input 2", s2); err != nil {
		return p, err
	}
	var err error
	if p.Min, p.Max, err = ActivationRange(act, dt, so, zo); err != nil {
		return p, err
	}
	p.Output.Multiplier, p.Output.Shift = QuantizeMultiplier(float64(s1) * float64(s2) / float64(so))
	return p, nil
}

// MulElement returns clamp(zo + MultiplyByQuantizedMultiplier((x−z1)·(y−z2),
// q, shift), Min, Max) (§8), as MulElementwise in tensorflow/lite/kernels/
// internal/reference/integer_ops/mul.h (tensorflow/tflite-micro at commit
// 90b983c2). The product is an int32 multiply.
func MulElement(p MulParams, x, y int32) int32 {
	prod := (x - p.Input1ZeroPoint) * (y - p.Input2ZeroPoint)
	return clamp32(p.OutputZeroPoint+p.Output.Apply(prod), p.Min, p.Max)
}
