package onnx_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// TestGeneratedUpToDate regenerates onnx.pb.go with protoc,
// protoc-gen-go and internal/lazypb into a temporary folder and compares
// it with the committed file. It needs protoc (Debian package protobuf-compiler) and
// protoc-gen-go on PATH (go install
// google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12).
func TestGeneratedUpToDate(t *testing.T) {
	shared := sharedtest.Require(t)
	sharedtest.RequireTool(t, "protoc", "protobuf-compiler")
	if _, err := exec.LookPath("protoc-gen-go"); err != nil {
		t.Skip("protoc-gen-go not on PATH: go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12")
	}
	out := t.TempDir()
	cmd := exec.Command("protoc", "--proto_path="+filepath.Join(shared, "schemas", "onnx"), "--go_out="+out, "--go_opt=paths=source_relative",
		"--go_opt=Monnx.proto=github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb", "onnx.proto")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, b)
	}
	if b, err := exec.Command("go", "run", "./internal/lazypb", filepath.Join(out, "onnx.pb.go")).CombinedOutput(); err != nil {
		t.Fatalf("lazypb: %v\n%s", err, b)
	}
	got, err := os.ReadFile(filepath.Join(out, "onnx.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("internal", "onnxpb", "onnx.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("onnx.pb.go is not what protoc generates from the shared onnx.proto: run go generate in frontends/onnx/internal/onnxpb (the generated onnx.pb.go is committed)")
	}
}
