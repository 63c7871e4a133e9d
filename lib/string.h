/* Freestanding memory and string functions (the compiler may also emit
 * calls to mem* on its own, so these names must exist in every image). */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memset(void *dst, int value, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* ASCII-only helpers used by the parsers. */
int str_case_equal(const char *a, const char *b);
size_t str_copy(char *dst, const char *src, size_t size); /* strlcpy semantics */

static inline int char_is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static inline int char_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int char_is_print(int c) { return c >= 0x20 && c < 0x7f; }
static inline int char_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

#endif
