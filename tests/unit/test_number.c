/* lib/number.c: numbers as users type them (config values, later the shell). */
#include "unit.h"

#include "lib/number.h"

static void test_decimal_and_hex(void **state)
{
	uint64_t v;

	assert_int_equal(parse_unsigned("115200", UINT64_MAX, &v), 0);
	assert_int_equal(v, 115200);
	assert_int_equal(parse_unsigned("0x2F8", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x2f8);
	assert_int_equal(parse_unsigned("0", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_unsigned("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_rejects_garbage(void **state)
{
	uint64_t v = 99;

	assert_int_equal(parse_unsigned("", 100, &v), -1);
	assert_int_equal(parse_unsigned("0x", 100, &v), -1);
	assert_int_equal(parse_unsigned("12x", 100, &v), -1);
	assert_int_equal(parse_unsigned("-1", 100, &v), -1);
	assert_int_equal(parse_unsigned(" 1", 100, &v), -1);
	assert_int_equal(parse_unsigned("0x1g", 100, &v), -1);
	assert_int_equal(v, 99); /* untouched on error */
}

static void test_rejects_values_above_max(void **state)
{
	uint64_t v;

	assert_int_equal(parse_unsigned("101", 100, &v), -1);
	assert_int_equal(parse_unsigned("100", 100, &v), 0);
	assert_int_equal(parse_unsigned("18446744073709551616", UINT64_MAX, &v), -1);
	assert_int_equal(parse_unsigned("0x10000000000000000", UINT64_MAX, &v), -1);
	assert_int_equal(parse_unsigned("5", 3, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_and_hex),
		cmocka_unit_test(test_rejects_garbage),
		cmocka_unit_test(test_rejects_values_above_max),
	};

	return cmocka_run_group_tests_name("number", tests, NULL, NULL);
}
