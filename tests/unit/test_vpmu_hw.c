/*
 * The virtual PMU's hw backend (pmu/vpmu_hw.c) against the SDM PMU model
 * (tests/unit/pmu_model.c), with the CPU's side of VM exits and entries
 * played here as the SDM describes it: at an exit, "save
 * IA32_PERF_GLOBAL_CTRL" (24.7.1), the MSR-store list (27.4), then "load
 * IA32_PERF_GLOBAL_CTRL" from the host field (27.5.1); at an entry, the
 * load from the guest field (26.3.2.1). The guest programs the model
 * directly, as its MSRs pass through.
 */
#include "unit.h"

#include "pmu/msr.h"
#include "pmu/vpmu_hw.h"
#include "tests/unit/pmu_model.h"
#include "vmx/vmcs.h"

#include <string.h>

#define CYCLES 0x003c
#define MASK48 ((1ull << 48) - 1)
#define EXIT_RIP 0x401000

static struct pmu_model model;
static struct vpmu_hw hw;
static struct vmx_msr_entry store;
static uint64_t vmcs[0x7000];
static unsigned guest_nmis;      /* NMIs injected at entry */
static uint64_t guest_nmi_rip;   /* what the guest records for the last one */

static uint64_t vmcs_model_read(void *ctx, uint32_t field)
{
	return vmcs[field];
}

static void vmcs_model_write(void *ctx, uint32_t field, uint64_t value)
{
	vmcs[field] = value;
}

static int rdmsr(void *ctx, uint32_t msr, uint64_t *v)
{
	return pmu_model_rdmsr(&model, msr, v);
}

static int wrmsr(void *ctx, uint32_t msr, uint64_t v)
{
	return pmu_model_wrmsr(&model, msr, v);
}

/* The CPU at a VM exit, then pmuvisor's exit hook. */
static void vm_exit(void)
{
	if (vmcs[VM_EXIT_CONTROLS] & VPMU_HW_EXIT_SAVE)
		vmcs[GUEST_IA32_PERF_GLOBAL_CTRL] = model.regs.global_ctrl;
	if (vmcs[VM_EXIT_MSR_STORE_COUNT] == 1) {
		assert_int_equal(vmcs[VM_EXIT_MSR_STORE_ADDR], 0x5000);
		assert_int_equal(store.index, MSR_IA32_PERF_GLOBAL_CTRL);
		pmu_model_rdmsr(&model, store.index, &store.value);
	}
	if (vmcs[VM_EXIT_CONTROLS] & VPMU_HW_EXIT_LOAD)
		model.regs.global_ctrl = vmcs[HOST_IA32_PERF_GLOBAL_CTRL];
	model.root = true;
	vpmu_hw_exit(&hw);
}

/* pmuvisor's work on the exit: 'n' cycles in root mode (CPL 0). A PMI
 * there is an NMI in root mode, owed to the guest. */
static void vmm_work(uint64_t n)
{
	unsigned before = model.pmis_root;

	pmu_model_count(&model, CYCLES, n);
	if (model.pmis_root != before)
		vpmu_hw_root_pmi(&hw, EXIT_RIP);
}

/* pmuvisor's entry hook, then the CPU at the entry (an owed NMI is
 * injected: the guest's handler sees the RIP it resumes at). */
static void vm_entry(void)
{
	bool owed = hw.pmis_owed != 0;

	vpmu_hw_entry(&hw);
	if (vmcs[VM_ENTRY_CONTROLS] & VPMU_HW_ENTRY_LOAD)
		model.regs.global_ctrl = vmcs[GUEST_IA32_PERF_GLOBAL_CTRL];
	model.root = false;
	if (owed) {
		guest_nmis++;
		guest_nmi_rip = hw.pmi_rip;
	}
}

/* The guest: perf's way of counting cycles in PMC0 at every level. */
static void guest_counts_cycles(uint64_t start)
{
	pmu_model_wrmsr(&model, MSR_IA32_PMC0, start & 0xffffffff);
	pmu_model_wrmsr(&model, MSR_IA32_PERFEVTSEL0,
			CYCLES | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN);
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 1);
}

static void guest_runs(uint64_t n)
{
	pmu_model_count(&model, CYCLES, n);
}

static void setup_with(const struct vpmu_policy *p, bool save_control)
{
	pmu_model_init(&model, 4, 4, 3, true);
	memset(vmcs, 0, sizeof(vmcs));
	memset(&hw, 0, sizeof(hw));
	guest_nmis = 0;
	guest_nmi_rip = 0;
	vmcs[VM_EXIT_CONTROLS] = 0x36dff; /* other bits must survive */
	vmcs[VM_ENTRY_CONTROLS] = 0x93ff;
	model.cpl = 3;
	model.lvtpc = LVT_DELIVERY_NMI;   /* as Linux programs it */
	hw.ops = (struct vpmu_hw_ops){ vmcs_model_read, vmcs_model_write, rdmsr, wrmsr, 0 };
	vpmu_hw_start(&hw, p, save_control, &store, 0x5000);
}

