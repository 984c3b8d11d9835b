// rules_sets.go: the bounds rules of the specialised kernel sets (armv7em,
// rv32, fpu) and of the reference kernels added after the first blob
// format list, with the helpers that check their per-channel records.

package blob

import "strings"

// windowAt returns window() for a tg_window_t member at path pre (e.g.
// "c.win.").
func windowAt(pre string) []string {
	var out []string
	for _, c := range window() {
		out = append(out, strings.ReplaceAll(c, "win.", pre))
	}
	return out
}

// winExtents returns the NHWC input and output element counts of the
// window at path pre.
func winExtents(pre string) (in, out string) {
	return strings.ReplaceAll(winIn, "win.", pre), strings.ReplaceAll(winOut, "win.", pre)
}

// a7Gemm returns the conditions of the tg_a7_gemm_t member gemm of an
// armv7em kernel with cols output channels and depth values per row (C
// expressions): the packed weights (cols * round_up(depth, 4) int8), the
// folded bias (cols), the requantisation records (cols x 4) and the mode
// requant_fast. The 32-bit modes 1 to 4 need no check of the records'
// values: built with TG_UNTRUSTED_PARAMS (every interpreter project,
// untrusted.go) their sums wrap and their shift is defined for any value;
// mode 0 (tg_mbqm) needs every shift in [-31, 31] (tg_rtk_a7rq).
func a7Gemm(cols, depth string) []string {
	return []string{
		"IN(1, 65536, gemm.cols)", "IN(1, 16777216, gemm.depth)",
		"F(gemm.cols) == " + cols, "F(gemm.depth) == " + depth,
		"IN(-256, 255, gemm.output_offset)",
		"PNEED(gemm.weights, tg_rtk_mul(F(gemm.cols), (F(gemm.depth) + 3) / 4 * 4))",
		"PNEED(gemm.bias, F(gemm.cols))",
		"PNEED(gemm.requant, tg_rtk_mul(F(gemm.cols), 4))",
		"IN(0, 7, gemm.requant_fast) && F(gemm.requant_fast) <= 4",
		"F(gemm.requant_fast) != 0 || tg_rtk_a7rq(PD(gemm.requant), F(gemm.cols))",
	}
}

// rv32RecordRule returns the conditions of a TG_RV32_CHAN record array
// chan of n records: only its extent. Built with TG_UNTRUSTED_PARAMS
// (every interpreter project, untrusted.go), tg_rv32_requant wraps its
// sums and masks its shifts, so no record value is undefined arithmetic.
func rv32RecordRule(chanField, n string) []string {
	return []string{"PNEED(" + chanField + ", tg_rtk_mul(" + n + ", 4))"}
}

