// deploy.go: deploy projects (tinygen compile --project KIND): the model's
// files turned into a project a user builds with their own tools: an
// Arduino sketch, a bare-metal Makefile project for a QEMU board, a CMake
// library with an example and a CTest test, a Zephyr application.

package project

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/tinygen/tinygen/internal/ctext"
	"github.com/tinygen/tinygen/targets"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// The deploy project kinds.
const (
	KindArduino   = "arduino"
	KindBaremetal = "baremetal"
	KindCMake     = "cmake"
	KindZephyr    = "zephyr"
)

// Kinds returns the deploy project kinds, sorted.
func Kinds() []string { return []string{KindArduino, KindBaremetal, KindCMake, KindZephyr} }

// DefaultRuns is how many inferences a deploy project averages its
// inference time over (the seed's sketches ran 256; the issue asks 128).
const DefaultRuns = 128

// maxRuns bounds Runs so that the C counters cannot overflow.
const maxRuns = 1 << 20

// Deploy describes a deploy project of a generated model.
type Deploy struct {
	// Kind is one of Kinds.
	Kind string
	// Target is the board (its Arduino data for sketches, its board
	// support and simulator for bare-metal projects).
	Target *targets.Target
	// Model is the generated model's C prefix.
	Model string
	// ModelFiles are the files the emitter wrote (plain names).
	ModelFiles []File
	// Inputs and Outputs are the byte sizes of the model's tensors.
	Inputs, Outputs []int
	// OutputTypes name each output's element type (int8, uint8, int16,
	// int32, float32).
	OutputTypes []string
	// RTol and ATol bound float32 outputs.
	RTol, ATol float32
	// Sample is the embedded input and the output it must give.
	Sample Vector
	// Runs is the number of inferences timed (DefaultRuns if 0).
	Runs int
	// Generator is the "tinygen <version>" text of the header lines.
	Generator string
	// FlashConstants keeps the constant arrays and the parameter structs
	// in AVR flash (PROGMEM): the project's tg_port.h starts by defining
	// TG_AVR_PROGMEM and TG_AVR_PROGMEM_PARAMS (the model's C must then be
	// generated with codegen/c's ParamsSection). Only for
	// an AVR target whose every kernel reads constants through TG_READ_*
	// (driver.ConstantsInFlash).
	FlashConstants bool

	err error // the first template failure of Files
}

// Check validates the description.
func (d *Deploy) Check() error {
	if d.Target == nil {
		return fmt.Errorf("project: deploy without a target")
	}
	h := Harness{Model: d.Model, Inputs: d.Inputs, Outputs: d.Outputs, OutputTypes: d.OutputTypes,
		Vectors: []Vector{d.Sample}}
	for _, dt := range d.OutputTypes {
		h.FloatOutputs = append(h.FloatOutputs, dt == "float32")
	}
	if err := h.Check(); err != nil {
		return err
	}
	if len(d.OutputTypes) != len(d.Outputs) {
		return fmt.Errorf("project: %d output types for %d outputs", len(d.OutputTypes), len(d.Outputs))
	}
	return d.CheckKind()
}

// CheckKind checks the kind, the target and Runs (what the command line
// gives) without the model.
func (d *Deploy) CheckKind() error {
	if d.Target == nil {
		return fmt.Errorf("project: deploy without a target")
	}
	if d.Runs < 0 || d.Runs > maxRuns {
		return fmt.Errorf("project: --runs %d is not in [1, %d]", d.Runs, maxRuns)
	}
	t := d.Target
	switch d.Kind {
	case KindArduino:
		if t.Arduino == nil {
			return fmt.Errorf("project: target %s is not an Arduino board (arduino targets: arduino-uno, arduino-nano33ble)", t.Name)
		}
	case KindBaremetal:
		if t.Arch != targets.ArchARM && t.Arch != targets.ArchRISCV32 {
			return fmt.Errorf("project: a baremetal project needs a QEMU board target (cortex-m*, rv32imc, nano33ble), not %s (arch %s); use --project cmake for the host or arduino for an AVR board", t.Name, t.Arch)
		}
	case KindCMake, KindZephyr:
	default:
		return fmt.Errorf("project: unknown project kind %q (have %s)", d.Kind, strings.Join(Kinds(), ", "))
	}
	return nil
}

