/*
 * pmu/vpmu_regs.c: an architectural PMU's registers with the SDM's rules
 * (Vol. 3B, 20.2; Vol. 2A CPUID leaf 0AH; Vol. 2B RDPMC).
 */
#include "unit.h"

#include "pmu/msr.h"
#include "pmu/vpmu.h"
#include "pmu/vpmu_regs.h"

#define CYCLES 0x003c
#define INSTRUCTIONS 0x00c0
#define MASK48 ((1ull << 48) - 1)

static const struct vpmu_config skylake = { 4, 4, 48, 3, 48, 0, true };
static struct vpmu_regs r;

static void test_power_up_enables_only_the_general_purpose_counters(void **state)
{
	uint64_t v;

	vpmu_reset(&r, &skylake);
	assert_int_equal(vpmu_rdmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, &v), 0);
	assert_true(v == 0xf); /* 20.2.2: PMC enables set, fixed enables clear */
	assert_int_equal(vpmu_rdmsr(&r, MSR_IA32_PMC0 + 3, &v), 0);
	assert_true(v == 0);
}

static void test_cpuid_0a_describes_the_configuration(void **state)
{
	const struct vpmu_config v2 = { 2, 2, 40, 3, 40, 1u << 6, false };
	uint32_t a, b, c, d;

	vpmu_cpuid(&skylake, &a, &b, &c, &d);
	assert_int_equal(a, 0x07300404); /* 7 events, 48 bits, 4 counters, version 4 */
	assert_int_equal(b, 0);
	assert_int_equal(d, 0x603);      /* 48-bit fixed counters, 3 of them */
	vpmu_cpuid(&v2, &a, &b, &c, &d);
	assert_int_equal(a, 0x07280202);
	assert_int_equal(b, 0x40);       /* branch-misses not available */
	assert_int_equal(d, 0x503);
}

static void test_legacy_writes_sign_extend_bit_31(void **state)
{
	uint64_t v;

	vpmu_reset(&r, &skylake);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PMC0, 0xffffffff80000000ull), 0);
	vpmu_rdmsr(&r, MSR_IA32_PMC0, &v);
	assert_true(v == (0xffffffff80000000ull & MASK48));
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PMC0, 0x123456789ull), 0); /* EDX ignored */
	vpmu_rdmsr(&r, MSR_IA32_PMC0, &v);
	assert_true(v == 0x23456789);
	/* Full width through IA32_A_PMCx, when PERF_CAPABILITIES says so. */
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_A_PMC0 + 1, 0x123456789ull), 0);
	vpmu_rdmsr(&r, MSR_IA32_PMC0 + 1, &v);
	assert_true(v == 0x123456789ull);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_A_PMC0, 1ull << 48), -1); /* beyond the width */
	r.cfg.full_width_writes = false;
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_A_PMC0, 1), -1);
	assert_int_equal(vpmu_rdmsr(&r, MSR_IA32_A_PMC0, &v), -1);
}

static void test_gp_where_the_sdm_raises_it(void **state)
{
	const struct vpmu_config v1 = { 1, 2, 40, 0, 0, 0, false };
	const struct vpmu_config v2 = { 2, 2, 40, 3, 40, 0, false };
	uint64_t v;

	vpmu_reset(&r, &skylake);
	assert_int_equal(vpmu_rdmsr(&r, MSR_IA32_PMC0 + 4, &v), -1);          /* no 5th counter */
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERFEVTSEL0, 1ull << 32), -1); /* reserved */
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR_CTRL, 1ull << 12), -1);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR0, 1ull << 48), -1);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 1ull << 4), -1);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 1ull << 35), -1);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_STATUS, 0), -1); /* read-only */
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1ull << 40), -1);
	/* Version 1 has none of the global MSRs or fixed counters. */
	vpmu_reset(&r, &v1);
	assert_int_equal(vpmu_rdmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, &v), -1);
	assert_int_equal(vpmu_rdmsr(&r, MSR_IA32_FIXED_CTR0, &v), -1);
	/* GLOBAL_STATUS_SET arrives with version 4. */
	vpmu_reset(&r, &v2);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_STATUS_SET, 1), -1);
}

