// Package onnxpb holds the Go types that protoc and protoc-gen-go generate
// from ONNX's onnx.proto (the shared folder's schemas/onnx/onnx.proto, ONNX
// IR version 14). Do not edit onnx.pb.go by hand: regenerate it with
// `go generate` (Debian package protobuf-compiler for protoc, and
// `go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12`, the
// version go.mod requires). The proto file has no go_package option, so
// the import path is given with --go_opt=M. TestGeneratedUpToDate (frontends/onnx) checks
// that the committed file matches what protoc produces.
package onnxpb

//go:generate sh gen.sh
