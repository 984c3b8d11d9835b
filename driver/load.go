// Package driver is the one place that wires tinygen's stages together:
// load a model file through the right frontend, verify it, and hand it to
// the evaluator, the reports and (later) the passes and emitters. The CLI
// calls only this package.
package driver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/ir"
)

// MaxModelBytes bounds the size of a model file tinygen will read (models
// for microcontrollers are far smaller).
const MaxModelBytes = 512 << 20

// MaxOps and MaxTensors bound the operators and tensors of a model
// tinygen compiles. Planning and code generation take near-linear time,
// about 0.1 s per 10,000 ops (docs/security.md); the limits keep a hostile
// model's cost within seconds while being far above any model a
// microcontroller runs.
const (
	MaxOps     = 100_000
	MaxTensors = 400_000
)

// checkCounts refuses graphs with more than MaxOps operators or
// MaxTensors tensors.
func checkCounts(g *ir.Graph) error {
	if n := len(g.Ops); n > MaxOps {
		return fmt.Errorf("%d operators is more than the %d tinygen compiles", n, MaxOps)
	}
	if n := len(g.Tensors); n > MaxTensors {
		return fmt.Errorf("%d tensors is more than the %d tinygen compiles", n, MaxTensors)
	}
	return nil
}

// Model is a loaded and verified model.
type Model struct {
	// Path is the file the model was read from.
	Path string
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string
	// Bytes is the file size.
	Bytes int
	// Graph is the verified IR; Graph.Name is the sanitised file name.
	Graph *ir.Graph
}

// Load reads a model file: a .tflite flatbuffer (recognised by its "TFL3"
// identifier or extension) or tinygen's textual IR (".ir"). The graph is
// verified. Only a regular file is read (a named pipe or a device is
// refused at once, without blocking), at most MaxModelBytes of it, and a
// graph with more than MaxOps operators or MaxTensors tensors is refused.
// Errors name the file.
func Load(path string) (*Model, error) {
	data, err := readfile.Read(path, "model", MaxModelBytes)
	if err != nil {
		return nil, err
	}
	g, err := parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkCounts(g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g.Name = SanitizeName(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	if err := g.Verify(); err != nil {
		return nil, fmt.Errorf("%s: invalid model: %w", path, err)
	}
	sum := sha256.Sum256(data)
	return &Model{Path: path, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data), Graph: g}, nil
}

func parse(path string, data []byte) (*ir.Graph, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case len(data) >= 8 && string(data[4:8]) == "TFL3", ext == ".tflite":
		return tflite.Parse(data)
	case bytes.HasPrefix(data, []byte(ir.TextHeader)), ext == ".ir":
		return ir.Parse(bytes.NewReader(data))
	case ext == ".onnx":
		return nil, fmt.Errorf("ONNX models are not supported yet; convert the model to .tflite")
	}
	return nil, fmt.Errorf("unknown model format (want a .tflite flatbuffer or tinygen textual IR)")
}

// SanitizeName turns a file or tensor name into a lower-case C identifier:
// letters, digits and underscores, not starting with a digit, never empty
// and never a C keyword (the code generator's rule, codegen/c.Identifier).
func SanitizeName(s string) string { return cgen.Identifier(s) }
