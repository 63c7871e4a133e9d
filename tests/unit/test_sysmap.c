/* guest/sysmap.c: symbols= files (System.map, /proc/kallsyms) become the
 * table lib/symtab.c looks up. */
#include "unit.h"

#include "guest/sysmap.h"
#include "lib/symtab.h"

static uint8_t out[1 << 16] __attribute__((aligned(8)));

static size_t build(const char *text, struct sysmap_error *err)
{
	memset(err, 0, sizeof(*err));
	return sysmap_build(text, strlen(text), out, sizeof(out), err);
}

static const char *name_at(uint64_t address)
{
	struct symtab t;
	uint64_t base, start;
	const char *name;

	memcpy(&base, out, 8);
	assert_int_equal(symtab_open(&t, out + 8, *(uint32_t *)(void *)(out + 8 + 12), base), 0);
	if (symtab_lookup(&t, address, ~0ull, &start, &name) < 0)
		return "(none)";
	return name;
}

static void test_system_map_text_symbols(void **state)
{
	struct sysmap_error err;
	const char *map = "0000000000000000 D __per_cpu_start\n"
			  "ffffffff81000000 T _stext\n"
			  "ffffffff81000000 T _text\n"
			  "ffffffff81001000 t early_helper\n"
			  "ffffffff81002000 D some_data\n"
			  "ffffffff81c00080 T entry_SYSCALL_64\n"
			  "ffffffff81c00100 W weak_one\r\n"
			  "\n";
	size_t n = build(map, &err);

	assert_true(n > 0);
	assert_string_equal(name_at(0xffffffff81001010ull), "early_helper");
	assert_string_equal(name_at(0xffffffff81002010ull), "early_helper"); /* data skipped */
	assert_string_equal(name_at(0xffffffff81c00085ull), "entry_SYSCALL_64");
	assert_string_equal(name_at(0xffffffff81c00101ull), "weak_one");
	assert_string_equal(name_at(0xffffffff80ffffffull), "(none)");
}

static void test_proc_kallsyms_unsorted_with_modules(void **state)
{
	struct sysmap_error err;
	const char *kallsyms = "ffffffffc0400000 t e1000_probe\t[e1000]\n"
			       "ffffffffa3800000 T _text\n"
			       "ffffffffa3a00000 T do_syscall_64\n"
			       "ffffffffc0400100 t e1000_xmit\t[e1000]\n";

	assert_true(build(kallsyms, &err) > 0);
	assert_string_equal(name_at(0xffffffffa3a00010ull), "do_syscall_64");
	assert_string_equal(name_at(0xffffffffc0400050ull), "e1000_probe");
	assert_string_equal(name_at(0xffffffffc0400150ull), "e1000_xmit");
}

static void test_bad_files_name_the_line(void **state)
{
	struct sysmap_error err;

	assert_int_equal(build("ffffffff81000000 T _text\nhello world\n", &err), 0);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.message, "not 'ADDRESS TYPE NAME'");
	assert_int_equal(build("ffffffff81000000 T \n", &err), 0);
	assert_string_equal(err.message, "no symbol name");
	assert_int_equal(build("0000000000000000 T _text\n0000000000000000 t a\n", &err), 0);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, "every address is 0 (/proc/kallsyms read without root shows zeros)");
	assert_int_equal(build("ffffffff81000000 D data\n", &err), 0);
	assert_string_equal(err.message, "no text symbols (types T, t, W, w)");
	assert_int_equal(build("0000000000001000 T low\nffffffff81000000 T high\n", &err), 0);
	assert_string_equal(err.message, "the text symbols span more than 4 GiB");
	assert_int_equal(build("12345678901234567 T long\n", &err), 0); /* 17 hex digits */
	assert_int_equal(err.line, 1);
}

static void test_space_is_checked(void **state)
{
	struct sysmap_error err;
	const char *map = "ffffffff81000000 T _text\n";

	assert_int_equal(sysmap_build(map, strlen(map), out, sysmap_bound(strlen(map)) - 1, &err), 0);
	assert_string_equal(err.message, "too large for the space set aside");
	assert_true(sysmap_build(map, strlen(map), out, sysmap_bound(strlen(map)), &err) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_map_text_symbols),
		cmocka_unit_test(test_proc_kallsyms_unsorted_with_modules),
		cmocka_unit_test(test_bad_files_name_the_line),
		cmocka_unit_test(test_space_is_checked),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
