/*
 * The hw backend's counter: one architectural PMU counter, loaded with
 * -period so that it overflows after exactly 'period' events, raising a
 * PMI that the local APIC delivers as an NMI.  In VMX root mode the NMI
 * interrupts pmuvisor (the sample is pmuvisor's, RIP from the NMI frame);
 * in the guest it causes a VM exit ("NMI exiting", SDM Vol. 3C, 25.1.1)
 * and the sample is the guest's.
 *
 * Pure: the MSRs and the APIC are reached through ops, so the unit tests
 * run this against a PMU model that follows the SDM (tests/unit/pmu_model.c)
 * and the core against the real thing (pmu/prof_hw.c).
 */
#ifndef PMU_HW_SAMPLER_H
#define PMU_HW_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/caps.h"
#include "pmu/events.h"
#include "pmu/sample_ring.h"

struct pmu_ops {
	/* 0, or -1 when the access faults (#GP). */
	int (*read)(void *ctx, uint32_t msr, uint64_t *value);
	int (*write)(void *ctx, uint32_t msr, uint64_t value);
	/* Rewrites the LVT performance-counter entry: NMI, unmasked. */
	void (*arm_lvtpc)(void *ctx);
	void *ctx;
};

struct hw_sampler {
	struct pmu_ops ops;
	bool fixed;             /* a fixed counter, else a general-purpose one */
	unsigned index;
	bool full_width;        /* GP counter written through IA32_A_PMCx */
	uint64_t select;        /* IA32_PERFEVTSELx for a GP counter */
	uint64_t period;
	uint64_t width_mask;    /* the counter's bits */
	uint64_t global_bit;    /* its bit in GLOBAL_CTRL / GLOBAL_STATUS */
	uint64_t pmis;          /* PMIs that were ours */
	uint64_t foreign;       /* NMIs with none of our overflow bits */
};

/* Picks the counter for event 'code' (UMASK << 8 | EVENT): the event's
 * fixed counter when it has one and the PMU has it, else PMC0.  'event'
 * is the named event (NULL for raw codes).  Returns 0, or -1 with *why. */
int hw_sampler_choose(struct hw_sampler *s, const struct pmu_caps *caps, bool full_width_writes,
		      const struct pmu_event *event, uint16_t code, uint64_t period,
		      const char **why);

/* Programs and enables the counter.  -1 if an MSR faulted (then all is
 * disabled again). */
int hw_sampler_start(struct hw_sampler *s);

/* Disables the counter and clears its overflow. */
void hw_sampler_stop(struct hw_sampler *s);

/* An NMI arrived: true if it is this counter's PMI, which is then handled:
 * the PMU is frozen, take_sample(ctx) runs (so a PMI never interrupts the
 * push of the last one), then the counter is reloaded with -period, its
 * overflow cleared, the LVT entry unmasked and the PMU unfrozen.  False,
 * with nothing touched, if it is someone else's NMI. */
bool hw_sampler_pmi(struct hw_sampler *s, void (*take_sample)(void *ctx), void *ctx);

/* Where a PMI found the CPU, and the sample it makes: in VMX root mode
 * pmuvisor's (RIP from the NMI's stack frame), else the guest's (RIP and
 * CPL from the guest state the NMI exit saved). */
struct pmi_context {
	bool root;
	uint64_t root_rip;
	uint64_t guest_rip, guest_cr3;
	unsigned guest_cpl;
	uint64_t tsc;
	uint16_t exit_reason;  /* the exit pmuvisor was handling (root) */
	unsigned cpu;          /* the processor's index (vmx/pcpu.h) */
};

void hw_sample_for_pmi(const struct pmi_context *c, struct sample *s);

/* The largest period the counter can take. */
uint64_t hw_sampler_max_period(const struct pmu_caps *caps, bool fixed, bool full_width_writes);

#endif
