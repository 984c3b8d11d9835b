// rules.go: the bounds rules of the kernels' parameter structs, from which
// the generated bounds checks come (table.go). The runtime's validator
// calls a kernel's check at init, before anything runs; it must prove that
// the kernel, called with these parameters and these buffers, reads and
// writes only inside them (and does no undefined arithmetic on its
// indices).
//
// A rule is a list of C conditions, all of which must hold, evaluated in
// order with && (a later condition may rely on an earlier one). In them:
//   F(path)        a scalar field of the record (int32_t; float fields as float)
//   IN(lo, hi, path, ...)  every listed int32 field is in [lo, hi], where
//                  hi - lo + 1 is a power of two (one compare for all)
//   FP(path)       the record bytes of an array field (for the walk helpers)
//   NEED(arg, n)   argument arg is present and holds n elements of its type
//   OPT(arg, n)    argument arg is absent (NULL) or holds n elements
//   PNEED(ptr, n)  the constant of pointer field ptr holds n elements
//   PD(ptr), PB(ptr)  that constant's bytes and size
//   A(arg)         the argument's bytes; in->list_bytes / in->n_list a list's
// Rules also bound the work: no loop may run longer than the buffers it
// walks allow (the fuzzer found a MEAN with zero strides and 2^16-long
// axes that looped for minutes on a few bytes, then one whose empty inner
// axis left 2^80 iterations of its outer loops): walk dimensions are at
// least 1, and a walk's element count is checked against a buffer.
// A condition starting with "{" is a C block that clears ok itself. Every
// argument and pointer field must have a NEED/OPT/PNEED (the generator
// refuses otherwise), so a new params struct cannot run unchecked.
//
// Geometry is bounded to 2^16 per dimension and to 2^14 for output
// heights and widths, window strides, dilations, filter sizes and
// paddings, so that the kernels' int32 index arithmetic (oy * stride_h -
// pad_h + dilation_h * fy) cannot overflow.

package blob

import "strings"

// window returns the conditions of a tg_window_t member win.
func window() []string {
	return []string{
		"IN(1, 65536, win.batches, win.in_h, win.in_w, win.in_c, win.out_c)",
		"IN(1, 16384, win.out_h, win.out_w, win.filter_h, win.filter_w, win.stride_h, win.stride_w, win.dilation_h, win.dilation_w)",
		"IN(0, 16383, win.pad_h, win.pad_w)",
	}
}

// Extents of the NHWC input and output of a window.
const (
	winIn  = "tg_rtk_mul(tg_rtk_mul(F(win.batches), F(win.in_h)), tg_rtk_mul(F(win.in_w), F(win.in_c)))"
	winOut = "tg_rtk_mul(tg_rtk_mul(F(win.batches), F(win.out_h)), tg_rtk_mul(F(win.out_w), F(win.out_c)))"
)

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// broadcast returns the conditions of a tg_broadcast_t member bc between
// inputs a, b and output.
func broadcast() []string {
	return []string{
		"IN(0, 0x3ffffff, bc.size)",
		"F(bc.broadcast) != 0 || (NEED(a, F(bc.size)) && NEED(b, F(bc.size)) && NEED(output, F(bc.size)))",
		"F(bc.broadcast) == 0 || (tg_rtk_walk_in(FP(bc.dims), FP(bc.a_strides), 0, A(a), ES(a)) && " +
			"tg_rtk_walk_in(FP(bc.dims), FP(bc.b_strides), 0, A(b), ES(b)) && " +
			"NEED(output, tg_rtk_count(FP(bc.dims))))",
	}
}

// offsets bound zero-point offsets that kernels add to int8 values in
// int32 arithmetic (a zero point is in [-128, 255]).
func offsets(names ...string) []string {
	return []string{"IN(-256, 255, " + strings.Join(names, ", ") + ")"}
}

func shifts(names ...string) []string {
	return []string{"IN(-32, 31, " + strings.Join(names, ", ") + ")"}
}

