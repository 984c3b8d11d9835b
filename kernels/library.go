// library.go: kernel sets and the Library that selects a kernel per op by
// the preferred sets.

package kernels

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/tinygen/tinygen/ir"
)

// Set is one kernel set: its name, its C files and, for every set but
// Reference, the kernels with which it specialises reference kernels. A
// kernel of a specialised set has its own symbol (so that two sets can be
// linked into one program when different steps choose different sets),
// may compute its own parameters and ask for scratch memory, and declares
// its entry point and parameter struct in the set's Header.
type Set struct {
	// Name names the set ("reference", "armv7em", ...).
	Name string
	// Description is one line for humans.
	Description string
	// Files holds the set's .c sources and its header at its root.
	Files fs.FS
	// Header is the header declaring the set's kernels ("" for
	// Reference, whose kernels tg_kernels.h declares).
	Header string
	// Kernels are the set's kernels. For Reference: every kernel, which
	// Lower chooses. For other sets: kernels whose Specialise says, for
	// an op that Lower gave to a reference kernel, whether they run it
	// and with which parameters.
	Kernels []Kernel
}

// Library is an immutable collection of kernel sets: Reference first, then
// specialised sets. Builtin returns tinygen's own; tests build libraries
// with extra sets (NewLibrary).
type Library struct {
	sets []Set
}

// Builtin returns the library of the kernel sets that ship with tinygen.
func Builtin() *Library {
	ref, err := fs.Sub(sources, Reference)
	if err != nil {
		panic(err) // the embedded folder exists: a build error, not input
	}
	return &Library{sets: []Set{{Name: Reference, Description: "portable C99, bit-exact ports of TFLM's reference kernels",
		Files: ref, Kernels: manifest()}, armv7emSet(), fpuSet(), rv32Set(), avrSet()}}
}

// NewLibrary returns the built-in library extended with extra sets. It
// checks that set names and kernel symbols are unique, that every
// specialised kernel names a reference kernel and has a Specialise
// function and a source file, and that each set has its header.
func NewLibrary(extra ...Set) (*Library, error) {
	l := Builtin()
	names := map[string]bool{}
	symbols := map[string]bool{}
	refSymbols := map[string]bool{}
	for _, k := range l.sets[0].Kernels {
		refSymbols[k.Symbol] = true
	}
	for _, s := range l.sets {
		names[s.Name] = true
		for _, k := range s.Kernels {
			symbols[k.Symbol] = true
		}
	}
	for _, s := range extra {
		if s.Name == "" || names[s.Name] || strings.ContainsAny(s.Name, "/\\. ") {
			return nil, fmt.Errorf("kernels: bad or repeated set name %q", s.Name)
		}
		names[s.Name] = true
		if s.Header == "" {
			return nil, fmt.Errorf("kernels: set %s: no header", s.Name)
		}
		if _, err := fs.Stat(s.Files, s.Header); err != nil {
			return nil, fmt.Errorf("kernels: set %s: header %s: %w", s.Name, s.Header, err)
		}
		// A copy: the library must not share (and NewLibrary must not
		// write into) the caller's slice.
		s.Kernels = slices.Clone(s.Kernels)
		for i := range s.Kernels {
			k := &s.Kernels[i]
			k.Set = s.Name
			switch {
			case symbols[k.Symbol]:
				return nil, fmt.Errorf("kernels: set %s: symbol %s is taken", s.Name, k.Symbol)
			case k.Specialise == nil:
				return nil, fmt.Errorf("kernels: set %s: %s has no Specialise function", s.Name, k.Symbol)
			case !refSymbols[k.Specialises]:
				return nil, fmt.Errorf("kernels: set %s: %s specialises unknown kernel %q", s.Name, k.Symbol, k.Specialises)
			}
			if _, err := fs.Stat(s.Files, k.Source()); err != nil {
				return nil, fmt.Errorf("kernels: set %s: %s: %w", s.Name, k.Symbol, err)
			}
			symbols[k.Symbol] = true
		}
		l.sets = append(l.sets, s)
	}
	return l, nil
}

