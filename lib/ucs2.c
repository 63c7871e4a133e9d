#include "lib/ucs2.h"

int ascii_to_ucs2(uint16_t *dst, size_t dst_chars, const char *src)
{
	size_t n = 0;

	for (; src[n]; n++) {
		if (n + 1 >= dst_chars)
			return -1;
		dst[n] = (uint8_t)src[n];
	}
	if (!dst_chars)
		return -1;
	dst[n] = 0;
	return (int)n;
}

int ucs2_to_ascii(char *dst, size_t dst_size, const uint16_t *src, size_t src_chars)
{
	size_t n;

	for (n = 0; n < src_chars && src[n]; n++) {
		uint16_t c = src[n] == '\t' ? ' ' : src[n];

		if (c < 0x20 || c >= 0x7f || n + 1 >= dst_size)
			return -1;
		dst[n] = (char)c;
	}
	if (!dst_size)
		return -1;
	dst[n] = '\0';
	return (int)n;
}
