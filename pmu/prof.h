/*
 * System-wide profiling in the core: samples wherever the CPU is (guest
 * user, guest kernel, pmuvisor), kept in the per-CPU sample ring, named
 * at report time (pmuvisor's embedded symbol table, the guest kernel's
 * own kallsyms tables).  The shell drives it (console/prof_commands.c).
 *
 * Backends:
 *   timer  the VMX-preemption timer cuts guest time into samples and
 *          RDTSC measures pmuvisor's time per exit, exactly; one clock
 *          runs through both (pmu/prof_clock.h).  Works wherever VT-x has
 *          the preemption timer: in Bochs the TSC counts instructions, so
 *          the profile is one of instructions.
 */
#ifndef PMU_PROF_H
#define PMU_PROF_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"
#include "lib/page_pool.h"
#include "pmu/prof_request.h"
#include "pmu/prof_report.h"
#include "vmx/exit.h"

struct prof_setup {
	uint64_t tsc_hz;
	unsigned timer_shift;    /* preemption timer ticks at TSC >> shift */
	bool have_timer;         /* "activate VMX-preemption timer" is on */
	bool pmu_counts;         /* the loader's probe: the PMU counts */
	const char *pmu_summary; /* ... and its verdict, for errors */
	uint64_t ring_capacity;  /* samples per CPU (a power of two) */
	const void *kernel_map;  /* symbols= as a table (guest/sysmap.h), or NULL */
	uint64_t kernel_map_size;
};

/* At core start: the ring and the report's scratch from the pool. */
int prof_init(struct page_pool *pool, const struct prof_setup *setup);

/* The shell's commands.  Each prints its answer or error to 'o'. */
int prof_start(const struct prof_request *req, const struct out *o);
int prof_stop(const struct out *o);
void prof_status(const struct out *o);
void prof_clear(const struct out *o);
int prof_print_report(enum prof_group group, unsigned top, const struct out *o);
void prof_dump(const struct out *o);

extern bool prof_running;

/* 'stats reset' is about to zero the CPU's exit statistics: the profile keeps its part. */
void prof_stats_reset(void);

/* The guest's call chain for sample 's' (taken at this exit), if asked. */
void prof_guest_chain(struct sample *s, const struct guest_regs *regs);

/* The exit path's part: pmu/prof_exit.h. */

#endif