/* One exit that costs pmuvisor 'vmm' cycles, after 'guest' in the guest. */
static void round_trip(uint64_t guest, uint64_t vmm)
{
	guest_runs(guest);
	vm_exit();
	vmm_work(vmm);
	vm_entry();
}

static void test_cpu_switch_leaves_out_pmuvisor(void **state)
{
	int i;

	setup_with(&vpmu_cpu_switch, false);
	guest_counts_cycles(0);
	for (i = 0; i < 100; i++)
		round_trip(1000, 700);
	assert_true(MODEL_PMC(&model, 0) == 100000);
	assert_true((vmcs[VM_EXIT_CONTROLS] & 0x36dff) == 0x36dff);
	assert_true(vmcs[VM_EXIT_CONTROLS] & VPMU_HW_EXIT_LOAD);
	assert_true(vmcs[VM_ENTRY_CONTROLS] & VPMU_HW_ENTRY_LOAD);
	assert_true(vmcs[HOST_IA32_PERF_GLOBAL_CTRL] == 0);
}

static void test_domain_switch_counts_pmuvisor(void **state)
{
	int i;

	setup_with(&vpmu_domain_switch, false);
	guest_counts_cycles(0);
	for (i = 0; i < 100; i++)
		round_trip(1000, 700);
	assert_true(MODEL_PMC(&model, 0) == 170000);
	assert_false(vmcs[VM_EXIT_CONTROLS] & VPMU_HW_EXIT_LOAD);
	assert_false(vmcs[VM_ENTRY_CONTROLS] & VPMU_HW_ENTRY_LOAD);
	assert_int_equal(vmcs[VM_EXIT_MSR_STORE_COUNT], 0);
}

/* A counter that counts user level only: root mode is CPL 0, so even
 * domain-switch adds nothing (the limit of real counters, in the docs). */
static void test_domain_switch_root_counts_at_ring_0(void **state)
{
	setup_with(&vpmu_domain_switch, false);
	guest_counts_cycles(0);
	pmu_model_wrmsr(&model, MSR_IA32_PERFEVTSEL0, CYCLES | EVTSEL_USR | EVTSEL_EN);
	round_trip(1000, 700);
	assert_true(MODEL_PMC(&model, 0) == 1000);
}

/* The common path: no WRMSR at any exit, and under cpu-switch at most one
 * VMWRITE at an entry, when the guest changed its enables. */
static void test_exit_path_adds_no_wrmsr(void **state)
{
	static const struct vpmu_policy *const policies[] = { &vpmu_cpu_switch, &vpmu_domain_switch };
	unsigned p, i;

	for (p = 0; p < 2; p++) {
		setup_with(policies[p], false);
		guest_counts_cycles(0);
		round_trip(100, 100); /* cpu-switch: the guest's new enables, one VMWRITE */
		hw.vmwrites = hw.wrmsrs = 0;
		for (i = 0; i < 50; i++)
			round_trip(100, 100);
		assert_int_equal(hw.wrmsrs, 0);
		assert_int_equal(hw.vmwrites, 0);
	}
}

/* perf toggles GLOBAL_CTRL without exiting; the next entry must give the
 * guest what it last wrote, not what the previous entry loaded. */
static void test_guest_changes_global_ctrl_between_exits(void **state)
{
	setup_with(&vpmu_cpu_switch, false);
	guest_counts_cycles(0);
	round_trip(500, 100);
	hw.vmwrites = 0;
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 0); /* the guest stops counting */
	round_trip(500, 100);
	assert_int_equal(hw.vmwrites, 1);
	guest_runs(500);
	assert_true(MODEL_PMC(&model, 0) == 500); /* stayed stopped after the entry */
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 1);
	round_trip(500, 100);
	guest_runs(500);
	assert_true(MODEL_PMC(&model, 0) == 1500);
	assert_int_equal(hw.vmwrites, 2);
}

/* Where the CPU has the save control, it writes the guest field itself:
 * no MSR-store list, and nothing at all at the entry. */
