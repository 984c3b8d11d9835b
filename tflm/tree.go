// Package tflm builds TensorFlow Lite for Microcontrollers (TFLM) from a
// source folder a user points tinygen at (../shared/tflm's layout), per
// translation unit through a content-addressed object cache, and links
// benchmark firmware that runs a model on the stock TFLM interpreter and
// prints the bench result protocol (docs/bench-protocol.md), so that TFLM
// rows stand in the same bench table as tinygen's own.
package tflm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// EnvVar names the environment variable that gives the default TFLM
// folder (bench --tflm overrides it).
const EnvVar = "TINYGEN_TFLM"

// Limits on the folder a user names: it is read in full to compute its
// stamp, so its size is bounded.
const (
	maxTreeFiles = 20000
	maxTreeBytes = 256 << 20
)

// markers are files every usable TFLM folder has (the layout of
// ../shared/tflm/README.md: tflite-micro/ and third_party/).
var markers = []string{
	"tflite-micro/tensorflow/lite/micro/micro_interpreter.h",
	"tflite-micro/tensorflow/lite/micro/micro_mutable_op_resolver.h",
	"tflite-micro/tensorflow/lite/micro/micro_interpreter.cc",
	"third_party/flatbuffers/include/flatbuffers/flatbuffers.h",
	"third_party/gemmlowp/fixedpoint/fixedpoint.h",
}

// Tree is a TFLM source folder.
type Tree struct {
	// Dir is the folder's absolute path.
	Dir string
	// Stamp is the hex SHA-256 of every regular file's relative path and
	// contents: the tree's identity in object cache keys.
	Stamp string
}

// OpenTree checks that dir has the expected layout and computes its
// stamp. Symbolic links inside the folder are not followed.
func OpenTree(dir string) (*Tree, error) {
	if dir == "" {
		return nil, fmt.Errorf("no TFLM folder: pass --tflm DIR or set %s (a folder laid out like ../shared/tflm)", EnvVar)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("TFLM folder %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("TFLM folder %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("TFLM folder %s: not a directory", dir)
	}
	for _, m := range markers {
		fi, err := os.Lstat(filepath.Join(abs, m))
		if err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("TFLM folder %s: missing %s (want the layout of ../shared/tflm: tflite-micro/ and third_party/)", dir, m)
		}
	}
	stamp, err := treeStamp(abs)
	if err != nil {
		return nil, fmt.Errorf("TFLM folder %s: %w", dir, err)
	}
	return &Tree{Dir: abs, Stamp: stamp}, nil
}

// treeStamp hashes every regular file under dir (path, size, contents),
// in sorted path order.
func treeStamp(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if len(files) >= maxTreeFiles {
				return fmt.Errorf("more than %d files", maxTreeFiles)
			}
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	var total int64
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
		n, err := io.Copy(h, io.LimitReader(f, maxTreeBytes-total+1))
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", rel, err)
		}
		total += n
		if total > maxTreeBytes {
			return "", fmt.Errorf("more than %d MiB of files", maxTreeBytes>>20)
		}
		fmt.Fprintf(h, "\x00%d\x00", n)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
