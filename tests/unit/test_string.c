/* lib/string.c, compiled under lib_* names beside the host's C library. */
#include "unit.h"

#include "tests/unit/host_rename.h"
#include "lib/string.h"

static void test_memmove_overlapping_both_ways(void **state)
{
	char a[] = "abcdefgh";

	lib_memmove(a + 2, a, 5);
	assert_memory_equal(a, "ababcdeh", 8);
	lib_memmove(a, a + 2, 5);
	assert_memory_equal(a, "abcdedeh", 8);
}

static void test_memset_memcpy_memcmp(void **state)
{
	char a[8], b[8];

	lib_memset(a, 'x', sizeof(a));
	lib_memcpy(b, a, sizeof(b));
	assert_int_equal(lib_memcmp(a, b, 8), 0);
	b[5] = 'y';
	assert_true(lib_memcmp(a, b, 8) < 0);
	assert_true(lib_memcmp(b, a, 8) > 0);
	assert_int_equal(lib_memcmp(a, b, 5), 0);
}

static void test_string_length_and_compare(void **state)
{
	assert_int_equal(lib_strlen(""), 0);
	assert_int_equal(lib_strlen("pmuvisor"), 8);
	assert_int_equal(lib_strnlen("pmuvisor", 3), 3);
	assert_int_equal(lib_strcmp("abc", "abc"), 0);
	assert_true(lib_strcmp("abc", "abd") < 0);
	assert_true(lib_strcmp("abc", "ab") > 0);
	assert_int_equal(lib_strncmp("abcx", "abcy", 3), 0);
	assert_true(lib_strcmp("\xff", "a") > 0); /* compares as unsigned char */
	assert_string_equal(lib_strchr("key=value", '='), "=value");
	assert_null(lib_strchr("key", '='));
}

static void test_case_insensitive_equal(void **state)
{
	assert_true(str_case_equal("COM2", "com2"));
	assert_false(str_case_equal("com2", "com"));
	assert_false(str_case_equal("com", "com2"));
}

static void test_str_copy_truncates_and_terminates(void **state)
{
	char small[4];

	assert_int_equal(str_copy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(str_copy(small, "ab", sizeof(small)), 2);
	assert_string_equal(small, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmove_overlapping_both_ways),
		cmocka_unit_test(test_memset_memcpy_memcmp),
		cmocka_unit_test(test_string_length_and_compare),
		cmocka_unit_test(test_case_insensitive_equal),
		cmocka_unit_test(test_str_copy_truncates_and_terminates),
	};

	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
