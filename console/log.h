/*
 * pmuvisor's log: every line goes to its serial console.  Until the
 * console is configured (the configuration names the port) lines are
 * kept in a buffer and written out when the console starts.  Without a
 * serial console (console=none, or no UART at the port) the log goes to
 * a fallback sink instead: the firmware's text console while it exists.
 */
#ifndef CONSOLE_LOG_H
#define CONSOLE_LOG_H

#include "lib/format.h"

#include <stdint.h>

extern const struct out log_out;

/* Lines below the current level are not printed (shell: 'log LEVEL'). */
enum log_level { LOG_ERROR, LOG_INFO, LOG_DEBUG };
extern enum log_level log_level;

/* log_printf at LOG_INFO level. */
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);

void log_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Start writing to the UART at 'port', or to 'fallback' if port is 0 or
 * no UART answers there (then -1 is returned); flushes the early buffer. */
int log_start(uint16_t port, uint32_t baud, format_sink fallback, void *fallback_ctx);

/* From now on, write the log through 'sink' (e.g. a hypercall once the
 * loader runs as a guest and the serial port is pmuvisor's). */
void log_redirect(format_sink sink, void *ctx);

#endif
