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
	"math"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tinygen/tinygen/frontends/onnx"
	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/ir"
)

// MaxModelBytes bounds the size of a model file tinygen will read (models
// for microcontrollers are far smaller).
const MaxModelBytes = 512 << 20

// MaxOps and MaxTensors bound the operators and tensors of a model
// tinygen compiles (ir.MaxOps, ir.MaxTensors; the parsers enforce them
// too, before allocating).
const (
	MaxOps     = ir.MaxOps
	MaxTensors = ir.MaxTensors
)

// MaxActivationBytes bounds the bytes of all non-constant tensors of a
// model together: what the evaluator holds while it runs the model, and
// more than any microcontroller's RAM by two orders of magnitude (the
// largest shared model needs 0.3 MiB). Without it a small file could
// declare a thousand tensors of 2^28 elements and make `tinygen run` or
// the arena planner ask for terabytes.
const MaxActivationBytes = 1 << 30

// MaxWork bounds one inference's arithmetic: multiply-accumulates plus the
// elements pooling windows visit. Every shared model needs less than 10^9;
// at 2·10^10 the evaluator (tinygen run, bench's reference outputs) would
// already run for minutes per inference, so a model asking for more is
// refused instead of hanging those commands.
const MaxWork = 20_000_000_000

// checkCounts refuses graphs with more than MaxOps operators or
// MaxTensors tensors.
func checkCounts(g *ir.Graph) error {
	if n := len(g.Ops); n > MaxOps {
		return ir.CountError("operators", n, MaxOps)
	}
	if n := len(g.Tensors); n > MaxTensors {
		return ir.CountError("tensors", n, MaxTensors)
	}
	return nil
}

// checkActivations refuses graphs whose non-constant tensors together hold
// more than MaxActivationBytes (ir.Verify has bounded every tensor's
// element count, so the sum cannot overflow).
func checkActivations(g *ir.Graph) error {
	var n int64
	for _, t := range g.Tensors {
		if t != nil && !t.IsConst() {
			n += int64(t.NumBytes())
		}
	}
	if n > MaxActivationBytes {
		return fmt.Errorf("its tensors need %d bytes of memory, more than the %d tinygen evaluates or plans (a microcontroller has far less)", n, int64(MaxActivationBytes))
	}
	return nil
}

// checkWork refuses graphs whose inference needs more than MaxWork
// multiply-accumulates and pooling-window reads. Every term is bounded by
// the verified shapes (at most 2^28 elements times a window of at most
// 2^31), so the sum saturates instead of overflowing.
func checkWork(g *ir.Graph) error {
	var work int64
	for _, op := range g.Ops {
		n := op.MACs()
		if a, ok := op.Attrs.(ir.Pool2DAttrs); ok && len(op.Inputs[0].Shape) == 4 {
			// A window reads only the input positions it covers.
			in := op.Inputs[0].Shape
			n = mulSat(mulSat(int64(op.Output().Shape.Elements()), int64(min(a.FilterH, in[1]))), int64(min(a.FilterW, in[2])))
		}
		if n < 0 || work > MaxWork-n {
			work = MaxWork + 1
			break
		}
		work += n
	}
	if work > MaxWork {
		return fmt.Errorf("one inference needs more than %d multiply-accumulates and pooling reads, more than tinygen evaluates (no microcontroller model needs a tenth of it)", int64(MaxWork))
	}
	return nil
}

// mulSat returns a*b for non-negative a and b, or math.MaxInt64 when the
// product does not fit.
func mulSat(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
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
// identifier or extension), an ONNX ModelProto (recognised by its first
// bytes or the ".onnx" extension) or tinygen's textual IR (".ir"). The graph is
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
	return finishLoad(path, data, g, err)
}

