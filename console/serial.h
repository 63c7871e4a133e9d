/* 16550-compatible UART driven by polling (no interrupts in root mode). */
#ifndef CONSOLE_SERIAL_H
#define CONSOLE_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_COM1 0x3f8
#define SERIAL_COM2 0x2f8
#define SERIAL_COM3 0x3e8
#define SERIAL_COM4 0x2e8
#define SERIAL_CLOCK_BAUD 115200 /* 1.8432 MHz / 16: divisor 1 */

/* Returns 0, or -1 if no UART answers at 'port' (nothing is written then). */
int serial_init(uint16_t port, uint32_t baud);
/* Writes text, turning "\n" into "\r\n". Never blocks for long: a UART
 * that stops draining is given up on. */
void serial_write(const char *text, size_t len);
/* Returns the next received byte, or -1 if none is waiting. */
int serial_read_byte(void);

#endif
