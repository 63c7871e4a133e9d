/*
 * An architectural PMU's registers as software sees them (SDM Vol. 3B,
 * 20.2): general-purpose counters and their event selects, fixed
 * counters and their control, the global control, status and overflow
 * control, CPUID.0AH and RDPMC, each with the #GP the SDM specifies.
 * Events are fed in by whoever counts (vpmu_count()).
 *
 * It is the guest's virtual PMU (issue 6 builds on it) and, in the unit
 * tests, the hardware the hw backend programs (tests/unit/pmu_model.c).
 * Pure: unit tested against the SDM's rules (tests/unit/test_vpmu.c).
 */
#ifndef PMU_VPMU_REGS_H
#define PMU_VPMU_REGS_H

#include <stdbool.h>
#include <stdint.h>

#define VPMU_MAX_GP 8
#define VPMU_MAX_FIXED 4

struct vpmu_config {
	unsigned version;            /* 1..5 */
	unsigned gp, gp_width;       /* counters and bits */
	unsigned fixed, fixed_width; /* version 2 and later */
	uint32_t events_unavailable; /* CPUID.0AH:EBX, 7 architectural events */
	bool full_width_writes;      /* IA32_PERF_CAPABILITIES.FW_WRITE: IA32_A_PMCx */
};

struct vpmu_regs {
	struct vpmu_config cfg;
	uint64_t pmc[VPMU_MAX_GP], evtsel[VPMU_MAX_GP], fixed[VPMU_MAX_FIXED];
	uint64_t fixed_ctrl, global_ctrl, global_status;
};

/* Power-up state: counters 0; GLOBAL_CTRL enables the general-purpose
 * counters (so that version 1 software keeps working) and not the fixed
 * ones (SDM Vol. 3B, 20.2.2). */
void vpmu_reset(struct vpmu_regs *r, const struct vpmu_config *cfg);

/* CPUID.0AH for this configuration (SDM Vol. 2A, CPUID leaf 0AH). */
void vpmu_cpuid(const struct vpmu_config *cfg, uint32_t *eax, uint32_t *ebx, uint32_t *ecx,
		uint32_t *edx);

/* RDMSR / WRMSR / RDPMC: 0, or -1 where the processor raises #GP. */
int vpmu_rdmsr(const struct vpmu_regs *r, uint32_t msr, uint64_t *value);
int vpmu_wrmsr(struct vpmu_regs *r, uint32_t msr, uint64_t value);
int vpmu_rdpmc(const struct vpmu_regs *r, uint32_t ecx, uint64_t *value);

/* 'n' events 'code' (UMASK << 8 | EVENT) at privilege level 'cpl'.
 * Returns the GLOBAL_STATUS bits of counters that overflowed with their
 * interrupt enabled (a PMI is due); every overflow sets its status bit. */
uint64_t vpmu_count(struct vpmu_regs *r, uint16_t code, uint64_t n, unsigned cpl);

/* 'n' events on the counters in 'counters' (GLOBAL_CTRL bit positions,
 * already known to count the event and to be enabled) at 'cpl', each
 * where its privilege-level bits allow.  Returns as vpmu_count(). */
uint64_t vpmu_count_on(struct vpmu_regs *r, uint64_t counters, uint64_t n, unsigned cpl);

/* The counters (GLOBAL_CTRL bit positions) enabled, locally and from
 * version 2 globally, to count event 'code'. */
uint64_t vpmu_counting(const struct vpmu_regs *r, uint16_t code);

/* The counters (GLOBAL_CTRL bit positions) enabled to count anything, at
 * any privilege level: those a change of PMU would be seen by. */
uint64_t vpmu_enabled(const struct vpmu_regs *r);

/* The counter behind GLOBAL_CTRL bit 'bit': which one, where it counts
 * (CPL 0, CPL > 0), whether its overflow interrupts, its width. */
struct vpmu_counter {
	bool fixed;
	unsigned index;
	bool os, usr, interrupt;
	unsigned width;
};

/* False if the PMU has no counter at 'bit'. */
bool vpmu_counter(const struct vpmu_regs *r, unsigned bit, struct vpmu_counter *c);

static inline uint64_t *vpmu_counter_value(struct vpmu_regs *r, const struct vpmu_counter *c)
{
	return c->fixed ? &r->fixed[c->index] : &r->pmc[c->index];
}

/* The event each fixed counter counts (SDM Vol. 3B, Table 20-2). */
extern const uint16_t vpmu_fixed_event[VPMU_MAX_FIXED];

#endif
