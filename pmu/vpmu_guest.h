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

extern bool vpmu_on;
extern struct vpmu vpmu_guest;

void vpmu_guest_init(void);

/* The exit path (vmx/exit.c), while vpmu_on: */
void vpmu_guest_exit(uint64_t now, unsigned cpl, uint64_t rip);
void vpmu_guest_vmm(uint64_t spent);
/* Delivers an owed PMI; returns the timer value that stops the guest at
 * the next overflow (or 'poll', if sooner); guest time counts from 'now'. */
uint32_t vpmu_guest_enter(uint64_t now, uint32_t poll, unsigned timer_shift);

void vpmu_guest_status(const struct out *o);

#endif
