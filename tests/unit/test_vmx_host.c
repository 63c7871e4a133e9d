/* vmx/guest_state.c (descriptor decoding) and vmx/host_paging.c. */
#include "unit.h"

#include <stdlib.h>

#include "lib/page_pool.h"
#include "vmx/guest_state.h"
#include "vmx/host_paging.h"

/* OVMF's 64-bit code and data descriptors (GDT entries 7 and 6). */
#define OVMF_CODE64 0x00af9b000000ffffull
#define OVMF_DATA 0x00cf93000000ffffull

static void test_code_segment_access_rights(void **state)
{
	/* Type 0xB (execute/read, accessed), S, P; L=1, G=1 (SDM Table 25-2). */
	assert_int_equal(segment_access_rights(OVMF_CODE64, 0x38), 0xa09b);
	assert_int_equal(segment_limit(OVMF_CODE64), 0xffffffff);
	assert_int_equal(segment_base(OVMF_CODE64), 0);
}

static void test_data_segment_gets_accessed_bit(void **state)
{
	/* A descriptor never loaded may lack "accessed"; VM entry needs it. */
	assert_int_equal(segment_access_rights(OVMF_DATA & ~(1ull << 40), 0x30), 0xc093);
}

static void test_null_selector_is_unusable(void **state)
{
	assert_int_equal(segment_access_rights(OVMF_DATA, 0), 0x10000);
	assert_int_equal(segment_access_rights(OVMF_DATA, 3), 0x10000); /* RPL only */
}

static void test_base_and_byte_granular_limit(void **state)
{
	/* base 0x12345678, limit 0x00067, G=0, type 0xB TSS (a system descriptor). */
	uint64_t d = 0x12008b3456780067ull;

	assert_int_equal(segment_base(d), 0x12345678);
	assert_int_equal(segment_limit(d), 0x67);
	assert_int_equal(segment_access_rights(d, 0x40), 0x8b); /* no accessed bit forced */
}

#define POOL_PAGES 64

static uint64_t walk(uint64_t cr3, uint64_t va, uint64_t *page_size)
{
	uint64_t *table = (uint64_t *)(uintptr_t)cr3;
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t e = table[(va >> (12 + 9 * level)) & 511];
		uint64_t size = 1ull << (12 + 9 * level);

		if (!(e & 1))
			return ~0ull;
		if (level == 0 || (e & 0x80)) {
			*page_size = size;
			return (e & 0x000ffffffffff000ull & ~(size - 1)) | (va & (size - 1));
		}
		table = (uint64_t *)(uintptr_t)(e & 0x000ffffffffff000ull);
	}
	return ~0ull;
}

static void test_host_paging_identity_and_core_window(void **state)
{
	void *memory = aligned_alloc(4096, POOL_PAGES * 4096);
	struct page_pool pool = { (uint64_t)(uintptr_t)memory,
				  (uint64_t)(uintptr_t)memory + POOL_PAGES * 4096, 0 };
	uint64_t size, cr3 = host_paging_build(&pool, 4ull << 30, false, 0x1e000000, 0x17000);

	assert_true(cr3 != 0);
	assert_int_equal(walk(cr3, 0x12345678, &size), 0x12345678);
	assert_int_equal(size, 2ull << 20);
	assert_int_equal(walk(cr3, (4ull << 30) - 1, &size), (4ull << 30) - 1);
	assert_int_equal(walk(cr3, 4ull << 30, &size), ~0ull); /* beyond phys_top */
	assert_int_equal(walk(cr3, CORE_VIRTUAL_BASE + 0x1234, &size), 0x1e001234);
	assert_int_equal(size, 4096);
	assert_int_equal(walk(cr3, CORE_VIRTUAL_BASE + 0x17000, &size), ~0ull);
	free(memory);
}

static void test_host_paging_1g_pages_and_exhaustion(void **state)
{
	void *memory = aligned_alloc(4096, 3 * 4096);
	struct page_pool pool = { (uint64_t)(uintptr_t)memory, (uint64_t)(uintptr_t)memory + 3 * 4096, 0 };
	uint64_t size, cr3 = host_paging_build(&pool, 8ull << 30, true, 0, 0);

	assert_true(cr3 != 0);
	assert_int_equal(walk(cr3, (5ull << 30) + 7, &size), (5ull << 30) + 7);
	assert_int_equal(size, 1ull << 30);
	pool = (struct page_pool){ (uint64_t)(uintptr_t)memory, (uint64_t)(uintptr_t)memory + 4096, 0 };
	assert_int_equal(host_paging_build(&pool, 8ull << 30, false, 0, 0), 0); /* out of pages */
	free(memory);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_segment_access_rights),
		cmocka_unit_test(test_data_segment_gets_accessed_bit),
		cmocka_unit_test(test_null_selector_is_unusable),
		cmocka_unit_test(test_base_and_byte_granular_limit),
		cmocka_unit_test(test_host_paging_identity_and_core_window),
		cmocka_unit_test(test_host_paging_1g_pages_and_exhaustion),
	};

	return cmocka_run_group_tests_name("vmx_host", tests, NULL, NULL);
}
