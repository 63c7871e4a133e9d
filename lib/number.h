#ifndef LIB_NUMBER_H
#define LIB_NUMBER_H

#include <stdint.h>

/* Parse a whole string as an unsigned number: decimal, or hexadecimal
 * with a 0x prefix.  Returns 0, or -1 for an empty string, a stray
 * character or a value above 'max'. */
int parse_unsigned(const char *text, uint64_t max, uint64_t *value);

#endif
