// Tests of the specialised pooling kernels with parameters no model gives
// but an interpreter blob can (the reference pool rule admits them):
// windows of 16384 × 16384 taps clipped to small images, empty windows,
// activation ranges outside int8 or reversed, all under ASan/UBSan; with
// ordinary activation ranges the results must still equal the reference
// kernels'.

package kerneltest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tinygen/tinygen/internal/hostcc"
	"github.com/tinygen/tinygen/kernels"
	"github.com/tinygen/tinygen/kernels/kerneltest"
)

// poolHostileMain calls every specialised pool kernel and its reference
// kernel on each geometry, input fill and activation range; it exits 1
// when a specialised kernel differs from the reference while the range is
// one the code generator could emit (within int8 or, for float, any
// ordered range).
const poolHostileMain = `#include <stdio.h>
#include <string.h>
#include "tg_armv7em.h"
#include "tg_rv32.h"
#include "tg_fpu.h"

typedef struct { int32_t in_h, in_w, in_c, out_h, out_w, fh, fw, sh, sw, ph, pw; } geo_t;

static const geo_t geos[] = {
  {4, 5, 3, 1, 1, 16384, 16384, 16384, 16384, 16383, 16383}, /* whole image, 20 taps */
  {17, 16, 5, 1, 1, 16384, 16384, 1, 1, 0, 0},               /* 272 taps: 32-bit path */
  {16, 16, 8, 2, 2, 16384, 16384, 16384, 16384, 0, 0},       /* 256 taps, then empty windows */
  {3, 3, 4, 4, 4, 1, 1, 16384, 16384, 0, 0},                 /* single taps and empty windows */
  {2, 3, 9, 3, 2, 16384, 2, 1, 16384, 16383, 16383},         /* empty rows */
};
static const int32_t ranges[][2] = {
  {-128, 127}, {-3, 5}, {INT32_MIN, INT32_MAX}, {100, -100}, {INT32_MIN, INT32_MIN}, {1000, 2000},
};

static int8_t in8[17 * 16 * 8];
static float inf[17 * 16 * 8];
static int8_t o8a[4 * 4 * 9], o8b[4 * 4 * 9];
static float ofa[4 * 4 * 9], ofb[4 * 4 * 9];

int main(void) {
  size_t g, r, f;
  int bad = 0;
  for (g = 0; g < sizeof geos / sizeof geos[0]; g++) {
    const geo_t *q = &geos[g];
    tg_window_t w;
    w.batches = 1; w.in_h = q->in_h; w.in_w = q->in_w; w.in_c = q->in_c;
    w.out_h = q->out_h; w.out_w = q->out_w; w.out_c = q->in_c;
    w.filter_h = q->fh; w.filter_w = q->fw; w.stride_h = q->sh; w.stride_w = q->sw;
    w.dilation_h = 1; w.dilation_w = 1; w.pad_h = q->ph; w.pad_w = q->pw;
    for (f = 0; f < 3; f++) {
      const size_t n = (size_t)(q->in_h * q->in_w * q->in_c);
      size_t i;
      for (i = 0; i < n; i++) {
        in8[i] = (int8_t)(f == 0 ? -128 : f == 1 ? 127 : (int)(i * 37 % 256) - 128);
        inf[i] = f == 2 ? (float)in8[i] * 0.25f : (float)in8[i];
      }
      for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        const size_t on = (size_t)(q->out_h * q->out_w * q->in_c);
        const int exact = ranges[r][0] >= -128 && ranges[r][1] <= 127 && ranges[r][0] <= ranges[r][1];
        tg_pool_s8_params_t p8;
        tg_pool_f32_params_t pf;
        p8.win = w; p8.act_min = ranges[r][0]; p8.act_max = ranges[r][1];
        pf.win = w; pf.act_min = (float)ranges[r][0]; pf.act_max = (float)ranges[r][1];
#define CHECK8(REF, SET)                                                     \
  tg_##REF(&p8, in8, o8a);                                                   \
  tg_##SET(&p8, in8, o8b);                                                   \
  if (exact && memcmp(o8a, o8b, on) != 0) {                                  \
    printf("%s: geometry %d, fill %d, range %d differs\n", #SET, (int)g,     \
           (int)f, (int)r);                                                  \
    bad = 1;                                                                 \
  }
        CHECK8(average_pool2d_s8, average_pool2d_s8_armv7em)
        CHECK8(average_pool2d_s8, average_pool2d_s8_rv32)
        CHECK8(max_pool2d_s8, max_pool2d_s8_armv7em)
        CHECK8(max_pool2d_s8, max_pool2d_s8_rv32)
        tg_average_pool2d_f32(&pf, inf, ofa);
        tg_average_pool2d_f32_fpu(&pf, inf, ofb);
        if (ranges[r][0] <= ranges[r][1] && memcmp(ofa, ofb, on * sizeof(float)) != 0) {
          printf("average fpu: geometry %d, fill %d, range %d differs\n", (int)g, (int)f, (int)r);
          bad = 1;
        }
        tg_max_pool2d_f32(&pf, inf, ofa);
        tg_max_pool2d_f32_fpu(&pf, inf, ofb);
        if (ranges[r][0] <= ranges[r][1] && memcmp(ofa, ofb, on * sizeof(float)) != 0) {
          printf("max fpu: geometry %d, fill %d, range %d differs\n", (int)g, (int)f, (int)r);
          bad = 1;
        }
      }
    }
  }
  return bad;
}
`

// TestPoolKernelsHostileParameters builds poolHostileMain with the pool
// kernels of every set and the reference ones under the warning flags and
// the sanitizers, and runs it with each host compiler.
func TestPoolKernelsHostileParameters(t *testing.T) {
	lib := kernels.Builtin()
	files := map[string]string{ // file -> set
		"tg_average_pool2d_s8.c": kernels.Reference, "tg_max_pool2d_s8.c": kernels.Reference,
		"tg_average_pool2d_f32.c": kernels.Reference, "tg_max_pool2d_f32.c": kernels.Reference,
		"tg_armv7em.h": kernels.ArmV7EM, "tg_average_pool2d_s8_armv7em.c": kernels.ArmV7EM, "tg_max_pool2d_s8_armv7em.c": kernels.ArmV7EM,
		"tg_rv32.h": kernels.RV32, "tg_average_pool2d_s8_rv32.c": kernels.RV32, "tg_max_pool2d_s8_rv32.c": kernels.RV32,
		"tg_fpu.h": kernels.FPU, "tg_average_pool2d_f32_fpu.c": kernels.FPU, "tg_max_pool2d_f32_fpu.c": kernels.FPU,
	}
	for _, h := range kernels.Headers() {
		files[h] = kernels.Reference
	}
	for _, cc := range kerneltest.Compilers(t) {
		dir := t.TempDir()
		srcs := kerneltest.WriteSources(t, lib, dir, files, poolHostileMain)
		ctx := context.Background()
		// main.c's functions are local to it: no prototypes needed.
		flags := append(append([]string{}, hostcc.WarningFlags...), hostcc.SanitizerFlags...)
		if err := hostcc.Link(ctx, cc, dir, filepath.Join(dir, "pools"), srcs, flags...); err != nil {
			t.Fatalf("%s: %v", filepath.Base(cc), err)
		}
		if err := hostcc.Run(ctx, dir, 2*time.Minute, filepath.Join(dir, "pools")); err != nil {
			t.Errorf("%s: %v", filepath.Base(cc), err)
		}
	}
}
