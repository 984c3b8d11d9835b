// Package bench builds benchmark firmware for a target, runs it on the
// target's simulator (QEMU, or natively on the host), measures flash, RAM
// and instruction counts, validates the outputs and reports the results
// beside baselines measured elsewhere.
//
// bench measures artefacts, not models: a Job is a set of C sources (a
// project.Bench firmware) or a finished ELF that follows the result
// protocol of docs/bench-protocol.md, so a TFLM or TVM build a user brings
// can stand in the same table as tinygen's own.
package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tinygen/tinygen/project"
	"github.com/tinygen/tinygen/targets"
)

// KV is one configuration setting of a run.
type KV struct{ Key, Value string }

// Job is one benchmark run.
type Job struct {
	// ID names the run uniquely within an invocation; it is the name of
	// the run's folder.
	ID string
	// Model is the model's name in reports; ModelSHA256 its file's hash.
	Model, ModelSHA256 string
	// Aliases are other names baselines may use for the model (the
	// golden folder name: vww for vww_96_int8).
	Aliases []string
	// Backend is the code generator variant (aot).
	Backend string
	// Config holds the settings that distinguish runs of one model,
	// backend and target, sorted by key.
	Config []KV
	// Target is where the firmware runs.
	Target *targets.Target
	// Dir is the run's folder; sources, objects, the ELF, the map file,
	// the simulator log and result.json go there.
	Dir string
	// Files are the firmware's sources (written to Dir); empty when ELF
	// is set.
	Files []project.File
	// ELF is a finished firmware image to run and measure instead of
	// building Files.
	ELF string
	// Build, when set, builds the firmware instead of compiling Files (a
	// TFLM firmware, say): it writes into dir, passes every command to
	// record (for run.sh) and returns the ELF's path.
	Build func(ctx context.Context, dir string, record func(name string, args ...string)) (string, error)
	// Measure, when set, replaces MeasureELF once the firmware has run;
	// fields are its TINYGEN-RESULT fields.
	Measure func(elfPath string, fields map[string]int64) (Memory, error)
	// CFlags are extra compile flags (optimisation level, defines).
	CFlags []string
	// Prefix is the generated model's C prefix, used to attribute ROM to
	// the model's weights and code and RAM to its arena.
	Prefix string
	// MACs is the model's multiply-accumulate count per inference (0 if
	// unknown).
	MACs int64
	// Vectors is the number of inferences the firmware runs.
	Vectors int
	// Reference says where the expected outputs come from: "golden"
	// (vectors produced by TFLM), "eval" (tinygen's evaluator, for models
	// without golden vectors) or "" (a foreign firmware checks itself).
	Reference string
	// Timeout bounds the simulator run (DefaultTimeout if 0).
	Timeout time.Duration
	// Profile asks for a per-step profile of the inference (profile.go);
	// Steps are the program's steps for it (empty for foreign firmware,
	// which marks its steps with tg_bench_step).
	Profile bool
	Steps   []ProfileStep
}

// DefaultTimeout bounds one simulator run.
const DefaultTimeout = 5 * time.Minute

// ConfigString formats the configuration as key=value pairs joined by
// commas ("" when empty).
func (j *Job) ConfigString() string {
	var parts []string
	for _, kv := range j.Config {
		parts = append(parts, kv.Key+"="+kv.Value)
	}
	return strings.Join(parts, ",")
}

// SortConfig orders settings by key.
func SortConfig(kvs []KV) []KV {
	out := append([]KV{}, kvs...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Key < out[b].Key })
	return out
}

// Status is the outcome of a run.
type Status string

// The outcomes of a run.
const (
	// StatusOK: built, ran, every vector matched.
	StatusOK Status = "ok"
	// StatusMismatch: ran, but some output differed from the expected.
	StatusMismatch Status = "mismatch"
	// StatusNoFit: the firmware does not fit the target's flash or RAM.
	StatusNoFit Status = "does-not-fit"
	// StatusFailed: the build or the run failed (see Error).
	StatusFailed Status = "failed"
)

