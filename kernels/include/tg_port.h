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

/* TG_WEIGHTS_SECTION: placed before every constant weight array; define it
 * to put the model's weights into a named section, e.g.
 * -DTG_WEIGHTS_SECTION='__attribute__((section(".rodata.tg_weights")))'. */
#ifndef TG_WEIGHTS_SECTION
#define TG_WEIGHTS_SECTION
#endif

/* TG_ARENA_SECTION: placed before the static tensor arena, e.g. to put it
 * into a fast on-chip RAM bank. */
#ifndef TG_ARENA_SECTION
#define TG_ARENA_SECTION
#endif

#endif /* TG_PORT_H */