static void test_status_set_and_ovf_ctrl_clear(void **state)
{
	uint64_t v;

	vpmu_reset(&r, &skylake);
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_STATUS_SET,
				    (1ull << 33) | 1 | GLOBAL_STATUS_COND_CHGD), 0);
	vpmu_rdmsr(&r, MSR_IA32_PERF_GLOBAL_STATUS, &v);
	assert_true(v == ((1ull << 33) | 1 | GLOBAL_STATUS_COND_CHGD));
	assert_int_equal(vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1 | GLOBAL_STATUS_COND_CHGD), 0);
	vpmu_rdmsr(&r, MSR_IA32_PERF_GLOBAL_STATUS, &v);
	assert_true(v == 1ull << 33);
	vpmu_rdmsr(&r, MSR_IA32_PERF_GLOBAL_OVF_CTRL, &v);
	assert_true(v == 0);
}

static void test_counting_per_privilege_level_and_enables(void **state)
{
	vpmu_reset(&r, &skylake);
	vpmu_wrmsr(&r, MSR_IA32_PERFEVTSEL0, CYCLES | EVTSEL_OS | EVTSEL_EN);
	vpmu_wrmsr(&r, MSR_IA32_PERFEVTSEL0 + 1, CYCLES | EVTSEL_USR | EVTSEL_EN);
	vpmu_wrmsr(&r, MSR_IA32_PERFEVTSEL0 + 2, CYCLES | EVTSEL_USR | EVTSEL_OS); /* not enabled */
	vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR_CTRL, 0x2 << 4); /* fixed 1 (cycles): USR only */
	vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 0x7 | (1ull << 33));
	vpmu_count(&r, CYCLES, 7, 0);
	vpmu_count(&r, CYCLES, 5, 3);
	vpmu_count(&r, INSTRUCTIONS, 100, 3);
	assert_true(r.pmc[0] == 7 && r.pmc[1] == 5 && r.pmc[2] == 0);
	assert_true(r.fixed[1] == 5);
	/* GLOBAL_CTRL gates everything. */
	vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	vpmu_count(&r, CYCLES, 9, 0);
	assert_true(r.pmc[0] == 7);
}

/* What 'vpmu off' checks: a counter enabled for any event at any level. */
static void test_enabled_counters_whatever_they_count(void **state)
{
	vpmu_reset(&r, &skylake);
	assert_true(vpmu_enabled(&r) == 0); /* GLOBAL_CTRL set, but no EN bit */
	vpmu_wrmsr(&r, MSR_IA32_PERFEVTSEL0 + 3, 0x412e | EVTSEL_USR | EVTSEL_EN); /* LLC misses */
	assert_true(vpmu_enabled(&r) == 0x8);
	vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR_CTRL, 0x8 << 8); /* fixed 2: PMI only, no level: off */
	vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 0xf | (7ull << 32));
	assert_true(vpmu_enabled(&r) == 0x8);
	vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR_CTRL, 0x1 << 8); /* fixed 2, OS */
	assert_true(vpmu_enabled(&r) == (0x8 | (1ull << 34)));
	vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 0); /* the global enables gate all */
	assert_true(vpmu_enabled(&r) == 0);
}

static void test_overflow_exactly_at_wrap_sets_status_and_asks_for_pmi(void **state)
{
	vpmu_reset(&r, &skylake);
	vpmu_wrmsr(&r, MSR_IA32_PMC0, (uint32_t)-1000);
	vpmu_wrmsr(&r, MSR_IA32_PERFEVTSEL0, CYCLES | EVTSEL_OS | EVTSEL_USR | EVTSEL_INT | EVTSEL_EN);
	vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR0, MASK48 - 9); /* instructions: 10 to go */
	vpmu_wrmsr(&r, MSR_IA32_FIXED_CTR_CTRL, 0x3);    /* OS+USR, no PMI */
	vpmu_wrmsr(&r, MSR_IA32_PERF_GLOBAL_CTRL, 1 | (1ull << 32));
	assert_true(vpmu_count(&r, CYCLES, 999, 0) == 0);
	assert_true(r.global_status == 0);
	assert_true(vpmu_count(&r, CYCLES, 1, 0) == 1);
	assert_true(r.global_status == 1 && r.pmc[0] == 0);
	/* An overflow without its interrupt bit sets status, asks no PMI. */
	assert_true(vpmu_count(&r, INSTRUCTIONS, 12, 3) == 0);
	assert_true(r.global_status == (1 | (1ull << 32)) && r.fixed[0] == 2);
}

