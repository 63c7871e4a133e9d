#include "pmu/events.h"
#include "lib/string.h"

const struct pmu_event pmu_events[] = {
	{ "cycles", 0x003c, 1, 0 },          /* UnHalted Core Cycles */
	{ "instructions", 0x00c0, 0, 1 },    /* Instructions Retired */
	{ "ref-cycles", 0x013c, 2, 2 },      /* UnHalted Reference Cycles */
	{ "LLC-references", 0x4f2e, PMU_NO_FIXED_COUNTER, 3 },
	{ "LLC-misses", 0x412e, PMU_NO_FIXED_COUNTER, 4 },
	{ "branches", 0x00c4, PMU_NO_FIXED_COUNTER, 5 },      /* Branch Instructions Retired */
	{ "branch-misses", 0x00c5, PMU_NO_FIXED_COUNTER, 6 }, /* Branch Misses Retired */
};

const unsigned pmu_event_count = sizeof(pmu_events) / sizeof(pmu_events[0]);

const struct pmu_event *pmu_event_find(const char *name)
{
	unsigned i;

	for (i = 0; i < pmu_event_count; i++)
		if (str_case_equal(pmu_events[i].name, name))
			return &pmu_events[i];
	return 0;
}
