/*
 * The hw backend (pmu/hw_sampler.c) against the SDM PMU model
 * (tests/unit/pmu_model.c): the counter it picks and how it programs it,
 * counting at every privilege level, overflow after exactly 'period'
 * events, GLOBAL_STATUS and OVF_CTRL, the reload, freeze and unfreeze
 * around the PMI handler, PMIs in VMX root vs non-root mode, and what
 * the guest sees of the PMU while pmuvisor owns it (pmu/guest_view.h).
 */
#include "unit.h"

#include "pmu/guest_view.h"
#include "pmu/hw_sampler.h"
#include "pmu/msr.h"
#include "tests/unit/pmu_model.h"

#define CYCLES 0x003c
#define INSTRUCTIONS 0x00c0
#define LLC_MISSES 0x412e
#define MASK48 ((1ull << 48) - 1)

static struct pmu_model model;
static unsigned writes;
/* Events retired by the PMI handler itself between reloading the counter
 * and unfreezing it (pmuvisor's own instructions). */
static uint64_t handler_events;
static bool in_handler;

static int model_read(void *ctx, uint32_t msr, uint64_t *v)
{
	return pmu_model_rdmsr(&model, msr, v);
}

static int model_write(void *ctx, uint32_t msr, uint64_t v)
{
	int r = pmu_model_wrmsr(&model, msr, v);

	writes++;
	/* After the reload, before the unfreeze: counted unless frozen. */
	if (in_handler && msr == MSR_IA32_PERF_GLOBAL_OVF_CTRL)
		pmu_model_count(&model, CYCLES, handler_events);
	return r;
}

static void model_arm_lvtpc(void *ctx)
{
	model.lvtpc = LVT_DELIVERY_NMI; /* unmasked */
}

static struct hw_sampler sampler;
static unsigned samples_taken;
static uint64_t global_ctrl_at_sample;

static void take_sample(void *ctx)
{
	samples_taken++;
	global_ctrl_at_sample = model.regs.global_ctrl;
	/* The sample is taken while frozen: pmuvisor's work here counts not. */
	pmu_model_count(&model, CYCLES, handler_events);
}

static bool pmi(void)
{
	return hw_sampler_pmi(&sampler, take_sample, 0);
}

static void start(unsigned version, unsigned fixed, bool fw, const char *event, uint16_t code,
		  uint64_t period)
{
	const char *why = 0;

	pmu_model_init(&model, version, 4, fixed, fw);
	assert_int_equal(hw_sampler_choose(&sampler, &model.caps, fw,
					   event ? pmu_event_find(event) : 0, code, period, &why), 0);
	sampler.ops = (struct pmu_ops){ model_read, model_write, model_arm_lvtpc, 0 };
	assert_int_equal(hw_sampler_start(&sampler), 0);
	writes = 0;
	samples_taken = 0;
	in_handler = false;
	handler_events = 0;
}

static void test_cycles_use_fixed_counter_1_at_every_privilege_level(void **state)
{
	start(4, 3, true, "cycles", CYCLES, 100000);
	assert_true(sampler.fixed);
	assert_int_equal(sampler.index, 1);
	/* Field 1 of FIXED_CTR_CTRL: OS, USR and PMI (20.2.2). */
	assert_int_equal(model.regs.fixed_ctrl, 0xb0);
	assert_true(model.regs.global_ctrl == 1ull << 33);
	assert_true(model.regs.fixed[1] == ((0 - 100000ull) & MASK48));
	assert_int_equal(model.lvtpc, LVT_DELIVERY_NMI);
	/* Counts guest user, guest kernel and pmuvisor (root, CPL 0) alike. */
	model.cpl = 3;
	pmu_model_count(&model, CYCLES, 10);
	model.cpl = 0;
	pmu_model_count(&model, CYCLES, 10);
	model.root = true;
	pmu_model_count(&model, CYCLES, 10);
	pmu_model_count(&model, INSTRUCTIONS, 10); /* another event: not counted */
	assert_true(model.regs.fixed[1] == ((0 - 100000ull + 30) & MASK48));
}

