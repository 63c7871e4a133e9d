/* vmx/ept.c: the identity-mapped EPT (SDM Vol. 3C, 29.3) built from the
 * MTRRs, checked by walking the tables it builds. */
#include "unit.h"
#include "mtrr_fixtures.h"

#include "vmx/ept.h"

#include <stdlib.h>

#define UC MTRR_TYPE_UC
#define WP MTRR_TYPE_WP
#define WB MTRR_TYPE_WB

#define PAGE 0x1000ull /* 4 KiB */
#define MIB 0x100000ull
#define GIB 0x40000000ull

/* Page allocator: host pages whose address is their "physical" address. */
static struct pool {
	void *pages[4096];
	size_t handed_out, budget, released;
	bool dirty; /* hand out pages full of 0xff instead of zeroes */
} pool;

static void *pool_alloc(void *ctx, uint64_t *phys)
{
	struct pool *p = ctx;
	void *page;

	if (p->handed_out == p->budget)
		return NULL;
	assert_true(p->handed_out < sizeof(p->pages) / sizeof(p->pages[0]));
	page = aligned_alloc(4096, 4096);
	assert_non_null(page);
	memset(page, p->dirty ? 0xff : 0, 4096);
	p->pages[p->handed_out++] = page;
	*phys = (uintptr_t)page;
	return page;
}

static void pool_free(void *ctx, void *page, uint64_t phys)
{
	struct pool *p = ctx;

	assert_int_equal((uintptr_t)page, phys);
	for (size_t i = 0; i < p->handed_out; i++) {
		if (p->pages[i] == page) {
			free(page);
			p->pages[i] = NULL;
			p->released++;
			return;
		}
	}
	fail_msg("free() of a page the allocator never handed out: %p", page);
}

static void *identity(void *ctx, uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

static const struct ept_memory memory = { pool_alloc, pool_free, identity, &pool };

static struct ept_on_demand demand;

static int setup(void **state)
{
	memset(&demand, 0, sizeof(demand));
	memset(&pool, 0, sizeof(pool));
	pool.budget = SIZE_MAX;
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < pool.handed_out; i++)
		free(pool.pages[i]);
	return 0;
}

static struct ept_params params(const struct mtrr_state *mtrr, uint64_t top, bool allow_2m,
				bool allow_1g)
{
	return (struct ept_params){ .top = top, .mtrr = mtrr, .allow_2m = allow_2m,
				    .allow_1g = allow_1g, .memory = memory };
}

static uint64_t build(const struct ept_params *p, struct ept_stats *stats)
{
	uint64_t eptp = ept_build(p, stats);

	if (!eptp)
		fail_msg("ept_build failed: %s at 0x%llx", stats->error,
			 (unsigned long long)stats->failed_gpa);
	return eptp;
}

/* The leaf for 'gpa', checked to be an identity mapping, RWX, PAT used. */
static struct ept_translation walk(uint64_t eptp, uint64_t gpa)
{
	struct ept_translation t;

	if (!ept_translate(&memory, eptp, gpa, &t))
		fail_msg("GPA 0x%llx is not present", (unsigned long long)gpa);
	assert_int_equal(t.hpa, gpa);
	assert_int_equal(t.access, EPT_READ | EPT_WRITE | EPT_EXECUTE);
	assert_false(t.ignore_pat);
	return t;
}

#define assert_page(eptp, gpa, size, type)                       \
	do {                                                     \
		struct ept_translation t_ = walk((eptp), (gpa)); \
		assert_int_equal(t_.page_size, (size));          \
		assert_int_equal(t_.memory_type, (type));        \
	} while (0)

static void assert_not_present(uint64_t eptp, uint64_t gpa)
{
	struct ept_translation t;

	if (ept_translate(&memory, eptp, gpa, &t))
		fail_msg("GPA 0x%llx is present (page 0x%llx)", (unsigned long long)gpa,
			 (unsigned long long)t.page_size);
}

static void assert_stats(const struct ept_stats *s, uint64_t l1g, uint64_t l2m, uint64_t l4k,
			 uint64_t tables, uint64_t unmapped)
{
	assert_null(s->error);
	assert_int_equal(s->leaves_1g, l1g);
	assert_int_equal(s->leaves_2m, l2m);
	assert_int_equal(s->leaves_4k, l4k);
	assert_int_equal(s->table_pages, tables);
	assert_int_equal(s->unmapped_bytes, unmapped);
	assert_int_equal(pool.handed_out, tables);
}

