/*
 * The hw backend in the core: the real PMU MSRs and local APIC behind
 * pmu/hw_sampler.c, and the two places a PMI arrives: the root-mode NMI
 * handler (vmx/host_stubs.asm) and the NMI VM exit.
 *
 * Proven by unit tests against the SDM PMU model (tests/unit/test_pmu_hw.c)
 * and written for VT-x hardware and nested QEMU/KVM; Bochs's PMU does not
 * count, so it never runs there (the timer backend does).
 */
#ifndef PMU_PROF_HW_H
#define PMU_PROF_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "pmu/events.h"
#include "pmu/sample_ring.h"
#include "vmx/exit.h"

/* Starts sampling 'code' every 'period' events; -1 with the reason on 'o'. */
int prof_hw_start(const struct pmu_event *event, uint16_t code, uint64_t period,
		  struct sample_ring *ring, const struct out *o);
void prof_hw_stop(void);
bool prof_hw_running(void);

/* A root-mode NMI at 'rip' while handling exit 'reason': true if it was
 * the PMI (a pmuvisor sample was taken). */
bool prof_hw_root_nmi(uint64_t rip, unsigned reason);

/* An NMI VM exit: true if it was the PMI (a guest sample was taken and
 * the NMI must not be given to the guest). */
bool prof_hw_guest_nmi(const struct guest_regs *regs);

/* PMIs taken and NMIs that were not ours. */
void prof_hw_counts(uint64_t *pmis, uint64_t *foreign);

#endif
