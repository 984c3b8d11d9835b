// Package golden reads the reference vectors in the shared folder's golden/
// and golden-onnx/ trees (one folder per model: meta.json, input_<k>.bin,
// output_<k>.bin, or input_<k>_<t>.bin for several tensors) and finds each
// folder's model file by its SHA-256 among the shared models.
package golden

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Case is one golden folder: a model and its reference vectors.
type Case struct {
	// Name is the folder name, e.g. "aww".
	Name string
	// Dir is the folder's path.
	Dir string
	// Model is the path of the model file whose SHA-256 meta.json names.
	Model string
	// InputDType is the dtype of the first input as meta.json states it.
	InputDType string
	// HostArenaBytes is TFLM's arena_used_bytes() on x86-64, if given.
	HostArenaBytes int
	// Vectors are ordered by index.
	Vectors []Vector
}

// Vector is one set of inputs with the outputs the reference produced.
type Vector struct {
	Index   int
	Inputs  [][]byte
	Outputs [][]byte
}

type meta struct {
	ModelFile struct {
		SHA256 string `json:"sha256"`
	} `json:"model_file"`
	ArenaHost int `json:"arena_used_bytes_host_x86_64"`
	Inputs    []struct {
		DType string `json:"dtype"`
	} `json:"inputs"`
}

// Load reads every golden folder under root (e.g. <shared>/golden) and
// resolves its model among the files under modelsDir. Folders whose model
// cannot be found are an error.
func Load(root, modelsDir string) ([]Case, error) {
	bySHA, err := hashModels(modelsDir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := loadCase(filepath.Join(root, e.Name()), bySHA)
		if err != nil {
			return nil, fmt.Errorf("golden %s: %w", e.Name(), err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func hashModels(dir string) (map[string]string, error) {
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != ".tflite" && ext != ".onnx") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[hex.EncodeToString(sum[:])] = p
		return nil
	})
	return m, err
}

func loadCase(dir string, bySHA map[string]string) (Case, error) {
	c := Case{Name: filepath.Base(dir), Dir: dir}
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return c, err
	}
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return c, fmt.Errorf("meta.json: %w", err)
	}
	c.Model = bySHA[strings.ToLower(m.ModelFile.SHA256)]
	if c.Model == "" {
		return c, fmt.Errorf("no model with sha256 %s", m.ModelFile.SHA256)
	}
	c.HostArenaBytes = m.ArenaHost
	if len(m.Inputs) > 0 {
		c.InputDType = m.Inputs[0].DType
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		return c, err
	}
	// index -> tensor position -> file, for inputs and outputs
	type slot struct{ in, out map[int]string }
	vecs := map[int]*slot{}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), ".bin")
		if name == f.Name() {
			continue
		}
		kind, rest, ok := strings.Cut(name, "_")
		if !ok || (kind != "input" && kind != "output") {
			continue
		}
		idxS, posS, several := strings.Cut(rest, "_")
		idx, err1 := strconv.Atoi(idxS)
		pos := 0
		var err2 error
		if several {
			pos, err2 = strconv.Atoi(posS)
		}
		if err1 != nil || err2 != nil {
			return c, fmt.Errorf("unexpected file name %s", f.Name())
		}
		s := vecs[idx]
		if s == nil {
			s = &slot{in: map[int]string{}, out: map[int]string{}}
			vecs[idx] = s
		}
		if kind == "input" {
			s.in[pos] = f.Name()
		} else {
			s.out[pos] = f.Name()
		}
	}
	for idx, s := range vecs {
		v := Vector{Index: idx}
		for _, part := range []struct {
			files map[int]string
			dst   *[][]byte
		}{{s.in, &v.Inputs}, {s.out, &v.Outputs}} {
			for pos := 0; pos < len(part.files); pos++ {
				name, ok := part.files[pos]
				if !ok {
					return c, fmt.Errorf("vector %d: tensor %d missing", idx, pos)
				}
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					return c, err
				}
				*part.dst = append(*part.dst, b)
			}
		}
		if len(v.Inputs) == 0 || len(v.Outputs) == 0 {
			return c, fmt.Errorf("vector %d lacks inputs or outputs", idx)
		}
		c.Vectors = append(c.Vectors, v)
	}
	sort.Slice(c.Vectors, func(i, j int) bool { return c.Vectors[i].Index < c.Vectors[j].Index })
	return c, nil
}

// Float tolerances for float32 outputs: TFLM's float reference kernels and
// tinygen agree in accumulation order, but expf/tanhf differ between libms
// by an ulp or so, which softmax and the activations carry into the result.
const (
	FloatRelTol = 1e-5
	FloatAbsTol = 1e-6
)

// CompareFloat32 compares two little-endian float32 arrays element by
// element with |got-want| <= atol + rtol*|want|, and returns a description
// of the worst element when they differ (empty if they agree). NaN matches
// only NaN.
func CompareFloat32(got, want []byte, rtol, atol float64) string {
	if len(got) != len(want) || len(got)%4 != 0 {
		return fmt.Sprintf("sizes differ: got %d bytes, want %d", len(got), len(want))
	}
	worst, worstI, bad := 0.0, -1, 0
	for i := 0; i < len(got); i += 4 {
		g := float64(math.Float32frombits(binary.LittleEndian.Uint32(got[i:])))
		w := float64(math.Float32frombits(binary.LittleEndian.Uint32(want[i:])))
		if math.IsNaN(g) || math.IsNaN(w) {
			if math.IsNaN(g) != math.IsNaN(w) {
				bad++
				worstI = i / 4
				worst = math.Inf(1)
			}
			continue
		}
		d := math.Abs(g - w)
		if d > atol+rtol*math.Abs(w) {
			bad++
			if d > worst {
				worst, worstI = d, i/4
			}
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d elements outside tolerance (rtol %g, atol %g); worst at %d: |diff| %g", bad, len(got)/4, rtol, atol, worstI, worst)
}

// CompareBytes reports the first differing byte and how many differ
// (empty if equal), for bit-exact integer outputs.
func CompareBytes(got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("sizes differ: got %d bytes, want %d", len(got), len(want))
	}
	first, n := -1, 0
	for i := range got {
		if got[i] != want[i] {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d bytes differ; first at %d: got %d, want %d", n, len(got), first, int8(got[first]), int8(want[first]))
}

// Meta summarises one golden folder's meta.json.
type Meta struct {
	// Name is the folder name (aww, vww, …).
	Name string
	// SHA256 is the model file's hash, lower case.
	SHA256 string
	// HostArenaBytes is TFLM's arena_used_bytes() on x86-64, 0 if not given.
	HostArenaBytes int
}

// Metas reads the meta.json of every folder under root, without loading
// vectors or hashing models. Folders without a readable meta.json are
// skipped.
func Metas(root string) ([]Meta, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []Meta
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, e.Name(), "meta.json"))
		if err != nil {
			continue
		}
		var m meta
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("golden %s: meta.json: %w", e.Name(), err)
		}
		out = append(out, Meta{Name: e.Name(), SHA256: strings.ToLower(m.ModelFile.SHA256), HostArenaBytes: m.ArenaHost})
	}
	return out, nil
}

// LoadFolder reads one golden folder's vectors for the model at path
// (the caller has matched the model to the folder, e.g. with Metas).
func LoadFolder(dir, modelPath string) (Case, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return Case{}, err
	}
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return Case{}, fmt.Errorf("%s: meta.json: %w", dir, err)
	}
	return loadCase(dir, map[string]string{strings.ToLower(m.ModelFile.SHA256): modelPath})
}