// deployView is what the templates print; every string is computed here.
type deployView struct {
	Header      string // first comment line of generated files
	Generator   string
	Model       string
	Upper       string
	Target      string
	TargetDesc  string
	Runs        int
	FQBN        string
	Core        string
	MCU         string
	FCPU        string
	RAMSize     uint64
	AVR         bool
	ProbeRAM    bool
	Clock       string // how tg_deploy_micros reads time, for README
	Sources     []string
	Headers     []string
	Libm        bool
	FPU         bool
	CC          string
	CFlags      string
	LDFlags     string
	SimCommand  string
	SimPackage  string
	CCPackage   string
	LibcPackage string
	StackSize   uint64
	SketchDir   string
}

// Files renders the project. Names may contain one folder level
// ("src/x.c", "<m>/<m>.ino", "<m>/src/x.c"); every other name is plain.
func (d *Deploy) Files() ([]File, error) {
	if err := d.Check(); err != nil {
		return nil, err
	}
	if d.Runs == 0 {
		d.Runs = DefaultRuns
	}
	t := d.Target
	v := deployView{
		Generator: ctext.Comment(d.Generator, 120), Model: d.Model, Upper: strings.ToUpper(d.Model),
		Target: t.Name, TargetDesc: ctext.Comment(t.Description, 200), Runs: d.Runs,
		AVR: t.Arch == targets.ArchAVR, RAMSize: t.RAM.Size, StackSize: t.StackSize,
		FPU: t.FPU,
	}
	if v.Generator == "" {
		v.Generator = "tinygen"
	}
	for _, f := range d.ModelFiles {
		switch {
		case strings.HasSuffix(f.Name, ".c"):
			v.Sources = append(v.Sources, f.Name)
		case strings.HasSuffix(f.Name, ".h"):
			v.Headers = append(v.Headers, f.Name)
		}
		if bytes.Contains(f.Data, []byte("<math.h>")) {
			v.Libm = true
		}
	}
	sort.Strings(v.Sources)
	sort.Strings(v.Headers)
	// Sketches measure unused RAM as the seed did (malloc bisection).
	v.ProbeRAM = d.Kind == KindArduino
	common := []File{
		{Name: "tg_deploy.h", Data: d.render("tg_deploy.h.tmpl", v)},
		{Name: "tg_deploy.c", Data: d.deployC(v)},
	}
	var out []File
	var err error
	switch d.Kind {
	case KindArduino:
		out, err = d.arduino(v, common)
	case KindBaremetal:
		out, err = d.baremetal(v, common)
	case KindCMake:
		out, err = d.cmake(v, common)
	case KindZephyr:
		out, err = d.zephyr(v, common)
	}
	if err == nil {
		err = d.err
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range out {
		if seen[strings.ToLower(f.Name)] {
			return nil, fmt.Errorf("project: two files named %s (a model named like a project file?)", f.Name)
		}
		seen[strings.ToLower(f.Name)] = true
	}
	return out, nil
}

// portConfig is what a project that keeps constants in AVR flash puts at
// the top of its copy of tg_port.h (a choice made at generation time).
const portConfig = `/* Port configuration of this project (tinygen compile --project): every
 * kernel reads its constants through TG_READ_* and copies its parameter
 * struct with memcpy_P, so both stay in flash. */
#ifndef TG_AVR_PROGMEM
#define TG_AVR_PROGMEM 1
#endif
#ifndef TG_AVR_PROGMEM_PARAMS
#define TG_AVR_PROGMEM_PARAMS 1
#endif

`

// modelFiles returns the model's files, tg_port.h configured for flash
// constants when FlashConstants.
func (d *Deploy) modelFiles() []File {
	if !d.FlashConstants || d.Target.Arch != targets.ArchAVR {
		return d.ModelFiles
	}
	out := make([]File, len(d.ModelFiles))
	for i, f := range d.ModelFiles {
		if f.Name == "tg_port.h" {
			f = File{Name: f.Name, Data: append([]byte(portConfig), f.Data...), Origin: f.Origin}
		}
		out[i] = f
	}
	return out
}

func prefixed(dir string, files []File) []File {
	out := make([]File, len(files))
	for i, f := range files {
		out[i] = File{Name: path.Join(dir, f.Name), Data: f.Data, Origin: f.Origin}
	}
	return out
}

func (d *Deploy) arduino(v deployView, common []File) ([]File, error) {
	a := d.Target.Arduino
	v.FQBN, v.Core, v.MCU, v.FCPU = a.FQBN, a.Core, a.MCU, strconv.FormatUint(a.FCPU, 10)
	v.SketchDir = d.Model
	v.Clock = "micros()"
	src := append(append([]File{}, d.modelFiles()...), common...)
	out := []File{
		{Name: d.Model + "/" + d.Model + ".ino", Data: d.render("sketch.ino.tmpl", v)},
		{Name: "README.md", Data: d.render("README.arduino.md.tmpl", v)},
	}
	return append(out, prefixed(d.Model+"/src", src)...), nil
}

func (d *Deploy) baremetal(v deployView, common []File) ([]File, error) {
	t := d.Target
	support, err := t.SupportFiles()
	if err != nil {
		return nil, err
	}
	script, err := t.LinkerScript()
	if err != nil {
		return nil, err
	}
	cc := t.Compiler.Command
	cflags := append(append([]string{}, t.CompileFlags()...), "-std=c99", "-Wall", "-Wextra", "-O2", "-ffp-contract=off",
		weightsDefineMake, "-I.")
	ldflags := append(t.LinkFlagsFor(targets.LinkerScriptName), "-Wl,-Map=fw.map")
	simCmd, simArgs, err := t.SimulatorCommand("fw.elf")
	if err != nil {
		return nil, err
	}
	v.CC, v.CFlags, v.LDFlags = cc, shellJoin(cflags), shellJoin(ldflags)
	v.SimCommand = shellJoin(append([]string{simCmd}, simArgs...))
	v.SimPackage, v.CCPackage = t.Simulator.Package, t.Compiler.Package
	if t.Libc != nil {
		v.LibcPackage = t.Libc.Package
	}
	v.Clock = "none (QEMU has no clock to trust: times print as 0)"
	for _, f := range support {
		if strings.HasSuffix(f.Name, ".c") {
			v.Sources = append(v.Sources, f.Name)
		}
	}
	v.Sources = append(v.Sources, "tg_deploy.c", "tg_deploy_main.c")
	sort.Strings(v.Sources)
	out := append([]File{}, d.ModelFiles...)
	out = append(out, support...)
	out = append(out, common...)
	out = append(out,
		File{Name: targets.LinkerScriptName, Data: []byte(script)},
		File{Name: "tg_deploy_main.c", Data: d.render("baremetal_main.c.tmpl", v)},
		File{Name: "Makefile", Data: d.render("Makefile.tmpl", v)},
		File{Name: "README.md", Data: d.render("README.baremetal.md.tmpl", v)},
	)
	return out, nil
}

func (d *Deploy) cmake(v deployView, common []File) ([]File, error) {
	v.Clock = "clock() from <time.h> (processor time)"
	out := append([]File{}, d.ModelFiles...)
	out = append(out, common...)
	out = append(out,
		File{Name: "tg_deploy_main.c", Data: d.render("host_main.c.tmpl", v)},
		File{Name: "CMakeLists.txt", Data: d.render("CMakeLists.txt.tmpl", v)},
		File{Name: "README.md", Data: d.render("README.cmake.md.tmpl", v)},
	)
	return out, nil
}

func (d *Deploy) zephyr(v deployView, common []File) ([]File, error) {
	v.Clock = "k_cycle_get_32()"
	src := append(append([]File{}, d.ModelFiles...), common...)
	src = append(src, File{Name: "main.c", Data: d.render("zephyr_main.c.tmpl", v)})
	out := []File{
		{Name: "CMakeLists.txt", Data: d.render("zephyr_CMakeLists.txt.tmpl", v)},
		{Name: "prj.conf", Data: d.render("prj.conf.tmpl", v)},
		{Name: "README.md", Data: d.render("README.zephyr.md.tmpl", v)},
	}
	return append(out, prefixed("src", src)...), nil
}

// weightsDefineMake is bench's weights section define, quoted for make
// and sh.
const weightsDefineMake = `-DTG_WEIGHTS_SECTION=__attribute__((section(".rodata.tg_weights")))`

// shellJoin quotes arguments for a POSIX shell (and so for a Makefile
// recipe): plain words stay, anything else goes in single quotes. A '$'
// is doubled for make.
func shellJoin(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		plain := a != ""
		for _, c := range a {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=,:+@%", c)) {
				plain = false
				break
			}
		}
		if plain {
			b.WriteString(a)
			continue
		}
		b.WriteString("'" + strings.ReplaceAll(strings.ReplaceAll(a, "'", `'\''`), "$", "$$") + "'")
	}
	return b.String()
}

// render executes one embedded template. The first failure is kept in
// d.err (Files returns it), so that callers can chain renders.
func (d *Deploy) render(name string, v deployView) []byte {
	tmpl, err := template.New(name).Option("missingkey=error").ParseFS(templateFS, "templates/"+name)
	if err != nil {
		d.fail(fmt.Errorf("project: template %s: %w", name, err))
		return nil
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		d.fail(fmt.Errorf("project: template %s: %w", name, err))
		return nil
	}
	return buf.Bytes()
}

func (d *Deploy) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}
