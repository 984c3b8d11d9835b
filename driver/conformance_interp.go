// conformance_interp.go: the interp-host engine of tinygen conformance:
// one interpreter runtime with every kernel of the host target, built once
// per run with the host compiler, runs each test compiled to a blob
// (compile --mode interp).
package driver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/frontends/onnx"
	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/internal/readfile"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	runtimec "github.com/tinygen/tinygen/runtime-c"
	"github.com/tinygen/tinygen/targets"
)

// interpHostEngine is the engine's name.
const interpHostEngine = "interp-host"

// interpRunTimeout bounds one data set's run of the interpreter.
const interpRunTimeout = 5 * time.Minute

// buildInterpHost writes, into dir, a runtime holding every kernel of
// the host target's kernel sets (and of the reference set) with the
// runtime's host harness, and builds it with cc: with sanitize under
// AddressSanitizer and UndefinedBehaviorSanitizer. It returns the binary.
func buildInterpHost(cc, dir string, sanitize bool) (string, error) {
	if _, err := exec.LookPath(cc); err != nil {
		return "", fmt.Errorf("%s: no host C compiler %q: install the Debian package gcc", interpHostEngine, cc)
	}
	host, err := targets.Get("host")
	if err != nil {
		return "", err
	}
	lib := kernels.Builtin()
	var ops []string
	seen := map[string]bool{}
	for _, set := range append(append([]string{}, host.KernelSets...), kernels.Reference) {
		ks, err := lib.Kernels(set)
		if err != nil {
			return "", err
		}
		for _, k := range ks {
			if !seen[k.Symbol] {
				seen[k.Symbol] = true
				ops = append(ops, k.Symbol)
			}
		}
	}
	files, _, err := Runtime(RuntimeOptions{Ops: ops})
	if err != nil {
		return "", fmt.Errorf("%s: %w", interpHostEngine, err)
	}
	files = append(files, runtimec.HostMain())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := WriteFiles(dir, files); err != nil {
		return "", err
	}
	srcs, err := hostcc.CFiles(dir)
	if err != nil {
		return "", err
	}
	flags := append(append([]string{}, hostcc.WarningFlags...), "-O1", "-ffp-contract=off")
	if sanitize {
		flags = append(append([]string{}, hostcc.WarningFlags...), hostcc.SanitizerFlags...)
	}
	bin := filepath.Join(dir, "tg_rt_host")
	if err := hostcc.Link(context.Background(), cc, dir, bin, srcs, flags...); err != nil {
		return "", fmt.Errorf("%s: the runtime does not build: %w", interpHostEngine, err)
	}
	return bin, nil
}

// prepareInterp compiles m to a blob in dir and returns the function that
// runs one input set through the runtime bin.
func prepareInterp(m *Model, bin, dir string) (func([][]byte) ([][]byte, error), error) {
	if bin == "" {
		return nil, fmt.Errorf("%s: no runtime was built", interpHostEngine)
	}
	files, _, err := CompileInterp(m, CompileOptions{Name: "model", Generator: "tinygen (conformance)"})
	if err != nil {
		return nil, err
	}
	var keep []cgen.File
	for _, f := range files {
		if f.Name == "model.tgb" {
			keep = append(keep, f)
		}
	}
	if len(keep) != 1 {
		return nil, fmt.Errorf("%s: compile --mode interp wrote no model.tgb", m.Path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := WriteFiles(dir, keep); err != nil {
		return nil, err
	}
	blobPath := filepath.Join(dir, "model.tgb")
	var sizes []int
	for _, o := range m.Graph.Outputs {
		sizes = append(sizes, o.NumBytes())
	}
	return func(in [][]byte) ([][]byte, error) {
		return runInterp(bin, blobPath, in, sizes)
	}, nil
}

// runInterp runs one input set through the runtime's host harness
// (tg_rt_host BLOB: inputs on stdin, outputs on stdout).
func runInterp(bin, blobPath string, in [][]byte, sizes []int) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), interpRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, blobPath)
	cmd.Stdin = bytes.NewReader(bytes.Join(in, nil))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("the interpreter timed out after %v", interpRunTimeout)
		}
		return nil, fmt.Errorf("the interpreter failed: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	want := 0
	for _, n := range sizes {
		want += n
	}
	if stdout.Len() != want {
		return nil, fmt.Errorf("the interpreter wrote %d bytes, want %d", stdout.Len(), want)
	}
	data := stdout.Bytes()
	outs := make([][]byte, 0, len(sizes))
	for _, n := range sizes {
		outs = append(outs, data[:n:n])
		data = data[n:]
	}
	return outs, nil
}

// LoadNodeTest loads the model of an ONNX node-test folder dir (model.onnx,
// test_data_set_*) as tinygen conformance does: as it is, or, when the
// model takes parameters as inputs (weights, axes, shapes, zero points),
// with inputs 1.. bound to the constants of test_data_set_<set>. bound
// reports the latter.
func LoadNodeTest(dir string, set int) (m *Model, bound bool, err error) {
	path := filepath.Join(dir, "model.onnx")
	m, err = Load(path)
	if err == nil || !onnx.IsUnsupported(err) {
		return m, false, err
	}
	data, rerr := readfile.Read(path, "model", MaxModelBytes)
	if rerr != nil {
		return nil, false, rerr
	}
	names, rerr := onnx.InputNames(data)
	if rerr != nil || len(names) < 2 {
		return nil, false, err
	}
	consts := map[string]*ir.Tensor{}
	for i, n := range names[1:] {
		t, err := readTensor(filepath.Join(dir, fmt.Sprintf("test_data_set_%d", set), fmt.Sprintf("input_%d.pb", i+1)))
		if err != nil {
			return nil, false, err
		}
		consts[n] = t
	}
	m, err = loadBound(path, consts)
	return m, err == nil, err
}
