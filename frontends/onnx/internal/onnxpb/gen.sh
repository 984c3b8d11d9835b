#!/bin/sh
# Regenerates onnx.pb.go from the shared folder's onnx.proto (run by
# `go generate` in this folder): protoc with protoc-gen-go, then
# ../lazypb, which makes the package's initialiser empty. The shared
# folder is $TINYGEN_SHARED, or "shared" beside the repository root.
set -eu
shared="${TINYGEN_SHARED:-../../../../../shared}"
protoc --proto_path="$shared/schemas/onnx" --go_out=. --go_opt=paths=source_relative \
  --go_opt=Monnx.proto=github.com/tinygen/tinygen/frontends/onnx/internal/onnxpb onnx.proto
go run ../lazypb onnx.pb.go
