/* escape.c: hostile firmware for the simulator-escape tests
 * (sandbox_test.go). It tries every semihosting call that reaches the
 * host: SYS_SYSTEM (start a process), SYS_OPEN/SYS_WRITE (create a file,
 * append to one), SYS_RENAME and SYS_REMOVE, on absolute paths under
 * ESCAPE_DIR, a folder the test owns outside the run folder. A fault
 * handler of its own skips a trapping semihosting instruction, so that
 * every attempt is made; then it follows the result protocol. */
#include <stdint.h>
#include <string.h>

#include "tg_board.h"

#ifndef ESCAPE_DIR
#error "define ESCAPE_DIR"
#endif

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE 0x05u
#define SYS_REMOVE 0x0Eu
#define SYS_RENAME 0x0Fu
#define SYS_SYSTEM 0x12u

#if defined(__arm__)
static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* Without semihosting, bkpt is a debug event that escalates to
 * HardFault: step over the 2-byte bkpt and go on. */
void HardFault_Handler(void) __attribute__((naked));
void HardFault_Handler(void)
{
    __asm__ __volatile__(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "ldr r1, [r0, #24]\n"
        "adds r1, r1, #2\n"
        "str r1, [r0, #24]\n"
        "bx lr\n");
}

static void install_handler(void)
{
}
#elif defined(__riscv)
uint32_t escape_semihost(uint32_t op, const void *arg);
void escape_trap(void);
__asm__(
    "    .pushsection .text.escape_semihost,\"ax\",@progbits\n"
    "    .balign 16\n"
    "    .globl escape_semihost\n"
    "escape_semihost:\n"
    "    .option push\n"
    "    .option norvc\n"
    "    slli x0, x0, 0x1f\n"
    "    ebreak\n"
    "    srai x0, x0, 7\n"
    "    .option pop\n"
    "    ret\n"
    "    .balign 4\n"
    "    .globl escape_trap\n"
    "escape_trap:\n"
    "    csrw mscratch, t0\n"
    "    csrr t0, mepc\n"
    "    addi t0, t0, 4\n"
    "    csrw mepc, t0\n"
    "    csrr t0, mscratch\n"
    "    mret\n"
    "    .popsection\n");

static uint32_t semihost(uint32_t op, const void *arg)
{
    return escape_semihost(op, arg);
}

/* Without semihosting, ebreak traps: step over it and go on. */
static void install_handler(void)
{
    __asm__ __volatile__("csrw mtvec, %0" ::"r"((uintptr_t)escape_trap));
}
#else
#error "bare-metal Arm or RISC-V only"
#endif

static void attempt_system(void)
{
    static const char cmd[] = "touch " ESCAPE_DIR "/system-marker";
    uint32_t block[2] = {(uint32_t)(uintptr_t)cmd, sizeof cmd - 1};
    (void)semihost(SYS_SYSTEM, block);
}

static void attempt_write(const char *path, uint32_t mode)
{
    static const char data[] = "written by firmware\n";
    uint32_t open[3] = {(uint32_t)(uintptr_t)path, mode, (uint32_t)strlen(path)};
    uint32_t h = semihost(SYS_OPEN, open);
    uint32_t write[3] = {h, (uint32_t)(uintptr_t)data, sizeof data - 1};
    (void)semihost(SYS_WRITE, write);
    (void)semihost(SYS_CLOSE, &h);
}

static void attempt_rename(void)
{
    static const char from[] = ESCAPE_DIR "/victim-rename";
    static const char to[] = ESCAPE_DIR "/renamed";
    uint32_t block[4] = {(uint32_t)(uintptr_t)from, sizeof from - 1, (uint32_t)(uintptr_t)to, sizeof to - 1};
    (void)semihost(SYS_RENAME, block);
}

static void attempt_remove(void)
{
    static const char path[] = ESCAPE_DIR "/victim-remove";
    uint32_t block[2] = {(uint32_t)(uintptr_t)path, sizeof path - 1};
    (void)semihost(SYS_REMOVE, block);
}

int main(void)
{
    install_handler();
    tg_bench_begin();
    tg_bench_end();
    tg_bench_begin();
    attempt_system();
    attempt_write(ESCAPE_DIR "/written", 4u);        /* "w" */
    attempt_write(ESCAPE_DIR "/victim-append", 8u);  /* "a" */
    attempt_rename();
    attempt_remove();
    tg_bench_end();
    tg_board_puts("TINYGEN-RESULT vectors=1 passed=1\nTINYGEN-END\n");
    return 0;
}
