/* arduino_api.cpp: the test Arduino API on the QEMU Cortex-M board: Serial
 * writes to the board's UART (tg_board_puts), micros() reads SysTick (the
 * board's 25 MHz clock; an interrupt counts the wraps), main calls setup()
 * and loop() once and exits through the board. The test runs QEMU with
 * -icount shift=4, so SysTick follows the instruction count (16 ns an
 * instruction, a 64 MHz core at one instruction a cycle), not the host. */
#include "Arduino.h"

#include "tg_board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define TICKS_PER_US 25u

SerialPort Serial;

static volatile uint32_t wraps;

extern "C" void SysTick_Handler(void) { wraps = wraps + 1u; }

void SerialPort::begin(unsigned long baud) { (void)baud; }

size_t SerialPort::print(const char *s) {
  tg_board_puts(s);
  return strlen(s);
}

void SerialPort::flush() {}

unsigned long micros(void) {
  uint32_t w, v;
  do {
    w = wraps;
    v = SYST_CVR;
  } while (w != wraps);
  uint64_t ticks = (uint64_t)w * 0x1000000u + (0xFFFFFFu - v);
  return (unsigned long)(ticks / TICKS_PER_US);
}

extern "C" int main(void) {
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
  /* QEMU reads the counter as 0 until its first reload: wait for it
   * (bounded), so that micros() starts counting at once. */
  for (uint32_t n = 0; SYST_CVR == 0u && n < 10000000u; n++) {
  }
  setup();
  loop();
  return 0;
}
