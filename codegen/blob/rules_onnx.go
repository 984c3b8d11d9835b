// rules_onnx.go: the bounds rules of the reference kernels added for ONNX
// models (extended pools, PRELU int8, raw integer arithmetic, the integer
// and float batch matmuls, ConvInteger, per-axis (de)quantisation, table
// gathers, int32 requantisation), each derived from the kernel's C source
// in kernels/reference, with the helpers their checks call.

package blob

// intElemBytes is the element size of an elem code 0 uint8, 1 int8, 2
// int16, 3 int32 (tg_int_binary; the per-axis kernels stop at 2).
const intElemBytes = "(F(elem) == 3 ? 4 : F(elem) == 2 ? 2 : 1)"

// onnxRules returns the rules of the ONNX-era reference kernels' params
// types (merged into setRules). What each condition proves is next to it.
func onnxRules() map[string][]string {
	winInA, winOutA := winExtents("win.")
	// tg_average_pool2d_ext_* and tg_max_pool2d_ext_*: the loops write
	// batches x out_h x out_w x out_c values in order and read only
	// in-image taps (tg_tap_range against [0, in_h) and [0, in_w)) of
	// channel c < out_c == in_c. The count range's ends bound
	// count_end - y0 (|y0| < 2^28) in int32.
	poolExt := cat(window(), []string{
		"F(win.in_c) == F(win.out_c)",
		"IN(-131072, 131071, count_end_h, count_end_w)",
		"NEED(input, " + winInA + ")",
		"NEED(output, " + winOutA + ")",
	})
	// The integer sums of ConvInteger and MatMulInteger: the element
	// codes are 0 (uint8) or 1 (int8); the zero points are subtracted in
	// uint32 (kernel), so any value is defined.
	bmm := func(elemSize string) []string {
		return []string{
			"IN(1, 65536, rows, cols, depth)",
			// Every x element the batch walk plus (i*x_row + k*x_depth)
			// reads lies in x, and every partial sum of those index
			// terms stays in int32 (tg_rtk_fits); likewise y.
			"tg_rtk_bmm(FP(batch_dims), FP(x_batch_strides), F(rows), F(x_row), F(depth), F(x_depth), A(x), " + elemSize + ")",
			"tg_rtk_bmm(FP(batch_dims), FP(y_batch_strides), F(depth), F(y_depth), F(cols), F(y_col), A(y), " + elemSize + ")",
			// Work: one matrix of each operand holds rows x depth and
			// depth x cols elements (zero strides cannot make the
			// depth loop long on a small buffer).
			"NEED(x, tg_rtk_mul(F(rows), F(depth))) && NEED(y, tg_rtk_mul(F(depth), F(cols)))",
			"NEED(output, tg_rtk_mul(tg_rtk_countn(FP(batch_dims), 4), tg_rtk_mul(F(rows), F(cols))))",
		}
	}
	size := "F(size) >= 0 && F(size) <= 0x4000000"
	return map[string][]string{
		// TG_BROADCAST_EACH as PRELU float32; x = input_offset + a and
		// alpha_offset + b are in [-384, 382], so their product is far
		// from int32's limits; tg_mbqm needs shifts in [-32, 31]; the
		// output offset is added with wrapping arithmetic (kernel).
		"tg_prelu_s8_params_t": cat(broadcast(), offsets("input_offset", "alpha_offset"), shifts("shift_1", "shift_2")),
		// Average int8: at most 2^23 taps (the code generator's limit,
		// kernels/lower.go checkWindows), so with codes, pad_value and
		// the clamp bounds in [-128, 127] the sum (|acc| <= 128 n) and
		// the centred sum (|acc - n*pad_value| <= 255 n) stay in int32;
		// the clamp then keeps the result an int8.
		"tg_pool_ext_s8_params_t": cat(poolExt, []string{
			"tg_rtk_mul(F(win.filter_h), F(win.filter_w)) <= 8388608",
			"IN(-128, 127, pad_value, act_min, act_max)",
		}),
		// Float: the tap counts are below 2^28; pad_value is unused.
		"tg_pool_ext_f32_params_t": poolExt,
		// TG_BROADCAST_EACH over elements of 1, 2 or 4 bytes (void
		// arguments, so extents are in bytes); the arithmetic is int64 on
		// 32-bit values, DIV guards 0, the store wraps through uint32;
		// any op code is one of the six (the switch's default is MIN).
		"tg_int_binary_params_t": {
			"IN(0, 3, elem)",
			"IN(0, 0x3ffffff, bc.size)",
			"F(bc.broadcast) != 0 || (NEED(a, tg_rtk_mul(F(bc.size), " + intElemBytes + ")) && " +
				"NEED(b, tg_rtk_mul(F(bc.size), " + intElemBytes + ")) && " +
				"NEED(output, tg_rtk_mul(F(bc.size), " + intElemBytes + ")))",
			"F(bc.broadcast) == 0 || (tg_rtk_walk_in(FP(bc.dims), FP(bc.a_strides), 0, A(a), " + intElemBytes + ") && " +
				"tg_rtk_walk_in(FP(bc.dims), FP(bc.b_strides), 0, A(b), " + intElemBytes + ") && " +
				"NEED(output, tg_rtk_mul(tg_rtk_count(FP(bc.dims)), " + intElemBytes + ")))",
		},
		// As tg_conv2d_s8 (groups, filter layout, output order); every
		// tap, in-image or not, is visited, so the work is output x
		// filter, both buffers; one filter zero point per output channel.
		"tg_conv2d_int_s32_params_t": cat(window(), []string{
			"IN(1, 65536, filter_c)", "F(win.in_c) % F(filter_c) == 0",
			"F(win.out_c) % (F(win.in_c) / F(filter_c)) == 0",
			"IN(0, 1, x_elem, w_elem)",
			"NEED(input, " + winInA + ")",
			"NEED(filter, tg_rtk_mul(tg_rtk_mul(F(win.out_c), F(win.filter_h)), tg_rtk_mul(F(win.filter_w), F(filter_c))))",
			"NEED(output, " + winOutA + ")",
			"PNEED(filter_zero_points, F(win.out_c))",
		}),
		"tg_batch_matmul_f32_params_t": bmm("ES(x)"),
		"tg_batch_matmul_int_s32_params_t": cat(bmm("1"), []string{
			"IN(0, 1, x_elem, w_elem)",
			"PNEED(y_zero_points, F(cols))",
		}),
		// Element i of size uses channel (i / inner) % channels, so
		// inner and channels are at least 1 and the per-channel
		// constants hold channels values; the zero point is added in
		// int64 and the clamp bounds keep the stored value in the
		// element type's range (uint8, int8, int16 all fit [-2^15, 2^15)
		// as the generator writes them).
		"tg_quantize_f32_axis_params_t": {
			size, "IN(0, 3, elem) && F(elem) <= 2",
			"IN(1, 0x4000000, inner, channels)",
			"IN(-32768, 32767, qmin, qmax)",
			"NEED(input, F(size)) && NEED(output, tg_rtk_mul(F(size), F(elem) == 2 ? 2 : 1))",
			"PNEED(scales, F(channels)) && PNEED(zero_points, F(channels))",
		},
		// The same walk; q - zero point is taken in double (kernel), exact
		// for every int32 zero point.
		"tg_dequantize_axis_params_t": {
			size, "IN(0, 3, elem) && F(elem) <= 2",
			"IN(1, 0x4000000, inner, channels)",
			"NEED(input, tg_rtk_mul(F(size), F(elem) == 2 ? 2 : 1)) && NEED(output, F(size))",
			"PNEED(scales, F(channels)) && PNEED(zero_points, F(channels))",
		},
		// Output element (i0..i5) copies input element t0[i0] + ... +
		// t5[i5]: every axis table lies in offsets with non-negative
		// entries, and the sum of the tables' maxima, plus one, times
		// elem_bytes fits the input (so every partial sum of the row
		// offset and its byte offset stay in int32); the output holds
		// the product of out_dims elements.
		"tg_table_gather_params_t": {
			"IN(1, 8, elem_bytes)",
			"PNEED(offsets, 0) && NEED(input, tg_rtk_mul(tg_rtk_tables(FP(out_dims), FP(starts), PD(offsets), PB(offsets)), F(elem_bytes)))",
			"NEED(output, tg_rtk_mul(tg_rtk_count(FP(out_dims)), F(elem_bytes)))",
		},
		// tg_mbqm needs a shift in [-32, 31]; the zero point is added in
		// int64 and the clamp bounds keep the result an int8.
		"tg_requantize_s32_s8_params_t": cat([]string{
			size, "NEED(input, F(size)) && NEED(output, F(size))",
			"IN(-128, 127, qmin, qmax)",
		}, shifts("shift")),
	}
}