static void test_overflow_at_exactly_the_period_then_reload(void **state)
{
	start(4, 3, true, "cycles", CYCLES, 5000);
	pmu_model_count(&model, CYCLES, 4999);
	assert_int_equal(model.pmis_guest, 0);
	assert_true(model.regs.global_status == 0);
	pmu_model_count(&model, CYCLES, 1);
	assert_int_equal(model.pmis_guest, 1);
	assert_int_equal(model.pmi_at, 5000);
	assert_true(model.regs.global_status == 1ull << 33);
	assert_true(model.lvtpc & LVT_MASKED); /* the APIC masked it on delivery */

	assert_true(pmi());
	assert_int_equal(samples_taken, 1);
	assert_true(global_ctrl_at_sample == 0);        /* taken while frozen */
	assert_true(model.regs.global_status == 0);          /* OVF_CTRL cleared it */
	assert_true(model.regs.fixed[1] == ((0 - 5000ull) & MASK48)); /* reloaded */
	assert_false(model.lvtpc & LVT_MASKED);         /* unmasked again */
	assert_true(model.regs.global_ctrl == 1ull << 33);   /* unfrozen */
	/* The next PMI comes exactly one period later. */
	pmu_model_count(&model, CYCLES, 5000);
	assert_int_equal(model.pmis_guest, 2);
	assert_int_equal(model.pmi_at, 10000);
	assert_int_equal(sampler.pmis, 1);
}

static void test_handler_is_frozen_so_its_own_events_are_not_counted(void **state)
{
	start(4, 3, true, "cycles", CYCLES, 5000);
	pmu_model_count(&model, CYCLES, 5000);
	in_handler = true;
	handler_events = 700; /* pmuvisor's handler, between freeze and unfreeze */
	assert_true(pmi());
	in_handler = false;
	assert_true(model.regs.fixed[1] == ((0 - 5000ull) & MASK48));
	assert_int_equal(model.pmis_guest, 1);
}

static void test_freeze_on_pmi_by_debugctl_is_undone_by_the_handler(void **state)
{
	start(4, 3, true, "cycles", CYCLES, 5000);
	model.debugctl = DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	pmu_model_count(&model, CYCLES, 5000);
	assert_true(model.regs.global_ctrl == 0); /* frozen by the PMI */
	pmu_model_count(&model, CYCLES, 100);
	assert_true(model.regs.fixed[1] == 0);    /* not counting while frozen */
	assert_true(pmi());
	assert_true(model.regs.global_ctrl == 1ull << 33);
	pmu_model_count(&model, CYCLES, 5000);
	assert_int_equal(model.pmis_guest, 2);
}

static void test_pmi_in_root_is_pmuvisors_sample_in_guest_the_guests(void **state)
{
	struct pmi_context c = { 0 };
	struct sample s;

	start(4, 3, true, "cycles", CYCLES, 1000);
	model.root = true;
	pmu_model_count(&model, CYCLES, 1000);
	assert_int_equal(model.pmis_root, 1);
	assert_true(pmi());
	model.root = false;
	model.cpl = 3;
	pmu_model_count(&model, CYCLES, 1000);
	assert_int_equal(model.pmis_guest, 1);

	c = (struct pmi_context){ true, 0xffffffff80001234ull, 0x401000, 0x5000, 3, 77, 10, 2 };
	hw_sample_for_pmi(&c, &s);
	assert_int_equal(s.mode, SAMPLE_PMUVISOR);
	assert_true(s.rip == 0xffffffff80001234ull);
	assert_int_equal(s.exit_reason, 10);
	assert_int_equal(s.cpu, 2); /* the processor the PMI came on */
	c.root = false;
	hw_sample_for_pmi(&c, &s);
	assert_int_equal(s.mode, SAMPLE_GUEST_USER);
	assert_true(s.rip == 0x401000 && s.guest_cr3 == 0x5000 && s.tsc == 77);
	c.guest_cpl = 0;
	hw_sample_for_pmi(&c, &s);
	assert_int_equal(s.mode, SAMPLE_GUEST_KERNEL);
}

static void test_an_nmi_without_our_overflow_is_not_ours(void **state)
{
	start(4, 3, true, "cycles", CYCLES, 1000);
	model.regs.global_status = 1ull << 0; /* someone else's counter */
	assert_false(pmi());
	assert_int_equal(writes, 0);      /* nothing touched */
	assert_int_equal(samples_taken, 0);
	assert_int_equal(sampler.foreign, 1);
}

static void test_overflow_buffer_and_condition_bits_are_cleared_too(void **state)
{
	start(4, 3, true, "cycles", CYCLES, 1000);
	pmu_model_count(&model, CYCLES, 1000);
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_STATUS_SET, GLOBAL_STATUS_COND_CHGD);
	assert_true(pmi());
	assert_true(model.regs.global_status == 0);
}