// setRules returns the rules of the params types added after the first
// list (merged into boundsRules).
func setRules() map[string][]string {
	winInA, winOutA := winExtents("win.")
	taps := "tg_rtk_mul(F(win.filter_h), F(win.filter_w))"
	im2col := cat(window(), []string{
		"IN(1, 16777216, row_len)",
		"F(row_len) >= tg_rtk_mul(" + taps + ", F(win.in_c))",
		"NEED(scratch, tg_rtk_mul(F(row_len), 2))",
		"NEED(input, " + winInA + ")",
		"NEED(output, " + winOutA + ")",
	}, a7Gemm("F(win.out_c)", "F(row_len)"))
	rvIn, rvOut := winExtents("win.")
	rvBlocks := "(F(win.out_c) + 3) / 4 * 4"
	rvConv := cat(window(), []string{
		"IN(1, 16777216, k)",
		"F(k) == tg_rtk_mul(" + taps + ", F(win.in_c))",
		"IN(-256, 255, input_zp, output_offset)",
		"PNEED(weights, tg_rtk_mul(" + rvBlocks + ", F(k)))",
		"NEED(scratch, tg_rtk_mul(F(k), 4))",
		"NEED(input, " + rvIn + ")",
		"NEED(output, " + rvOut + ")",
	}, rv32RecordRule("chan", rvBlocks))
	rules := map[string][]string{
		"tg_conv2d_s8_pw_armv7em_params_t": cat(window(), []string{
			// No padding or dilation is read; the rows the strides select
			// lie inside the image.
			"(F(win.out_h) - 1) * F(win.stride_h) < F(win.in_h) && (F(win.out_w) - 1) * F(win.stride_w) < F(win.in_w)",
			"NEED(input, " + winInA + ")",
			"NEED(output, " + winOutA + ")",
		}, a7Gemm("F(win.out_c)", "F(win.in_c)")),
		"tg_conv2d_s8_im2col_armv7em_params_t": im2col,
		// The extents come after a7Gemm's bounds, so that their products
		// take the cheaper tg_rtk_mulu (narrowMuls).
		"tg_fully_connected_s8_armv7em_params_t": cat([]string{"IN(1, 65536, gemm.rows)"},
			a7Gemm("F(gemm.cols)", "F(gemm.depth)"), []string{
				"NEED(input, tg_rtk_mul(F(gemm.rows), F(gemm.depth)))",
				"NEED(output, tg_rtk_mul(F(gemm.rows), F(gemm.cols)))",
			}),
		"tg_depthwise_conv2d_s8_armv7em_params_t": cat(window(), []string{
			"F(win.out_c) == F(win.in_c)",
			"tg_rtk_mul(F(win.filter_h), F(win.filter_w)) <= 64",
			"IN(-256, 255, input_offset, output_offset)",
			"PNEED(weights, tg_rtk_mul(tg_rtk_mul((F(win.in_c) + 3) / 4, " + taps + "), 2))",
			"PNEED(bias, F(win.in_c))",
			"PNEED(requant, tg_rtk_mul(F(win.in_c), 4))",
			"IN(0, 7, requant_fast) && F(requant_fast) <= 4",
			"F(requant_fast) != 0 || tg_rtk_a7rq(PD(requant), F(win.in_c))",
			"NEED(scratch, F(win.in_c))",
			"NEED(input, " + winInA + ")",
			"NEED(output, " + winOutA + ")",
		}),
		// The kernel reads table1 and table2 (256 int32 each) at the
		// inputs' bytes and sums them with wrapping arithmetic, so their
		// values need no check; SMMULR of the doubled sum is at most 2^30
		// in magnitude, and with |rco| < 2^30 and 1 <= eo <= 31 the
		// rounding shift and the output offset stay within int32.
		"tg_add_s8_armv7em_params_t": {
			"F(size) >= 0 && F(size) <= 0x4000000",
			"NEED(a, F(size)) && NEED(b, F(size)) && NEED(output, F(size))",
			"PNEED(table1, 256) && PNEED(table2, 256)",
			"F(eo) >= 1 && F(eo) <= 31 && F(rco) > -0x40000000 && F(rco) < 0x40000000",
			"IN(-256, 255, output_offset)",
			"IN(-128, 127, act_min, act_max)",
		},
		"tg_conv2d_s8_rv32_params_t": rvConv,
		"tg_fully_connected_s8_rv32_params_t": cat([]string{
			"IN(1, 65536, batches, units, depth)",
			"IN(-256, 255, output_offset)",
			"PNEED(weights, tg_rtk_mul(F(units), F(depth)))",
			"NEED(input, tg_rtk_mul(F(batches), F(depth)))",
			"NEED(output, tg_rtk_mul(F(batches), F(units)))",
		}, rv32RecordRule("chan", "F(units)")),
		"tg_depthwise_conv2d_s8_rv32_params_t": rv32Depthwise(),
		"tg_conv2d_f32_fpu_params_t": cat(window(), []string{
			"NEED(input, " + winInA + ")",
			"PNEED(packed, tg_rtk_mul(tg_rtk_mul(F(win.out_c), " + taps + "), F(win.in_c)))",
			"OPT(bias, F(win.out_c))",
			"NEED(output, " + winOutA + ")",
		}),
		"tg_fully_connected_f32_fpu_params_t": {
			"IN(1, 65536, batches, units, depth)",
			"NEED(input, tg_rtk_mul(F(batches), F(depth))) && PNEED(packed, tg_rtk_mul(F(units), F(depth)))",
			"OPT(bias, F(units)) && NEED(output, tg_rtk_mul(F(batches), F(units)))",
		},
		"tg_prelu_f32_params_t":            broadcast(),
		"tg_quantize_f32_blocked_params_t": quantizeBlocked(),
	}
	for t, r := range onnxRules() {
		rules[t] = r
	}
	return rules
}

