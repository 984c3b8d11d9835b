/* tg_int_binary: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM on unquantised
 * uint8, int8, int16 and int32 tensors, with NumPy broadcasting.
 *
 * Reproduces quant.RawIntBinary (tinygen's Go evaluator, eval/intarith.go):
 * the exact result of the raw values in int64 (no overflow for 32-bit
 * operands), DIV truncating toward zero with 0 for a zero divisor, then
 * wrapped to the element type modulo 2^bits (two's complement, as ONNX and
 * NumPy). The wrap goes through unsigned arithmetic, so no conversion is
 * implementation-defined. The output may be the same buffer as an input.
 */
#include "tg_kernels.h"
#include "tg_broadcast.h"

static int64_t tg_int_load(const void *base, int32_t elem, int32_t i) {
  switch (elem) {
  case 0:
    return ((const uint8_t *)base)[i];
  case 1:
    return ((const int8_t *)base)[i];
  case 2:
    return ((const int16_t *)base)[i];
  default:
    return ((const int32_t *)base)[i];
  }
}

static void tg_int_store(void *base, int32_t elem, int32_t i, int64_t v) {
  const uint32_t u = (uint32_t)((uint64_t)v & 0xffffffffu);
  switch (elem) {
  case 0:
    ((uint8_t *)base)[i] = (uint8_t)(u & 0xffu);
    break;
  case 1: {
    const uint32_t b = u & 0xffu;
    ((int8_t *)base)[i] =
        (int8_t)(b < 0x80u ? (int32_t)b : (int32_t)b - 0x100);
    break;
  }
  case 2: {
    const uint32_t h = u & 0xffffu;
    ((int16_t *)base)[i] =
        (int16_t)(h < 0x8000u ? (int32_t)h : (int32_t)h - 0x10000);
    break;
  }
  default:
    ((int32_t *)base)[i] =
        u < 0x80000000u ? (int32_t)u : -(int32_t)(~u) - 1;
    break;
  }
}

void tg_int_binary(const tg_int_binary_params_t *p, const void *a,
                   const void *b, void *output) {
  const int32_t op = p->op, elem = p->elem;
  int32_t ia, ib, o;

  TG_BROADCAST_EACH(&p->bc, ia, ib, o, {
    const int64_t x = tg_int_load(a, elem, ia);
    const int64_t y = tg_int_load(b, elem, ib);
    int64_t v;
    switch (op) {
    case 0:
      v = x + y;
      break;
    case 1:
      v = x - y;
      break;
    case 2:
      v = x * y;
      break;
    case 3:
      v = y == 0 ? 0 : x / y;
      break;
    case 4:
      v = x > y ? x : y;
      break;
    default:
      v = x < y ? x : y;
      break;
    }
    tg_int_store(output, elem, o, v);
  });
}
