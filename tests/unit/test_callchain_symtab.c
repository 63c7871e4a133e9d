/*
 * guest/callchain.c: a frame-pointer walk that stops at the first thing
 * that is not a frame; lib/symtab.c: pmuvisor's embedded symbol table
 * (the layout tools/mksyms writes).
 */
#include "unit.h"

#include "guest/callchain.h"
#include "lib/symtab.h"

/* ---- call chains: a fake guest stack ---------------------------------------- */

#define STACK 0x7ffd0000ull
static uint64_t stack[512]; /* guest-virtual STACK .. STACK + 4 KiB */

static int stack_read(void *ctx, uint64_t gva, void *dst, size_t len)
{
	if (gva < STACK || gva + len > STACK + sizeof(stack) || gva + len < gva)
		return -1;
	memcpy(dst, (uint8_t *)stack + (gva - STACK), len);
	return 0;
}

static const struct kallsyms_reader reader = { stack_read, 0 };

/* Frames at word indexes 10 -> 20 -> 40, returning into 0x401100, 0x401200, 0x401300. */
static void three_frames(void)
{
	memset(stack, 0, sizeof(stack));
	stack[10] = STACK + 20 * 8;
	stack[11] = 0x401100;
	stack[20] = STACK + 40 * 8;
	stack[21] = 0x401200;
	stack[40] = 0; /* the outermost frame: RBP 0 ends the chain */
	stack[41] = 0x401300;
}

static void test_walks_frames_innermost_first(void **state)
{
	uint64_t out[8];

	three_frames();
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, STACK + 80, out, 8), 3);
	assert_true(out[0] == 0x401100 && out[1] == 0x401200 && out[2] == 0x401300);
}

static void test_depth_is_bounded(void **state)
{
	uint64_t out[8];

	three_frames();
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, STACK + 80, out, 2), 2);
}

static void test_no_frame_pointer_gives_a_short_chain_not_an_invented_one(void **state)
{
	uint64_t out[8];

	three_frames();
	/* RBP used as a plain register: below RSP, misaligned, unmapped, zero. */
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 400, STACK + 80, out, 8), 0);
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, STACK + 81, out, 8), 0);
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, 0xdead0000, out, 8), 0);
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, 0, out, 8), 0);
	/* A loop (a frame pointing at itself or back down) ends the walk. */
	stack[20] = STACK + 10 * 8;
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, STACK + 80, out, 8), 2);
	/* A return address in the other half than the sample ends it. */
	three_frames();
	stack[21] = 0xffffffff81000000ull;
	assert_int_equal(callchain_walk(&reader, true, 0x401000, STACK + 8, STACK + 80, out, 8), 1);
	/* ... so for a Linux kernel sample, lower-half addresses are not callers. */
	three_frames();
	assert_int_equal(callchain_walk(&reader, false, 0xffffffff81000000ull, STACK + 8, STACK + 80, out, 8), 0);
}

static void test_firmware_code_in_the_lower_half_walks_at_cpl0(void **state)
{
	uint64_t out[8];

	three_frames();
	assert_int_equal(callchain_walk(&reader, false, 0x7f001000, STACK + 8, STACK + 80, out, 8), 3);
}

static void test_frames_beyond_the_stack_span_are_refused(void **state)
{
	uint64_t out[8];

	three_frames();
	/* A kernel stack is 16 KiB: a frame further above RSP is not on it. */
	assert_int_equal(callchain_walk(&reader, false, 0x7f001000, STACK + 80 - CALLCHAIN_KERNEL_SPAN - 8,
					STACK + 80, out, 8), 0);
	assert_int_equal(callchain_walk(&reader, false, 0x7f001000, STACK + 80 - CALLCHAIN_KERNEL_SPAN,
					STACK + 80, out, 1), 1);
}

/* ---- symtab ------------------------------------------------------------------ */

static uint8_t blob[256];

static size_t make_table(void)
{
	/* header, 3 entries (offsets 0x10, 0x40, 0x100), strings */
	const char strings[] = "core_entry\0handle_cpuid\0prof_start";
	uint32_t head[4] = { 0x4d595350, 3, 16 + 24, (uint32_t)(16 + 24 + sizeof(strings)) };
	uint32_t entries[6] = { 0x10, 0, 0x40, 11, 0x100, 24 };

	memcpy(blob, head, 16);
	memcpy(blob + 16, entries, 24);
	memcpy(blob + 40, strings, sizeof(strings));
	return 40 + sizeof(strings);
}

static void test_symtab_names_the_function_at_or_below(void **state)
{
	struct symtab t;
	uint64_t start;
	const char *name;
	const uint64_t base = 0xffffffff80000000ull;

	assert_int_equal(symtab_open(&t, blob, make_table(), base), 0);
	assert_int_equal(symtab_lookup(&t, base + 0x45, base + 0x200, &start, &name), 0);
	assert_string_equal(name, "handle_cpuid");
	assert_true(start == base + 0x40);
	assert_int_equal(symtab_lookup(&t, base + 0x10, base + 0x200, &start, &name), 0);
	assert_string_equal(name, "core_entry");
	assert_int_equal(symtab_lookup(&t, base + 0x1ff, base + 0x200, &start, &name), 0);
	assert_string_equal(name, "prof_start");
	/* Before the first function, and past the end of the code. */
	assert_int_equal(symtab_lookup(&t, base + 0xf, base + 0x200, &start, &name), -1);
	assert_int_equal(symtab_lookup(&t, base + 0x200, base + 0x200, &start, &name), -1);
}

static void test_symtab_refuses_a_damaged_blob(void **state)
{
	struct symtab t;
	size_t size = make_table();

	assert_int_equal(symtab_open(&t, blob, size - 1, 0), -1); /* size mismatch */
	blob[0] ^= 1;
	assert_int_equal(symtab_open(&t, blob, size, 0), -1);     /* magic */
	make_table();
	blob[size - 1] = 'x';
	assert_int_equal(symtab_open(&t, blob, size, 0), -1);     /* unterminated string */
	assert_int_equal(symtab_open(&t, blob, 0, 0), -1);        /* empty: no table embedded */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walks_frames_innermost_first),
		cmocka_unit_test(test_depth_is_bounded),
		cmocka_unit_test(test_no_frame_pointer_gives_a_short_chain_not_an_invented_one),
		cmocka_unit_test(test_firmware_code_in_the_lower_half_walks_at_cpl0),
		cmocka_unit_test(test_frames_beyond_the_stack_span_are_refused),
		cmocka_unit_test(test_symtab_names_the_function_at_or_below),
		cmocka_unit_test(test_symtab_refuses_a_damaged_blob),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