// onnxHelpers check the batch walks of the batch matmuls and the axis
// tables of tg_table_gather.
const onnxHelpers = `/* tg_rtk_step adds one dimension of n elements s apart to the ranges v of
 * tg_rtk_range; 0 if n is not in [1, 2^16] or s not in [-2^24, 2^24]. */
static int tg_rtk_step(int64_t n, int64_t s, int64_t *v) {
  if (n < 1 || n > 65536 || s < -0x1000000 || s > 0x1000000) {
    return 0;
  }
  if (s > 0) {
    v[1] += (n - 1) * s;
    v[3] += n * s;
  } else {
    v[0] += (n - 1) * s;
    v[2] += n * s;
  }
  return 1;
}

/* tg_rtk_bmm: one operand of tg_batch_matmul_*: the batch walk (4
 * dimensions and strides in the record) and the matrix walk (n1 elements
 * s1 apart, n2 elements s2 apart) read only elements of a present buffer
 * of bytes holding es-byte elements, every partial index sum in int32. */
static int tg_rtk_bmm(const uint8_t *dims, const uint8_t *strides, int64_t n1, int64_t s1, int64_t n2, int64_t s2,
                      uint32_t bytes, int64_t es) {
  int64_t v[4] = {0, 0, 0, 0};
  int d;
  for (d = 0; d < 4; d++) {
    if (!tg_rtk_step(tg_rtk_i32(dims + 4 * d), tg_rtk_i32(strides + 4 * d), v)) {
      return 0;
    }
  }
  return tg_rtk_step(n1, s1, v) && tg_rtk_step(n2, s2, v) && tg_rtk_fits(v, bytes, es);
}

/* tg_rtk_empty: a walk over 6 dimensions, each in [0, 2^16], at least one
 * of them 0 (TG_WALK_ROWS runs no loop). */
static int tg_rtk_empty(const uint8_t *dims) {
  int d, zero = 0;
  for (d = 0; d < 6; d++) {
    int64_t v = tg_rtk_i32(dims + 4 * d);
    if (v < 0 || v > 65536) {
      return 0;
    }
    zero |= v == 0;
  }
  return zero;
}

/* tg_rtk_countn: the product of n dimensions, each in [1, 2^16] (-1 if
 * one is not). */
static int64_t tg_rtk_countn(const uint8_t *dims, int n) {
  int64_t c = 1;
  int d;
  for (d = 0; d < n; d++) {
    int64_t v = tg_rtk_i32(dims + 4 * d);
    if (v < 1 || v > 65536) {
      return -1;
    }
    c = tg_rtk_mul(c, v);
  }
  return c;
}

/* tg_rtk_tables: the axis tables of tg_table_gather: axis d (dims[d] in
 * [1, 2^16]) reads entries [starts[d], starts[d] + dims[d]) of the int32
 * constant t of bytes bytes, each at least 0. Returns 1 + the sum of the
 * axes' largest entries (1 + the largest input element read), or -1. */
static int64_t tg_rtk_tables(const uint8_t *dims, const uint8_t *starts, const uint8_t *t, uint32_t bytes) {
  int64_t hi = 1;
  int d;
  for (d = 0; d < 6; d++) {
    int64_t n = tg_rtk_i32(dims + 4 * d), s = tg_rtk_i32(starts + 4 * d), m = 0, i;
    if (n < 1 || n > 65536 || s < 0 || s + n > (int64_t)(bytes / 4u)) {
      return -1;
    }
    for (i = s; i < s + n; i++) {
      int64_t o = tg_rtk_i32(t + 4 * i);
      if (o < 0) {
        return -1;
      }
      m = o > m ? o : m;
    }
    hi += m;
  }
  return hi;
}

`
