/* tg_kernels.h: parameter structs and entry points of tinygen's kernels.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project. Every kernel set
 * (reference, and optimized sets later) implements these functions with
 * these exact signatures, so the code generator chooses a set by choosing
 * source files, never with #ifdef.
 *
 * Conventions:
 *  - A kernel takes a pointer to its parameter struct first, then its
 *    input tensors, then its output tensor. Parameters are computed by the
 *    code generator at compile time (see kernels/lower.go) and live in
 *    static const structs; kernels never allocate, recurse or print.
 *  - Tensors are dense, row-major (NHWC for images). Sizes and dimensions
 *    are element counts unless a field name says bytes.
 *  - Integer arithmetic reproduces the TensorFlow Lite (Micro) reference
 *    kernels bit for bit; float kernels follow their operation order.
 *    Float kernels keep each multiply and add in separate statements, so
 *    that compilers which contract within an expression (clang's default
 *    -ffp-contract=on) cannot fuse them; build with -ffp-contract=off to
 *    rule out contraction across statements as well (GCC's default outside
 *    -std=c99).
 *  - Elementwise kernels (broadcast, LUT, unary, copy) allow the output to
 *    be the same buffer as an input; window kernels (conv, pool,
 *    fully-connected, softmax, mean, pad, gather, concatenation) do not.
 *  - Per-channel multiplier arrays hold Q0.31 significands; shifts are
 *    left shifts (negative: divide), TFLM's output_multiplier/output_shift.
 */
#ifndef TG_KERNELS_H
#define TG_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest rank of the broadcasting and data-movement kernels. */
#define TG_MAX_DIMS 6

/* ---- window geometry (conv, depthwise conv, pooling) ------------------ */

/* tg_window_t is the geometry of a 2-D window walk over an NHWC input:
 * output (b, oy, ox, oc) reads input rows oy*stride_h - pad_h +
 * dilation_h*fy and columns ox*stride_w - pad_w + dilation_w*fx; taps
 * outside the image are skipped. */
typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;
} tg_window_t;

/* ---- CONV_2D ---------------------------------------------------------- */

/* Filter [out_c, filter_h, filter_w, filter_c], bias [out_c] int32 (may be
 * NULL). Grouped convolution when filter_c < in_c: output channel oc reads
 * input channels (oc / (out_c / groups)) * filter_c onwards. */
typedef struct {
  tg_window_t win;
  int32_t filter_c;
  int32_t input_offset;  /* -input zero point */
  int32_t output_offset; /* output zero point */
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out_c] */
  const int8_t *shift;       /* [out_c] */
} tg_conv2d_s8_params_t;

void tg_conv2d_s8(const tg_conv2d_s8_params_t *p, const int8_t *input,
                  const int8_t *filter, const int32_t *bias, int8_t *output);

typedef struct {
  tg_window_t win;
  int32_t filter_c;
  float act_min, act_max;
} tg_conv2d_f32_params_t;

void tg_conv2d_f32(const tg_conv2d_f32_params_t *p, const float *input,
                   const float *filter, const float *bias, float *output);

/* ---- DEPTHWISE_CONV_2D ------------------------------------------------ */

/* Filter [1, filter_h, filter_w, out_c], bias [out_c] (may be NULL);
 * output channel oc = ic * depth_multiplier + m. */
typedef struct {
  tg_window_t win;
  int32_t depth_multiplier;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out_c] */
  const int8_t *shift;       /* [out_c] */
} tg_depthwise_conv2d_s8_params_t;

void tg_depthwise_conv2d_s8(const tg_depthwise_conv2d_s8_params_t *p,
                            const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output);

typedef struct {
  tg_window_t win;
  int32_t depth_multiplier;
  float act_min, act_max;
} tg_depthwise_conv2d_f32_params_t;

void tg_depthwise_conv2d_f32(const tg_depthwise_conv2d_f32_params_t *p,
                             const float *input, const float *filter,
                             const float *bias, float *output);

/* ---- FULLY_CONNECTED -------------------------------------------------- */

