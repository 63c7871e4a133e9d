/*
 * printf-style formatting without a C library.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, with the flags '-' (left
 * align), '0' (zero pad), '\'' (group thousands with ','), '+', a field
 * width and a precision (either may be '*'), and the length modifiers
 * hh h l ll z.  %p prints 0x and 16 hex digits.  An unknown conversion is
 * printed as it stands so that a mistake is visible, never skipped.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Receives the formatted text in pieces. */
typedef void (*format_sink)(void *ctx, const char *text, size_t len);

/* Returns the number of characters produced. */
size_t format_v(format_sink sink, void *ctx, const char *fmt, va_list ap);
size_t format(format_sink sink, void *ctx, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* snprintf semantics: always NUL-terminates when size > 0 and returns
 * the length the whole text would have had. */
size_t format_buf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
size_t format_buf_v(char *buf, size_t size, const char *fmt, va_list ap);

/* A text destination: what report functions write to. */
struct out {
	format_sink sink;
	void *ctx;
};

void out_printf(const struct out *o, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
