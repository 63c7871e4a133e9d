/* Common includes for the host unit tests (cmocka). */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/format.h"

/* An out (lib/format.h) that collects text into a buffer. */
struct text_buffer {
	char text[16384];
	size_t len;
};

static inline void text_buffer_sink(void *ctx, const char *text, size_t len)
{
	struct text_buffer *b = ctx;

	assert_true(b->len + len < sizeof(b->text));
	memcpy(b->text + b->len, text, len);
	b->len += len;
	b->text[b->len] = '\0';
}

#define assert_contains(haystack, needle)                                          \
	do {                                                                       \
		if (!strstr((haystack), (needle)))                                 \
			fail_msg("expected to find \"%s\" in:\n%s", (needle), (haystack)); \
	} while (0)

#define assert_not_contains(haystack, needle)                                      \
	do {                                                                       \
		if (strstr((haystack), (needle)))                                  \
			fail_msg("did not expect \"%s\" in:\n%s", (needle), (haystack)); \
	} while (0)

#endif
