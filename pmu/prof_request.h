/*
 * What 'prof start' asks for, parsed from its arguments (pure: unit
 * tested).  Unset fields keep the defaults the profiler picks from the
 * PMU probe: cycles, about 1 kHz, the hw backend where the PMU counts and
 * the timer backend elsewhere.
 */
#ifndef PMU_PROF_REQUEST_H
#define PMU_PROF_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "pmu/events.h"

#define PROF_DEFAULT_HZ 1000
#define PROF_MAX_HZ 100000
#define PROF_MIN_PERIOD 1000       /* ticks or events: below, sampling is all overhead */
#define PROF_DEFAULT_CHAIN_DEPTH 8

enum prof_backend {
	PROF_BACKEND_AUTO,
	PROF_BACKEND_TIMER, /* VMX-preemption timer + TSC */
	PROF_BACKEND_HW,    /* PMU counters, PMIs as NMIs */
};

struct prof_request {
	enum prof_backend backend;
	const struct pmu_event *event; /* NULL: raw_code, or the default */
	bool raw;                      /* raw=0xUMASK_EVENT given */
	uint16_t raw_code;
	uint64_t period;               /* 0: from freq_hz */
	uint32_t freq_hz;              /* 0: PROF_DEFAULT_HZ unless period given */
	unsigned chain_depth;          /* 0: no call chains */
};

/* argv: the words after "prof start".  Returns 0, or -1 with one line
 * saying which argument is wrong and what is expected. */
int prof_request_parse(int argc, char **argv, struct prof_request *req, const struct out *err);

const char *prof_backend_name(enum prof_backend backend);

#endif
