/* vmx/cpu_rules.c: the #GP(0) rules for guest writes to CR0, CR4, XCR0
 * and IA32_APIC_BASE, as the SDM states them. */
#include "unit.h"

#include "vmx/cpu_rules.h"

/* A 64-bit guest as Linux and the firmware run: paging, PAE, long mode. */
#define LONG_CR0 0x80050033ull /* PG WP NE ET MP PE */
#define LONG_CR4 0x3506f0ull   /* PAE PGE OSFXSR OSXMMEXCPT ... */
#define SKYLAKE_CR4_FIXED1 0x3767ffull

static struct cr_context long_mode(void)
{
	return (struct cr_context){ LONG_CR0, LONG_CR4 & SKYLAKE_CR4_FIXED1, 0x1000,
				    EFER_LME | EFER_LMA, true, SKYLAKE_CR4_FIXED1 };
}

/* A protected-mode guest about to enable IA-32e mode. */
static struct cr_context before_paging(uint64_t cr4)
{
	return (struct cr_context){ 0x11, cr4, 0x1000, EFER_LME, false, SKYLAKE_CR4_FIXED1 };
}

static void test_cr0_same_value_is_accepted(void **state)
{
	struct cr_context c = long_mode();

	assert_false(cr0_write_faults(&c, LONG_CR0));
	assert_false(cr0_write_faults(&c, LONG_CR0 | CR0_CD));           /* caching off */
	assert_false(cr0_write_faults(&c, LONG_CR0 | CR0_CD | CR0_NW));  /* both */
}

static void test_cr0_reserved_high_bits_fault(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr0_write_faults(&c, LONG_CR0 | (1ull << 32)));
	assert_true(cr0_write_faults(&c, LONG_CR0 | (1ull << 63)));
}

static void test_cr0_paging_without_protection_faults(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr0_write_faults(&c, LONG_CR0 & ~CR0_PE));
	c.cs_long = false;
	assert_true(cr0_write_faults(&c, CR0_PG));
}

static void test_cr0_nw_without_cd_faults(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr0_write_faults(&c, LONG_CR0 | CR0_NW));
}

static void test_cr0_clearing_pg_in_64bit_mode_faults(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr0_write_faults(&c, LONG_CR0 & ~CR0_PG));
	c.cs_long = false; /* compatibility mode: the way out of IA-32e mode */
	assert_false(cr0_write_faults(&c, LONG_CR0 & ~CR0_PG));
}

static void test_cr0_ia32e_activation_needs_pae(void **state)
{
	struct cr_context without = before_paging(0), with = before_paging(CR4_PAE);

	assert_true(cr0_write_faults(&without, 0x80000011));
	assert_false(cr0_write_faults(&with, 0x80000011));
	without.efer = 0; /* legacy 32-bit paging needs no PAE */
	assert_false(cr0_write_faults(&without, 0x80000011));
}

static void test_cr0_wp_stays_while_cet(void **state)
{
	struct cr_context c = long_mode();

	assert_false(cr0_write_faults(&c, LONG_CR0 & ~CR0_WP));
	c.cr4 |= CR4_CET;
	assert_true(cr0_write_faults(&c, LONG_CR0 & ~CR0_WP));
}

static void test_cr4_same_value_is_accepted(void **state)
{
	struct cr_context c = long_mode();

	assert_false(cr4_write_faults(&c, c.cr4));
}

static void test_cr4_vmxe_and_reserved_bits_fault(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr4_write_faults(&c, c.cr4 | CR4_VMXE)); /* VMX is hidden */
	assert_true(cr4_write_faults(&c, c.cr4 | (1ull << 63)));
	assert_true(cr4_write_faults(&c, c.cr4 | (1ull << 31)));
	assert_true(cr4_write_faults(&c, c.cr4 | (1ull << 15))); /* not in FIXED1 */
}

static void test_cr4_pae_stays_in_ia32e_mode(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr4_write_faults(&c, c.cr4 & ~CR4_PAE));
	c.efer = 0;
	assert_false(cr4_write_faults(&c, c.cr4 & ~CR4_PAE));
}

static void test_cr4_la57_fixed_in_ia32e_mode(void **state)
{
	struct cr_context c = long_mode();

	assert_true(cr4_write_faults(&c, c.cr4 | CR4_LA57)); /* not on this CPU */
	c.cr4_supported |= CR4_LA57;
	assert_true(cr4_write_faults(&c, c.cr4 | CR4_LA57)); /* not while in IA-32e mode */
	c.efer = 0;
	assert_false(cr4_write_faults(&c, c.cr4 | CR4_LA57));
}

