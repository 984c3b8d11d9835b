// Command lazyenums rewrites the flatc-generated Go schema package so that
// its enum name maps are built on first use instead of at start-up.
//
// flatc writes every enum's EnumNamesX and EnumValuesX as package-level
// map literals, which Go builds in the package initialiser, so every run
// of tinygen paid for about forty maps (about 0.5 ms of CPU) it almost
// never reads. This tool, run by go generate after flatc (and by
// TestGeneratedSchemaUpToDate on flatc's fresh output), turns each
//
//	var EnumNamesX = map[X]string{...}
//
// into
//
//	var enumNamesX struct {
//		once sync.Once
//		m    map[X]string
//	}
//
//	func EnumNamesX() map[X]string { /* build m once */ return enumNamesX.m }
//
// (a zero-valued variable, so the initialiser has nothing left to do),
// rewrites the package's uses EnumNamesX[v] into EnumNamesX()[v], adds the
// sync import and gofmts the file.
//
// Usage: go run ./internal/lazyenums DIR (every .go file of DIR, in place).
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The patterns of a generated map variable, of a use of one, and of the
// two import forms flatc writes.
var (
	mapVar     = regexp.MustCompile(`^var (Enum(?:Names|Values)\w+) = (map\[\w+\]\w+)\{$`)
	mapUse     = regexp.MustCompile(`\b(Enum(?:Names|Values)\w+)\[`)
	importOne  = regexp.MustCompile(`(?m)^import ("\w+")$`)
	importList = regexp.MustCompile(`(?m)^import \(\n`)
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lazyenums DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "lazyenums:", err)
		os.Exit(1)
	}
}

// run rewrites every .go file of dir in place.
func run(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no .go files", dir)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		out, err := Rewrite(src)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if !bytes.Equal(out, src) {
			if err := os.WriteFile(f, out, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Rewrite makes the enum maps of one generated file lazy; a file without
// them is returned unchanged (gofmt-ed).
func Rewrite(src []byte) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
	var out []string
	changed := false
	for i := 0; i < len(lines); i++ {
		m := mapVar.FindStringSubmatch(lines[i])
		if m == nil {
			out = append(out, mapUse.ReplaceAllString(lines[i], "$1()["))
			continue
		}
		name, typ := m[1], m[2]
		v := "e" + name[1:]
		out = append(out,
			fmt.Sprintf("var %s struct {\n\tonce sync.Once\n\tm map%s\n}\n", v, typ[len("map"):]),
			fmt.Sprintf("// %s returns the map, built on its first use.", name),
			fmt.Sprintf("func %s() %s {", name, typ),
			fmt.Sprintf("\t%s.once.Do(func() {", v),
			fmt.Sprintf("\t\t%s.m = %s{", v, typ))
		for i++; i < len(lines) && lines[i] != "}"; i++ {
			out = append(out, "\t\t"+lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("map %s does not end", name)
		}
		out = append(out, "\t\t}", "\t})", fmt.Sprintf("\treturn %s.m", v), "}")
		changed = true
	}
	text := strings.Join(out, "\n")
	if changed {
		switch {
		case importOne.MatchString(text):
			text = importOne.ReplaceAllString(text, "import (\n\t$1\n\t\"sync\"\n)")
		case importList.MatchString(text):
			text = importList.ReplaceAllString(text, "import (\n\t\"sync\"\n")
		default:
			return nil, fmt.Errorf("no import to add sync to")
		}
	}
	return format.Source([]byte(text))
}
