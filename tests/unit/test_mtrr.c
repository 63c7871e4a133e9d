/* vmx/mtrr.c: memory types from the MTRRs (SDM Vol. 3A, 12.11). */
#include "unit.h"
#include "mtrr_fixtures.h"

#include "vmx/mtrr.h"

#define UC MTRR_TYPE_UC
#define WC MTRR_TYPE_WC
#define WT MTRR_TYPE_WT
#define WP MTRR_TYPE_WP
#define WB MTRR_TYPE_WB

#define MIB 0x100000ull
#define GIB 0x40000000ull


/* IA32_MTRR_PHYSMASKn for a naturally aligned power-of-two range. */
static uint64_t physmask(unsigned maxphyaddr, uint64_t size)
{
	return (((1ull << maxphyaddr) - 1) & ~(size - 1)) | MTRR_PHYSMASK_VALID;
}

/* Default type WB, no fixed ranges, 'count' variable ranges to fill in. */
static struct mtrr_state plain_wb(unsigned count)
{
	struct mtrr_state s = { .cap = MTRRCAP_WC | count,
				.def_type = MTRR_DEF_TYPE_E | WB,
				.maxphyaddr = 39 };

	return s;
}

static void set_variable(struct mtrr_state *s, unsigned i, uint64_t base, uint64_t size, uint8_t type)
{
	s->variable[i].base = base | type;
	s->variable[i].mask = physmask(39, size);
}

/* 0xff when [base, base + size) has no single type. */
static unsigned range_type(const struct mtrr_state *s, uint64_t base, uint64_t size)
{
	uint8_t type = 0xaa;

	if (!mtrr_range_type(s, base, size, &type)) {
		assert_int_equal(type, 0xaa); /* left alone when not uniform */
		return 0xff;
	}
	return type;
}

static void test_fixed_range_msr_table_covers_first_mib_in_order(void **state)
{
	assert_int_equal(mtrr_fixed_msrs[0].msr, 0x250);
	assert_int_equal(mtrr_fixed_msrs[0].unit, 0x10000);
	assert_int_equal(mtrr_fixed_msrs[1].msr, 0x258);
	assert_int_equal(mtrr_fixed_msrs[1].base, 0x80000);
	assert_int_equal(mtrr_fixed_msrs[2].msr, 0x259);
	assert_int_equal(mtrr_fixed_msrs[2].base, 0xa0000);
	assert_int_equal(mtrr_fixed_msrs[2].unit, 0x4000);
	assert_string_equal(mtrr_fixed_msrs[10].name, "IA32_MTRR_FIX4K_F8000");
	assert_int_equal(mtrr_fixed_msrs[0].base, 0);
	for (unsigned i = 3; i < MTRR_FIXED_MSRS; i++) {
		assert_int_equal(mtrr_fixed_msrs[i].msr, 0x268 + (i - 3));
		assert_int_equal(mtrr_fixed_msrs[i].unit, 0x1000);
	}
	for (unsigned i = 0; i + 1 < MTRR_FIXED_MSRS; i++)
		assert_int_equal(mtrr_fixed_msrs[i + 1].base,
				 mtrr_fixed_msrs[i].base + 8 * mtrr_fixed_msrs[i].unit);
	assert_int_equal(mtrr_fixed_msrs[10].base + 8 * mtrr_fixed_msrs[10].unit, MIB);
}

static void test_mtrrs_disabled_make_everything_uc(void **state)
{
	struct mtrr_state s = typical_pc;

	s.def_type &= ~(uint64_t)MTRR_DEF_TYPE_E; /* FE and type WB stay set */
	assert_int_equal(mtrr_type_of(&s, 0), UC);
	assert_int_equal(mtrr_type_of(&s, 0xc0000), UC);
	assert_int_equal(mtrr_type_of(&s, 0x40000000), UC);
	assert_int_equal(range_type(&s, 0, 4 * GIB), UC);
}