// finishLoad checks and names a parsed graph (Load's second half).
func finishLoad(path string, data []byte, g *ir.Graph, err error) (*Model, error) {
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
	if err := checkActivations(g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkWork(g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	return &Model{Path: path, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data), Graph: g}, nil
}

// parse reads a model's bytes. What the content looks like decides before
// the extension does: a file that is recognisably something else (an LFS
// pointer, an archive, an HDF5 or protobuf file, text) gets an error
// saying so instead of a flatbuffer decoding error.
func parse(path string, data []byte) (*ir.Graph, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case len(data) >= 8 && string(data[4:8]) == "TFL3":
		return tflite.Parse(data)
	case bytes.HasPrefix(data, []byte(ir.TextHeader)), ext == ".ir":
		return ir.Parse(bytes.NewReader(data))
	case ext == ".onnx" && looksLikeProtobuf(data), onnx.Looks(data):
		return onnx.Parse(data)
	}
	if what := sniff(data); what != "" {
		return nil, fmt.Errorf("not a model: %s", what)
	}
	if ext == ".onnx" {
		return nil, fmt.Errorf("not an ONNX model: the file does not start like a serialised ModelProto (bytes % x)", data[:min(len(data), 8)])
	}
	if isText(data) {
		first, _, _ := bytes.Cut(data[:min(len(data), 60)], []byte("\n"))
		return nil, fmt.Errorf("not a model: this is a text file (it begins %q), not a .tflite flatbuffer or tinygen textual IR (which begins %q)",
			strings.TrimSpace(string(first)), ir.TextHeader)
	}
	if ext == ".tflite" {
		return tflite.Parse(data)
	}
	return nil, fmt.Errorf("unknown model format (want a .tflite flatbuffer or tinygen textual IR); the file begins with bytes % x", data[:min(len(data), 8)])
}

// sniff names what data looks like when it has the signature of a known
// kind of file that is not a model tinygen reads, with what to do about
// it; "" otherwise. (Text is checked after the extension, so that a
// text file named .onnx gets the ONNX message.)
func sniff(data []byte) string {
	lower := bytes.ToLower(data[:min(len(data), 1<<20)])
	switch {
	case len(data) == 0:
		return "the file is empty (0 bytes)"
	case bytes.HasPrefix(data, []byte("version https://git-lfs.github.com/spec/")):
		return "this is a Git LFS pointer, not the model's content; run `git lfs pull` in the repository it came from"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return "this is a zip archive (a Keras .keras file or a zipped TensorFlow SavedModel?); " +
			"convert the model to .tflite with the TensorFlow Lite converter"
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return "this is a gzip-compressed file; decompress it first (gunzip)"
	case bytes.HasPrefix(data, []byte("\x89HDF\r\n\x1a\n")):
		return "this is an HDF5 file (a Keras .h5 model?); convert the model to .tflite with the TensorFlow Lite converter"
	case looksLikeProtobuf(data) && (bytes.Contains(lower, []byte("serving_default")) || bytes.Contains(lower, []byte("tensorflow")) ||
		bytes.Contains(lower, []byte("saved_model"))):
		return "this is a TensorFlow protocol buffer (a SavedModel's saved_model.pb or a frozen GraphDef); " +
			"convert the model to .tflite with the TensorFlow Lite converter"
	}
	return ""
}

// looksLikeProtobuf reports whether data starts like a serialised protocol
// buffer message: a field-1 varint (ONNX ir_version, SavedModel schema
// version) or a field-1 length-delimited record (GraphDef node).
func looksLikeProtobuf(data []byte) bool {
	return len(data) >= 2 && (data[0] == 0x08 && data[1] < 0x80 || data[0] == 0x0a)
}

// isText reports whether the first KiB of data is UTF-8 text without
// control characters other than tab, newline and carriage return.
func isText(data []byte) bool {
	head := data[:min(len(data), 1024)]
	if !utf8.Valid(head) {
		// A cut in the middle of a multi-byte character at the end is fine.
		head = head[:max(len(head)-3, 0)]
		if !utf8.Valid(head) {
			return false
		}
	}
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return len(head) > 0
}

// SanitizeName turns a file or tensor name into a lower-case C identifier:
// letters, digits and underscores, not starting with a digit, never empty
// and never a C keyword (the rule of internal/ctext.Identifier, the one
// place where foreign text becomes C).
func SanitizeName(s string) string { return ctext.Identifier(s) }