static void test_cr4_pcide_needs_ia32e_and_pcid_0(void **state)
{
	struct cr_context c = long_mode();

	assert_false(cr4_write_faults(&c, c.cr4 | CR4_PCIDE));
	c.cr3 = 0x1005;
	assert_true(cr4_write_faults(&c, c.cr4 | CR4_PCIDE));
	c.cr3 = 0x1000;
	c.efer = 0;
	assert_true(cr4_write_faults(&c, c.cr4 | CR4_PCIDE));
}

static void test_cr4_cet_needs_wp(void **state)
{
	struct cr_context c = long_mode();

	c.cr4_supported |= CR4_CET;
	assert_false(cr4_write_faults(&c, c.cr4 | CR4_CET));
	c.cr0 &= ~CR0_WP;
	assert_true(cr4_write_faults(&c, c.cr4 | CR4_CET));
}

/* x87, SSE, AVX, MPX, AVX-512 as on Skylake-X. */
#define SKYLAKE_XCR0 0xffull

static void test_xsetbv_valid_values(void **state)
{
	assert_false(xsetbv_faults(0, 0x1, SKYLAKE_XCR0));
	assert_false(xsetbv_faults(0, 0x3, SKYLAKE_XCR0));
	assert_false(xsetbv_faults(0, 0x7, SKYLAKE_XCR0));
	assert_false(xsetbv_faults(0, 0x1f, SKYLAKE_XCR0));
	assert_false(xsetbv_faults(0, 0xe7, SKYLAKE_XCR0));
	assert_false(xsetbv_faults(0, 0xff, SKYLAKE_XCR0));
}

static void test_xsetbv_only_xcr0(void **state)
{
	assert_true(xsetbv_faults(1, 0x1, SKYLAKE_XCR0));
	assert_true(xsetbv_faults(0xffffffff, 0x1, SKYLAKE_XCR0));
}

static void test_xsetbv_x87_always_on_avx_needs_sse(void **state)
{
	assert_true(xsetbv_faults(0, 0x0, SKYLAKE_XCR0));
	assert_true(xsetbv_faults(0, 0x2, SKYLAKE_XCR0));
	assert_true(xsetbv_faults(0, 0x5, SKYLAKE_XCR0));
}

static void test_xsetbv_avx512_all_or_none_with_avx(void **state)
{
	assert_true(xsetbv_faults(0, 0x23, SKYLAKE_XCR0)); /* opmask alone, no AVX */
	assert_true(xsetbv_faults(0, 0x27, SKYLAKE_XCR0)); /* opmask alone */
	assert_true(xsetbv_faults(0, 0x67, SKYLAKE_XCR0)); /* two of three */
	assert_true(xsetbv_faults(0, 0xe3, SKYLAKE_XCR0)); /* all three, no AVX */
}

static void test_xsetbv_mpx_and_amx_pairs(void **state)
{
	assert_true(xsetbv_faults(0, 0xf, SKYLAKE_XCR0));  /* BNDREGS without BNDCSR */
	assert_true(xsetbv_faults(0, 0x17, SKYLAKE_XCR0)); /* BNDCSR without BNDREGS */
	assert_true(xsetbv_faults(0, 0x20007, 0x600e7));   /* TILECFG without TILEDATA */
	assert_false(xsetbv_faults(0, 0x600e7, 0x600e7));
}

static void test_xsetbv_unsupported_components_fault(void **state)
{
	assert_true(xsetbv_faults(0, 0x7, 0x3));
	assert_true(xsetbv_faults(0, 0x3 | (1ull << 63), SKYLAKE_XCR0));
	assert_true(xsetbv_faults(0, 0x3 | (1ull << 9), SKYLAKE_XCR0)); /* PKRU, not offered */
}

#define APIC_DEFAULT 0xfee00900ull /* EN, BSP, base 0xfee00000 */

static struct apic_base_context apic(void)
{
	return (struct apic_base_context){ APIC_DEFAULT, 39, true, 0x2e000000, 0x800000, 0x100000000 };
}

static void test_apic_base_same_and_moved_accepted(void **state)
{
	struct apic_base_context c = apic();

	assert_false(apic_base_write_faults(&c, APIC_DEFAULT));
	assert_false(apic_base_write_faults(&c, 0xfed00900));
	assert_false(apic_base_write_faults(&c, APIC_DEFAULT | APIC_BASE_EXTD)); /* to x2APIC */
}