static void test_default_type_applies_outside_variable_ranges(void **state)
{
	assert_int_equal(mtrr_type_of(&typical_pc, MIB), WB);
	assert_int_equal(mtrr_type_of(&typical_pc, 0xbfffffff), WB);
	assert_int_equal(mtrr_type_of(&typical_pc, 0xc0000000), UC);
	assert_int_equal(mtrr_type_of(&typical_pc, 0xfee00000), UC);
	assert_int_equal(mtrr_type_of(&typical_pc, 0xffffffff), UC);
	assert_int_equal(mtrr_type_of(&typical_pc, 0x100000000), WB);
}

static void test_fixed_ranges_give_the_first_mib_its_types(void **state)
{
	struct mtrr_state s = typical_pc;

	assert_int_equal(mtrr_type_of(&s, 0), WB);
	assert_int_equal(mtrr_type_of(&s, 0x9ffff), WB);
	assert_int_equal(mtrr_type_of(&s, 0xa0000), UC);
	assert_int_equal(mtrr_type_of(&s, 0xbffff), UC);
	assert_int_equal(mtrr_type_of(&s, 0xc0000), WP);
	assert_int_equal(mtrr_type_of(&s, 0xfffff), WP);
	assert_int_equal(mtrr_type_of(&s, MIB), WB);

	/* Byte 3 (bits 31:24) of IA32_MTRR_FIX4K_E8000 is 0xEB000-0xEBFFF. */
	s.fixed[8] = 0x0505050500050505ull;
	assert_int_equal(mtrr_type_of(&s, 0xeafff), WP);
	assert_int_equal(mtrr_type_of(&s, 0xeb000), UC);
	assert_int_equal(mtrr_type_of(&s, 0xebfff), UC);
	assert_int_equal(mtrr_type_of(&s, 0xec000), WP);
}

static void test_fixed_ranges_ignored_when_fe_clear(void **state)
{
	struct mtrr_state s = typical_pc;

	s.def_type &= ~(uint64_t)MTRR_DEF_TYPE_FE;
	assert_int_equal(mtrr_type_of(&s, 0xa0000), WB);
	assert_int_equal(mtrr_type_of(&s, 0xc0000), WB);
	/* The variable ranges then decide below 1 MiB too. */
	s.variable[1].base = 0 | UC;
	s.variable[1].mask = physmask(39, MIB);
	assert_int_equal(mtrr_type_of(&s, 0x50000), UC);
	assert_int_equal(range_type(&s, 0, MIB), UC);
}

static void test_fixed_ranges_ignored_when_mtrrcap_has_no_fix(void **state)
{
	struct mtrr_state s = typical_pc;

	s.cap &= ~(uint64_t)MTRRCAP_FIX; /* FE still set in IA32_MTRR_DEF_TYPE */
	assert_int_equal(mtrr_type_of(&s, 0xa0000), WB);
	assert_int_equal(range_type(&s, 0, 2 * MIB), WB);
}

static void test_overlap_of_uc_and_wb_is_uc(void **state)
{
	struct mtrr_state s = plain_wb(2);

	set_variable(&s, 0, 0, 2 * GIB, WB);
	set_variable(&s, 1, GIB, 256 * MIB, UC);
	assert_int_equal(mtrr_type_of(&s, GIB), UC);
	assert_int_equal(mtrr_type_of(&s, GIB + 256 * MIB), WB);
	/* The same with the pairs in the other order. */
	set_variable(&s, 0, GIB, 256 * MIB, UC);
	set_variable(&s, 1, 0, 2 * GIB, WB);
	assert_int_equal(mtrr_type_of(&s, GIB + 0x1000), UC);
	assert_int_equal(range_type(&s, GIB, 256 * MIB), UC);
}

static void test_overlap_of_wt_and_wb_is_wt(void **state)
{
	struct mtrr_state s = plain_wb(2);

	set_variable(&s, 0, 0, 2 * GIB, WB);
	set_variable(&s, 1, GIB, 256 * MIB, WT);
	assert_int_equal(mtrr_type_of(&s, GIB), WT);
	assert_int_equal(mtrr_type_of(&s, GIB - 1), WB);
	assert_int_equal(range_type(&s, GIB, 256 * MIB), WT);
}

