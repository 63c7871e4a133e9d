/*
 * What the guest sees of the PMU while pmuvisor owns it (the hw backend is
 * possible, so pmuvisor's counters must stay pmuvisor's): a CPU without
 * architectural performance monitoring.  CPUID.0AH reads all zeros and
 * CPUID.1:ECX.PDCM is clear, so Linux finds no PMU; every PMU MSR raises
 * #GP, as on such a CPU; RDPMC raises #GP.  (The guest's own virtual PMU
 * is a later layer.)  Pure: unit tested.
 */
#ifndef PMU_GUEST_VIEW_H
#define PMU_GUEST_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/msr.h"
#include "vmx/cpuid_policy.h"

#define CPUID1_ECX_PDCM (1u << 15) /* IA32_PERF_CAPABILITIES exists */

static const struct {
	uint32_t first, count;
} pmu_msr_ranges[] = {
	{ MSR_IA32_PMC0, 8 },
	{ MSR_IA32_PERFEVTSEL0, 8 },
	{ MSR_IA32_PERF_CAPABILITIES, 1 },
	{ MSR_IA32_FIXED_CTR0, 4 },
	{ MSR_IA32_FIXED_CTR_CTRL, 5 }, /* FIXED_CTR_CTRL .. GLOBAL_STATUS_SET */
	{ MSR_IA32_A_PMC0, 8 },
};

#define PMU_MSR_RANGE_COUNT (sizeof(pmu_msr_ranges) / sizeof(pmu_msr_ranges[0]))

static inline bool pmu_msr_hidden(uint32_t msr)
{
	unsigned i;

	for (i = 0; i < PMU_MSR_RANGE_COUNT; i++)
		if (msr - pmu_msr_ranges[i].first < pmu_msr_ranges[i].count)
			return true;
	return false;
}

static inline void cpuid_hide_pmu(uint32_t leaf, struct cpuid_result *r)
{
	if (leaf == 0xa)
		r->eax = r->ebx = r->ecx = r->edx = 0;
	else if (leaf == 1)
		r->ecx &= ~CPUID1_ECX_PDCM;
}

#endif