/* The entry for 'gpa' in the table at 'level' (4 = PML4 ... 1 = PT). */
static uint64_t raw_entry(uint64_t eptp, uint64_t gpa, unsigned level)
{
	const uint64_t *table = identity(NULL, eptp & EPT_ADDRESS_MASK);

	for (unsigned l = 4;; l--) {
		uint64_t entry = table[(gpa >> (12 + 9 * (l - 1))) % 512];

		if (l == level)
			return entry;
		table = identity(NULL, entry & EPT_ADDRESS_MASK);
	}
}

static void test_eptp_is_write_back_four_level_pointing_at_the_pml4(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	/* 25.6.11: type WB (6) in bits 2:0, walk length 4 - 1 in bits 5:3. */
	assert_int_equal(eptp, (uintptr_t)pool.pages[0] | 6 | (3 << 3));
}

static void test_entries_have_the_formats_of_tables_29_1_to_29_6(void **state)
{
	struct ept_params p = params(&typical_pc, 4 * GIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	/* Non-leaf: RWX and the next table; bits 7:3 reserved (0). */
	assert_int_equal(raw_entry(eptp, 0, 4), (uintptr_t)pool.pages[1] | 7);
	assert_int_equal(raw_entry(eptp, 0, 3), (uintptr_t)pool.pages[2] | 7);
	assert_int_equal(raw_entry(eptp, 0, 2), (uintptr_t)pool.pages[3] | 7);
	/* Leaves: RWX, type in bits 5:3, ignore PAT (6) clear, bit 7 for large. */
	assert_int_equal(raw_entry(eptp, 0xc0000, 1), 0xc0000 | (WP << 3) | 7);
	assert_int_equal(raw_entry(eptp, 2 * MIB, 2), 2 * MIB | 0x80 | (WB << 3) | 7);
	assert_int_equal(raw_entry(eptp, 3 * GIB, 3), 3 * GIB | 0x80 | (UC << 3) | 7);
}

static void test_first_2m_uses_4k_pages_with_the_fixed_range_types(void **state)
{
	struct ept_params p = params(&typical_pc, 4 * GIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	for (uint64_t gpa = 0; gpa < 2 * MIB; gpa += PAGE) {
		unsigned type = gpa < 0xa0000 ? WB : gpa < 0xc0000 ? UC : gpa < MIB ? WP : WB;
		struct ept_translation t = walk(eptp, gpa + 0x123);

		if (t.page_size != PAGE || t.memory_type != type)
			fail_msg("GPA 0x%llx: page 0x%llx type %u, expected 4 KiB type %u",
				 (unsigned long long)gpa, (unsigned long long)t.page_size,
				 t.memory_type, type);
	}
	assert_page(eptp, 2 * MIB, 2 * MIB, WB);
}

static void test_1g_pages_used_when_allowed_and_uniform(void **state)
{
	struct ept_params p = params(&typical_pc, 4 * GIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	/* GiB 0 split (first MiB), GiB 1 and 2 WB, GiB 3 the UC MMIO hole. */
	assert_stats(&s, 3, 511, 512, 4, 0);
	assert_page(eptp, GIB, GIB, WB);
	assert_page(eptp, 2 * GIB + 0x1234, GIB, WB);
	assert_page(eptp, 0xfee00000, GIB, UC);
	assert_page(eptp, 0x3fe00000, 2 * MIB, WB);
	assert_not_present(eptp, 4 * GIB);
}

static void test_2m_pages_when_1g_pages_not_allowed(void **state)
{
	struct ept_params p = params(&typical_pc, 4 * GIB, true, false);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_stats(&s, 0, 2047, 512, 1 + 1 + 4 + 1, 0);
	assert_page(eptp, GIB, 2 * MIB, WB);
	assert_page(eptp, 0xbfe00000, 2 * MIB, WB);
	assert_page(eptp, 0xc0000000, 2 * MIB, UC);
	assert_page(eptp, 0xfee00000, 2 * MIB, UC);
}

static void test_4k_pages_only_when_no_large_page_is_allowed(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, false, false);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_stats(&s, 0, 0, 512 * 256, 1 + 1 + 1 + 256, 0);
	assert_page(eptp, 0x1ffff000, PAGE, WB);
	assert_page(eptp, 0xa0000, PAGE, UC);
}

static void test_bochs_ovmf_512m_mapped_up_to_4g_with_mmio_uc(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 4 * GIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_stats(&s, 3, 511, 512, 4, 0);
	assert_page(eptp, 0x9f000, PAGE, WB);
	assert_page(eptp, 0xa0000, PAGE, UC);
	assert_page(eptp, 0xff000, PAGE, UC);
	assert_page(eptp, MIB, PAGE, WB);
	assert_page(eptp, 0x1ffff000, 2 * MIB, WB);
	assert_page(eptp, GIB, GIB, WB);
	assert_page(eptp, 2 * GIB, GIB, UC);
	assert_page(eptp, 0xfec00000, GIB, UC);
}

static void test_excluded_range_not_present_page_by_page(void **state)
{
	const struct ept_range excluded = { 0x1f000000, 3 * MIB };
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp;

	p.excluded = &excluded;
	p.excluded_count = 1;
	eptp = build(&p, &s);
	for (uint64_t gpa = 0x1f000000; gpa < 0x1f300000; gpa += PAGE)
		assert_not_present(eptp, gpa);
	assert_page(eptp, 0x1efff000, 2 * MIB, WB);
	assert_page(eptp, 0x1f300000, PAGE, WB);
	assert_page(eptp, 0x1f3ff000, PAGE, WB);
	assert_page(eptp, 0x1f400000, 2 * MIB, WB);
	/* [496, 498) MiB is wholly excluded, still as a table of 512 absent
	 * pages (each can become a blank page without splitting anything);
	 * [498, 500) MiB is split: 256 pages absent, 256 present. */
	assert_true(raw_entry(eptp, 0x1f000000, 2) != 0);
	assert_int_equal(raw_entry(eptp, 0x1f000000, 2) & (1u << 7), 0); /* a table, not a page */
	assert_stats(&s, 0, 256 - 3, 512 + 256, 6, 3 * MIB);
}

static void test_excluded_page_splits_a_1g_page_down_to_4k(void **state)
{
	const struct ept_range excluded = { GIB + 0x5000, PAGE };
	struct ept_params p = params(&typical_pc, 4 * GIB, true, true);
	struct ept_stats s;
	uint64_t eptp;

	p.excluded = &excluded;
	p.excluded_count = 1;
	eptp = build(&p, &s);
	assert_page(eptp, GIB + 0x4000, PAGE, WB);
	assert_not_present(eptp, GIB + 0x5000);
	assert_page(eptp, GIB + 0x6000, PAGE, WB);
	assert_page(eptp, GIB + 2 * MIB, 2 * MIB, WB);
	assert_stats(&s, 2, 511 + 511, 512 + 511, 6, PAGE);
}

static void test_top_not_a_multiple_of_the_page_size(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB + 0x1234, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	/* Rounded up to 4 KiB: the page holding top - 1 is mapped. */
	assert_page(eptp, 512 * MIB, PAGE, WB);
	assert_page(eptp, 512 * MIB + 0x1233, PAGE, WB);
	assert_not_present(eptp, 512 * MIB + 0x2000);
	assert_page(eptp, 510 * MIB, 2 * MIB, WB);
	assert_stats(&s, 0, 255, 512 + 2, 5, 0);

	teardown(state);
	setup(state);
	p.top = 1536 * MIB; /* [1, 1.5) GiB cannot be a 1-GiB page */
	eptp = build(&p, &s);
	assert_page(eptp, GIB, 2 * MIB, WB);
	assert_page(eptp, 0x5fe00000, 2 * MIB, WB);
	assert_not_present(eptp, 0x60000000);
	assert_stats(&s, 0, 511 + 256, 512, 5, 0);
}

static void test_top_above_maxphyaddr_is_refused(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, (1ull << 40) + PAGE, true, true);
	struct ept_stats s;

	assert_int_equal(ept_build(&p, &s), 0);
	assert_string_equal(s.error, "the top of guest-physical memory is above what the EPT can map "
				     "(MAXPHYADDR, or 2^48 with 4 levels)");
	assert_int_equal(s.failed_gpa, (1ull << 40) + PAGE);
	assert_int_equal(pool.handed_out, 0);

	p.top = 1ull << 40; /* all of a 40-bit space: 1-GiB pages above 4 GiB */
	build(&p, &s);
	assert_stats(&s, 1024 - 1, 511, 512, 1 + 2 + 1 + 1, 0);
}

static void test_allocation_failure_returns_zero_and_gives_pages_back(void **state)
{
	const struct ept_range excluded = { 0x1f000000, 3 * MIB };
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;

	p.excluded = &excluded;
	p.excluded_count = 1;
	pool.budget = 4; /* PML4, PDPT, PD, PT of the first 2 MiB; not the PT at 496 MiB */
	assert_int_equal(ept_build(&p, &s), 0);
	assert_string_equal(s.error, "out of memory: the page allocator returned no page for an EPT table");
	assert_int_equal(s.failed_gpa, 0x1f000000);
	assert_int_equal(s.table_pages, 4);
	assert_int_equal(s.pages_released, 4);
	assert_int_equal(pool.released, 4);
}

static void test_allocation_failure_without_free_reports_the_pages_kept(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;

	p.memory.free = NULL;
	pool.budget = 2; /* no PD for GiB 0 */
	assert_int_equal(ept_build(&p, &s), 0);
	assert_non_null(s.error);
	assert_int_equal(s.failed_gpa, 0);
	assert_int_equal(s.table_pages, 2);
	assert_int_equal(s.pages_released, 0);
	assert_int_equal(pool.released, 0);

	teardown(state);
	setup(state);
	pool.budget = 0; /* not even the PML4 */
	assert_int_equal(ept_build(&p, &s), 0);
	assert_non_null(s.error);
	assert_int_equal(s.table_pages, 0);
}

static void test_pages_are_cleared_before_use(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp;

	pool.dirty = true;
	eptp = build(&p, &s);
	assert_page(eptp, 510 * MIB, 2 * MIB, WB);
	assert_not_present(eptp, 512 * MIB);
	assert_not_present(eptp, 600 * GIB);
}

static void test_mtrrs_disabled_map_everything_uc_in_1g_pages(void **state)
{
	struct mtrr_state mtrr = typical_pc;
	struct ept_params p = params(&mtrr, 4 * GIB, true, true);
	struct ept_stats s;
	uint64_t eptp;

	mtrr.def_type &= ~(uint64_t)MTRR_DEF_TYPE_E;
	eptp = build(&p, &s);
	assert_stats(&s, 4, 0, 0, 2, 0);
	assert_page(eptp, 0xa0000, GIB, UC);
	assert_page(eptp, GIB, GIB, UC);
}

static void test_counted_tables_match_what_build_reports(void **state)
{
	const struct ept_range excluded[] = { { 0x1f000000, 3 * MIB }, { 0x3000, 0x1400 } };
	struct ept_params p = params(&typical_pc, 4 * GIB + 0x7000, true, false);
	struct ept_stats built, counted;
	uint64_t eptp;

	p.excluded = excluded;
	p.excluded_count = 2;
	eptp = build(&p, &built);
	ept_count(&memory, eptp, &counted);
	assert_int_equal(counted.leaves_1g, built.leaves_1g);
	assert_int_equal(counted.leaves_2m, built.leaves_2m);
	assert_int_equal(counted.leaves_4k, built.leaves_4k);
	assert_int_equal(counted.table_pages, built.table_pages);
	/* [0x3000, 0x4400) reaches into page 0x4000: both pages go. */
	assert_int_equal(built.unmapped_bytes, 3 * MIB + 2 * PAGE);
	assert_not_present(eptp, 0x4000);
	assert_page(eptp, 0x5000, PAGE, WB);
	assert_page(eptp, 4 * GIB + 0x6000, PAGE, WB);
	assert_not_present(eptp, 4 * GIB + 0x7000);
}

/* Beyond the memory map (64-bit BARs, a hostile guest's probe): mapped
 * at the first EPT violation, one entry each, identity, MTRR types.  The
 * tests' pages come from malloc: none is "spare", so every link made
 * into a table is noted. */
static void test_on_demand_maps_a_1g_page_above_the_memory_map(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);
	size_t tables = pool.handed_out;

	assert_not_present(eptp, 4 * GIB);
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 4 * GIB + 0x1234, &s), 0);
	assert_null(s.error);
	assert_page(eptp, 4 * GIB, GIB, WB); /* the MTRRs' default type (def_type 0xc06) */
	assert_int_equal(s.leaves_1g, 1);
	assert_int_equal(pool.handed_out, tables); /* a leaf in the PDPT there: no page */
	assert_not_present(eptp, 5 * GIB);
}

