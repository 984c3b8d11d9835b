// armv7em_qemu_test.go: the armv7em kernels' DSP path (ACLE intrinsics and
// inline assembly) runs on QEMU Cortex-M and matches the golden vectors.

package kernels_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinygen/tinygen/bench"
	"github.com/tinygen/tinygen/driver"
	"github.com/tinygen/tinygen/internal/shared/sharedtest"
)

// TestArmV7EMOnQEMU builds models whose ops reach every armv7em kernel for
// Cortex-M targets with the DSP extension (where tg_armv7em.h takes the
// __ARM_FEATURE_DSP path, not the portable one the host conformance suite
// runs), runs them on QEMU and requires every golden vector to match bit
// for bit, and the program to call each kernel the case names.
func TestArmV7EMOnQEMU(t *testing.T) {
	dir := sharedtest.Require(t)
	sharedtest.RequireTool(t, "arm-none-eabi-gcc", "gcc-arm-none-eabi")
	sharedtest.RequireTool(t, "qemu-system-arm", "qemu-system-arm")
	sharedtest.RequireTool(t, "gcc", "gcc")
	cases := []struct {
		model   string
		targets []string
		kernels []string
	}{
		// pointwise and im2col CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
		// AVERAGE_POOL_2D
		{"aww/aww.tflite", []string{"cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"},
			[]string{"tg_conv2d_s8_pw_armv7em", "tg_conv2d_s8_im2col_armv7em", "tg_depthwise_conv2d_s8_armv7em",
				"tg_fully_connected_s8_armv7em", "tg_average_pool2d_s8_armv7em"}},
		// MAX_POOL_2D (SSUB8/SEL) and 2x2 average pools
		{"micro_kws_m/micro_kws_m_quantized.tflite", []string{"cortex-m4"},
			[]string{"tg_max_pool2d_s8_armv7em", "tg_average_pool2d_s8_armv7em"}},
		// DEPTHWISE_CONV_2D with one input channel
		{"person_detect/person_detect.tflite", []string{"cortex-m4"}, []string{"tg_depthwise_conv2d_s8_c1_armv7em"}},
		// ADD, strided 1x1 CONV_2D
		{"resnet/pretrainedResnet_quant.tflite", []string{"cortex-m4"}, []string{"tg_add_s8_armv7em", "tg_conv2d_s8_pw_armv7em"}},
	}
	runner := &bench.Runner{Workers: 2, CacheDir: t.TempDir()}
	for _, c := range cases {
		model := filepath.Join(dir, "models", c.model)
		js, err := driver.BenchJobs(driver.BenchOptions{Models: []string{model}, Targets: c.targets, Vectors: 2,
			Results: t.TempDir(), Generator: "tinygen (test)", Check: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			var names []string
			for _, f := range j.Files {
				names = append(names, f.Name)
			}
			for _, k := range c.kernels {
				if !strings.Contains(strings.Join(names, " "), k+".c") {
					t.Errorf("%s: the program does not use %s (files %v)", j.ID, k, names)
				}
			}
		}
		for _, r := range runner.Run(context.Background(), js) {
			if !r.Validated() {
				t.Errorf("%s: %s %d/%d: %s", r.ID, r.Status, r.Passed, r.Vectors, r.Error)
			}
		}
	}
}
