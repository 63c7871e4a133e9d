/*
 * The events 'prof start event=NAME' knows: the architectural events
 * (SDM Vol. 3B, 20.2.1.2, "Pre-defined Architectural Performance Events"),
 * with their event-select codes, the fixed counter that also counts them
 * (20.2.2) and their availability bit in CPUID.0AH:EBX (a set bit means
 * "not available").
 */
#ifndef PMU_EVENTS_H
#define PMU_EVENTS_H

#include <stdint.h>

#define PMU_NO_FIXED_COUNTER 0xff

struct pmu_event {
	const char *name;       /* perf's name */
	uint16_t code;          /* UMASK << 8 | EVENT SELECT */
	uint8_t fixed;          /* fixed counter index, or PMU_NO_FIXED_COUNTER */
	uint8_t cpuid_ebx_bit;  /* CPUID.0AH:EBX bit: set = not available */
};

extern const struct pmu_event pmu_events[];
extern const unsigned pmu_event_count;

/* By name, ignoring case; NULL if unknown. */
const struct pmu_event *pmu_event_find(const char *name);

#endif
