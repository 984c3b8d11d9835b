// runtime.go: tinygen runtime: an interpreter runtime with exactly the
// kernels some models (--ops-from) or some operators (--ops) need.

package driver

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/codegen/blob"
	cgen "github.com/tinygen/tinygen/codegen/c"
	"github.com/tinygen/tinygen/ir"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/program"
	runtimec "github.com/tinygen/tinygen/runtime-c"
	"github.com/tinygen/tinygen/targets"
)

// RuntimeOptions choose the kernels of a runtime.
type RuntimeOptions struct {
	// Models are model files whose kernels the runtime must hold, each
	// compiled for Target as `compile --mode interp` would (--ops-from).
	Models []string
	// Ops are operator names (CONV_2D) or kernel symbols (tg_conv2d_s8):
	// an operator adds every kernel of the preferred sets that
	// implements it (--ops).
	Ops []string
	// Target and Kernels choose the kernel sets, as for compile.
	Target, Kernels string
	// Memory are the models' compile options (they do not change the
	// kernels in the reference set; a specialised set may choose by
	// geometry).
	Memory MemoryOptions
}

// RuntimeKernel is one kernel of a runtime.
type RuntimeKernel struct {
	Symbol, Set, ParamsType string
	ID                      int
	Libm                    bool
}

// Runtime returns the files of an interpreter runtime holding exactly the
// kernels opts asks for (the runtime, its kernel table, the kernel
// headers and sources) and the kernels, by id.
func Runtime(opts RuntimeOptions) ([]cgen.File, []RuntimeKernel, error) {
	if len(opts.Models) == 0 && len(opts.Ops) == 0 {
		return nil, nil, fmt.Errorf("runtime: name models (--ops-from) or operators (--ops)")
	}
	lib := kernels.Builtin()
	tname := opts.Target
	if tname == "" {
		tname = "host"
	}
	t, err := targets.Get(tname)
	if err != nil {
		return nil, nil, err
	}
	sets := append([]string(nil), t.KernelSets...)
	if opts.Kernels != "" {
		sets = append([]string{opts.Kernels}, sets...)
	}
	if err := lib.CheckPreference(sets); err != nil {
		return nil, nil, err
	}
	chosen := map[string]RuntimeKernel{}
	all := map[string]RuntimeKernel{}
	for _, set := range append(sets, kernels.Reference) {
		ks, err := lib.Kernels(set)
		if err != nil {
			return nil, nil, err
		}
		for _, k := range ks {
			if _, dup := all[k.Symbol]; !dup {
				all[k.Symbol] = RuntimeKernel{Symbol: k.Symbol, Set: k.Set, ParamsType: k.ParamsType, Libm: k.Libm}
			}
		}
	}
	for _, path := range opts.Models {
		m, err := Load(path)
		if err != nil {
			return nil, nil, err
		}
		s, err := RunPasses(m, CompileOptions{Target: tname, Kernels: opts.Kernels, Memory: opts.Memory})
		if err != nil {
			return nil, nil, err
		}
		for _, st := range s.Program.Steps {
			if st.Kind == program.KernelStep {
				k, ok := all[st.Kernel]
				if !ok {
					return nil, nil, fmt.Errorf("%s: kernel %s is not in sets %s", path, st.Kernel, strings.Join(sets, ", "))
				}
				chosen[st.Kernel] = k
			}
		}
	}
	for _, name := range opts.Ops {
		if k, ok := all[name]; ok {
			chosen[name] = k
			continue
		}
		kind, err := ir.ParseOpKind(strings.ToUpper(name))
		if err != nil {
			return nil, nil, fmt.Errorf("--ops %q: neither an operator nor a kernel of sets %s", name, strings.Join(sets, ", "))
		}
		found := false
		for _, set := range append(sets, kernels.Reference) {
			ks, _ := lib.Kernels(set)
			for _, k := range ks {
				for _, op := range k.Ops {
					if op == kind {
						chosen[k.Symbol] = all[k.Symbol]
						found = true
					}
				}
			}
		}
		if !found {
			return nil, nil, fmt.Errorf("--ops %q: no kernel implements %v", name, kind)
		}
	}
	var list []RuntimeKernel
	for _, k := range chosen {
		id, ok := blob.KernelID(k.Symbol)
		if !ok {
			return nil, nil, fmt.Errorf("runtime: kernel %s has no blob id (codegen/blob/ids.go)", k.Symbol)
		}
		k.ID = id
		list = append(list, k)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	files, err := runtimeFiles(lib, list)
	if err != nil {
		return nil, nil, err
	}
	return files, list, nil
}

// runtimeFiles assembles the runtime, the kernel table and the kernels.
func runtimeFiles(lib *kernels.Library, list []RuntimeKernel) ([]cgen.File, error) {
	var files []cgen.File
	texts := map[string][]byte{}
	var headers []string
	for _, h := range kernels.Headers() {
		data, err := lib.File(kernels.Reference, h)
		if err != nil {
			return nil, err
		}
		files = append(files, cgen.File{Name: h, Data: data, Origin: "the kernel library's"})
		texts[h] = data
		headers = append(headers, h)
	}
	setHeaders := map[string]bool{}
	var sources []cgen.File
	var tks []blob.TableKernel
	for _, k := range list {
		h, err := lib.Header(k.Set)
		if err != nil {
			return nil, err
		}
		if h != "" && !setHeaders[h] {
			setHeaders[h] = true
			data, err := lib.File(k.Set, h)
			if err != nil {
				return nil, err
			}
			files = append(files, cgen.File{Name: h, Data: data, Origin: "kernel set " + k.Set})
			texts[h] = data
			headers = append(headers, h)
		}
		data, err := lib.File(k.Set, k.Symbol+".c")
		if err != nil {
			return nil, err
		}
		sources = append(sources, cgen.File{Name: k.Symbol + ".c", Data: data, Origin: "kernel set " + k.Set})
		tks = append(tks, blob.TableKernel{Symbol: k.Symbol, ParamsType: k.ParamsType})
	}
	d, err := blob.ParseHeaders(headers, texts)
	if err != nil {
		return nil, err
	}
	includes := []string{"tg_kernels.h"}
	for _, h := range headers {
		if setHeaders[h] {
			includes = append(includes, h)
		}
	}
	th, tc, err := blob.Table(tks, d, includes)
	if err != nil {
		return nil, err
	}
	files = append(files, runtimec.Files()...)
	files = append(files, cgen.File{Name: blob.TableHeader, Data: th, Origin: "the runtime's kernel table"},
		cgen.File{Name: blob.TableSource, Data: tc, Origin: "the runtime's kernel table"})
	sort.Slice(sources, func(i, j int) bool { return sources[i].Name < sources[j].Name })
	return blob.UntrustedKernels(append(files, sources...)), nil
}