/* Input [batches, depth], filter [units, depth], bias [units] (may be
 * NULL), output [batches, units]. filter_offset is -filter zero point for
 * per-tensor filters and 0 for per-channel ones; per_channel selects
 * multiplier[unit] over multiplier[0]. */
typedef struct {
  int32_t batches, units, depth;
  int32_t input_offset, filter_offset, output_offset;
  int32_t act_min, act_max;
  int32_t per_channel;
  const int32_t *multiplier; /* [units] or [1] */
  const int8_t *shift;       /* [units] or [1] */
} tg_fully_connected_s8_params_t;

void tg_fully_connected_s8(const tg_fully_connected_s8_params_t *p,
                           const int8_t *input, const int8_t *filter,
                           const int32_t *bias, int8_t *output);

typedef struct {
  int32_t batches, units, depth;
  float act_min, act_max;
} tg_fully_connected_f32_params_t;

void tg_fully_connected_f32(const tg_fully_connected_f32_params_t *p,
                            const float *input, const float *filter,
                            const float *bias, float *output);

/* ---- AVERAGE_POOL_2D, MAX_POOL_2D ------------------------------------- */

/* win.out_c == win.in_c; dilation is 1. Windows are clipped to the image;
 * the code generator rejects geometries with an empty window. */
typedef struct {
  tg_window_t win;
  int32_t act_min, act_max;
} tg_pool_s8_params_t;

void tg_average_pool2d_s8(const tg_pool_s8_params_t *p, const int8_t *input,
                          int8_t *output);
void tg_max_pool2d_s8(const tg_pool_s8_params_t *p, const int8_t *input,
                      int8_t *output);

typedef struct {
  tg_window_t win;
  float act_min, act_max;
} tg_pool_f32_params_t;

void tg_average_pool2d_f32(const tg_pool_f32_params_t *p, const float *input,
                           float *output);
void tg_max_pool2d_f32(const tg_pool_f32_params_t *p, const float *input,
                       float *output);

/* Extended pools (ONNX MaxPool/AveragePool): dilated taps
 * (win.dilation_h/w), explicit pads, and for AVERAGE count_include_pad:
 * divide by the taps in rows [-pad_h, count_end_h) and columns
 * [-pad_w, count_end_w) of the padded image, the padded ones counting as
 * pad_value (the input zero point for int8, ignored for float32). Taps
 * outside the image are never read; MAX ignores padding. An int8 AVERAGE
 * with round_half_even rounds the centred mean (sum - n*pad_value)/n half
 * to even and adds pad_value back (ONNX Runtime), instead of rounding the
 * mean of the codes half away from zero (TFLM); pad_value is then the zero
 * point even without count_include_pad. */
typedef struct {
  tg_window_t win;
  int32_t count_include_pad;
  int32_t count_end_h, count_end_w;
  int32_t pad_value;
  int32_t act_min, act_max;
  int32_t round_half_even; /* AVERAGE: ties to even (ONNX Runtime) */
} tg_pool_ext_s8_params_t;

void tg_average_pool2d_ext_s8(const tg_pool_ext_s8_params_t *p,
                              const int8_t *input, int8_t *output);
void tg_max_pool2d_ext_s8(const tg_pool_ext_s8_params_t *p,
                          const int8_t *input, int8_t *output);

typedef struct {
  tg_window_t win;
  int32_t count_include_pad;
  int32_t count_end_h, count_end_w;
  int32_t pad_value;
  float act_min, act_max;
} tg_pool_ext_f32_params_t;

void tg_average_pool2d_ext_f32(const tg_pool_ext_f32_params_t *p,
                               const float *input, float *output);
void tg_max_pool2d_ext_f32(const tg_pool_ext_f32_params_t *p,
                           const float *input, float *output);

/* ---- broadcasting binary ops ------------------------------------------ */

/* tg_broadcast_t maps output elements to input elements, NumPy style. With
 * broadcast == 0 all three tensors have size elements in the same order.
 * Otherwise dims is the output shape padded to TG_MAX_DIMS with leading 1s,
 * and a_strides/b_strides the inputs' element strides per output dimension
 * (0 where an input repeats). */
