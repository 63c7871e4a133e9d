#include "lib/number.h"
#include "lib/string.h"

static int digit_value(char c, unsigned base)
{
	int v;

	if (char_is_digit(c))
		v = c - '0';
	else if (char_lower(c) >= 'a' && char_lower(c) <= 'f')
		v = char_lower(c) - 'a' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

int parse_unsigned(const char *text, uint64_t max, uint64_t *value)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
	}
	if (!*text)
		return -1;
	for (; *text; text++) {
		int d = digit_value(*text, base);

		if (d < 0 || (uint64_t)d > max || v > (max - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	*value = v;
	return 0;
}
