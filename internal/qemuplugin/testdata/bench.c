/*
 * Test firmware for the insncount plugin, shared by the Cortex-M4 and RV32
 * builds. Region 0 is bench_begin(); bench_end(); back to back (the marker
 * overhead alone); region i+1 is bench_loop(ns[i]), which runs exactly
 * 2*ns[i] instructions between the markers. BENCH_NS is a comma-separated
 * list of loop counts (each >= 1), defined by the test on the command line.
 *
 * The markers are the documented form: empty noinline functions. The empty
 * asm statement emits no instruction; without it GCC finds the functions
 * side-effect free and deletes the calls although they are not inlined
 * (see the GCC manual on the noinline attribute).
 */
#include <stdint.h>

#ifndef BENCH_NS
#error "define BENCH_NS, e.g. -DBENCH_NS=1,10,1000"
#endif

void bench_begin(void);
void bench_end(void);
void bench_loop(uint32_t n); /* startup_*.S */
int main(void);

__attribute__((noinline)) void bench_begin(void) { __asm__ volatile(""); }
__attribute__((noinline)) void bench_end(void) { __asm__ volatile(""); }

int main(void)
{
	static const uint32_t ns[] = {BENCH_NS};
	uint32_t i;

	bench_begin();
	bench_end();
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (ns[i] == 0) {
			return 3;
		}
		bench_loop(ns[i]);
	}
	return 0;
}