// boundsRules returns the rule of every params type (by C type name).
func boundsRules() map[string][]string {
	conv := cat(window(), []string{
		"IN(1, 65536, filter_c)", "F(win.in_c) % F(filter_c) == 0",
		"F(win.out_c) % (F(win.in_c) / F(filter_c)) == 0",
		"NEED(input, " + winIn + ")",
		"NEED(filter, tg_rtk_mul(tg_rtk_mul(F(win.out_c), F(win.filter_h)), tg_rtk_mul(F(win.filter_w), F(filter_c))))",
		"OPT(bias, F(win.out_c))",
		"NEED(output, " + winOut + ")",
	})
	dw := cat(window(), []string{
		"IN(1, 65536, depth_multiplier)", "F(win.out_c) == tg_rtk_mul(F(win.in_c), F(depth_multiplier))",
		"NEED(input, " + winIn + ")",
		"NEED(filter, tg_rtk_mul(F(win.out_c), tg_rtk_mul(F(win.filter_h), F(win.filter_w))))",
		"OPT(bias, F(win.out_c))",
		"NEED(output, " + winOut + ")",
	})
	perChannel := []string{"PNEED(multiplier, F(win.out_c)) && PNEED(shift, F(win.out_c))"}
	pool := cat(window(), []string{
		"F(win.in_c) == F(win.out_c)",
		// The int8 average pool sums the in-image part of a window in
		// int32: at most 2^23 taps of |x| <= 128 (and n/2) cannot
		// overflow it. Geometry alone allows 2^28 (kernels/limits.go
		// refuses the same windows at compile time).
		"tg_rtk_mul(F(win.filter_h) < F(win.in_h) ? F(win.filter_h) : F(win.in_h), " +
			"F(win.filter_w) < F(win.in_w) ? F(win.filter_w) : F(win.in_w)) <= 0x800000",
		"NEED(input, " + winIn + ")",
		"NEED(output, " + winOut + ")",
	})
	fc := []string{
		"IN(1, 65536, batches, units, depth)",
		"NEED(input, tg_rtk_mul(F(batches), F(depth))) && NEED(filter, tg_rtk_mul(F(units), F(depth)))",
		"OPT(bias, F(units)) && NEED(output, tg_rtk_mul(F(batches), F(units)))",
	}
	size := "F(size) >= 0 && F(size) <= 0x4000000"
	unary := []string{size, "NEED(input, F(size)) && NEED(output, F(size))"}
	reduce := []string{
		"NEED(input, 0) && tg_rtk_walk_in2(FP(r.kept_dims), FP(r.kept_strides), FP(r.reduced_dims), FP(r.reduced_strides), A(input), ES(input))",
		"NEED(output, tg_rtk_count(FP(r.kept_dims)))",
		// Work: each input element is read once, so the two walks
		// together visit at most the input's elements (zero strides
		// cannot make the kernel loop for long on a small buffer).
		"NEED(input, tg_rtk_mul(tg_rtk_count(FP(r.kept_dims)), tg_rtk_count(FP(r.reduced_dims))))",
	}
	rules := map[string][]string{
		"tg_conv2d_s8_params_t":            cat(conv, perChannel, offsets("input_offset")),
		"tg_conv2d_f32_params_t":           conv,
		"tg_depthwise_conv2d_s8_params_t":  cat(dw, perChannel, offsets("input_offset")),
		"tg_depthwise_conv2d_f32_params_t": dw,
		"tg_fully_connected_s8_params_t": cat(fc, offsets("input_offset", "filter_offset"), []string{
			"PNEED(multiplier, F(per_channel) ? F(units) : 1) && PNEED(shift, F(per_channel) ? F(units) : 1)",
		}),
		"tg_fully_connected_f32_params_t": fc,
		"tg_pool_s8_params_t":             pool,
		"tg_pool_f32_params_t":            pool,
		"tg_add_s8_params_t": cat(broadcast(), []string{"IN(0, 31, left_shift)"},
			shifts("input1_shift", "input2_shift", "output_shift")),
		"tg_mul_s8_params_t":       cat(broadcast(), shifts("output_shift")),
		"tg_binary_f32_params_t":   broadcast(),
		"tg_minmax_params_t":       broadcast(),
		"tg_lut_s8_params_t":       unary,
		"tg_lut_s8_f32_params_t":   unary,
		"tg_unary_f32_params_t":    unary,
		"tg_quantize_f32_params_t": unary,
		"tg_softmax_s8_params_t": {
			"IN(0, 65535, rows, depth)",
			"NEED(input, tg_rtk_mul(F(rows), F(depth))) && NEED(output, tg_rtk_mul(F(rows), F(depth)))",
		},
		"tg_softmax_f32_params_t": {
			"IN(0, 65535, rows, depth)",
			"NEED(input, tg_rtk_mul(F(rows), F(depth))) && NEED(output, tg_rtk_mul(F(rows), F(depth)))",
		},
		"tg_mean_s8_params_t":  cat(reduce, []string{"F(n) >= 1 && F(n) <= 0x4000000"}, shifts("shift")),
		"tg_mean_f32_params_t": reduce,
		"tg_copy_params_t": {
			"F(bytes) >= 0 && F(bytes) <= 0x40000000",
			"NEED(input, F(bytes)) && NEED(output, F(bytes))",
		},
		// An empty walk (a dimension of 0: ONNX Split and Slice with
		// empty outputs) runs no loop (TG_WALK_ROWS) and touches no
		// buffer.
		"tg_gather_params_t": {
			"F(elem_bytes) >= 1 && F(elem_bytes) <= 8 && F(base) >= 0 && F(base) <= 0x40000000",
			"tg_rtk_empty(FP(dims)) ? NEED(input, 0) && NEED(output, 0) : " +
				"tg_rtk_walk_in(FP(dims), FP(strides), F(base), A(input), F(elem_bytes)) && NEED(input, 0) && " +
				"NEED(output, tg_rtk_mul(tg_rtk_count(FP(dims)), F(elem_bytes)))",
		},
		"tg_pad_params_t": {
			"F(elem_bytes) >= 1 && F(elem_bytes) <= 8 && F(base) >= 0 && F(base) <= 0x40000000",
			"F(out_size) >= 0 && F(out_size) <= 0x4000000",
			"NEED(output, tg_rtk_mul(F(out_size), F(elem_bytes)))",
			"tg_rtk_walk_in(FP(in_dims), FP(out_strides), F(base), A(output), F(elem_bytes))",
			"NEED(input, tg_rtk_mul(tg_rtk_count(FP(in_dims)), F(elem_bytes)))",
		},
		"tg_concatenation_params_t": {
			"IN(0, 65535, outer)", "F(count) >= 1 && F(count) == (int64_t)in->n_list",
			"PNEED(chunk_bytes, F(count))",
			"{ int64_t total = 0; uint32_t i; for (i = 0; ok && i < in->n_list; i++) { " +
				"int64_t c = tg_rtk_i32(PD(chunk_bytes) + 4 * i); " +
				"ok = c >= 0 && c <= 0x1000000 && tg_rtk_need(in->list_bytes[i], 1, tg_rtk_mul(F(outer), c)); total += c; } " +
				"ok = ok && NEED(output, tg_rtk_mul(F(outer), total)); }",
		},
	}
	for t, r := range setRules() {
		rules[t] = r
	}
	return rules
}
