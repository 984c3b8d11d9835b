package driver

import (
	"fmt"

	"github.com/tinygen/tinygen/eval"
	"github.com/tinygen/tinygen/internal/tensorio"
)

// Run evaluates the model with the reference evaluator on one set of
// inputs (raw little-endian bytes per graph input) and returns the outputs.
func Run(m *Model, inputs [][]byte) ([][]byte, error) {
	e, err := eval.New(m.Graph)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	out, err := e.Run(inputs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	return out, nil
}

// RunFiles reads one file per graph input (raw bytes or .npy), evaluates
// the model and writes one file per graph output.
func RunFiles(m *Model, inputFiles, outputFiles []string) error {
	g := m.Graph
	if len(inputFiles) != len(g.Inputs) {
		return fmt.Errorf("%s: model has %d inputs, %d input files given", m.Path, len(g.Inputs), len(inputFiles))
	}
	if len(outputFiles) != len(g.Outputs) {
		return fmt.Errorf("%s: model has %d outputs, %d output files given", m.Path, len(g.Outputs), len(outputFiles))
	}
	inputs := make([][]byte, len(inputFiles))
	for i, f := range inputFiles {
		b, err := tensorio.ReadFile(f, g.Inputs[i])
		if err != nil {
			return err
		}
		inputs[i] = b
	}
	outs, err := Run(m, inputs)
	if err != nil {
		return err
	}
	for i, f := range outputFiles {
		if err := tensorio.WriteFile(f, g.Outputs[i], outs[i]); err != nil {
			return err
		}
	}
	return nil
}
