// Tolerances for the ONNX Runtime reference outputs in golden-onnx.
package driver

import (
	"path/filepath"

	"github.com/tinygen/tinygen/internal/golden"
	"github.com/tinygen/tinygen/ir"
)

// ONNX Runtime golden tolerances (shared/golden-onnx/README.md): float
// models within rtol 1e-4 and atol 1e-5; quantised models, whose float
// outputs are dequantised int8 values, within ONNXGoldenSteps steps of
// the output quantisation.
const (
	ONNXGoldenRelTol = 1e-4
	ONNXGoldenAbsTol = 1e-5
	// ONNXGoldenSteps is the README's 3: with ONNX Runtime's half-to-even
	// rounding in quantised average pools (ir.PoolRoundHalfEven), every
	// micro_kws_m QDQ/QOperator vector lands within it (docs/rationale.md,
	// "ONNX").
	ONNXGoldenSteps = 3
)

// goldenTolerance returns the float tolerances of a golden case: the
// shared default (0, 0) for the TFLM golden folder, ONNX Runtime's for
// golden-onnx, in output steps when the model's output is a DEQUANTIZE.
func goldenTolerance(c golden.Case, m *Model) (rtol, atol float64) {
	if filepath.Base(filepath.Dir(c.Dir)) != "golden-onnx" {
		return 0, 0
	}
	prod := m.Graph.Producers()
	step := 0.0
	for _, o := range m.Graph.Outputs {
		if p, ok := prod[o]; ok && p.Kind == ir.Dequantize {
			step = max(step, float64(p.Inputs[0].Scale()))
		}
	}
	if step > 0 {
		return 0, ONNXGoldenSteps * step * 1.0001
	}
	return ONNXGoldenRelTol, ONNXGoldenAbsTol
}
