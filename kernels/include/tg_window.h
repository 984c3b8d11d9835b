/* tg_window.h: tap ranges of dilated, explicitly padded windows (internal
 * helper of the extended pooling kernels).
 *
 * Part of tinygen's kernel library (https://github.com/tinygen/tinygen),
 * copied unchanged into every generated project.
 */
#ifndef TG_WINDOW_H
#define TG_WINDOW_H

#include <stdint.h>

/* tg_tap_range sets [*first, *end) to the filter taps f of a window whose
 * first tap is at start and whose taps are dilation apart, such that
 * lo <= start + dilation*f < hi (ir.TapRange); *end <= *first means none.
 * The code generator keeps lo - start and hi - start within int32. */
static inline void tg_tap_range(int32_t start, int32_t dilation,
                                int32_t filter, int32_t lo, int32_t hi,
                                int32_t *first, int32_t *end) {
  const int32_t dl = lo - start, dh = hi - start;
  *first = 0;
  *end = 0;
  if (dl > 0) {
    *first = dl / dilation + (dl % dilation != 0 ? 1 : 0);
  }
  if (dh > 0) {
    const int32_t e = (dh - 1) / dilation + 1;
    *end = e < filter ? e : filter;
  }
}

#endif /* TG_WINDOW_H */
