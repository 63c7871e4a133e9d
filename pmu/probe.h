#ifndef PMU_PROBE_H
#define PMU_PROBE_H

#include "pmu/caps.h"

/* Program IA32_PMC0 (and fixed counter 0) to count instructions retired
 * over a loop of known length, with #GP caught; restores every MSR it
 * touched.  Runs only if 'caps' advertises a PMU. */
void pmu_probe(const struct pmu_caps *caps, struct pmu_probe_raw *raw);

/* pmu/probe_loop.asm: retires exactly 2 * iterations + 1 instructions
 * (DEC; JNZ per iteration, then RET). */
void pmu_probe_loop(uint64_t iterations);

#endif