// Sets returns the names of the library's sets, Reference first.
func (l *Library) Sets() []string {
	out := make([]string, len(l.sets))
	for i, s := range l.sets {
		out[i] = s.Name
	}
	return out
}

func (l *Library) set(name string) (*Set, error) {
	for i := range l.sets {
		if l.sets[i].Name == name {
			return &l.sets[i], nil
		}
	}
	return nil, fmt.Errorf("kernels: unknown kernel set %q (have %s)", name, strings.Join(l.Sets(), ", "))
}

// CheckPreference checks a target's or a user's list of preferred sets:
// every name known, none twice.
func (l *Library) CheckPreference(prefer []string) error {
	seen := map[string]bool{}
	for _, name := range prefer {
		if _, err := l.set(name); err != nil {
			return err
		}
		if seen[name] {
			return fmt.Errorf("kernels: kernel set %s listed twice", name)
		}
		seen[name] = true
	}
	return nil
}

// Select chooses the kernel that runs op: Lower gives the reference kernel
// and its parameters; then, in the order of prefer, the first set with a
// kernel that specialises that reference kernel and accepts op wins.
// Reaching Reference in prefer, or the end of the list, selects the
// reference kernel (every op falls back to it). An op whose explicit
// window is not one TFLite's SAME or VALID could give (tfliteWindow) keeps
// the reference kernel: specialised kernels are written for TFLite's
// geometry.
func (l *Library) Select(op *ir.Op, prefer []string) (Call, error) {
	ref, err := Lower(op)
	if err != nil {
		return Call{}, err
	}
	if !tfliteWindow(op) || referenceOnly(op) {
		return ref, nil
	}
	for _, name := range prefer {
		s, err := l.set(name)
		if err != nil {
			return Call{}, err
		}
		if s.Name == Reference {
			break
		}
		for _, k := range s.Kernels {
			if k.Specialises != ref.Kernel.Symbol {
				continue
			}
			c, ok, err := k.Specialise(op, ref)
			if err != nil {
				return Call{}, fmt.Errorf("%v: kernel %s (%s): %w", op, k.Symbol, s.Name, err)
			}
			if ok {
				c.Kernel = k
				if c.Params.Type == "" {
					c.Params.Type = k.ParamsType
				}
				// The reference call passed checkLimits; the
				// specialised one's own parameters and arguments must
				// fit their C types too (its index arithmetic is its
				// Specialise's to bound).
				if err := checkParams("", c.Params); err != nil {
					return Call{}, fmt.Errorf("%v: kernel %s (%s): %w", op, k.Symbol, s.Name, err)
				}
				if err := checkTensorBytes(c.Args); err != nil {
					return Call{}, fmt.Errorf("%v: kernel %s (%s): %w", op, k.Symbol, s.Name, err)
				}
				return c, nil
			}
		}
	}
	return ref, nil
}

// File returns a common header (see Headers) or a file of the named set.
func (l *Library) File(set, name string) ([]byte, error) {
	if b, err := sources.ReadFile(path.Join("include", name)); err == nil {
		return b, nil
	}
	s, err := l.set(set)
	if err != nil {
		return nil, err
	}
	b, err := fs.ReadFile(s.Files, name)
	if err != nil {
		return nil, fmt.Errorf("kernels: set %s has no file %q", set, name)
	}
	return b, nil
}

// SourceFiles returns the .c files of a set, sorted.
func (l *Library) SourceFiles(set string) ([]string, error) {
	s, err := l.set(set)
	if err != nil {
		return nil, err
	}
	ents, err := fs.ReadDir(s.Files, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".c") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Header returns the header that declares a set's kernels beyond
// tg_kernels.h ("" for Reference).
func (l *Library) Header(set string) (string, error) {
	s, err := l.set(set)
	if err != nil {
		return "", err
	}
	return s.Header, nil
}

// Kernels returns the kernels of a set.
func (l *Library) Kernels(set string) ([]Kernel, error) {
	s, err := l.set(set)
	if err != nil {
		return nil, err
	}
	return append([]Kernel(nil), s.Kernels...), nil
}