typedef struct {
  int32_t size;
  int32_t broadcast;
  int32_t dims[TG_MAX_DIMS];
  int32_t a_strides[TG_MAX_DIMS];
  int32_t b_strides[TG_MAX_DIMS];
} tg_broadcast_t;

/* ADD and SUB, int8 (TFLM OpDataAdd/OpDataSub). */
typedef struct {
  tg_broadcast_t bc;
  int32_t left_shift;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} tg_add_s8_params_t;

void tg_add_s8(const tg_add_s8_params_t *p, const int8_t *a, const int8_t *b,
               int8_t *output);
void tg_sub_s8(const tg_add_s8_params_t *p, const int8_t *a, const int8_t *b,
               int8_t *output);

/* MUL, int8 (TFLM OpDataMul). */
typedef struct {
  tg_broadcast_t bc;
  int32_t input1_zero_point, input2_zero_point, output_zero_point;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} tg_mul_s8_params_t;

void tg_mul_s8(const tg_mul_s8_params_t *p, const int8_t *a, const int8_t *b,
               int8_t *output);

/* ADD, SUB, MUL, float32, with the fused activation clamp. */
typedef struct {
  tg_broadcast_t bc;
  float act_min, act_max;
} tg_binary_f32_params_t;

void tg_add_f32(const tg_binary_f32_params_t *p, const float *a,
                const float *b, float *output);
void tg_sub_f32(const tg_binary_f32_params_t *p, const float *a,
                const float *b, float *output);
void tg_mul_f32(const tg_binary_f32_params_t *p, const float *a,
                const float *b, float *output);

/* MAXIMUM and MINIMUM on raw values (quantized inputs are not rescaled). */
typedef struct {
  tg_broadcast_t bc;
} tg_minmax_params_t;

void tg_maximum_s8(const tg_minmax_params_t *p, const int8_t *a,
                   const int8_t *b, int8_t *output);
void tg_minimum_s8(const tg_minmax_params_t *p, const int8_t *a,
                   const int8_t *b, int8_t *output);
void tg_maximum_f32(const tg_minmax_params_t *p, const float *a,
                    const float *b, float *output);
void tg_minimum_f32(const tg_minmax_params_t *p, const float *a,
                    const float *b, float *output);

/* DIV, float32: one float32 a / b per element, then the fused activation
 * clamp (TFLM div.cc, float32). */
void tg_div_f32(const tg_binary_f32_params_t *p, const float *a,
                const float *b, float *output);

/* PRELU, float32: a >= 0 ? a : a * b, b (alpha) broadcast against a. */
typedef struct {
  tg_broadcast_t bc;
} tg_prelu_f32_params_t;

void tg_prelu_f32(const tg_prelu_f32_params_t *p, const float *a,
                  const float *b, float *output);

/* ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM on unquantised integers (ONNX):
 * elem is the element type (0 uint8, 1 int8, 2 int16, 3 int32), op the
 * operation (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min; quant.RawIntKind).
 * The exact result, computed in int64, wraps to the type (two's
 * complement); DIV truncates toward zero and gives 0 for a zero divisor. */
typedef struct {
  tg_broadcast_t bc;
  int32_t op;
  int32_t elem;
} tg_int_binary_params_t;

void tg_int_binary(const tg_int_binary_params_t *p, const void *a,
                   const void *b, void *output);

/* PRELU, int8 (TFLM PreluParams): x = a + input_offset; x >= 0 ?
 * mbqm(x, multiplier_1, shift_1) : mbqm(x * (b + alpha_offset),
 * multiplier_2, shift_2); + output_offset; clamp to [-128, 127]. */
typedef struct {
  tg_broadcast_t bc;
  int32_t input_offset, alpha_offset, output_offset;
  int32_t multiplier_1, shift_1;
  int32_t multiplier_2, shift_2;
} tg_prelu_s8_params_t;

