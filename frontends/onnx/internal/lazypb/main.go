// Command lazypb rewrites the protoc-gen-go output of onnx.proto so that
// the package's initialiser does nothing: tinygen starts without paying
// for ONNX types it may never use (cmd/tinygen's TestOwnInitCost).
//
// It deletes the enum name/value maps (the protobuf runtime names enums
// through their descriptors), turns the enum and message info slices made
// with make into zero-valued arrays, and removes the init function that
// registers the file; the package's hand-written Init registers it on
// first use. Run by go generate after protoc (gen.sh), and by
// frontends/onnx's TestGeneratedUpToDate on protoc's fresh output.
//
// Usage: go run ./frontends/onnx/internal/lazypb FILE (rewritten in place).
package main

import (
	"fmt"
	"go/format"
	"os"
	"regexp"
)

var (
	enumMaps = regexp.MustCompile(`(?s)// Enum value maps for \w+\.\nvar \(\n.*?\n\)\n\n`)
	makeInfo = regexp.MustCompile(`var (file_\w+_(?:enumTypes|msgTypes)) = make\(\[\](protoimpl\.\w+), (\d+)\)`)
	useInfo  = regexp.MustCompile(`(Infos:\s+file_\w+_(?:enumTypes|msgTypes)),`)
	initFunc = regexp.MustCompile(`func init\(\) \{ (file_\w+_init)\(\) \}\n`)
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lazypb FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "lazypb:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := rewrite(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// rewrite applies the three changes and checks that each applied.
func rewrite(src []byte) ([]byte, error) {
	if !enumMaps.Match(src) || !makeInfo.Match(src) || !initFunc.Match(src) {
		return nil, fmt.Errorf("not the protoc-gen-go output lazypb knows (enum maps, info slices or init missing)")
	}
	src = enumMaps.ReplaceAll(src, nil)
	src = makeInfo.ReplaceAll(src, []byte("var $1 [$3]$2"))
	src = useInfo.ReplaceAll(src, []byte("$1[:],"))
	src = initFunc.ReplaceAll(src, []byte("// $1 runs on first use: see Init (lazy.go).\n"))
	return format.Source(src)
}