static void test_general_purpose_counter_legacy_and_full_width_writes(void **state)
{
	const char *why;

	/* LLC-misses has no fixed counter: PMC0 with the event's code. */
	start(4, 3, true, "LLC-misses", LLC_MISSES, 3000);
	assert_false(sampler.fixed);
	assert_int_equal(sampler.index, 0);
	assert_true(model.regs.evtsel[0] == (LLC_MISSES | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN));
	assert_true(model.regs.pmc[0] == ((0 - 3000ull) & MASK48));
	pmu_model_count(&model, LLC_MISSES, 3000);
	assert_int_equal(model.pmis_guest, 1);
	assert_true(model.regs.global_status == 1);
	/* Without full-width writes, the legacy write's sign extension gives
	 * the same 48-bit value... */
	start(4, 3, false, "LLC-misses", LLC_MISSES, 3000);
	assert_true(model.regs.pmc[0] == ((0 - 3000ull) & MASK48));
	/* ...but only periods below 2^31 fit. */
	assert_int_equal(hw_sampler_choose(&sampler, &model.caps, false, pmu_event_find("LLC-misses"),
					   LLC_MISSES, 1ull << 31, &why), -1);
	assert_int_equal(hw_sampler_choose(&sampler, &model.caps, true, pmu_event_find("LLC-misses"),
					   LLC_MISSES, 1ull << 31, &why), 0);
	/* A raw code goes to PMC0 as it is. */
	start(4, 3, true, 0, 0x01a2, 2000);
	assert_true((model.regs.evtsel[0] & 0xffff) == 0x01a2);
	/* Instructions on a PMU without fixed counters: PMC0. */
	start(2, 0, false, "instructions", INSTRUCTIONS, 2000);
	assert_false(sampler.fixed);
	pmu_model_count(&model, INSTRUCTIONS, 2000);
	assert_int_equal(model.pmis_guest, 1);
}

static void test_refusals_say_why(void **state)
{
	struct pmu_caps caps = { 1, 2, 40, 0, 0, 7, 0 };
	const char *why = 0;

	assert_int_equal(hw_sampler_choose(&sampler, &caps, false, pmu_event_find("cycles"), CYCLES,
					   1000, &why), -1);
	assert_string_equal(why, "sampling needs IA32_PERF_GLOBAL_CTRL and _STATUS (PMU version 2 or later)");
	caps.version = 3;
	caps.events_unavailable = 1u << 6; /* branch-misses */
	assert_int_equal(hw_sampler_choose(&sampler, &caps, false, pmu_event_find("branch-misses"),
					   0x00c5, 1000, &why), -1);
	assert_string_equal(why, "CPUID.0AH:EBX says this CPU does not count that event");
	caps.gp_counters = 0;
	assert_int_equal(hw_sampler_choose(&sampler, &caps, false, pmu_event_find("branches"), 0x00c4,
					   1000, &why), -1);
	assert_string_equal(why, "the PMU has no general-purpose counter for this event");
}

static void test_a_faulting_msr_leaves_everything_disabled(void **state)
{
	const char *why;

	pmu_model_init(&model, 4, 4, 3, true);
	model.fault_on_msr = MSR_IA32_FIXED_CTR_CTRL;
	assert_int_equal(hw_sampler_choose(&sampler, &model.caps, true, pmu_event_find("cycles"),
					   CYCLES, 1000, &why), 0);
	sampler.ops = (struct pmu_ops){ model_read, model_write, model_arm_lvtpc, 0 };
	assert_int_equal(hw_sampler_start(&sampler), -1);
	assert_true(model.regs.global_ctrl == 0);
	pmu_model_count(&model, CYCLES, 5000);
	assert_int_equal(model.pmis_guest + model.pmis_root, 0);
}

static void test_stop_disables_and_no_pmi_follows(void **state)
{
	start(4, 3, true, "instructions", INSTRUCTIONS, 1000);
	pmu_model_count(&model, INSTRUCTIONS, 500);
	hw_sampler_stop(&sampler);
	assert_true(model.regs.global_ctrl == 0);
	assert_int_equal(model.regs.fixed_ctrl & 0xf, 0);
	pmu_model_count(&model, INSTRUCTIONS, 5000);
	assert_int_equal(model.pmis_guest, 0);
	assert_true(model.regs.fixed[0] == 0);
}