// rv32Depthwise returns the rule of tg_depthwise_conv2d_s8_rv32: mode 3 is
// tg_rv32_conv on the nested params c (weights in blocks of 4 channels,
// scratch 4k); mode 4 reads 4x4 blocks from a one-channel plane; modes 0-2 read, per output channel, taps weights and one
// record, from a zero-point padded plane of plane_h x plane_w pixels of 4
// channels in scratch that must hold every tap of every output; modes 1
// and 2 are 3x3 windows without dilation, stride 1 and 2 (constant
// offsets).
func rv32Depthwise() []string {
	taps := "tg_rtk_mul(F(c.win.filter_h), F(c.win.filter_w))"
	blocks := "(F(c.win.out_c) + 3) / 4 * 4"
	in, out := winExtents("c.win.")
	return cat(windowAt("c.win."), []string{
		"IN(1, 65536, depth_multiplier) && F(c.win.out_c) == tg_rtk_mul(F(c.win.in_c), F(depth_multiplier))",
		"IN(0, 7, mode) && F(mode) <= 4",
		"IN(-256, 255, c.input_zp, c.output_offset)",
		"NEED(input, " + in + ") && NEED(output, " + out + ")",
		"F(mode) != 3 || (F(c.k) >= 1 && F(c.k) == tg_rtk_mul(" + taps + ", F(c.win.in_c)) && " +
			"PNEED(c.weights, tg_rtk_mul(" + blocks + ", F(c.k))) && NEED(scratch, tg_rtk_mul(F(c.k), 4)) && " +
			"PNEED(c.chan, tg_rtk_mul(" + blocks + ", 4)))",
		"F(mode) >= 3 || (IN(1, 131072, plane_h, plane_w) && " +
			"(F(c.win.out_h) - 1) * F(c.win.stride_h) + (F(c.win.filter_h) - 1) * F(c.win.dilation_h) < F(plane_h) && " +
			"(F(c.win.out_w) - 1) * F(c.win.stride_w) + (F(c.win.filter_w) - 1) * F(c.win.dilation_w) < F(plane_w) && " +
			"NEED(scratch, tg_rtk_mul(tg_rtk_mul(F(plane_h), F(plane_w)), 4)) && " +
			"PNEED(c.weights, tg_rtk_mul(F(c.win.out_c), " + taps + ")) && " +
			"PNEED(c.chan, tg_rtk_mul(F(c.win.out_c), 4)))",
		"F(mode) == 0 || F(mode) >= 3 || (F(c.win.filter_h) == 3 && F(c.win.filter_w) == 3 && " +
			"F(c.win.stride_h) == F(mode) && F(c.win.stride_w) == F(mode) && F(c.win.dilation_h) == 1 && F(c.win.dilation_w) == 1)",
		// Mode 4: one input channel, stride_w 2, no dilation, out_w a
		// multiple of 4; a one-channel plane (1 byte per pixel) that
		// holds every tap of every output (pixel i of a block of 4 reads
		// column 2i of its tap row), weights [block][taps][4] and one
		// record per channel of the blocks.
		"F(mode) != 4 || (F(c.win.in_c) == 1 && F(c.win.stride_w) == 2 && F(c.win.dilation_h) == 1 && F(c.win.dilation_w) == 1 && " +
			"F(c.win.out_w) % 4 == 0 && IN(1, 131072, plane_h, plane_w) && " +
			"(F(c.win.out_h) - 1) * F(c.win.stride_h) + F(c.win.filter_h) - 1 < F(plane_h) && " +
			"(F(c.win.out_w) - 1) * 2 + F(c.win.filter_w) - 1 < F(plane_w) && " +
			"NEED(scratch, tg_rtk_mul(F(plane_h), F(plane_w))) && " +
			"PNEED(c.weights, tg_rtk_mul(" + blocks + ", " + taps + ")) && " +
			"PNEED(c.chan, tg_rtk_mul(" + blocks + ", 4)))",
	})
}

// setHelpers check the per-channel records of the specialised sets (and,
// after them, the walks of the ONNX-era reference kernels, onnxHelpers).
const setHelpers = onnxHelpers + `/* tg_rtk_a7rq: n armv7em requantisation records of 4 int32 for
 * requant_fast 0 (tg_mbqm): every shift (the second value) in [-31, 31].
 * The 32-bit modes need no record check (TG_UNTRUSTED_PARAMS,
 * tg_armv7em.h). */
static int tg_rtk_a7rq(const uint8_t *q, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++, q += 16) {
    if ((uint32_t)tg_rtk_i32(q + 4) + 31u > 62u) {
      return 0;
    }
  }
  return 1;
}

`

// quantizeBlocked returns the rule of tg_quantize_f32_blocked: the kernel
// walks outer = size / (inner·dim) blocks of dim·inner elements (at most
// size, both buffers hold size elements; inner·dim ≤ 2^26 keeps its int32
// product exact), and element (o, a, r) reads scale and zero point
// o·outer_stride + (a/block)·axis_stride + r·inner_stride, whose largest
// value plus one both arrays must hold (not read when outer is 0).
func quantizeBlocked() []string {
	outer := "(F(size) / tg_rtk_mul(F(inner), F(dim)))"
	last := "(1 + tg_rtk_mul(" + outer + " - 1, F(outer_stride)) + tg_rtk_mul((F(dim) - 1) / F(block), F(axis_stride)) + " +
		"tg_rtk_mul(F(inner) - 1, F(inner_stride)))"
	return []string{
		"IN(0, 0x3ffffff, size, outer_stride, axis_stride)",
		"IN(1, 0x4000000, inner, dim, block)",
		"IN(0, 3, elem, round_half_even)",
		"IN(0, 1, inner_stride)",
		"tg_rtk_mul(F(inner), F(dim)) <= 0x4000000",
		"NEED(input, F(size)) && NEED(output, tg_rtk_mul(F(size), F(elem) >= 2 ? 2 : 1))",
		outer + " == 0 || (PNEED(scales, " + last + ") && PNEED(zero_points, " + last + "))",
	}
}
