/* lib/ucs2.c: firmware strings <-> ASCII. */
#include "unit.h"

#include "lib/ucs2.h"

static void test_round_trip(void **state)
{
	uint16_t wide[16];
	char back[16];

	assert_int_equal(ascii_to_ucs2(wide, 16, "\\vmlinuz"), 8);
	assert_int_equal(wide[0], '\\');
	assert_int_equal(wide[8], 0);
	assert_int_equal(ucs2_to_ascii(back, sizeof(back), wide, 16), 8);
	assert_string_equal(back, "\\vmlinuz");
}

static void test_too_small_is_refused(void **state)
{
	uint16_t wide[4];
	char back[4];
	const uint16_t src[] = { 'a', 'b', 'c', 'd', 0 };

	assert_int_equal(ascii_to_ucs2(wide, 4, "abcd"), -1);
	assert_int_equal(ascii_to_ucs2(wide, 5 - 1, "abc"), 3);
	assert_int_equal(ucs2_to_ascii(back, sizeof(back), src, 5), -1);
}

static void test_non_ascii_and_control_refused(void **state)
{
	char back[8];
	const uint16_t accented[] = { 'c', 0xe9, 0 };
	const uint16_t control[] = { 'a', 0x01, 0 };
	const uint16_t tab[] = { 'a', '\t', 'b', 0 };

	assert_int_equal(ucs2_to_ascii(back, sizeof(back), accented, 3), -1);
	assert_int_equal(ucs2_to_ascii(back, sizeof(back), control, 3), -1);
	assert_int_equal(ucs2_to_ascii(back, sizeof(back), tab, 3), 3);
	assert_string_equal(back, "a b");
}

static void test_stops_at_size_without_nul(void **state)
{
	char back[8];
	const uint16_t src[] = { 'a', 'b', 'c' };

	assert_int_equal(ucs2_to_ascii(back, sizeof(back), src, 2), 2);
	assert_string_equal(back, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_too_small_is_refused),
		cmocka_unit_test(test_non_ascii_and_control_refused),
		cmocka_unit_test(test_stops_at_size_without_nul),
	};

	return cmocka_run_group_tests_name("ucs2", tests, NULL, NULL);
}
