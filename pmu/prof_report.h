/*
 * 'prof report': samples grouped by function, module, mode or address,
 * most frequent first, in the seed's layout (%SAMPLES SAMPLES FUNCTION
 * MODULE); and the exact time in pmuvisor per exit reason.  Pure: the
 * samples and the symbol lookups come through callbacks (unit tested).
 */
#ifndef PMU_PROF_REPORT_H
#define PMU_PROF_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"
#include "pmu/sample_ring.h"

enum prof_group {
	PROF_BY_SYMBOL,
	PROF_BY_MODULE,
	PROF_BY_MODE,
	PROF_BY_ADDRESS,
	PROF_BY_CALLER,  /* the first return address of the call chain */
	PROF_BY_EXIT,
};

struct prof_symbolizer {
	/* The start of the function holding 'address' (run in 'mode'), or 0
	 * when no symbol covers it. */
	uint64_t (*lookup)(void *ctx, enum sample_mode mode, uint64_t address);
	/* The name of the function starting at 'start' ("" if unknown). */
	void (*name)(void *ctx, enum sample_mode mode, uint64_t start, char *buf, size_t size);
	void *ctx;
};

struct prof_samples {
	uint64_t count;
	/* The i-th sample, 0 <= i < count; false if it is gone. */
	int (*get)(void *ctx, uint64_t i, struct sample *out);
	void *ctx;
};

struct prof_row {
	uint64_t key;   /* function start, address, or 0 */
	uint64_t space; /* guest CR3 for guest-user rows */
	uint64_t count;
	uint8_t mode;   /* enum sample_mode */
	uint8_t used;
};

/* Scratch for the grouping: 'capacity' rows (a power of two). */
struct prof_table {
	struct prof_row *rows;
	size_t capacity;
};

struct prof_report_options {
	enum prof_group group;
	unsigned top;        /* rows printed; 0 = all */
	const char *header;  /* first line: event, backend, period, drops */
};

/* Groups and prints.  Returns the number of samples counted. */
uint64_t prof_report(const struct prof_samples *samples, const struct prof_symbolizer *sym,
		     struct prof_table *table, const struct prof_report_options *opt,
		     const struct out *o);

/* The address space of a guest-user sample: CR3 without its PCID bits
 * and without the page-table-isolation bit (Linux keeps a user and a
 * kernel copy of each process's tables 4 KiB apart, arch/x86/mm/pti.c). */
static inline uint64_t prof_address_space(uint64_t cr3)
{
	return cr3 & ~0x1fffull;
}

struct prof_exit_time {
	const char *name;
	const char *handler; /* pmuvisor function that handles it */
	uint64_t count;
	uint64_t cycles;     /* TSC ticks in pmuvisor */
};

/* by=exit: the exact time in pmuvisor per exit reason, against 'total'
 * TSC ticks profiled. */
void prof_report_exits(const struct prof_exit_time *exits, unsigned n, uint64_t total,
		       const char *header, unsigned top, const struct out *o);

const char *prof_mode_name(enum sample_mode mode);
const char *prof_module_name(enum sample_mode mode);

#endif
