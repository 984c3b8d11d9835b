// Crafted models of class TextInjection: model descriptions, tensor names
// (which also name the ops that write them), model file names and --name
// values that try to leave a comment of the generated C, splice a line or
// form a trigraph, and so put code of their own into the generated files.
package hostile

import (
	"fmt"
	"strings"

	"github.com/tinygen/tinygen/frontends/tflite"
	"github.com/tinygen/tinygen/internal/testmodels"
)

// payload is one way to escape a comment. Text is what the attacker
// controls; the code it tries to inject always contains one of
// injectedTokens, which no sanitised identifier or comment can produce
// outside a comment (identifiers have no spaces, '=' or '(').
type payload struct {
	name string
	text string
}

// injectedTokens are the C fragments every payload tries to get outside a
// comment.
var injectedTokens = []string{"tg_pwned =", "int tg_pwned", "system(", "tg_pwned;"}

// textPayloads are the known bypasses of a comment scrubber. The
// backslash ones beat the old scrubber of codegen/c, which turned '\'
// into '/' after removing "*/", so "*\" became a comment end.
var textPayloads = []payload{
	{"close-comment", "*/ int tg_pwned = 1; /*"},
	{"backslash-close", `*\ int tg_pwned = 1; //`},
	{"backslash-slash", `*\/ int tg_pwned = 1; /\*`},
	{"backslash-newline", "x \\\nint tg_pwned = 1; system(\"id\"); //"},
	{"star-backslash-newline", "*\\\n/ int tg_pwned = 1; /*"},
	{"trigraph-splice", "??/\nint tg_pwned = 1; system(\"id\");"},
	{"trigraph-close", "*??/\n/ int tg_pwned = 1; /*"},
	{"trigraph-soup", "??=define X ??< system(\"id\"); ??> ??'??!??-??(??)"},
	{"carriage-return", "a\r*/\rint tg_pwned = 1;\r/*"},
	{"nul-control", "a\x00*/\x01int tg_pwned = 1;\x7f/*\x1b"},
	{"utf8-bidi", "\u202e*/ int tg_pwned = 1; /*\u2066 caf\u00e9 \xff\xfe"},
	{"leading-slash", "/ int tg_pwned = 1; /*"},
	{"leading-star", "*/int tg_pwned;"},
	{"trailing-star", "int tg_pwned = 1; *"},
	{"trailing-backslash", `int tg_pwned = 1; *\`},
	{"nested-open", "/* int tg_pwned = 1; /* system(\"id\");"},
}

// textCases returns the crafted models of class TextInjection: for every
// payload, a model whose description and tensor names carry it; models
// whose file names carry the payloads a file name can hold; --name values
// with payloads; and a description whose truncation point falls inside a
// payload.
func textCases() ([]Case, error) {
	var cases []Case
	for _, p := range textPayloads {
		data, err := craftText(p.text, p.text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		cases = append(cases, Case{Name: "text/model-" + p.name, File: "model.tflite", Data: data,
			Forbidden: injectedTokens})
	}
	plain, err := craftText("", "")
	if err != nil {
		return nil, err
	}
	for _, p := range textPayloads {
		// A file name holds neither '/' nor NUL; use what remains.
		file := strings.NewReplacer("/", `\`, "\x00", "").Replace(p.text)
		cases = append(cases, Case{Name: "text/file-" + p.name, File: "m" + file + ".tflite", Data: plain,
			Forbidden: injectedTokens})
		args := []string{"--name", p.text}
		if p.name == "backslash-newline" || p.name == "close-comment" {
			args = append(args, "--host-main", "--caller-arena")
		}
		cases = append(cases, Case{Name: "text/name-" + p.name, File: "model.tflite", Data: plain, Args: args,
			Forbidden: injectedTokens})
	}
	// The description is cut at 100 bytes; put the payload across the cut.
	for _, n := range []int{90, 94, 95, 96, 97, 98} {
		desc := strings.Repeat("a", n) + `*\ int tg_pwned = 1; //`
		data, err := craftText(desc, "")
		if err != nil {
			return nil, err
		}
		cases = append(cases, Case{Name: fmt.Sprintf("text/truncated-description-%d", n), File: "model.tflite",
			Data: data, Forbidden: injectedTokens})
	}
	return cases, nil
}

// craftText returns the synthetic keyword spotter with the given
// description and, when name is not empty, every tensor named name (the
// generated comments name each op by its output tensor), as .tflite
// bytes.
func craftText(description, name string) ([]byte, error) {
	m, ok := testmodels.Get("kws_tiny")
	if !ok {
		return nil, fmt.Errorf("no synthetic model kws_tiny")
	}
	g := m.Graph()
	g.Description = description
	if name != "" {
		for _, t := range g.Tensors {
			if t != nil {
				t.Name = name
			}
		}
	}
	return tflite.Encode(g)
}
