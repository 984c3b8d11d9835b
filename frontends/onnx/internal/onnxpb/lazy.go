// Registration of the ONNX types on first use (the generated file has no
// init function: internal/lazypb removes it).
package onnxpb

import "sync"

var initOnce sync.Once

// Init registers the file's types with the protobuf runtime. Call it
// before using any type of this package (marshalling, unmarshalling,
// enum names); it is cheap after the first call and safe for concurrent
// use.
func Init() { initOnce.Do(file_onnx_proto_init) }