static void test_other_overlaps_are_undefined_and_taken_as_uc(void **state)
{
	struct mtrr_state s = plain_wb(2);

	set_variable(&s, 0, 0, GIB, WB);
	set_variable(&s, 1, 0, GIB, WC);
	assert_int_equal(mtrr_type_of(&s, 0x1000), UC);
	set_variable(&s, 0, 0, GIB, WP);
	set_variable(&s, 1, 0, GIB, WT);
	assert_int_equal(mtrr_type_of(&s, 0x1000), UC);
	/* Two ranges of the same type are simply that type. */
	set_variable(&s, 0, 0, GIB, WC);
	set_variable(&s, 1, 0, 2 * GIB, WC);
	assert_int_equal(mtrr_type_of(&s, 0x1000), WC);
}

static void test_invalid_pairs_and_pairs_beyond_vcnt_are_ignored(void **state)
{
	struct mtrr_state s = plain_wb(1);

	set_variable(&s, 0, 0, GIB, UC);
	s.variable[0].mask &= ~(uint64_t)MTRR_PHYSMASK_VALID;
	set_variable(&s, 1, 0, GIB, UC); /* VCNT is 1: pair 1 does not exist */
	assert_int_equal(mtrr_type_of(&s, 0x1000), WB);
	assert_int_equal(mtrr_variable_count(&s), 1);
}

static void test_vcnt_above_sixteen_is_reported(void **state)
{
	struct mtrr_state s = plain_wb(8);

	assert_null(mtrr_state_problem(&s));
	s.cap = MTRRCAP_WC | 20;
	assert_int_equal(mtrr_variable_count(&s), 16);
	assert_string_equal(mtrr_state_problem(&s),
			    "IA32_MTRRCAP.VCNT reports more variable-range MTRRs than the 16 pmuvisor reads");
}

static void test_maxphyaddr_defaults_to_36(void **state)
{
	struct mtrr_state s = plain_wb(1);

	s.maxphyaddr = 0;
	assert_int_equal(mtrr_maxphyaddr(&s), 36);
	s.variable[0].base = 0xc0000000 | UC;
	s.variable[0].mask = 0xfc0000800; /* 1 GiB with 36 address bits */
	assert_int_equal(mtrr_type_of(&s, 0xc0000000), UC);
	assert_int_equal(mtrr_type_of(&s, 0xbfffffff), WB);
	s.maxphyaddr = 39;
	assert_int_equal(mtrr_maxphyaddr(&s), 39);
}

static void test_reserved_types_are_taken_as_uc(void **state)
{
	struct mtrr_state s = plain_wb(0);

	s.def_type = MTRR_DEF_TYPE_E | 2; /* 2 is reserved (Table 12-8) */
	assert_int_equal(mtrr_type_of(&s, 0x1000), UC);
	assert_string_equal(mtrr_type_name(WB), "WB");
	assert_string_equal(mtrr_type_name(WP), "WP");
	assert_string_equal(mtrr_type_name(3), "reserved");
}

static void test_range_inside_one_region_is_uniform(void **state)
{
	assert_int_equal(range_type(&typical_pc, 0xc0000000, GIB), UC);
	assert_int_equal(range_type(&typical_pc, GIB, GIB), WB);
	assert_int_equal(range_type(&typical_pc, 0xc0000, 0x40000), WP);
	assert_int_equal(range_type(&typical_pc, 0xa0000, 0x20000), UC);
	assert_int_equal(range_type(&typical_pc, 2 * MIB, 2 * MIB), WB);
	assert_int_equal(range_type(&typical_pc, 0x1000, 0x9f000), WB); /* not a power of two */
	assert_int_equal(range_type(&typical_pc, 0xc0001234, 1), UC);
}

