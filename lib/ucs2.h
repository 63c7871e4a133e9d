/* Conversions between ASCII text and the firmware's UCS-2 strings. */
#ifndef LIB_UCS2_H
#define LIB_UCS2_H

#include <stddef.h>
#include <stdint.h>

/* Copies 'src' into 'dst' (room for 'dst_chars' including the NUL).
 * Returns the number of characters written, or -1 if it does not fit. */
int ascii_to_ucs2(uint16_t *dst, size_t dst_chars, const char *src);

/* Converts up to 'src_chars' UCS-2 characters (stopping at a NUL) into
 * 'dst'. Returns the length, or -1 if the text does not fit or holds a
 * character that is not printable ASCII (tab counts as a space). */
int ucs2_to_ascii(char *dst, size_t dst_size, const uint16_t *src, size_t src_chars);

#endif