static void test_rdpmc_indexes_and_gp(void **state)
{
	uint64_t v;

	vpmu_reset(&r, &skylake);
	r.pmc[3] = 33;
	r.fixed[2] = 44;
	assert_int_equal(vpmu_rdpmc(&r, 3, &v), 0);
	assert_true(v == 33);
	assert_int_equal(vpmu_rdpmc(&r, (1u << 30) | 2, &v), 0);
	assert_true(v == 44);
	assert_int_equal(vpmu_rdpmc(&r, 4, &v), -1);
	assert_int_equal(vpmu_rdpmc(&r, (1u << 30) | 3, &v), -1);
	assert_int_equal(vpmu_rdpmc(&r, 0x80000000u, &v), -1);
}

/* ---- policies (pmu/vpmu_policy.c) ---------------------------------------- */

#define RIP_CPUID 0x401234
#define LVT_NMI LVT_DELIVERY_NMI

static struct vpmu v;

/* A guest WRMSR: the register, then what counts (as the exit path does). */
static void wr(uint32_t msr, uint64_t value)
{
	vpmu_wrmsr(&v.regs, msr, value);
	vpmu_refresh(&v);
}
static const uint16_t time_events[] = { CYCLES, INSTRUCTIONS };

/* The guest counts instructions at every level, fixed counter 0, with a PMI. */
static void start(const struct vpmu_policy *policy, uint64_t to_overflow)
{
	vpmu_init(&v, &skylake, time_events, 2, policy);
	wr(MSR_IA32_FIXED_CTR0, (0 - to_overflow) & MASK48);
	wr(MSR_IA32_FIXED_CTR_CTRL, 0xb);
	wr(MSR_IA32_PERF_GLOBAL_CTRL, 1ull << 32);
}

/* One exit: the guest ran 'guest' events, pmuvisor 'vmm'. */
static void exit_cycle(uint64_t guest, uint64_t vmm, struct vpmu_delivery *d, uint32_t lvtpc)
{
	vpmu_guest_ran(&v, guest, 3, RIP_CPUID);
	vpmu_vmm_ran(&v, vmm);
	vpmu_entry(&v, lvtpc, d);
}

static void test_cpu_switch_counts_only_guest_execution(void **state)
{
	struct vpmu_delivery d;

	start(&vpmu_cpu_switch, 1000000);
	exit_cycle(1000, 500, &d, LVT_NMI);
	exit_cycle(1000, 500, &d, LVT_NMI);
	assert_true(v.regs.fixed[0] == ((0 - 1000000ull + 2000) & MASK48));
}

static void test_domain_switch_counts_pmuvisor_work_too(void **state)
{
	struct vpmu_delivery d;

	start(&vpmu_domain_switch, 1000000);
	exit_cycle(1000, 500, &d, LVT_NMI);
	exit_cycle(1000, 500, &d, LVT_NMI);
	assert_true(v.regs.fixed[0] == ((0 - 1000000ull + 3000) & MASK48));
}

static void test_overflow_in_pmuvisor_work_is_delivered_at_entry_for_the_exiting_instruction(void **state)
{
	struct vpmu_delivery d;

	start(&vpmu_domain_switch, 1200);
	exit_cycle(1000, 500, &d, LVT_NMI); /* overflows 200 events into pmuvisor's work */
	assert_true(d.inject && d.nmi);
	assert_true(d.charged_rip == RIP_CPUID);
	assert_true(d.lvtpc == (LVT_NMI | LVT_MASKED)); /* masked, as the APIC does */
	assert_true(v.regs.global_status == 1ull << 32);
	/* The same overflow under cpu-switch never happens in pmuvisor. */
	start(&vpmu_cpu_switch, 1200);
	exit_cycle(1000, 500, &d, LVT_NMI);
	assert_false(d.inject);
	assert_true(v.regs.global_status == 0);
}

