/* lib/format.c: the printf-style formatter pmuvisor prints everything with. */
#include "unit.h"

#include <limits.h>

static char out[256];

#define FMT(...) format_buf(out, sizeof(out), __VA_ARGS__)

static void test_plain_text_and_percent(void **state)
{
	assert_int_equal(FMT("hello 100%% sure"), 15);
	assert_string_equal(out, "hello 100% sure");
}

static void test_signed_decimal(void **state)
{
	FMT("%d|%i|%d|%d", 0, 42, -7, INT_MIN);
	assert_string_equal(out, "0|42|-7|-2147483648");
	FMT("%ld|%lld", LONG_MIN, 123456789012345LL);
	assert_string_equal(out, "-9223372036854775808|123456789012345");
}

static void test_unsigned_and_hex(void **state)
{
	FMT("%u|%x|%X|%lx", 4000000000u, 0xbeefu, 0xbeefu, 0xfedcba9876543210ul);
	assert_string_equal(out, "4000000000|beef|BEEF|fedcba9876543210");
	FMT("%hhx|%hx|%zu", 0x1ff, 0x1ffff, (size_t)77);
	assert_string_equal(out, "ff|ffff|77");
}

static void test_width_and_padding(void **state)
{
	const char *left_wins = "[%5d][%-5d][%05d][%-05d]"; /* '-' overrides '0' */

	FMT(left_wins, 42, 42, 42, 42);
	assert_string_equal(out, "[   42][42   ][00042][42   ]");
	FMT("[%05d][%8s][%-8s][%3s]", -42, "ab", "ab", "abcdef");
	assert_string_equal(out, "[-0042][      ab][ab      ][abcdef]");
	FMT("[%016lx][%*d][%-*d]", 0xabcul, 4, 7, 4, 7);
	assert_string_equal(out, "[0000000000000abc][   7][7   ]");
}

static void test_precision(void **state)
{
	FMT("[%.3s][%.*s][%.4x][%8.3d]", "abcdef", 2, "xyz", 0xau, 5);
	assert_string_equal(out, "[abc][xy][000a][     005]");
}

static void test_thousands_grouping(void **state)
{
	FMT("%'u|%'u|%'lu|%'d", 999u, 1000u, 200000001ul, -1234567);
	assert_string_equal(out, "999|1,000|200,000,001|-1,234,567");
}

static void test_pointer_char_string(void **state)
{
	FMT("%p|%c%c|%s|%s", (void *)0x1234, 'o', 'k', "str", (char *)NULL);
	assert_string_equal(out, "0x0000000000001234|ok|str|(null)");
}

static void test_unknown_conversion_is_shown(void **state)
{
	const char *unknown = "a%yb %";

	FMT(unknown);
	assert_string_equal(out, "a%yb %");
}

static void test_buffer_truncation(void **state)
{
	char small[8];

	assert_int_equal(format_buf(small, sizeof(small), "%s", "0123456789"), 10);
	assert_string_equal(small, "0123456");
	assert_int_equal(format_buf(small, 1, "abc"), 3);
	assert_string_equal(small, "");
	assert_int_equal(format_buf(NULL, 0, "abc%d", 12), 5);
}

static void test_out_printf_writes_to_sink(void **state)
{
	struct text_buffer b = { .len = 0 };
	struct out o = { text_buffer_sink, &b };

	out_printf(&o, "%s=%u\n", "count", 3u);
	out_printf(&o, "%-4s|\n", "x");
	assert_string_equal(b.text, "count=3\nx   |\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_and_percent),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_unsigned_and_hex),
		cmocka_unit_test(test_width_and_padding),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_thousands_grouping),
		cmocka_unit_test(test_pointer_char_string),
		cmocka_unit_test(test_unknown_conversion_is_shown),
		cmocka_unit_test(test_buffer_truncation),
		cmocka_unit_test(test_out_printf_writes_to_sink),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