static void test_the_model_follows_the_sdm(void **state)
{
	uint64_t v;

	pmu_model_init(&model, 4, 4, 3, false);
	/* Reserved bits and missing counters raise #GP. */
	assert_int_equal(pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 1ull << 4), -1);
	assert_int_equal(pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 1ull << 35), -1);
	assert_int_equal(pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_STATUS, 0), -1);
	assert_int_equal(pmu_model_wrmsr(&model, MSR_IA32_A_PMC0, 1), -1); /* no FW_WRITE */
	assert_int_equal(pmu_model_rdmsr(&model, MSR_IA32_PMC0 + 4, &v), -1);
	assert_int_equal(pmu_model_wrmsr(&model, MSR_IA32_FIXED_CTR_CTRL, 1ull << 12), -1);
	/* OS-only and USR-only counting. */
	pmu_model_wrmsr(&model, MSR_IA32_PERFEVTSEL0, CYCLES | EVTSEL_OS | EVTSEL_EN);
	pmu_model_wrmsr(&model, MSR_IA32_PERFEVTSEL0 + 1, CYCLES | EVTSEL_USR | EVTSEL_EN);
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 3);
	model.cpl = 3;
	pmu_model_count(&model, CYCLES, 5);
	model.cpl = 0;
	pmu_model_count(&model, CYCLES, 7);
	assert_true(model.regs.pmc[0] == 7 && model.regs.pmc[1] == 5);
	/* GLOBAL_CTRL gates counting. */
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	pmu_model_count(&model, CYCLES, 7);
	assert_true(model.regs.pmc[0] == 7);
	/* A masked LVT entry loses the PMI. */
	pmu_model_wrmsr(&model, MSR_IA32_PMC0, 0xffffffff); /* -1: overflows on the next event */
	pmu_model_wrmsr(&model, MSR_IA32_PERFEVTSEL0, CYCLES | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN);
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 1);
	pmu_model_count(&model, CYCLES, 1);
	assert_int_equal(model.pmis_lost, 1);
	assert_true(model.regs.global_status == 1);
}

static void test_the_guest_sees_no_pmu_while_pmuvisor_owns_it(void **state)
{
	struct cpuid_result r = { 0x07300404, 0, 0, 0x00008603 };
	static const uint32_t hidden[] = { 0xc1, 0xc8, 0x186, 0x18d, 0x309, 0x30c, 0x345, 0x38d,
					   0x38e, 0x38f, 0x390, 0x391, 0x4c1, 0x4c8 };
	static const uint32_t visible[] = { 0xc0, 0xc9, 0x185, 0x18e, 0x308, 0x30d, 0x38c, 0x392,
					    0x4c0, 0x4c9, 0x1d9, 0x10 };
	unsigned i;

	cpuid_hide_pmu(0xa, &r);
	assert_true(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0);
	r = (struct cpuid_result){ 0x50654, 0, 0xfffa3203, 0 };
	cpuid_hide_pmu(1, &r);
	assert_int_equal(r.ecx & CPUID1_ECX_PDCM, 0);
	assert_true(r.ecx == (0xfffa3203 & ~CPUID1_ECX_PDCM));
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		assert_true(pmu_msr_hidden(hidden[i]));
	for (i = 0; i < sizeof(visible) / sizeof(visible[0]); i++)
		assert_false(pmu_msr_hidden(visible[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycles_use_fixed_counter_1_at_every_privilege_level),
		cmocka_unit_test(test_overflow_at_exactly_the_period_then_reload),
		cmocka_unit_test(test_handler_is_frozen_so_its_own_events_are_not_counted),
		cmocka_unit_test(test_freeze_on_pmi_by_debugctl_is_undone_by_the_handler),
		cmocka_unit_test(test_pmi_in_root_is_pmuvisors_sample_in_guest_the_guests),
		cmocka_unit_test(test_an_nmi_without_our_overflow_is_not_ours),
		cmocka_unit_test(test_overflow_buffer_and_condition_bits_are_cleared_too),
		cmocka_unit_test(test_general_purpose_counter_legacy_and_full_width_writes),
		cmocka_unit_test(test_refusals_say_why),
		cmocka_unit_test(test_a_faulting_msr_leaves_everything_disabled),
		cmocka_unit_test(test_stop_disables_and_no_pmi_follows),
		cmocka_unit_test(test_the_model_follows_the_sdm),
		cmocka_unit_test(test_the_guest_sees_no_pmu_while_pmuvisor_owns_it),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