static void test_masked_lvt_entry_delivers_nothing_and_ovf_ctrl_clears(void **state)
{
	struct vpmu_delivery d;

	start(&vpmu_cpu_switch, 500);
	exit_cycle(1000, 0, &d, LVT_NMI | LVT_MASKED);
	assert_false(d.inject);
	assert_int_equal(v.pmis_masked, 1);
	assert_true(v.regs.global_status == 1ull << 32); /* the overflow is still recorded */
	wr(MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1ull << 32);
	assert_true(v.regs.global_status == 0);
	/* A fixed-vector LVT entry injects that vector. */
	start(&vpmu_cpu_switch, 500);
	exit_cycle(1000, 0, &d, 0xfe);
	assert_true(d.inject && !d.nmi && d.vector == 0xfe && d.lvtpc == (0xfe | LVT_MASKED));
}

static void test_policy_switch_takes_effect_at_the_next_exit(void **state)
{
	struct vpmu_delivery d;

	start(&vpmu_cpu_switch, 1000000);
	vpmu_guest_ran(&v, 1000, 3, RIP_CPUID);
	vpmu_set_policy(&v, vpmu_policy_find("domain-switch"));
	vpmu_vmm_ran(&v, 500); /* this exit: still cpu-switch */
	vpmu_entry(&v, LVT_NMI, &d);
	exit_cycle(1000, 500, &d, LVT_NMI); /* the next one: domain-switch */
	assert_string_equal(v.policy->name, "domain-switch");
	assert_true(v.regs.fixed[0] == ((0 - 1000000ull + 2500) & MASK48));
	assert_null(vpmu_policy_find("half-switch"));
}

static void test_events_to_overflow_is_the_nearest_counter(void **state)
{
	start(&vpmu_cpu_switch, 5000);
	assert_true(vpmu_events_to_overflow(&v) == 5000);
	wr(MSR_IA32_PMC0 + 1, (uint32_t)-300);
	wr(MSR_IA32_PERFEVTSEL0 + 1, CYCLES | EVTSEL_USR | EVTSEL_EN);
	wr(MSR_IA32_PERF_GLOBAL_CTRL, (1ull << 32) | 2);
	assert_true(vpmu_events_to_overflow(&v) == 300);
	/* A counter of an event time cannot count does not matter. */
	wr(MSR_IA32_PERFEVTSEL0 + 1, 0x00c4 | EVTSEL_USR | EVTSEL_EN);
	assert_true(vpmu_events_to_overflow(&v) == 5000);
	wr(MSR_IA32_PERF_GLOBAL_CTRL, 0);
	assert_true(vpmu_events_to_overflow(&v) == UINT64_MAX);
}

static void test_a_counter_of_one_privilege_level_asks_for_fine_exits(void **state)
{
	start(&vpmu_cpu_switch, 5000); /* fixed 0: OS and USR */
	assert_false(vpmu_filters_cpl(&v));
	wr(MSR_IA32_FIXED_CTR_CTRL, 0xa); /* USR and PMI */
	assert_true(vpmu_filters_cpl(&v));
	wr(MSR_IA32_PERF_GLOBAL_CTRL, 0); /* disabled: no matter */
	assert_false(vpmu_filters_cpl(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_up_enables_only_the_general_purpose_counters),
		cmocka_unit_test(test_cpuid_0a_describes_the_configuration),
		cmocka_unit_test(test_legacy_writes_sign_extend_bit_31),
		cmocka_unit_test(test_gp_where_the_sdm_raises_it),
		cmocka_unit_test(test_status_set_and_ovf_ctrl_clear),
		cmocka_unit_test(test_counting_per_privilege_level_and_enables),
		cmocka_unit_test(test_enabled_counters_whatever_they_count),
		cmocka_unit_test(test_overflow_exactly_at_wrap_sets_status_and_asks_for_pmi),
		cmocka_unit_test(test_rdpmc_indexes_and_gp),
		cmocka_unit_test(test_cpu_switch_counts_only_guest_execution),
		cmocka_unit_test(test_domain_switch_counts_pmuvisor_work_too),
		cmocka_unit_test(test_overflow_in_pmuvisor_work_is_delivered_at_entry_for_the_exiting_instruction),
		cmocka_unit_test(test_masked_lvt_entry_delivers_nothing_and_ovf_ctrl_clears),
		cmocka_unit_test(test_policy_switch_takes_effect_at_the_next_exit),
		cmocka_unit_test(test_events_to_overflow_is_the_nearest_counter),
		cmocka_unit_test(test_a_counter_of_one_privilege_level_asks_for_fine_exits),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