static void test_range_crossing_a_variable_range_boundary_is_not_uniform(void **state)
{
	assert_int_equal(range_type(&typical_pc, 0xbfe00000, 4 * MIB), 0xff);
	assert_int_equal(range_type(&typical_pc, 0xbffff000, 0x2000), 0xff);
	assert_int_equal(range_type(&typical_pc, 0xbfffffff, 2), 0xff);
	assert_int_equal(range_type(&typical_pc, 2 * GIB, 2 * GIB), 0xff);
	assert_int_equal(range_type(&typical_pc, 0xffe00000, 4 * MIB), 0xff);
	assert_int_equal(range_type(&bochs_ovmf_512m, 0, GIB), 0xff);
}

static void test_range_crossing_fixed_range_types_is_not_uniform(void **state)
{
	assert_int_equal(range_type(&typical_pc, 0, 2 * MIB), 0xff);
	assert_int_equal(range_type(&typical_pc, 0x80000, 0x40000), 0xff);
	assert_int_equal(range_type(&typical_pc, 0x9f000, 0x2000), 0xff);
	assert_int_equal(range_type(&typical_pc, 0xff000, 0x2000), 0xff); /* WP then WB */
}

static void test_range_crossing_1mib_sees_the_variable_ranges_above(void **state)
{
	struct mtrr_state s = typical_pc;

	/* Every fixed range WB, but [1 MiB, 2 MiB) UC through a variable range. */
	for (unsigned i = 0; i < MTRR_FIXED_MSRS; i++)
		s.fixed[i] = FIXED_ALL(WB);
	set_variable(&s, 1, MIB, MIB, UC);
	assert_int_equal(range_type(&s, 0, MIB), WB);
	assert_int_equal(range_type(&s, MIB, MIB), UC);
	assert_int_equal(range_type(&s, 0, 2 * MIB), 0xff);
	assert_int_equal(range_type(&s, 0, GIB), 0xff);
}

static void test_range_across_boundaries_of_the_same_type_is_uniform(void **state)
{
	struct mtrr_state s = typical_pc;

	/* Fixed WB below 1 MiB meets default WB above it. */
	for (unsigned i = 2; i < MTRR_FIXED_MSRS; i++)
		s.fixed[i] = FIXED_ALL(WB);
	assert_int_equal(range_type(&s, 0, 2 * MIB), WB);
	/* A WB variable range inside default WB changes nothing. */
	set_variable(&s, 1, GIB, 512 * MIB, WB);
	s.cap = 0x50a;
	assert_int_equal(range_type(&s, 0, 3 * GIB), WB);
	assert_int_equal(range_type(&bochs_ovmf_512m, 0, 0xa0000), WB);
}

static void test_empty_and_wrapping_ranges_have_no_type(void **state)
{
	uint8_t type;

	assert_false(mtrr_range_type(&typical_pc, 0x1000, 0, &type));
	assert_false(mtrr_range_type(&typical_pc, 0xfffffffffffff000ull, 0x2000, &type));
	assert_true(mtrr_range_type(&typical_pc, 0xfffffffffffff000ull, 0x1000, &type));
	assert_int_equal(type, WB);
}

static void test_bochs_ovmf_512m_layout(void **state)
{
	const struct mtrr_state *s = &bochs_ovmf_512m;

	assert_null(mtrr_state_problem(s));
	assert_int_equal(mtrr_variable_count(s), 8);
	assert_int_equal(mtrr_type_of(s, 0x9f000), WB);
	assert_int_equal(mtrr_type_of(s, 0xa0000), UC);
	assert_int_equal(mtrr_type_of(s, 0xfffff), UC);
	assert_int_equal(mtrr_type_of(s, MIB), WB);
	assert_int_equal(mtrr_type_of(s, 0x1fffffff), WB);
	assert_int_equal(mtrr_type_of(s, 0x7fffffff), WB);
	assert_int_equal(mtrr_type_of(s, 0x80000000), UC);
	assert_int_equal(mtrr_type_of(s, 0xfec00000), UC); /* I/O APIC */
	assert_int_equal(mtrr_type_of(s, 0x100000000), WB);
	assert_int_equal(range_type(s, 2 * GIB, 2 * GIB), UC);
	assert_int_equal(range_type(s, GIB, GIB), WB);
	assert_int_equal(range_type(s, 2 * MIB, 510 * MIB), WB);
}

