/* loop.c: firmware that never ends, for the isolation tests
 * (sandbox_test.go): the simulator runs until something stops it. */
#include "tg_board.h"

int main(void)
{
    tg_board_puts("looping\n");
    for (;;) {
        tg_bench_begin();
        tg_bench_end();
    }
}
