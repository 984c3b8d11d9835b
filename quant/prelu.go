// Quantized PRELU (TFLM prelu_common.cc and reference/prelu.h).

package quant

// PreluParams are the precomputed parameters of int8 PRELU, TFLM's
// PreluParams: offsets and the two output multipliers (input scale / output
// scale for x ≥ 0, input·alpha scale / output scale otherwise).
type PreluParams struct {
	InputOffset, AlphaOffset, OutputOffset int32
	Output1, Output2                       Multiplier
}

// PreparePrelu reproduces CalculatePreluParams in tensorflow/lite/micro/
// kernels/prelu_common.cc (tensorflow/tflite-micro at commit 90b983c2): the
// real multipliers are computed in double from the float32 scales.
func PreparePrelu(inScale, alphaScale, outScale float32, inZP, alphaZP, outZP int32) PreluParams {
	m1 := float64(inScale) / float64(outScale)
	m2 := float64(inScale) * float64(alphaScale) / float64(outScale)
	var p PreluParams
	p.Output1.Multiplier, p.Output1.Shift = QuantizeMultiplier(m1)
	p.Output2.Multiplier, p.Output2.Shift = QuantizeMultiplier(m2)
	p.InputOffset, p.AlphaOffset, p.OutputOffset = -inZP, -alphaZP, outZP
	return p
}

// PreluElement returns one int8 PRELU output from the raw input and alpha
// codes, as BroadcastPrelu4DSlow (tensorflow/lite/kernels/internal/
// reference/prelu.h): x = code + input offset; x ≥ 0 scales x by Output1,
// otherwise x·(alpha code + alpha offset) by Output2; then the output offset
// and the clamp to [lo, hi] (the type's range).
func PreluElement(p PreluParams, in, alpha, lo, hi int32) int32 {
	x := p.InputOffset + in
	var v int32
	if x >= 0 {
		v = p.Output1.Apply(x)
	} else {
		v = p.Output2.Apply(x * (p.AlphaOffset + alpha))
	}
	v += p.OutputOffset
	return min(max(v, lo), hi)
}