// Memory is the measured ROM and RAM of a firmware, in bytes. -1 means
// unknown.
type Memory struct {
	// ROM is everything the firmware keeps in flash: code, constants and
	// the load image of initialised data (test vectors excluded).
	ROM int64 `json:"rom"`
	// ROMWeights are the model's constants; ROMModel its schedule and
	// kernel parameters; ROMKernels the kernel functions; ROMRuntime the
	// interpreter runtime; ROMOther libc, startup and the harness.
	ROMWeights int64 `json:"rom_weights"`
	ROMModel   int64 `json:"rom_model"`
	ROMKernels int64 `json:"rom_kernels"`
	ROMRuntime int64 `json:"rom_runtime"`
	ROMOther   int64 `json:"rom_other"`
	// RAM is the static RAM (initialised data and bss, without the
	// reserved stack); RAMArena the tensor arena in it; RAMOther the rest.
	RAM      int64 `json:"ram"`
	RAMArena int64 `json:"ram_arena"`
	RAMOther int64 `json:"ram_other"`
	// StackReserved is the stack the linker script reserves.
	StackReserved int64 `json:"stack_reserved"`
	// TestData is the size of the test vectors (not counted in ROM).
	TestData int64 `json:"test_data"`
}

// ROMCode returns the ROM without the model's weights.
func (m Memory) ROMCode() int64 {
	if m.ROM < 0 || m.ROMWeights < 0 {
		return -1
	}
	return m.ROM - m.ROMWeights
}

// Result is a finished run.
type Result struct {
	ID          string `json:"id"`
	Model       string `json:"model"`
	ModelSHA256 string `json:"model_sha256,omitempty"`
	Backend     string `json:"backend"`
	Target      string `json:"target"`
	Config      string `json:"config"`
	Status      Status `json:"status"`
	// Error explains a failure; for a mismatch, the firmware's mismatch
	// lines.
	Error  string `json:"error,omitempty"`
	Memory Memory `json:"memory"`
	// StackUsed is the measured stack high-water mark (-1 if unknown).
	StackUsed int64 `json:"stack_used"`
	// StaticRAM is arena + measured stack + other RAM: what the board's
	// SRAM must hold (-1 if unknown).
	StaticRAM int64 `json:"static_ram"`
	// InitInstructions counts initialisation; Inference counts one
	// inference on vector 1 (vector 0 if there is only one); PerVector
	// every inference in order. -1 if not counted.
	InitInstructions int64   `json:"init_instructions"`
	Inference        int64   `json:"inference_instructions"`
	PerVector        []int64 `json:"per_vector_instructions,omitempty"`
	// Counter says how instructions were counted.
	Counter string `json:"counter,omitempty"`
	// Profile is the per-step profile of the inference Inference counts
	// (bench --profile).
	Profile *Profile `json:"profile,omitempty"`
	// MACs per inference, and instructions per MAC (0 if unknown).
	MACs        int64   `json:"macs"`
	InstrPerMAC float64 `json:"instructions_per_mac"`
	// Vectors and Passed count the inferences and those whose outputs
	// matched Reference.
	Vectors   int    `json:"vectors"`
	Passed    int    `json:"passed"`
	Reference string `json:"reference,omitempty"`
	// Dir holds the run's artefacts; Reproduce is the one command that
	// rebuilds and reruns it.
	Dir       string `json:"dir"`
	Reproduce string `json:"reproduce"`
	// Seconds is the wall time of the build and the run.
	Seconds float64 `json:"seconds"`
	// Aliases are the job's other model names, for baseline matching.
	Aliases []string `json:"-"`
}

// Validated reports whether every vector's outputs matched.
func (r *Result) Validated() bool {
	return r.Status == StatusOK && r.Vectors > 0 && r.Passed == r.Vectors
}

func newResult(j *Job) *Result {
	return &Result{ID: j.ID, Model: j.Model, ModelSHA256: j.ModelSHA256, Backend: j.Backend, Target: j.Target.Name,
		Config: j.ConfigString(), Memory: Memory{ROM: -1, ROMWeights: -1, ROMModel: -1, ROMKernels: -1, ROMRuntime: -1,
			ROMOther: -1, RAM: -1, RAMArena: -1, RAMOther: -1, StackReserved: -1, TestData: -1},
		StackUsed: -1, StaticRAM: -1, InitInstructions: -1, Inference: -1, MACs: j.MACs, Dir: j.Dir,
		Aliases: j.Aliases, Reference: j.Reference, Reproduce: "sh " + filepath.Join(j.Dir, "run.sh")}
}

// FitError says a firmware does not fit a memory region of its target.
type FitError struct {
	Target string
	Region string // FLASH or RAM
	// Needs and Has are the bytes the firmware needs and the region holds.
	Needs, Has uint64
}

// Error reads "does not fit cortex-m4 RAM (needs 300000 bytes, has 262144)".
func (e *FitError) Error() string {
	return fmt.Sprintf("does not fit %s %s (needs %d bytes, has %d)", e.Target, e.Region, e.Needs, e.Has)
}