/* The range answer agrees with asking every 4-KiB page, on a state with
 * overlapping ranges, a non-contiguous mask and fixed ranges. */
static void test_range_type_agrees_with_page_by_page_lookup(void **state)
{
	struct mtrr_state s = typical_pc;
	uint64_t seed = 12345;

	s.fixed[4] = 0x0606050504040000ull;
	set_variable(&s, 1, 4 * MIB, 4 * MIB, WT);
	set_variable(&s, 2, 0, 8 * MIB, WB); /* WT over WB in [4, 8) MiB */
	set_variable(&s, 3, 20 * MIB, 0x1000, UC);
	/* Non-contiguous: the lower 2 MiB of each 4 MiB from 32 MiB to 64 MiB. */
	s.variable[4].base = 32 * MIB | WC;
	s.variable[4].mask = (physmask(39, 32 * MIB) | 2 * MIB);
	for (unsigned n = 0; n < 400; n++) {
		uint64_t base, size, page;
		unsigned expected;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		base = ((seed >> 20) % (72 * 256)) * 0x1000;
		size = (((seed >> 40) % 2048) + 1) * 0x1000;
		expected = mtrr_type_of(&s, base);
		for (page = base; page < base + size; page += 0x1000)
			if (mtrr_type_of(&s, page) != expected)
				expected = 0xff;
		if (range_type(&s, base, size) != expected)
			fail_msg("[0x%llx, +0x%llx): range says %u, pages say %u",
				 (unsigned long long)base, (unsigned long long)size,
				 range_type(&s, base, size), expected);
	}
	assert_int_equal(mtrr_type_of(&s, 32 * MIB), WC);
	assert_int_equal(mtrr_type_of(&s, 34 * MIB), WB);
	assert_int_equal(mtrr_type_of(&s, 36 * MIB), WC);
	assert_int_equal(mtrr_type_of(&s, 6 * MIB), WT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_range_msr_table_covers_first_mib_in_order),
		cmocka_unit_test(test_mtrrs_disabled_make_everything_uc),
		cmocka_unit_test(test_default_type_applies_outside_variable_ranges),
		cmocka_unit_test(test_fixed_ranges_give_the_first_mib_its_types),
		cmocka_unit_test(test_fixed_ranges_ignored_when_fe_clear),
		cmocka_unit_test(test_fixed_ranges_ignored_when_mtrrcap_has_no_fix),
		cmocka_unit_test(test_overlap_of_uc_and_wb_is_uc),
		cmocka_unit_test(test_overlap_of_wt_and_wb_is_wt),
		cmocka_unit_test(test_other_overlaps_are_undefined_and_taken_as_uc),
		cmocka_unit_test(test_invalid_pairs_and_pairs_beyond_vcnt_are_ignored),
		cmocka_unit_test(test_vcnt_above_sixteen_is_reported),
		cmocka_unit_test(test_maxphyaddr_defaults_to_36),
		cmocka_unit_test(test_reserved_types_are_taken_as_uc),
		cmocka_unit_test(test_range_inside_one_region_is_uniform),
		cmocka_unit_test(test_range_crossing_a_variable_range_boundary_is_not_uniform),
		cmocka_unit_test(test_range_crossing_fixed_range_types_is_not_uniform),
		cmocka_unit_test(test_range_crossing_1mib_sees_the_variable_ranges_above),
		cmocka_unit_test(test_range_across_boundaries_of_the_same_type_is_uniform),
		cmocka_unit_test(test_empty_and_wrapping_ranges_have_no_type),
		cmocka_unit_test(test_bochs_ovmf_512m_layout),
		cmocka_unit_test(test_range_type_agrees_with_page_by_page_lookup),
	};

	return cmocka_run_group_tests_name("mtrr", tests, NULL, NULL);
}