void tg_prelu_s8(const tg_prelu_s8_params_t *p, const int8_t *a,
                 const int8_t *b, int8_t *output);

/* ---- BATCH_MATMUL ----------------------------------------------------- */

/* out[batch, i, j] = sum over k (in order, from 0) of x[i, k] * y[k, j] in
 * float32. The batch index runs row-major over batch_dims (padded to 4 with
 * leading 1s); x's matrix starts at element sum(index[d] * x_batch_strides[d])
 * (0 where x repeats), y's likewise. Element (i, k) of a matrix of x is at
 * i * x_row + k * x_depth, element (k, j) of y at k * y_depth + j * y_col
 * (transposed operands swap the two). */
typedef struct {
  int32_t batch_dims[4];
  int32_t x_batch_strides[4];
  int32_t y_batch_strides[4];
  int32_t rows, cols, depth;
  int32_t x_row, x_depth, y_depth, y_col;
} tg_batch_matmul_f32_params_t;

void tg_batch_matmul_f32(const tg_batch_matmul_f32_params_t *p,
                         const float *x, const float *y, float *output);

/* ---- integer sums without requantisation (ONNX ConvInteger, ----------
 * MatMulInteger): uint8/int8 operands (x_elem, w_elem: 0 uint8, 1 int8),
 * zero points subtracted, int32 sums wrapping modulo 2^32, int32 output. */

/* CONV_2D: input NHWC, filter [out_c, filter_h, filter_w, filter_c] with
 * groups as tg_conv2d_s8; no bias; padded taps contribute 0. */
typedef struct {
  tg_window_t win;
  int32_t filter_c;
  int32_t x_elem, w_elem;
  int32_t input_zero_point;
  const int32_t *filter_zero_points; /* [out_c] */
} tg_conv2d_int_s32_params_t;

void tg_conv2d_int_s32(const tg_conv2d_int_s32_params_t *p,
                       const void *input, const void *filter,
                       int32_t *output);

/* BATCH_MATMUL, batch geometry as tg_batch_matmul_f32; y's zero point per
 * column. */
typedef struct {
  int32_t batch_dims[4];
  int32_t x_batch_strides[4];
  int32_t y_batch_strides[4];
  int32_t rows, cols, depth;
  int32_t x_row, x_depth, y_depth, y_col;
  int32_t x_elem, w_elem;
  int32_t x_zero_point;
  const int32_t *y_zero_points; /* [cols] */
} tg_batch_matmul_int_s32_params_t;

void tg_batch_matmul_int_s32(const tg_batch_matmul_int_s32_params_t *p,
                             const void *x, const void *y, int32_t *output);

/* ---- elementwise unary ops -------------------------------------------- */

/* An 8-bit to 8-bit function given by its table: output[i] =
 * table[(uint8_t)input[i]]. The code generator computes the table with the
 * same quantized arithmetic as the Go evaluator, so every int8 activation
 * (LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU, HARD_SWISH) and every 8-bit
 * requantization (QUANTIZE) is one table look-up per element. */
typedef struct {
  int32_t size;
  int8_t table[256];
} tg_lut_s8_params_t;

void tg_lut_s8(const tg_lut_s8_params_t *p, const int8_t *input,
               int8_t *output);

/* An 8-bit to float32 function given by its table (DEQUANTIZE). */
typedef struct {
  int32_t size;
  float table[256];
} tg_lut_s8_f32_params_t;

void tg_lut_s8_f32(const tg_lut_s8_f32_params_t *p, const int8_t *input,
                   float *output);

/* Float32 unary ops; alpha is used by LEAKY_RELU only. */
typedef struct {
  int32_t size;
  float alpha;
} tg_unary_f32_params_t;

void tg_logistic_f32(const tg_unary_f32_params_t *p, const float *input,
                     float *output);
void tg_tanh_f32(const tg_unary_f32_params_t *p, const float *input,
                 float *output);
void tg_relu_f32(const tg_unary_f32_params_t *p, const float *input,
                 float *output);
