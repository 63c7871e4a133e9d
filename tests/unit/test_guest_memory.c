/* guest/memory.c: guest-virtual addresses through the guest's page tables. */
#include "unit.h"

#include "guest/memory.h"

#define PHYS_SIZE (64 * 4096)
static uint8_t phys[PHYS_SIZE] __attribute__((aligned(4096)));

/* Guest-physical memory is the array above; anything else is not the guest's. */
static void *map(void *ctx, uint64_t gpa, uint64_t len)
{
	return gpa + len <= PHYS_SIZE && gpa + len >= gpa ? phys + gpa : NULL;
}

static uint64_t *entry(uint64_t table_page, unsigned index)
{
	return (uint64_t *)(void *)(phys + table_page * 4096) + index;
}

/* PML4 at page 1, PDPT 2, PD 3, PT 4; data pages from 10 on.
 * 0x0000400000001000 -> page 10 (user, writable); ...2000 -> page 11
 * (user, read-only); ...3000 -> page 12 (supervisor); 2 MiB page at
 * 0x0000400000200000 -> gpa 0x200000 (beyond memory). */
static struct guest_memory setup(void)
{
	struct guest_memory m = { .map = map, .cr3 = 1 * 4096 };
	uint64_t va = 0x0000400000000000ull;

	memset(phys, 0, sizeof(phys));
	*entry(1, (va >> 39) & 511) = 2 * 4096 | 7;
	*entry(2, (va >> 30) & 511) = 3 * 4096 | 7;
	*entry(3, 0) = 4 * 4096 | 7;
	*entry(3, 1) = 0x200000 | 0x80 | 7;
	*entry(4, 1) = 10 * 4096 | 7;
	*entry(4, 2) = 11 * 4096 | 5;
	*entry(4, 3) = 12 * 4096 | 3;
	*entry(4, 4) = 13 * 4096 | 7;
	return m;
}

static void test_translate_4k_and_2m(void **state)
{
	struct guest_memory m = setup();
	uint64_t gpa;

	assert_true(guest_translate(&m, 0x0000400000001234ull, false, true, &gpa));
	assert_int_equal(gpa, 10 * 4096 + 0x234);
	assert_true(guest_translate(&m, 0x0000400000212345ull, false, true, &gpa));
	assert_int_equal(gpa, 0x212345);
	assert_false(guest_translate(&m, 0x0000400000005000ull, false, true, &gpa)); /* not present */
	assert_false(guest_translate(&m, 0x0000500000000000ull, false, true, &gpa));
}

static uint32_t *entry32(uint64_t table_page, unsigned index)
{
	return (uint32_t *)(void *)(phys + table_page * 4096) + index;
}

static void test_paging_modes_from_control_registers(void **state)
{
	const uint64_t pg = 1ull << 31, pae = 1ull << 5, la57 = 1ull << 12, lma = 1ull << 10;

	assert_int_equal(guest_paging_mode(0, pae, lma), GUEST_PAGING_NONE);
	assert_int_equal(guest_paging_mode(pg, 0, 0), GUEST_PAGING_32BIT);
	assert_int_equal(guest_paging_mode(pg, pae, 0), GUEST_PAGING_PAE);
	assert_int_equal(guest_paging_mode(pg, pae, lma), GUEST_PAGING_4LEVEL);
	assert_int_equal(guest_paging_mode(pg, pae | la57, lma), GUEST_PAGING_5LEVEL);
}

static void test_no_paging_is_32_bit_physical(void **state)
{
	struct guest_memory m = { .map = map, .paging = GUEST_PAGING_NONE };
	uint64_t gpa;

	assert_true(guest_translate(&m, 0x12345, true, false, &gpa));
	assert_int_equal(gpa, 0x12345);
	assert_true(guest_translate(&m, 0x100001000ull, false, false, &gpa)); /* wraps at 4 GiB */
	assert_int_equal(gpa, 0x1000);
}

/* 32-bit paging: PD at page 5, PT at page 6; 0x00401000 -> page 10,
 * 0x00402000 -> page 11 read-only; a 4 MiB page at 0x00800000 -> frame
 * 0x1_00c00000 (PSE-36 bits 39:32 = 1), used only with CR4.PSE. */
static struct guest_memory setup32(void)
{
	struct guest_memory m = { .map = map, .cr3 = 5 * 4096 | 0x18, .paging = GUEST_PAGING_32BIT };

	memset(phys, 0, sizeof(phys));
	*entry32(5, 1) = 6 * 4096 | 7;
	*entry32(5, 2) = 0x00c00000u | 1u << 13 | 0x80 | 7;
	*entry32(6, 1) = 10 * 4096 | 7;
	*entry32(6, 2) = 11 * 4096 | 5;
	return m;
}

static void test_32_bit_paging(void **state)
{
	struct guest_memory m = setup32();
	uint64_t gpa;

	assert_true(guest_translate(&m, 0x00401234, false, true, &gpa));
	assert_int_equal(gpa, 10 * 4096 + 0x234);
	assert_false(guest_translate(&m, 0x00402000, true, true, &gpa));
	/* Without CR4.PSE the PS bit is ignored: the PDE names a page table. */
	assert_false(guest_translate(&m, 0x00812345, false, false, &gpa) && gpa >= 0x100000000ull);
	m.pse = true;
	assert_true(guest_translate(&m, 0x00812345, false, false, &gpa));
	assert_int_equal(gpa, 0x100c12345ull);
	/* Supervisor writes to read-only pages: refused with CR0.WP, allowed without. */
	assert_false(guest_translate(&m, 0x00402000, true, false, &gpa));
	m.wp_off = true;
	assert_true(guest_translate(&m, 0x00402000, true, false, &gpa));
	assert_false(guest_translate(&m, 0x00402000, true, true, &gpa));
}

