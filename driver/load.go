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
	"os"
	"path/filepath"
	"strings"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/ir"
)

// MaxModelBytes bounds the size of a model file tinygen will read (models
// for microcontrollers are far smaller).
const MaxModelBytes = 512 << 20

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
// verified. Errors name the file.
func Load(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a folder, not a model file", path)
	}
	if st.Size() > MaxModelBytes {
		return nil, fmt.Errorf("%s: %d bytes is larger than the %d-byte limit for a model", path, st.Size(), MaxModelBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	g, err := parse(path, data)
	if err != nil {
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
// and never a C keyword (the rule of internal/ctext.Identifier, the one
// place where foreign text becomes C).
func SanitizeName(s string) string { return ctext.Identifier(s) }
