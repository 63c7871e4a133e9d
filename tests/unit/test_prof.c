/*
 * The profiler's pure parts: the sampling clock (pmu/prof_clock.c), the
 * 'prof start' arguments (pmu/prof_request.c), the report's grouping and
 * layout (pmu/prof_report.c) and the dump encoding (pmu/prof_dump.c).
 */
#include "unit.h"

#include "pmu/prof_clock.h"
#include "pmu/prof_dump.h"
#include "pmu/prof_report.h"
#include "pmu/prof_request.h"

static struct text_buffer buf;
static const struct out out = { text_buffer_sink, &buf };

static void reset(void)
{
	buf.len = 0;
	buf.text[0] = '\0';
}

/* ---- clock --------------------------------------------------------------- */

static void test_clock_periods_average_the_period_within_the_jitter(void **state)
{
	struct prof_clock c;
	uint64_t ticks = 0, samples = 0, min = UINT64_MAX, max = 0, i;

	prof_clock_start(&c, 20000, 1);
	for (i = 0; i < 100000; i++) {
		uint64_t left = c.left;

		if (left < min) min = left;
		if (left > max) max = left;
		samples += prof_clock_advance(&c, left); /* run exactly to the sample */
		ticks += left;
	}
	assert_int_equal(samples, 100000);
	/* +/-12.5 %: 17,500 .. 22,500. */
	assert_true(min >= 17500 && max <= 22500);
	assert_true(min < 17600 && max > 22400);
	/* The mean period is the period, within 0.1 %. */
	assert_true(ticks / samples > 19980 && ticks / samples < 20020);
}

static void test_clock_counts_every_sample_in_a_long_interval(void **state)
{
	struct prof_clock c;

	prof_clock_start(&c, 1000, 7);
	/* A million ticks at once (the guest ran on past the deadline, or a
	 * long exit): about a thousand samples fell due, none lost. */
	unsigned due = prof_clock_advance(&c, 1000000);

	assert_true(due >= 990 && due <= 1010);
	assert_int_equal(prof_clock_advance(&c, 0), 0);
}

static void test_clock_timer_value_scales_caps_and_is_never_zero(void **state)
{
	struct prof_clock c;

	prof_clock_start(&c, 20000, 3);
	c.left = 20000;
	assert_int_equal(prof_clock_timer_value(&c, 0, 1000000), 20000);
	assert_int_equal(prof_clock_timer_value(&c, 5, 1000000), 625); /* TSC >> 5 */
	assert_int_equal(prof_clock_timer_value(&c, 0, 500), 500);     /* the console polls first */
	c.left = 3;
	assert_int_equal(prof_clock_timer_value(&c, 5, 500), 1);       /* 0 would exit at once */
}

/* ---- prof start arguments ------------------------------------------------ */

static int parse(const char *line, struct prof_request *r)
{
	static char copy[256];
	char *argv[8];
	int argc = 0;
	char *p;

	snprintf(copy, sizeof(copy), "%s", line);
	for (p = strtok(copy, " "); p && argc < 8; p = strtok(0, " "))
		argv[argc++] = p;
	reset();
	return prof_request_parse(argc, argv, r, &out);
}

static void test_start_defaults_and_options(void **state)
{
	struct prof_request r;

	assert_int_equal(parse("", &r), 0);
	assert_int_equal(r.backend, PROF_BACKEND_AUTO);
	assert_null(r.event);
	assert_int_equal(r.period, 0);
	assert_int_equal(r.freq_hz, 0);
	assert_int_equal(r.chain_depth, 0);
	assert_int_equal(parse("event=instructions period=20000 callchain backend=timer", &r), 0);
	assert_string_equal(r.event->name, "instructions");
	assert_int_equal(r.event->code, 0x00c0);
	assert_int_equal(r.event->fixed, 0);
	assert_int_equal(r.period, 20000);
	assert_int_equal(r.chain_depth, PROF_DEFAULT_CHAIN_DEPTH);
	assert_int_equal(r.backend, PROF_BACKEND_TIMER);
	assert_int_equal(parse("raw=0x412e freq=4000 callchain=3 backend=HW", &r), 0);
	assert_true(r.raw);
	assert_int_equal(r.raw_code, 0x412e);
	assert_int_equal(r.freq_hz, 4000);
	assert_int_equal(r.chain_depth, 3);
	assert_int_equal(r.backend, PROF_BACKEND_HW);
}

