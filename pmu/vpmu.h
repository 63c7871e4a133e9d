/*
 * The guest's virtual PMU and where its counting stops and starts around
 * VM exits: the seed paper's two accounting policies as small ops structs
 * (pmu/vpmu_policy.c).
 *
 *   cpu-switch     only guest execution counts: pmuvisor's work on an
 *                  exit is left out (counters saved at the exit, restored
 *                  at the entry);
 *   domain-switch  pmuvisor's work for the guest counts too, charged at the
 *                  privilege level of the guest instruction that exited;
 *                  an overflow during that work is delivered at the next
 *                  entry and recorded against the exiting instruction.
 *
 * This file is the engine for counters emulated from time (the timer
 * backend: guest time from the VMX-preemption timer, pmuvisor's from
 * RDTSC).  Pure: the caller measures, reads the guest's LVT entry, and
 * injects what vpmu_entry() says (unit tested, tests/unit/test_vpmu.c).
 */
#ifndef PMU_VPMU_H
#define PMU_VPMU_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/vpmu_regs.h"

struct vpmu;

struct vpmu_policy {
	const char *name;
	/* The guest exited at 'rip' (CPL 'cpl'); its counters stop or go on. */
	void (*on_exit)(struct vpmu *v, uint64_t rip, unsigned cpl);
	/* pmuvisor did 'events' of work for this exit. */
	void (*on_vmm_work)(struct vpmu *v, uint64_t events);
	/* The guest is about to resume. */
	void (*on_entry)(struct vpmu *v);
	/* The hw backend's switch (pmu/vpmu_hw.h): whether the guest's real
	 * counters run on through pmuvisor's work. */
	bool vmm_counts;
};

extern const struct vpmu_policy vpmu_cpu_switch, vpmu_domain_switch;
extern const struct vpmu_policy *const vpmu_policies[];
extern const unsigned vpmu_policy_count;

struct vpmu {
	struct vpmu_regs regs;
	const struct vpmu_policy *policy;
	const struct vpmu_policy *next_policy; /* switched at the next exit */
	const uint16_t *events; /* the events time counts honestly */
	unsigned event_count;
	uint64_t exit_rip;     /* the exiting instruction */
	unsigned exit_cpl;
	uint64_t pmi_pending;  /* GLOBAL_STATUS bits whose PMI is owed */
	uint64_t pmi_rip;      /* the instruction an owed PMI is charged to */
	uint64_t pmis_delivered, pmis_masked;
	/* From the registers, after every write (vpmu_refresh()): the
	 * counters (GLOBAL_CTRL bit positions) that count time now, and
	 * whether one of them counts at only some privilege levels. */
	uint64_t counting;
	bool cpl_filtered;
};

/* After the guest wrote a PMU MSR: recompute what counts. */
void vpmu_refresh(struct vpmu *v);

void vpmu_init(struct vpmu *v, const struct vpmu_config *cfg, const uint16_t *events,
	       unsigned event_count, const struct vpmu_policy *policy);

/* Events a counter still needs before it overflows, over the counters
 * that count one of v's events (UINT64_MAX if none): when to stop the
 * guest so that a PMI comes in time. */
uint64_t vpmu_events_to_overflow(const struct vpmu *v);

/* True if an enabled counter of v's events counts at only some privilege
 * levels (USR or OS, not both): time is then charged to the level the
 * guest is at when it exits, so exits must come often enough to sample
 * the levels fairly. */
static inline bool vpmu_filters_cpl(const struct vpmu *v)
{
	return v->cpl_filtered;
}

/* By name ("cpu-switch", "domain-switch"); NULL if unknown. */
const struct vpmu_policy *vpmu_policy_find(const char *name);

/* Takes effect at the next exit (never in the middle of one). */
void vpmu_set_policy(struct vpmu *v, const struct vpmu_policy *policy);

/* The guest ran 'events' at 'cpl' until this exit at 'rip'. */
void vpmu_guest_ran(struct vpmu *v, uint64_t events, unsigned cpl, uint64_t rip);

/* pmuvisor spent 'events' on the exit. */
void vpmu_vmm_ran(struct vpmu *v, uint64_t events);

/* What to do at VM entry about an owed PMI, given the guest's LVT
 * performance-counter entry 'lvtpc'. */
struct vpmu_delivery {
	bool inject;
	bool nmi;              /* delivery mode NMI, else a fixed vector */
	uint8_t vector;
	uint32_t lvtpc;        /* the entry afterwards: masked, as the APIC does */
	uint64_t charged_rip;  /* the instruction the PMI is charged to */
};

void vpmu_entry(struct vpmu *v, uint32_t lvtpc, struct vpmu_delivery *d);

#endif