void tg_relu6_f32(const tg_unary_f32_params_t *p, const float *input,
                  float *output);
void tg_leaky_relu_f32(const tg_unary_f32_params_t *p, const float *input,
                       float *output);
void tg_hard_swish_f32(const tg_unary_f32_params_t *p, const float *input,
                       float *output);

/* QUANTIZE float32 -> int8/uint8: clamp(round_half_away(x / scale) +
 * zero_point, qmin, qmax), with a float32 division and a saturating
 * conversion (NaN -> 0). */
typedef struct {
  int32_t size;
  float scale;
  int32_t zero_point;
  int32_t qmin, qmax;
} tg_quantize_f32_params_t;

void tg_quantize_f32_s8(const tg_quantize_f32_params_t *p, const float *input,
                        int8_t *output);
void tg_quantize_f32_u8(const tg_quantize_f32_params_t *p, const float *input,
                        uint8_t *output);

/* QUANTIZE float32 -> uint8/int8/int16 (elem 0, 1, 2) with per-axis (or
 * per-tensor: channels 1) parameters: element i uses channel
 * (i / inner) % channels; arithmetic as tg_quantize_f32_s8. */
typedef struct {
  int32_t size;
  int32_t elem;
  int32_t inner, channels;
  int32_t qmin, qmax;
  const float *scales;        /* [channels] */
  const int32_t *zero_points; /* [channels] */
} tg_quantize_f32_axis_params_t;

void tg_quantize_f32_axis(const tg_quantize_f32_axis_params_t *p,
                          const float *input, void *output);

/* QUANTIZE float32 -> uint8/int8/int16 (elem 0, 1, 2) like ONNX
 * QuantizeLinear: per tensor, per axis or per block of the axis, ties to
 * even (round_half_even 1) or away from zero (0). Element i is (o, a, r)
 * with r = i % inner, a = (i / inner) % dim, o = i / (inner * dim); its
 * parameters are entry o * outer_stride + (a / block) * axis_stride +
 * r * inner_stride. */
typedef struct {
  int32_t size;
  int32_t elem;
  int32_t inner, dim, block;
  int32_t outer_stride, axis_stride, inner_stride;
  int32_t round_half_even;
  int32_t qmin, qmax;
  const float *scales;
  const int32_t *zero_points;
} tg_quantize_f32_blocked_params_t;

void tg_quantize_f32_blocked(const tg_quantize_f32_blocked_params_t *p,
                             const float *input, void *output);

/* DEQUANTIZE uint8/int8/int16 (elem 0, 1, 2) -> float32 with per-axis (or
 * per-tensor) parameters: (float)((double)scale * (double)(q - zp)). */
typedef struct {
  int32_t size;
  int32_t elem;
  int32_t inner, channels;
  const float *scales;        /* [channels] */
  const int32_t *zero_points; /* [channels] */
} tg_dequantize_axis_params_t;

void tg_dequantize_axis(const tg_dequantize_axis_params_t *p,
                        const void *input, float *output);

/* QUANTIZE int32 -> int8 (requantisation, input zero point 0): per element
 * clamp(mbqm(x, multiplier, shift) + output_zero_point, qmin, qmax), TFLM's
 * Requantize (quant.RequantizeElement). */
typedef struct {
  int32_t size;
  int32_t multiplier, shift;
  int32_t output_zero_point;
  int32_t qmin, qmax;
} tg_requantize_s32_s8_params_t;

void tg_requantize_s32_s8(const tg_requantize_s32_s8_params_t *p,
                          const int32_t *input, int8_t *output);

/* ---- SOFTMAX ---------------------------------------------------------- */

/* int8 -> int8 softmax along the last axis (output scale 1/256, zero point
 * -128). exp_table[d] is exp(beta * input_scale * -d) as a raw Q0.31 for a
 * difference d = max - x in [0, 255], or 0 where -d is below TFLM's
 * diff_min (such elements contribute nothing and output -128). */
typedef struct {
  int32_t rows, depth;
  int32_t exp_table[256];
} tg_softmax_s8_params_t;

