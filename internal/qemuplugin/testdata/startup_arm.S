/*
 * Cortex-M startup for the insncount test firmware (mps2-an386): vector
 * table, reset handler, semihosting exit and the measured loop.
 * SP and PC come from the vector table; .data and .bss are empty (the linker
 * script checks it), so nothing needs copying or zeroing.
 */
	.syntax unified
	.cpu cortex-m4
	.thumb

	.section .isr_vector, "a", %progbits
	.word _estack
	.word Reset_Handler
	.rept 14                /* NMI .. SysTick */
	.word Fault_Handler
	.endr

	.text

	.global Reset_Handler
	.type Reset_Handler, %function
	.thumb_func
Reset_Handler:
	bl main
	b semihost_exit         /* exit code = main's return value (r0) */
	.size Reset_Handler, . - Reset_Handler

	.type Fault_Handler, %function
	.thumb_func
Fault_Handler:
	movs r0, #99
	b semihost_exit
	.size Fault_Handler, . - Fault_Handler

/* SYS_EXIT_EXTENDED (0x20) with {ADP_Stopped_ApplicationExit, r0}. */
	.type semihost_exit, %function
	.thumb_func
semihost_exit:
	sub sp, sp, #8
	ldr r1, =0x20026
	str r1, [sp]
	str r0, [sp, #4]
	movs r0, #0x20
	mov r1, sp
	bkpt 0xAB
1:	b 1b
	.size semihost_exit, . - semihost_exit

/*
 * void bench_loop(uint32_t n): bench_begin(); 2n instructions; bench_end();
 * The count lives in callee-saved r4, so nothing but the loop runs between
 * the return from bench_begin and the call to bench_end.
 */
	.global bench_loop
	.global bench_loop_body
	.type bench_loop, %function
	.thumb_func
bench_loop:
	push {r4, lr}
	mov r4, r0
	bl bench_begin
bench_loop_body: /* a step address for the profile test */
1:	subs r4, r4, #1
	bne 1b
	bl bench_end
	pop {r4, pc}
	.size bench_loop, . - bench_loop
	.ltorg
