/* tg_port.h: portability macros for tinygen's generated code and kernels.
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project. Override any macro by
 * defining it before this header is included (for example on the compiler
 * command line).
 */
#ifndef TG_PORT_H
#define TG_PORT_H

/* TG_ALIGN(n): align an object to n bytes. */
#ifndef TG_ALIGN
#if defined(__GNUC__) || defined(__clang__)
#define TG_ALIGN(n) __attribute__((aligned(n)))
#else
#define TG_ALIGN(n)
#endif
#endif

/* Constants in flash on AVR. With TG_AVR_PROGMEM defined (a deploy project
 * for an AVR board whose every kernel comes from the avr set defines it
 * at the top of this file), TG_WEIGHTS_SECTION puts every constant array
 * into flash (PROGMEM) and TG_READ_* read it with pgm_read_*. Kernels that
 * may read constants from flash (the avr set) read every constant element
 * through TG_READ_*(pointer); everywhere else these are plain loads. */
#if defined(__AVR__) && defined(TG_AVR_PROGMEM)
#include <avr/pgmspace.h>
#ifndef TG_WEIGHTS_SECTION
#define TG_WEIGHTS_SECTION PROGMEM
#endif
#define TG_READ_S8(p) ((int8_t)pgm_read_byte(p))
#define TG_READ_U8(p) ((uint8_t)pgm_read_byte(p))
#define TG_READ_S16(p) ((int16_t)pgm_read_word(p))
#define TG_READ_S32(p) ((int32_t)pgm_read_dword(p))
#define TG_READ_F32(p) pgm_read_float(p)
/* TG_AVR_PROGMEM_PARAMS (defined with TG_AVR_PROGMEM by such a project):
 * the kernels' parameter structs are in flash too (TG_PARAMS_SECTION);
 * the avr kernels copy theirs to the stack with memcpy_P. */
#if defined(TG_AVR_PROGMEM_PARAMS) && !defined(TG_PARAMS_SECTION)
#define TG_PARAMS_SECTION PROGMEM
#endif
#endif
#ifndef TG_READ_S8
#define TG_READ_S8(p) (*(p))
#define TG_READ_U8(p) (*(p))
#define TG_READ_S16(p) (*(p))
#define TG_READ_S32(p) (*(p))
#define TG_READ_F32(p) (*(p))
#endif

/* TG_WEIGHTS_SECTION: placed before every constant weight array; define it
 * to put the model's weights into a named section, e.g.
 * -DTG_WEIGHTS_SECTION='__attribute__((section(".rodata.tg_weights")))'. */
#ifndef TG_WEIGHTS_SECTION
#define TG_WEIGHTS_SECTION
#endif

/* TG_PARAMS_SECTION: placed before the kernels' parameter structs when the
 * code generator is asked to (an AVR deploy project); nothing by default. */
#ifndef TG_PARAMS_SECTION
#define TG_PARAMS_SECTION
#endif

/* TG_ARENA_SECTION: placed before the static tensor arena, e.g. to put it
 * into a fast on-chip RAM bank. */
#ifndef TG_ARENA_SECTION
#define TG_ARENA_SECTION
#endif

#endif /* TG_PORT_H */
