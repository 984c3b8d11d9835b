/*
 * RV32 startup for the insncount test firmware (virt, -bios none): entry at
 * 0x80000000, trap handler, semihosting exit and the measured loop.
 * .data and .bss are empty (the linker script checks it).
 */
	.section .text.start, "ax", @progbits
	.global _start
_start:
	la sp, _estack
	la t0, trap
	csrw mtvec, t0
	call main
	j semihost_exit         /* exit code = main's return value (a0) */

	.balign 4               /* mtvec needs a 4-byte aligned base */
trap:
	li a0, 99
	j semihost_exit

	.text

/* SYS_EXIT_EXTENDED (0x20) with {ADP_Stopped_ApplicationExit, a0}. */
semihost_exit:
	addi sp, sp, -16
	li t0, 0x20026
	sw t0, 0(sp)
	sw a0, 4(sp)
	li a0, 0x20
	mv a1, sp
	/* The semihosting sequence must be uncompressed and in one page. */
	.balign 16
	.option push
	.option norvc
	slli x0, x0, 0x1f
	ebreak
	srai x0, x0, 7
	.option pop
1:	j 1b

/*
 * void bench_loop(uint32_t n): bench_begin(); 2n instructions; bench_end();
 * The count lives in callee-saved s0, so nothing but the loop runs between
 * the return from bench_begin and the call to bench_end.
 */
	.global bench_loop
	.global bench_loop_body
	.type bench_loop, @function
bench_loop:
	addi sp, sp, -16
	sw ra, 12(sp)
	sw s0, 8(sp)
	mv s0, a0
	call bench_begin
bench_loop_body: /* a step address for the profile test */
1:	addi s0, s0, -1
	bnez s0, 1b
	call bench_end
	lw s0, 8(sp)
	lw ra, 12(sp)
	addi sp, sp, 16
	ret
	.size bench_loop, . - bench_loop