static void test_apic_base_reserved_bits_fault(void **state)
{
	struct apic_base_context c = apic();

	assert_true(apic_base_write_faults(&c, APIC_DEFAULT | 0x1));
	assert_true(apic_base_write_faults(&c, APIC_DEFAULT | (1ull << 9)));
	assert_true(apic_base_write_faults(&c, APIC_DEFAULT | (1ull << 39))); /* MAXPHYADDR */
	assert_true(apic_base_write_faults(&c, APIC_DEFAULT | (1ull << 63)));
	c.x2apic = false;
	assert_true(apic_base_write_faults(&c, APIC_DEFAULT | APIC_BASE_EXTD));
}

static void test_apic_base_invalid_transitions_fault(void **state)
{
	struct apic_base_context c = apic();

	assert_true(apic_base_write_faults(&c, 0xfee00000 | APIC_BASE_EXTD)); /* EXTD, EN=0 */
	c.current = APIC_DEFAULT | APIC_BASE_EXTD;
	assert_true(apic_base_write_faults(&c, APIC_DEFAULT));                /* x2APIC -> xAPIC */
	assert_false(apic_base_write_faults(&c, 0xfee00100));                 /* -> disabled */
	c.current = 0xfee00100;
	assert_true(apic_base_write_faults(&c, APIC_DEFAULT | APIC_BASE_EXTD)); /* off -> x2APIC */
	assert_false(apic_base_write_faults(&c, APIC_DEFAULT));
}

static void test_apic_page_on_pmuvisor_memory_refused(void **state)
{
	struct apic_base_context c = apic();

	assert_true(apic_base_write_faults(&c, 0x2e000900));  /* first page */
	assert_true(apic_base_write_faults(&c, 0x2e7ff900));  /* last page */
	assert_false(apic_base_write_faults(&c, 0x2e800900)); /* just after */
	assert_false(apic_base_write_faults(&c, 0x2dfff900)); /* just before */
}

static void test_apic_page_beyond_root_mode_reach_refused(void **state)
{
	struct apic_base_context c = apic();

	assert_false(apic_base_write_faults(&c, 0xfffff900));
	assert_true(apic_base_write_faults(&c, 0x100000900));
	assert_false(apic_base_write_faults(&c, 0x100000100)); /* disabled: no page */
}

static void test_beyond_ept_reach_is_a_reserved_bit_page_fault(void **state)
{
	/* EPT qualification: bit 0 read, 1 write, 2 fetch, 7 linear valid. */
	assert_int_equal(beyond_reach_pf_error(0x81, 0), 0x9);  /* P, RSVD */
	assert_int_equal(beyond_reach_pf_error(0x82, 3), 0xf);  /* + W, U */
	assert_int_equal(beyond_reach_pf_error(0x84, 0), 0x19); /* + I/D */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_same_value_is_accepted),
		cmocka_unit_test(test_cr0_reserved_high_bits_fault),
		cmocka_unit_test(test_cr0_paging_without_protection_faults),
		cmocka_unit_test(test_cr0_nw_without_cd_faults),
		cmocka_unit_test(test_cr0_clearing_pg_in_64bit_mode_faults),
		cmocka_unit_test(test_cr0_ia32e_activation_needs_pae),
		cmocka_unit_test(test_cr0_wp_stays_while_cet),
		cmocka_unit_test(test_cr4_same_value_is_accepted),
		cmocka_unit_test(test_cr4_vmxe_and_reserved_bits_fault),
		cmocka_unit_test(test_cr4_pae_stays_in_ia32e_mode),
		cmocka_unit_test(test_cr4_la57_fixed_in_ia32e_mode),
		cmocka_unit_test(test_cr4_pcide_needs_ia32e_and_pcid_0),
		cmocka_unit_test(test_cr4_cet_needs_wp),
		cmocka_unit_test(test_xsetbv_valid_values),
		cmocka_unit_test(test_xsetbv_only_xcr0),
		cmocka_unit_test(test_xsetbv_x87_always_on_avx_needs_sse),
		cmocka_unit_test(test_xsetbv_avx512_all_or_none_with_avx),
		cmocka_unit_test(test_xsetbv_mpx_and_amx_pairs),
		cmocka_unit_test(test_xsetbv_unsupported_components_fault),
		cmocka_unit_test(test_apic_base_same_and_moved_accepted),
		cmocka_unit_test(test_apic_base_reserved_bits_fault),
		cmocka_unit_test(test_apic_base_invalid_transitions_fault),
		cmocka_unit_test(test_apic_page_on_pmuvisor_memory_refused),
		cmocka_unit_test(test_apic_page_beyond_root_mode_reach_refused),
		cmocka_unit_test(test_beyond_ept_reach_is_a_reserved_bit_page_fault),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
