/*
 * The virtual PMU's hw backend: the guest's counters are the CPU's own.
 *
 * The guest reaches its PMU MSRs and RDPMC without exits, and its PMIs go
 * through its own LVT entry (the local APIC is passed through; the APIC
 * masks the entry as it delivers, SDM Vol. 3A, 11.5.1). What pmuvisor does
 * is decide whether the counters run while it works, by switching
 * IA32_PERF_GLOBAL_CTRL around VM exits with VMCS controls, so that the
 * exit path itself adds no WRMSR:
 *
 *   cpu-switch     (policy->vmm_counts false) the exit loads
 *                  HOST_IA32_PERF_GLOBAL_CTRL = 0, stopping every counter
 *                  in root mode, and the entry loads the guest's value
 *                  (SDM Vol. 3C, 28.5.1 and 27.3.2.1). The guest may have
 *                  changed that value without exiting, so each exit saves
 *                  it: with the "save IA32_PERF_GLOBAL_CTRL" exit control
 *                  on CPUs that have it (straight into the guest field),
 *                  else through the VM-exit MSR-store list (SDM 24.7.2),
 *                  from which the entry copies it into the guest field,
 *                  one VMWRITE and only when it changed.
 *   domain-switch  (vmm_counts true) no switch: the counters run on
 *                  through pmuvisor's work, which counts where a counter
 *                  counts ring 0 (root mode runs at CPL 0). An overflow
 *                  then raises the PMI in root mode; that NMI is owed to
 *                  the guest and injected at the next entry, so the guest
 *                  records it against the instruction that exited.
 *
 * A policy switch takes effect at the next exit, like the timer backend's.
 *
 * Pure: the VMCS and the MSRs are reached through ops, so the unit tests
 * run this against the SDM PMU model (tests/unit/test_vpmu_hw.c) and the
 * core against the CPU (pmu/vpmu_guest.c).
 */
#ifndef PMU_VPMU_HW_H
#define PMU_VPMU_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/vpmu.h"

struct vpmu_hw_ops {
	uint64_t (*vmcs_read)(void *ctx, uint32_t field);
	void (*vmcs_write)(void *ctx, uint32_t field, uint64_t value);
	int (*rdmsr)(void *ctx, uint32_t msr, uint64_t *value);
	int (*wrmsr)(void *ctx, uint32_t msr, uint64_t value);
	void *ctx;
};

/* One entry of a VM-exit MSR-store list (SDM Vol. 3C, Table 24-14). */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
} __attribute__((aligned(16)));

struct vpmu_hw {
	struct vpmu_hw_ops ops;
	bool save_control;          /* the CPU has "save IA32_PERF_GLOBAL_CTRL" */
	uint64_t store_phys;        /* where the CPU sees 'store' */
	struct vmx_msr_entry *store; /* the MSR-store list: IA32_PERF_GLOBAL_CTRL */
	const struct vpmu_policy *policy, *next_policy;
	uint64_t guest_field;       /* GUEST_IA32_PERF_GLOBAL_CTRL, as last written */
	bool watch_store;           /* cpu-switch through the MSR-store list */
	uint64_t pmis_owed, pmis_delivered;
	uint64_t pmi_rip;           /* the exiting instruction an owed PMI is charged to */
	uint64_t vmwrites, wrmsrs;  /* what the switching cost, for the tests */
};

/* VMCS control bits and fields the backend owns (SDM Vol. 3C, 24.7.1, 24.8.1). */
#define VPMU_HW_EXIT_LOAD (1u << 12)
#define VPMU_HW_EXIT_SAVE (1u << 30)
#define VPMU_HW_ENTRY_LOAD (1u << 13)

/* Set up the VMCS for 'policy' (once, before the first entry). 'store'
 * must stay mapped at 'store_phys' as long as the VMCS is in use. */
void vpmu_hw_start(struct vpmu_hw *h, const struct vpmu_policy *policy, bool save_control,
		   struct vmx_msr_entry *store, uint64_t store_phys);

/* Takes effect at the next exit. */
static inline void vpmu_hw_set_policy(struct vpmu_hw *h, const struct vpmu_policy *policy)
{
	h->next_policy = policy;
}

void vpmu_hw_switch(struct vpmu_hw *h);
void vpmu_hw_reload(struct vpmu_hw *h);

/* On every exit, first thing: only a pending policy switch does work. */
static inline void vpmu_hw_exit(struct vpmu_hw *h)
{
	if (h->next_policy != h->policy)
		vpmu_hw_switch(h);
}

/* An NMI not pmuvisor's arrived in root mode while handling the exit of
 * the instruction at 'exit_rip'; the caller injects it at the next entry
 * either way. True if it is the guest's PMI charged to that instruction:
 * only while the counters run in root mode (domain-switch); under
 * cpu-switch they are stopped there, so it is some other NMI. */
bool vpmu_hw_root_pmi(struct vpmu_hw *h, uint64_t exit_rip);

/* Before every entry: the guest's IA32_PERF_GLOBAL_CTRL into the guest
 * field when the MSR-store list saved a new one. */
static inline void vpmu_hw_entry(struct vpmu_hw *h)
{
	if (h->pmis_owed) {
		h->pmis_delivered += h->pmis_owed;
		h->pmis_owed = 0;
	}
	if (h->watch_store && h->store->value != h->guest_field)
		vpmu_hw_reload(h);
}

#endif
