// Package quant is tinygen's single source of truth for the integer (and a
// few float32) arithmetic of the TensorFlow Lite Micro reference kernels. The
// Go reference evaluator calls these functions per element, and the C code
// generator prints the precomputed parameter structs they take, so both
// reproduce TFLM bit for bit.
//
// The specification is docs/numerics.md in the shared folder ("numerics.md" below),
// which was read from tensorflow/tflite-micro at commit 90b983c2 and
// google/gemmlowp at commit 719139ce (fixedpoint/fixedpoint.h). Section
// numbers (§n) in doc comments refer to it. Only the default TFLM build is
// modelled: TFLITE_SINGLE_ROUNDING is not defined, so the int32
// MultiplyByQuantizedMultiplier rounds twice (§0, §2.3).
//
// Conventions:
//   - Multiplier shifts are left-shift exponents, as QuantizeMultiplier
//     returns them: the real multiplier is Multiplier·2^(Shift−31).
//   - Prepare functions take the float32 scales stored in the model and
//     return an error where TFLM's Prepare would fail (or CHECK-abort) and
//     also for scales that are zero, negative, NaN or infinite, for which
//     TFLM would compute garbage or hit undefined behaviour.
//   - Element functions never fail. Where the C++ source has undefined
//     behaviour on signed overflow (for example x·2^left in
//     MultiplyByQuantizedMultiplier, or accumulators), Go wraps modulo 2^32;
//     the preconditions stated in the doc comments are those TFLM relies on,
//     and within them the results are exact.
//   - Shift and exponent arguments outside the range the C++ code accepts
//     never panic; each function documents what it does with them.
//
// The package has no mutable global state.
package quant