static void test_start_errors_name_the_argument(void **state)
{
	struct prof_request r;

	assert_int_equal(parse("event=flops", &r), -1);
	assert_string_equal(buf.text, "prof start: unknown event 'flops' (cycles, instructions, ref-cycles, "
				      "LLC-references, LLC-misses, branches, branch-misses; or raw=0xUMASK_EVENT)\n");
	assert_int_equal(parse("period=10", &r), -1);
	assert_string_equal(buf.text, "prof start: bad value '10' for period (a number from 1000 to "
				      "1099511627776)\n");
	assert_int_equal(parse("freq=0", &r), -1);
	assert_int_equal(parse("callchain=17", &r), -1);
	assert_string_equal(buf.text, "prof start: bad value '17' for callchain (a number from 1 to 16)\n");
	assert_int_equal(parse("period=20000 freq=100", &r), -1);
	assert_string_equal(buf.text, "prof start: give period= or freq=, not both\n");
	assert_int_equal(parse("event=cycles raw=0x3c", &r), -1);
	assert_string_equal(buf.text, "prof start: give event= or raw=, not both\n");
	assert_int_equal(parse("backend=magic", &r), -1);
	assert_string_equal(buf.text, "prof start: unknown backend 'magic' (hw or timer)\n");
	assert_int_equal(parse("colour=red", &r), -1);
	assert_int_equal(parse("event", &r), -1);
	assert_string_equal(buf.text, "prof start: 'event' needs a value (event=...)\n");
}

/* ---- report -------------------------------------------------------------- */

#define K(x) (0xffffffff81000000ull + (x))
#define V(x) (0xffffffff80000000ull + (x))

static const struct sample fixture[] = {
	{ 1, K(0x105), 0x1000, 0, SAMPLE_GUEST_KERNEL, 0, 0, { 0 } }, /* clear_user */
	{ 2, K(0x110), 0x1000, 0, SAMPLE_GUEST_KERNEL, 0, 0, { 0 } }, /* clear_user */
	{ 3, K(0x100), 0x1000, 0, SAMPLE_GUEST_KERNEL, 0, 0, { 0 } }, /* clear_user */
	{ 4, K(0x205), 0x1000, 0, SAMPLE_GUEST_KERNEL, 1, 0, { K(0x210) } }, /* do_syscall_64 */
	{ 5, V(0x40), 0x1000, 0, SAMPLE_PMUVISOR, 0, 10, { 0 } },    /* handle_cpuid */
	{ 6, V(0x40), 0x1000, 0, SAMPLE_PMUVISOR, 0, 10, { 0 } },
	{ 7, 0x401000, 0x4000, 0, SAMPLE_GUEST_USER, 0, 0, { 0 } },
	{ 8, 0x401004, 0x5000, 0, SAMPLE_GUEST_USER, 0, 0, { 0 } }, /* PTI user half of 0x4000 */
	{ 9, 0x401000, 0x8000, 0, SAMPLE_GUEST_USER, 0, 0, { 0 } },
	{ 10, K(0x900000), 0x1000, 0, SAMPLE_GUEST_KERNEL, 0, 0, { 0 } }, /* a module: no symbol */
};

static int fixture_get(void *ctx, uint64_t i, struct sample *s)
{
	*s = fixture[i];
	return 1;
}

static uint64_t fake_lookup(void *ctx, enum sample_mode mode, uint64_t a)
{
	if (mode == SAMPLE_PMUVISOR)
		return a >= V(0x40) && a < V(0x80) ? V(0x40) : 0;
	if (a >= K(0x100) && a < K(0x200))
		return K(0x100);
	if (a >= K(0x200) && a < K(0x300))
		return K(0x200);
	return 0;
}

static void fake_name(void *ctx, enum sample_mode mode, uint64_t start, char *b, size_t size)
{
	const char *n = start == V(0x40) ? "handle_cpuid" : start == K(0x100) ? "clear_user"
			: start == K(0x200) ? "do_syscall_64" : "";

	snprintf(b, size, "%s", n);
}

static struct prof_row rows[16];

static void run_report(enum prof_group group, unsigned top)
{
	struct prof_samples s = { sizeof(fixture) / sizeof(fixture[0]), fixture_get, 0 };
	struct prof_symbolizer sym = { fake_lookup, fake_name, 0 };
	struct prof_table t = { rows, 16 };
	struct prof_report_options opt = { group, top, "# test" };

	reset();
	assert_int_equal(prof_report(&s, &sym, &t, &opt, &out), 10);
}

static void test_report_by_symbol_most_first_with_address_spaces(void **state)
{
	run_report(PROF_BY_SYMBOL, 0);
	/* Kernel and user halves of a PTI pair (0x4000, 0x5000) are one space. */
	assert_string_equal(buf.text,
		"# test\n"
		"%SAMPLES    SAMPLES  FUNCTION                                     MODULE\n"
		"  30.00%          3  clear_user                                   vmlinux\n"
		"  20.00%          2  [guest user cr3=0x4000]                      [guest user]\n"
		"  20.00%          2  handle_cpuid                                 pmuvisor\n"
		"  10.00%          1  [guest user cr3=0x8000]                      [guest user]\n"
		"  10.00%          1  [unknown guest kernel]                       vmlinux\n"
		"  10.00%          1  do_syscall_64                                vmlinux\n");
}

static void test_report_top_says_what_is_left_out(void **state)
{
	run_report(PROF_BY_SYMBOL, 2);
	assert_non_null(strstr(buf.text, "  (4 more rows: 5 samples)\n"));
}

