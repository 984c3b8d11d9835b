/* count.c: firmware whose one measured region runs COUNT loop
 * iterations, for the concurrent-invocation test (sandbox_test.go);
 * with HANG it never exits after the end line. */
#include "tg_board.h"

#ifndef COUNT
#error "define COUNT"
#endif

int main(void)
{
    volatile unsigned n = 0;
    tg_bench_begin();
    tg_bench_end();
    tg_bench_begin();
    for (unsigned i = 0; i < COUNT; i++) {
        n = n + 1u;
    }
    tg_bench_end();
    tg_board_puts("TINYGEN-RESULT vectors=1 passed=1\nTINYGEN-END\n");
#ifdef HANG
    for (;;) {
    }
#endif
    return 0;
}
