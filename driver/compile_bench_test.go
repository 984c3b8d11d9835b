// Compile-time benchmarks on the shared models.
package driver

import (
	"path/filepath"
	"testing"

	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// BenchmarkCompile loads and compiles shared models for Cortex-M4 through
// every pass and the C emitter (nothing is written): the compile time a
// user waits for. Per pass: tinygen compile MODEL --time-passes.
func BenchmarkCompile(b *testing.B) {
	dir := sharedtest.Require(b)
	for _, m := range []struct{ name, file string }{
		{"aww", "aww/aww.tflite"}, {"vww", "vww/vww_96_int8.tflite"},
		{"resnet", "resnet/pretrainedResnet_quant.tflite"}, {"toycar", "toycar/ad01_int8.tflite"},
	} {
		b.Run(m.name, func(b *testing.B) {
			path := filepath.Join(dir, "models", filepath.FromSlash(m.file))
			b.ReportAllocs()
			for b.Loop() {
				m, err := Load(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := Compile(m, CompileOptions{Target: "cortex-m4"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
