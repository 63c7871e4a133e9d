/* The virtual PMU's hw backend (pmu/vpmu_hw.h). */
#include "pmu/vpmu_hw.h"
#include "pmu/msr.h"
#include "vmx/vmcs.h"

static void vmwrite(struct vpmu_hw *h, uint32_t field, uint64_t value)
{
	h->ops.vmcs_write(h->ops.ctx, field, value);
	h->vmwrites++;
}

static void set_controls(struct vpmu_hw *h, uint32_t field, uint32_t bits, bool on)
{
	uint64_t v = h->ops.vmcs_read(h->ops.ctx, field);

	vmwrite(h, field, on ? v | bits : v & ~(uint64_t)bits);
}

/* Switch the VMCS to policy p. The counters run now with the guest's
 * enables, or (switching from cpu-switch, at an exit) with none. */
static void apply(struct vpmu_hw *h, const struct vpmu_policy *p, uint64_t guest_ctrl)
{
	bool stop = !p->vmm_counts;

	set_controls(h, VM_EXIT_CONTROLS, VPMU_HW_EXIT_LOAD | (h->save_control ? VPMU_HW_EXIT_SAVE : 0),
		     stop);
	set_controls(h, VM_ENTRY_CONTROLS, VPMU_HW_ENTRY_LOAD, stop);
	vmwrite(h, VM_EXIT_MSR_STORE_COUNT, stop && !h->save_control ? 1 : 0);
	if (stop) {
		h->store->value = guest_ctrl;
		h->guest_field = guest_ctrl;
		vmwrite(h, GUEST_IA32_PERF_GLOBAL_CTRL, guest_ctrl);
	}
	h->watch_store = stop && !h->save_control;
	h->policy = h->next_policy = p;
}

void vpmu_hw_start(struct vpmu_hw *h, const struct vpmu_policy *policy, bool save_control,
		   struct vmx_msr_entry *store, uint64_t store_phys)
{
	uint64_t ctrl = 0;

	h->save_control = save_control;
	h->store = store;
	h->store_phys = store_phys;
	*store = (struct vmx_msr_entry){ MSR_IA32_PERF_GLOBAL_CTRL, 0, 0 };
	vmwrite(h, VM_EXIT_MSR_STORE_ADDR, store_phys);
	vmwrite(h, HOST_IA32_PERF_GLOBAL_CTRL, 0);
	h->ops.rdmsr(h->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, &ctrl);
	apply(h, policy, ctrl);
}

/* The guest's IA32_PERF_GLOBAL_CTRL as this exit left it, under cpu-switch. */
static uint64_t saved_guest_ctrl(const struct vpmu_hw *h)
{
	return h->save_control ? h->ops.vmcs_read(h->ops.ctx, GUEST_IA32_PERF_GLOBAL_CTRL)
			       : h->store->value;
}

void vpmu_hw_switch(struct vpmu_hw *h)
{
	uint64_t ctrl = 0;
	/* A switch costs one WRMSR, here: the counters run (domain-switch) or
	 * stop (cpu-switch) from this exit's work on. */
	if (h->policy->vmm_counts) {
		/* The counters ran into this exit with the guest's enables; the
		 * entry will load them again. */
		h->ops.rdmsr(h->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, &ctrl);
		apply(h, h->next_policy, ctrl);
		h->ops.wrmsr(h->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	} else {
		/* This exit loaded 0, and no entry will load the guest's value. */
		ctrl = saved_guest_ctrl(h);
		apply(h, h->next_policy, ctrl);
		h->ops.wrmsr(h->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, ctrl);
	}
	h->wrmsrs++;
}

bool vpmu_hw_root_pmi(struct vpmu_hw *h, uint64_t exit_rip)
{
	if (!h->policy->vmm_counts)
		return false;
	if (!h->pmis_owed)
		h->pmi_rip = exit_rip;
	h->pmis_owed++;
	return true;
}

void vpmu_hw_reload(struct vpmu_hw *h)
{
	h->guest_field = h->store->value;
	vmwrite(h, GUEST_IA32_PERF_GLOBAL_CTRL, h->guest_field);
}
