#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "lib/format.h"

/* Print "PANIC: <message>" on pmuvisor's console and stop this CPU. */
void panic(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));

/* Stops this CPU for good (lib/panic_halt.c; a test double on the host). */
void panic_halt(void) __attribute__((noreturn));

#endif