/* PAE paging: the PDPTEs come from the CPU (here: PDPTE 1 -> PD at page
 * 7), not from CR3's page; 2 MiB pages at the PD. */
static void test_pae_paging_uses_the_cpus_pdptes(void **state)
{
	struct guest_memory m = { .map = map, .cr3 = 9 * 4096, .paging = GUEST_PAGING_PAE };
	uint64_t gpa;

	memset(phys, 0, sizeof(phys));
	m.pdpte[1] = 7 * 4096 | 1;
	*entry(7, 0) = 8 * 4096 | 7;
	*entry(7, 3) = 0x600000 | 0x80 | 3;
	*entry(8, 5) = 12 * 4096 | 7;
	assert_true(guest_translate(&m, 0x40005678, false, true, &gpa));
	assert_int_equal(gpa, 12 * 4096 + 0x678);
	assert_true(guest_translate(&m, 0x40712345, true, false, &gpa));
	assert_int_equal(gpa, 0x712345);
	assert_false(guest_translate(&m, 0x40712345, false, true, &gpa)); /* supervisor page */
	assert_false(guest_translate(&m, 0x00005678, false, false, &gpa)); /* PDPTE 0 not present */
	*entry(9, 1) = 7 * 4096 | 1; /* CR3's page does not matter */
	assert_false(guest_translate(&m, 0x00005678, false, false, &gpa));
}

static void test_5_level_paging(void **state)
{
	struct guest_memory m = setup();
	uint64_t va = 0x0000400000001234ull, gpa;

	/* A PML5 at page 20 whose entry 0 is the 4-level test's PML4. */
	m.paging = GUEST_PAGING_5LEVEL;
	m.cr3 = 20 * 4096;
	*entry(20, 0) = 1 * 4096 | 7;
	assert_true(guest_translate(&m, va, false, true, &gpa));
	assert_int_equal(gpa, 10 * 4096 + 0x234);
	/* Canonical at 57 bits, not 48. */
	assert_false(guest_translate(&m, 0x0100000000000000ull, false, false, &gpa));
	assert_false(guest_translate(&m, 0x0000800000000000ull, false, false, &gpa)); /* entry 1: none */
}

static void test_permissions(void **state)
{
	struct guest_memory m = setup();
	uint64_t gpa;

	assert_false(guest_translate(&m, 0x0000400000002000ull, true, true, &gpa)); /* read-only */
	assert_true(guest_translate(&m, 0x0000400000002000ull, false, true, &gpa));
	assert_false(guest_translate(&m, 0x0000400000003000ull, false, true, &gpa)); /* kernel page */
	assert_true(guest_translate(&m, 0x0000400000003000ull, false, false, &gpa));
}

static void test_copy_across_pages(void **state)
{
	struct guest_memory m = setup();
	char out[16];

	memcpy(phys + 11 * 4096 - 4, "xxxxXX", 6); /* not what the guest sees */
	memcpy(phys + 10 * 4096 + 4090, "hello,", 6);
	memcpy(phys + 11 * 4096, " world", 7);
	assert_int_equal(guest_read(&m, 0x0000400000001ffaull, out, 13, true), 0);
	assert_string_equal(out, "hello, world");
	/* A write crossing into the read-only page changes nothing at all. */
	assert_int_equal(guest_write(&m, 0x0000400000001ffeull, "ABCD", 4, true), -1);
	assert_memory_equal(phys + 10 * 4096 + 4094, "o,", 2);
	assert_int_equal(guest_write(&m, 0x0000400000004ffeull, "ABCD", 4, true), -1);
	assert_int_equal(guest_write(&m, 0x0000400000001000ull, "ABCD", 4, true), 0);
	assert_memory_equal(phys + 10 * 4096, "ABCD", 4);
}

static void test_bad_pointers_are_refused(void **state)
{
	struct guest_memory m = setup();
	char out[8];

	/* The 2 MiB page points beyond guest memory: map() refuses it. */
	assert_int_equal(guest_read(&m, 0x0000400000200000ull, out, 8, true), -1);
	m.cr3 = 0x7fff000; /* a CR3 outside memory */
	assert_int_equal(guest_read(&m, 0x0000400000001000ull, out, 8, true), -1);
}

/* A non-canonical address faults on the CPU (SDM Vol. 3A, 3.3.7.1): the
 * walk must not drop its upper bits and find the canonical page. */
static void test_non_canonical_addresses_are_refused(void **state)
{
	struct guest_memory m = setup();
	uint64_t gpa;
	char out[4];

	assert_true(guest_translate(&m, 0x0000400000001000ull, false, true, &gpa));
	assert_false(guest_translate(&m, 0x8000400000001000ull, false, true, &gpa));
	assert_false(guest_translate(&m, 0x0001400000001000ull, false, true, &gpa));
	assert_int_equal(guest_read(&m, 0xffff400000001000ull, out, 4, true), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate_4k_and_2m),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_paging_modes_from_control_registers),
		cmocka_unit_test(test_no_paging_is_32_bit_physical),
		cmocka_unit_test(test_32_bit_paging),
		cmocka_unit_test(test_pae_paging_uses_the_cpus_pdptes),
		cmocka_unit_test(test_5_level_paging),
		cmocka_unit_test(test_copy_across_pages),
		cmocka_unit_test(test_bad_pointers_are_refused),
		cmocka_unit_test(test_non_canonical_addresses_are_refused),
	};

	return cmocka_run_group_tests_name("guest_memory", tests, NULL, NULL);
}
