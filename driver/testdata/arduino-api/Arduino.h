/* Arduino.h: a small Arduino API for tinygen's tests, enough for the
 * sketches tinygen generates: Serial (begin, print, flush, bool),
 * micros(), and setup/loop called by main (arduino_api.cpp). It maps onto
 * tinygen's board support for the QEMU Cortex-M boards (tg_board.h: the
 * UART and the exit) and the SysTick timer. Not the real core: the test
 * checks that the generated .ino builds unchanged against this API.
 */
#ifndef ARDUINO_H
#define ARDUINO_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

class SerialPort {
 public:
  void begin(unsigned long baud);
  size_t print(const char *s);
  void flush();
  explicit operator bool() const { return true; }
};

extern SerialPort Serial;

unsigned long micros(void);

void setup(void);
void loop(void);

#endif