void tg_softmax_s8(const tg_softmax_s8_params_t *p, const int8_t *input,
                   int8_t *output);

typedef struct {
  int32_t rows, depth;
  float beta;
} tg_softmax_f32_params_t;

void tg_softmax_f32(const tg_softmax_f32_params_t *p, const float *input,
                    float *output);

/* ---- MEAN ------------------------------------------------------------- */

/* tg_reduce_t splits the input's axes into kept axes (iterated row-major,
 * in output order) and reduced axes (iterated row-major for each output).
 * Both lists are padded to TG_MAX_DIMS with size 1 and stride 0. */
typedef struct {
  int32_t kept_dims[TG_MAX_DIMS];
  int32_t kept_strides[TG_MAX_DIMS];
  int32_t reduced_dims[TG_MAX_DIMS];
  int32_t reduced_strides[TG_MAX_DIMS];
} tg_reduce_t;

/* int8 MEAN: sum the raw codes of n inputs in int32, then
 * clamp(MultiplyByQuantizedMultiplier(sum - input_zero_point * n,
 * multiplier, shift) + output_zero_point, -128, 127). */
typedef struct {
  tg_reduce_t r;
  int32_t n;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
} tg_mean_s8_params_t;

void tg_mean_s8(const tg_mean_s8_params_t *p, const int8_t *input,
                int8_t *output);

/* float32 MEAN: sum in float32, divide by n. */
typedef struct {
  tg_reduce_t r;
  float n;
} tg_mean_f32_params_t;

void tg_mean_f32(const tg_mean_f32_params_t *p, const float *input,
                 float *output);

/* ---- data movement (any element type, by bytes) ----------------------- */

/* RESHAPE and SQUEEZE: copy bytes (nothing when input == output). */
typedef struct {
  int32_t bytes;
} tg_copy_params_t;

void tg_copy(const tg_copy_params_t *p, const void *input, void *output);

/* TRANSPOSE and STRIDED_SLICE: output element i (row-major over dims)
 * is input element base + sum(index[d] * strides[d]). */
typedef struct {
  int32_t elem_bytes;
  int32_t base;
  int32_t dims[TG_MAX_DIMS];
  int32_t strides[TG_MAX_DIMS];
} tg_gather_params_t;

void tg_gather(const tg_gather_params_t *p, const void *input, void *output);

/* PAD: fill the output (out_size elements) with the fill pattern, then
 * write input element (row-major over in_dims) to output element base +
 * sum(index[d] * out_strides[d]). */
typedef struct {
  int32_t elem_bytes;
  int32_t out_size;
  uint8_t fill[8];
  int32_t base;
  int32_t in_dims[TG_MAX_DIMS];
  int32_t out_strides[TG_MAX_DIMS];
} tg_pad_params_t;

void tg_pad(const tg_pad_params_t *p, const void *input, void *output);

/* RESIZE_NEAREST_NEIGHBOR and PAD (REFLECT, SYMMETRIC, EDGE, WRAP): output
 * element (i0, ..., i5), row-major over out_dims, copies input element
 * offsets[starts[0] + i0] + ... + offsets[starts[5] + i5]: offsets holds one
 * table per output axis of input element offsets. */
typedef struct {
  int32_t elem_bytes;
  int32_t out_dims[TG_MAX_DIMS];
  int32_t starts[TG_MAX_DIMS];
  const int32_t *offsets; /* [sum of out_dims] */
} tg_table_gather_params_t;

void tg_table_gather(const tg_table_gather_params_t *p, const void *input,
                     void *output);

/* CONCATENATION: for each of outer slices, copy chunk_bytes[i] bytes from
 * each input i in turn. */
typedef struct {
  int32_t outer;
  int32_t count;
  const int32_t *chunk_bytes; /* [count] */
} tg_concatenation_params_t;

void tg_concatenation(const tg_concatenation_params_t *p,
                      const void *const *inputs, void *output);

#ifdef __cplusplus
}
#endif

#endif /* TG_KERNELS_H */
