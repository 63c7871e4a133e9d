/*
 * The profiler's share of every VM exit while it runs: the time profiled
 * and, for the timer backend, the sampling clock.  Inline, because `make bench` measures this path: an exit that
 * takes no sample costs a few additions; samples are taken out of line
 * (pmu/prof.c).
 */
#ifndef PMU_PROF_EXIT_H
#define PMU_PROF_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/prof_clock.h"
#include "vmx/exit.h"

struct prof_exit_state {
	uint64_t last_entry;  /* TSC when the guest last resumed */
	uint64_t ticks;       /* TSC ticks profiled: guest and pmuvisor */
	struct prof_clock clock;
	bool sampling;        /* the timer backend: this clock takes samples */
	unsigned timer_shift; /* the VMX-preemption timer counts TSC >> this */
};

extern struct prof_exit_state prof_exit;

/* Out of line, when the clock runs out: guest samples at this exit's
 * guest state, pmuvisor samples for the time this exit took. */
void prof_take_guest_samples(uint64_t now, uint64_t guest_ticks, const struct guest_regs *regs);
void prof_take_pmuvisor_samples(unsigned reason, uint64_t now, uint64_t spent);

/* At the exit: the guest ran since the last entry.  'sampling' is a
 * constant where this is inlined: the exit path has one variant for each
 * (vmx/exit.c), so neither tests it at run time. */
static inline __attribute__((always_inline)) void prof_exit_begin(uint64_t now,
								   const struct guest_regs *regs,
								   bool sampling)
{
	uint64_t guest = now - prof_exit.last_entry;

	prof_exit.ticks += guest;
	if (sampling && prof_clock_due(&prof_exit.clock, guest))
		prof_take_guest_samples(now, guest, regs);
}

/* After the handler: pmuvisor's time for this exit, [start, now).  (Its
 * count and cycles per exit reason are the CPU's exit statistics, which the profile
 * reads as a difference: nothing to add here.) */
static inline __attribute__((always_inline)) void prof_exit_end(unsigned reason, uint64_t start,
								 uint64_t now, bool sampling)
{
	uint64_t spent = now - start;

	prof_exit.ticks += spent;
	if (sampling && prof_clock_due(&prof_exit.clock, spent))
		prof_take_pmuvisor_samples(reason, now, spent);
}

/* Just before the guest resumes at 'now': the VMX-preemption timer value
 * that stops it at the next sample, or at 'poll' (the console's next
 * poll) if sooner; guest time counts from here. */
static inline __attribute__((always_inline)) uint32_t prof_exit_resume(uint32_t poll, uint64_t now,
									 bool sampling)
{
	prof_exit.last_entry = now;
	return sampling ? prof_clock_timer_value(&prof_exit.clock, prof_exit.timer_shift, poll) : poll;
}

#endif