static void test_report_by_module_and_mode(void **state)
{
	run_report(PROF_BY_MODULE, 0);
	assert_non_null(strstr(buf.text, "  50.00%          5  vmlinux"));
	assert_non_null(strstr(buf.text, "  30.00%          3  [guest user]"));
	assert_non_null(strstr(buf.text, "  20.00%          2  pmuvisor"));
	run_report(PROF_BY_MODE, 0);
	assert_non_null(strstr(buf.text, "MODE"));
	assert_non_null(strstr(buf.text, "  50.00%          5  guest kernel"));
}

static void test_report_by_address_names_function_and_offset(void **state)
{
	run_report(PROF_BY_ADDRESS, 0);
	assert_non_null(strstr(buf.text, "  10.00%          1  0xffffffff81000105 clear_user+0x5"));
	assert_non_null(strstr(buf.text, "  20.00%          2  0xffffffff80000040 handle_cpuid+0x0"));
	assert_non_null(strstr(buf.text, "  10.00%          1  0x401004 "));
}

static void test_report_by_caller_uses_the_first_return_address(void **state)
{
	run_report(PROF_BY_CALLER, 0);
	assert_non_null(strstr(buf.text, "CALLED FROM"));
	/* Per mode (and address space): the kernel samples without one. */
	assert_non_null(strstr(buf.text, "  40.00%          4  [no call chain]"));
	assert_non_null(strstr(buf.text, "  10.00%          1  0xffffffff81000210 do_syscall_64+0x10"));
}

static void test_report_full_table_counts_what_it_could_not_group(void **state)
{
	struct prof_samples s = { sizeof(fixture) / sizeof(fixture[0]), fixture_get, 0 };
	struct prof_symbolizer sym = { fake_lookup, fake_name, 0 };
	struct prof_table t = { rows, 2 };
	struct prof_report_options opt = { PROF_BY_ADDRESS, 0, 0 };

	reset();
	assert_int_equal(prof_report(&s, &sym, &t, &opt, &out), 2);
	assert_non_null(strstr(buf.text, "(8 samples not grouped: more than 2 distinct rows)"));
}

static void test_report_exits_exact_and_sorted(void **state)
{
	const struct prof_exit_time e[] = {
		{ "RDMSR", "handle_rdmsr", 10, 1250 },
		{ "CPUID", "handle_cpuid", 1000, 123000 },
		{ "VMX-preemption timer", "handle_preemption_timer", 50, 5000 },
	};

	reset();
	prof_report_exits(e, 3, 1000000, "# exits", 0, &out);
	assert_string_equal(buf.text,
		"# exits\n"
		"   %TIME        TSC TICKS        EXITS   PER EXIT  EXIT REASON                  HANDLER\n"
		"  12.30%          123,000        1,000        123  CPUID                        handle_cpuid\n"
		"   0.50%            5,000           50        100  VMX-preemption timer         handle_preemption_timer\n"
		"   0.13%            1,250           10        125  RDMSR                        handle_rdmsr\n"
		"  12.93%          129,250  in pmuvisor, of 1,000,000 TSC ticks profiled\n");
}

/* ---- dump ---------------------------------------------------------------- */

static void test_dump_line_checksum_is_crc32(void **state)
{
	/* The CRC-32 check value (zlib's crc32 of "123456789"). */
	assert_int_equal(prof_crc32("123456789", 9), 0xcbf43926);
	reset();
	prof_dump_line(&out, "E 0");
	assert_string_equal(buf.text, "E 0 *3a4d8237\n");
}

static void test_dump_sample_fields(void **state)
{
	struct sample s = { 0x1234, 0xffffffff81000105ull, 0x1000, 0, SAMPLE_GUEST_KERNEL, 2, 0,
			    { 0xffffffff81000200ull, 0xffffffff81000300ull } };
	char line[400];

	prof_dump_sample(line, sizeof(line), 7, &s);
	assert_string_equal(line, "S 7 1234 0 k ffffffff81000105 1000 - 2 ffffffff81000200 ffffffff81000300");
	s.mode = SAMPLE_PMUVISOR;
	s.exit_reason = 10;
	s.chain_depth = 0;
	prof_dump_sample(line, sizeof(line), 8, &s);
	assert_string_equal(line, "S 8 1234 0 v ffffffff81000105 1000 10 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_periods_average_the_period_within_the_jitter),
		cmocka_unit_test(test_clock_counts_every_sample_in_a_long_interval),
		cmocka_unit_test(test_clock_timer_value_scales_caps_and_is_never_zero),
		cmocka_unit_test(test_start_defaults_and_options),
		cmocka_unit_test(test_start_errors_name_the_argument),
		cmocka_unit_test(test_report_by_symbol_most_first_with_address_spaces),
		cmocka_unit_test(test_report_top_says_what_is_left_out),
		cmocka_unit_test(test_report_by_module_and_mode),
		cmocka_unit_test(test_report_by_address_names_function_and_offset),
		cmocka_unit_test(test_report_by_caller_uses_the_first_return_address),
		cmocka_unit_test(test_report_full_table_counts_what_it_could_not_group),
		cmocka_unit_test(test_report_exits_exact_and_sorted),
		cmocka_unit_test(test_dump_line_checksum_is_crc32),
		cmocka_unit_test(test_dump_sample_fields),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
