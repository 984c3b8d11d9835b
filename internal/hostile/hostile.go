// Package hostile generates crafted inputs that attack tinygen's trust
// boundary (docs/security.md): model files whose text, structure, sizes or
// arithmetic try to inject C, escape the output folder, exhaust the machine
// or overflow the generated code. Each class of defect has its own file and
// its own generator; All gathers them for the suite that .ci/run runs
// (driver's TestHostileModels and the command-line scripts).
package hostile

import "fmt"

// Class names a class of defect in docs/security.md.
type Class string

// The classes of defect the suite covers.
const (
	// TextInjection: text from the model or the command line that tries to
	// leave a comment or form C tokens in generated files.
	TextInjection Class = "text-injection"
	// OutputFolder: names that collide or try to write outside the folder.
	OutputFolder Class = "output-folder"
	// Resources: inputs that try to exhaust memory or time.
	Resources Class = "resources"
	// Arithmetic: shapes and parameters the generated C cannot hold.
	Arithmetic Class = "arithmetic"
	// Structure: graphs the generated C cannot express as they are.
	Structure Class = "structure"
)

// Case is one crafted model and what tinygen must do with it.
type Case struct {
	// Name identifies the case in test output ("text/backslash-newline").
	Name string
	// Class is the class of defect the case attacks.
	Class Class
	// File is the base name the model is written under (its extension
	// selects the frontend).
	File string
	// Data is the model file's bytes.
	Data []byte
	// Args are extra `tinygen compile` arguments (--name, --align, ...).
	Args []string
	// WantError, when not empty, is text the error must contain: the
	// compile must fail with it. When empty the compile must succeed and
	// the generated C must build cleanly with the warning flags, and
	// Forbidden must not appear in the generated files outside comments.
	WantError string
	// Usage marks a case whose Args are wrong: tinygen must refuse it as
	// a usage error (exit status 2, WantError in the message) before it
	// reads the model, so the message need not name the file.
	Usage bool
	// Forbidden lists C text the attack tries to inject (checked outside
	// comments of every generated file when the compile succeeds).
	Forbidden []string
}

// All returns every crafted model of every class, in a fixed order.
func All() ([]Case, error) {
	var all []Case
	for _, gen := range []struct {
		class Class
		fn    func() ([]Case, error)
	}{
		{TextInjection, textCases},
		{OutputFolder, outputFolderCases},
		{Resources, resourceCases},
		{Arithmetic, arithmeticCases},
		{Structure, structureCases},
		{TextInjection, onnxTextCases},
		{Resources, onnxResourceCases},
	} {
		cs, err := gen.fn()
		if err != nil {
			return nil, fmt.Errorf("hostile: %s: %w", gen.class, err)
		}
		for i := range cs {
			cs[i].Class = gen.class
		}
		all = append(all, cs...)
	}
	return all, nil
}
