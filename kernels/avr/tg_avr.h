/* tg_avr.h: the avr kernel set: kernels for 8-bit AVR (ATmega) that read
 * every constant (weights, biases, per-channel multipliers and shifts)
 * through tg_port.h's TG_READ_* macros, so that the constants can live in
 * flash (PROGMEM, read with pgm_read_*), and compute in explicit int32_t
 * (int is 16 bits on AVR). Elsewhere TG_READ_* are plain loads, so the
 * set is tested bit for bit on the host like any other.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen).
 */
#ifndef TG_AVR_H
#define TG_AVR_H

#include "tg_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FULLY_CONNECTED int8: tg_fully_connected_s8 with its constants read
 * through TG_READ_*. */
void tg_fully_connected_s8_avr(const tg_fully_connected_s8_params_t *p,
                               const int8_t *input, const int8_t *filter,
                               const int32_t *bias, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TG_AVR_H */
