/*
 * The PMU as CPUID.0AH describes it, and as a functional probe finds it.
 *
 * Never trust CPUID alone: emulators (Bochs among them) advertise
 * architectural performance monitoring and do not count.  The probe
 * writes a counter and reads it back, then counts a loop of known
 * length; pmu_probe_judge() turns its raw readings into a verdict.
 */
#ifndef PMU_CAPS_H
#define PMU_CAPS_H

#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct pmu_caps {
	unsigned version;
	unsigned gp_counters, gp_width;
	unsigned fixed_counters, fixed_width;
	unsigned event_vector_length;
	uint32_t events_unavailable; /* CPUID.0AH:EBX, bit set = not available */
};

/* max_leaf is CPUID.0:EAX; a CPU below leaf 0xA has no architectural PMU. */
void pmu_caps_decode(uint32_t max_leaf, uint32_t eax, uint32_t ebx, uint32_t edx,
		     struct pmu_caps *caps);

/* What the probe saw. */
struct pmu_probe_raw {
	bool ran;
	bool faulted;            /* a PMU MSR access raised #GP */
	uint32_t faulted_msr;
	uint64_t written;        /* test value written to IA32_PMC0 */
	uint64_t readback;       /* what IA32_PMC0 then returned */
	uint64_t loop_instructions; /* instructions the counted loop retires */
	uint64_t gp_count;       /* IA32_PMC0 over the loop (instructions retired) */
	bool fixed_tested;
	uint64_t fixed_count;    /* IA32_FIXED_CTR0 over the loop */
};

enum pmu_verdict {
	PMU_NONE,          /* CPUID advertises no architectural PMU */
	PMU_WORKS,         /* counters hold values and count the loop */
	PMU_MSR_FAULT,     /* advertised, but its MSRs raise #GP */
	PMU_NO_VALUES,     /* advertised, but a counter does not keep a value */
	PMU_NOT_COUNTING,  /* holds values, but did not count the loop */
	PMU_MISCOUNTS,     /* counted, but far from the loop's length */
};

/* How far a count may exceed the loop: the enable/disable code around
 * it, and a hypervisor underneath (if any) adding a few instructions. */
#define PMU_PROBE_SLACK 256

enum pmu_verdict pmu_probe_judge(const struct pmu_caps *caps, const struct pmu_probe_raw *raw);
const char *pmu_verdict_name(enum pmu_verdict verdict);

/* The one-line verdict ("PMU: ...") that ends the report. */
void pmu_verdict_line(const struct out *o, const struct pmu_caps *caps, enum pmu_verdict verdict);

void pmu_report(const struct out *o, const struct pmu_caps *caps,
		const struct pmu_probe_raw *raw, enum pmu_verdict verdict);

#endif
