/*
 * The guest's virtual PMU in the core (vpmu=on): the register file and
 * policies of pmu/vpmu.h with counters emulated from guest time (the
 * timer backend), reached through CPUID.0AH, the PMU MSRs and RDPMC, its
 * overflows delivered through the guest's LVT performance-counter entry.
 */
#ifndef PMU_VPMU_GUEST_H
#define PMU_VPMU_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "pmu/vpmu.h"
#include "pmu/vpmu_hw.h"

/* vpmu_on: the guest's PMU is the virtual one (vpmu=on at boot: its
 * kernel probes the PMU once). vpmu_stopped: 'vpmu off' stopped its
 * counters and took the virtual PMU off the exit path; the guest still
 * sees the same registers. */
extern bool vpmu_on, vpmu_stopped;
extern struct vpmu vpmu_guest;

/* vpmu_hw_on: the hw backend (pmu/vpmu_hw.h): the guest's counters are the
 * CPU's, its PMU MSRs and RDPMC do not exit. Otherwise the timer backend
 * emulates them. */
extern bool vpmu_hw_on;
extern struct vpmu_hw vpmu_hw_backend;

static inline bool vpmu_emulated(void)
{
	return vpmu_on && !vpmu_hw_on;
}

/* vpmu=on, at set-up: 'hw' where the PMU counts and VT-x can switch
 * IA32_PERF_GLOBAL_CTRL at exits and entries. */
void vpmu_guest_init(bool hw);
/* The hw backend's VMCS part, once the VMCS is current; 'store' is a page
 * of resident memory (identity-mapped) for the VM-exit MSR-store list. */
void vpmu_guest_hw_start(void *store, bool save_control);
/* 'vpmu policy NAME': at the next exit, on either backend. */
void vpmu_guest_set_policy(const struct vpmu_policy *policy);

/* 'vpmu on|off': only while no guest counter is enabled, so that no count
 * the guest takes is changed by it. Prints what happened or why not. */
int vpmu_guest_switch(bool on, const struct out *o);

/* After every guest write to a PMU MSR. */
void vpmu_guest_wrote(void);

/* The exit path (vmx/exit.c), while vpmu_on: */
void vpmu_guest_exit(uint64_t now, unsigned cpl, uint64_t rip);
void vpmu_guest_vmm(uint64_t spent);
/* Delivers an owed PMI; returns the timer value that stops the guest at
 * the next overflow (or 'poll', if sooner); guest time counts from 'now'. */
uint32_t vpmu_guest_enter(uint64_t now, uint32_t poll, unsigned timer_shift);

void vpmu_guest_status(const struct out *o);

#endif