static void test_on_demand_without_1g_pages_costs_one_table_a_gib(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, false);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);
	size_t tables = pool.handed_out;

	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 64 * GIB + 5 * MIB, &s), 0);
	assert_page(eptp, 64 * GIB, 2 * MIB, WB);
	assert_page(eptp, 65 * GIB - 2 * MIB, 2 * MIB, WB);
	assert_int_equal(s.leaves_2m, 512);
	assert_int_equal(s.table_pages, 1);
	assert_int_equal(pool.handed_out, tables + 1);
}

static void test_on_demand_fills_the_rest_of_a_partly_mapped_gib(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_not_present(eptp, 600 * MIB);
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 600 * MIB, &s), 0);
	assert_page(eptp, 600 * MIB, 2 * MIB, WB);
	assert_int_equal(s.table_pages, 0);
	assert_not_present(eptp, 602 * MIB); /* one entry, not the whole table */
	assert_page(eptp, 0x1ffff000, 2 * MIB, WB); /* what was mapped stays */
}

static void test_on_demand_above_512g_adds_a_pdpt(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 600 * GIB, &s), 0);
	assert_page(eptp, 600 * GIB, GIB, WB);
	assert_int_equal(s.table_pages, 1);
	assert_not_present(eptp, 513 * GIB);
}