static void test_save_control_needs_no_store_list(void **state)
{
	setup_with(&vpmu_cpu_switch, true);
	assert_true(vmcs[VM_EXIT_CONTROLS] & VPMU_HW_EXIT_SAVE);
	assert_int_equal(vmcs[VM_EXIT_MSR_STORE_COUNT], 0);
	guest_counts_cycles(0);
	hw.vmwrites = 0;
	round_trip(500, 100);
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	round_trip(500, 100);
	guest_runs(500);
	assert_true(MODEL_PMC(&model, 0) == 500);
	assert_int_equal(hw.vmwrites, 0);
}

/* domain-switch: an overflow during pmuvisor's work is a PMI in root
 * mode, given to the guest at the next entry against the exiting
 * instruction; the APIC has masked the LVT entry, and a second overflow
 * before the guest unmasks it is not delivered (SDM Vol. 3A, 11.5.1). */
static void test_overflow_in_pmuvisor_goes_to_the_guest_at_entry(void **state)
{
	setup_with(&vpmu_domain_switch, false);
	guest_counts_cycles((uint64_t)-1300 & MASK48);
	guest_runs(1000);
	assert_int_equal(model.pmis_guest, 0);
	vm_exit();
	vmm_work(700);
	assert_int_equal(model.pmis_root, 1);
	assert_int_equal(guest_nmis, 0); /* not before the entry */
	vm_entry();
	assert_int_equal(guest_nmis, 1);
	assert_true(guest_nmi_rip == EXIT_RIP);
	assert_true(model.lvtpc & LVT_MASKED);
	assert_true(model.regs.global_status & 1);
	assert_int_equal(hw.pmis_delivered, 1);
	/* The guest's handler has not unmasked the entry yet. */
	pmu_model_wrmsr(&model, MSR_IA32_PMC0, (uint32_t)-10);
	guest_runs(20);
	assert_int_equal(model.pmis_lost, 1);
	/* It acknowledges (OVF_CTRL clears the status) and unmasks. */
	pmu_model_wrmsr(&model, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1);
	assert_true(model.regs.global_status == 0);
	model.lvtpc = LVT_DELIVERY_NMI;
}

/* cpu-switch: the same counter cannot overflow in pmuvisor. */
static void test_cpu_switch_no_pmi_in_pmuvisor(void **state)
{
	setup_with(&vpmu_cpu_switch, false);
	guest_counts_cycles((uint64_t)-1300 & MASK48);
	round_trip(1000, 700);
	assert_int_equal(model.pmis_root, 0);
	assert_int_equal(guest_nmis, 0);
	guest_runs(300);
	assert_int_equal(model.pmis_guest, 1); /* in the guest, where it ran out */
	/* Another NMI in root mode is not taken for the guest's PMI. */
	vm_exit();
	assert_false(vpmu_hw_root_pmi(&hw, EXIT_RIP));
	assert_int_equal(hw.pmis_owed, 0);
}

/* A switch takes effect at the next exit, that exit's work included, for
 * one WRMSR; counts before it stand. */
static void test_policy_switch_at_the_next_exit(void **state)
{
	setup_with(&vpmu_cpu_switch, false);
	guest_counts_cycles(0);
	round_trip(1000, 700);
	vpmu_hw_set_policy(&hw, &vpmu_domain_switch);
	assert_true(hw.policy == &vpmu_cpu_switch); /* not yet */
	hw.wrmsrs = 0;
	round_trip(1000, 700);
	assert_true(hw.policy == &vpmu_domain_switch);
	assert_true(MODEL_PMC(&model, 0) == 2700);
	round_trip(1000, 700);
	assert_true(MODEL_PMC(&model, 0) == 4400);
	vpmu_hw_set_policy(&hw, &vpmu_cpu_switch);
	round_trip(1000, 700);
	assert_true(MODEL_PMC(&model, 0) == 5400);
	round_trip(1000, 700);
	assert_true(MODEL_PMC(&model, 0) == 6400);
	assert_int_equal(hw.wrmsrs, 2);
	/* The guest's enables survived both switches. */
	assert_true(model.regs.global_ctrl == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_switch_leaves_out_pmuvisor),
		cmocka_unit_test(test_domain_switch_counts_pmuvisor),
		cmocka_unit_test(test_domain_switch_root_counts_at_ring_0),
		cmocka_unit_test(test_exit_path_adds_no_wrmsr),
		cmocka_unit_test(test_guest_changes_global_ctrl_between_exits),
		cmocka_unit_test(test_save_control_needs_no_store_list),
		cmocka_unit_test(test_overflow_in_pmuvisor_goes_to_the_guest_at_entry),
		cmocka_unit_test(test_cpu_switch_no_pmi_in_pmuvisor),
		cmocka_unit_test(test_policy_switch_at_the_next_exit),
	};

	return cmocka_run_group_tests_name("vpmu_hw", tests, NULL, NULL);
}