static void test_on_demand_twice_changes_nothing(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);
	size_t tables;

	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 8 * GIB, &s), 0);
	tables = pool.handed_out;
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 8 * GIB + 4096, &s), 0);
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 0x1000, &s), 0); /* in the memory map */
	assert_int_equal(s.leaves_1g + s.leaves_2m + s.leaves_4k, 0);
	assert_int_equal(pool.handed_out, tables);
}

static void test_on_demand_beyond_maxphyaddr_is_refused(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, true);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 1ull << 40, &s), -1); /* MAXPHYADDR 40 */
	assert_non_null(s.error);
	assert_int_equal(s.failed_gpa, 1ull << 40);
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, (1ull << 40) - 4096, &s), 0);
}

static void test_on_demand_out_of_pages_says_so(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, false);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	pool.budget = pool.handed_out;
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 8 * GIB, &s), -1);
	assert_non_null(strstr(s.error, "out of memory"));
	assert_not_present(eptp, 8 * GIB);
}

static void test_on_demand_notes_its_links_and_forgets_them(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, false);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 8 * GIB, &s), 0);
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 600 * GIB, &s), 0); /* PDPT + PD */
	assert_int_equal(demand.mapped, 2);
	/* The 8-GiB PD in ept_build()'s PDPT, the new PDPT in its PML4; the
	 * PD under the new PDPT would be noted too, as the tests have no
	 * spare range. */
	assert_int_equal(demand.link_count, 3);
	ept_on_demand_forget(&demand);
	assert_int_equal(demand.link_count, 0);
	assert_not_present(eptp, 8 * GIB);
	assert_not_present(eptp, 600 * GIB);
	assert_page(eptp, 0x1ffff000, 2 * MIB, WB); /* ept_build()'s mappings stay */
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 8 * GIB, &s), 0);
	assert_page(eptp, 8 * GIB, 2 * MIB, WB);
}

static void test_on_demand_tables_in_the_spare_range_are_not_noted(void **state)
{
	struct ept_params p = params(&bochs_ovmf_512m, 512 * MIB, true, false);
	struct ept_stats s;
	uint64_t eptp = build(&p, &s);

	demand.spare_base = 0;
	demand.spare_end = UINT64_MAX; /* every table counts as spare */
	assert_int_equal(ept_map_on_demand(&p, &demand, eptp, 8 * GIB, &s), 0);
	assert_int_equal(demand.link_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_on_demand_maps_a_1g_page_above_the_memory_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_without_1g_pages_costs_one_table_a_gib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_fills_the_rest_of_a_partly_mapped_gib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_above_512g_adds_a_pdpt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_twice_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_beyond_maxphyaddr_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_out_of_pages_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_notes_its_links_and_forgets_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_demand_tables_in_the_spare_range_are_not_noted, setup, teardown),
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		TEST(test_eptp_is_write_back_four_level_pointing_at_the_pml4),
		TEST(test_entries_have_the_formats_of_tables_29_1_to_29_6),
		TEST(test_first_2m_uses_4k_pages_with_the_fixed_range_types),
		TEST(test_1g_pages_used_when_allowed_and_uniform),
		TEST(test_2m_pages_when_1g_pages_not_allowed),
		TEST(test_4k_pages_only_when_no_large_page_is_allowed),
		TEST(test_bochs_ovmf_512m_mapped_up_to_4g_with_mmio_uc),
		TEST(test_excluded_range_not_present_page_by_page),
		TEST(test_excluded_page_splits_a_1g_page_down_to_4k),
		TEST(test_top_not_a_multiple_of_the_page_size),
		TEST(test_top_above_maxphyaddr_is_refused),
		TEST(test_allocation_failure_returns_zero_and_gives_pages_back),
		TEST(test_allocation_failure_without_free_reports_the_pages_kept),
		TEST(test_pages_are_cleared_before_use),
		TEST(test_mtrrs_disabled_map_everything_uc_in_1g_pages),
		TEST(test_counted_tables_match_what_build_reports),
#undef TEST
	};

	return cmocka_run_group_tests_name("ept", tests, NULL, NULL);
}
