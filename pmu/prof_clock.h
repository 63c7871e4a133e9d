/*
 * The timer backend's sampling clock: one countdown that runs through
 * guest time and pmuvisor time alike, so that a sample falls every
 * 'period' TSC ticks wherever the CPU is.  Guest time is cut into samples
 * by the VMX-preemption timer (it counts only in VMX non-root operation,
 * SDM Vol. 3C, 26.5.1); pmuvisor time is measured with RDTSC around each
 * exit and charged to the exit's handler.  Each period is jittered by up
 * to +/-12.5 % around its mean so that a loop whose length divides the
 * period cannot alias with it.  Pure: unit tested.
 */
#ifndef PMU_PROF_CLOCK_H
#define PMU_PROF_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct prof_clock {
	uint64_t period; /* mean ticks between samples */
	uint64_t left;   /* ticks until the next sample */
	uint64_t rng;    /* xorshift64 state, never 0 */
};

void prof_clock_start(struct prof_clock *c, uint64_t period, uint64_t seed);

/* The slow half of prof_clock_advance(): at least one sample is due. */
unsigned prof_clock_cross(struct prof_clock *c, uint64_t ticks);

/* The fast half: false if no sample falls due within 'ticks' (which are
 * then spent); true if one does, leaving the clock for
 * prof_clock_cross().  Inline: it runs on every exit while profiling,
 * and most exits see no sample. */
static inline bool prof_clock_due(struct prof_clock *c, uint64_t ticks)
{
	if (ticks < c->left) {
		c->left -= ticks;
		return false;
	}
	return true;
}

/* 'ticks' went by: returns how many samples fell due (each one rearms
 * the clock with a fresh jittered period). */
static inline unsigned prof_clock_advance(struct prof_clock *c, uint64_t ticks)
{
	return prof_clock_due(c, ticks) ? prof_clock_cross(c, ticks) : 0;
}

/* The VMX-preemption timer value that stops the guest when the next
 * sample is due (the timer counts TSC >> 'shift'), at most 'cap' (the
 * console's polling interval), at least 1. */
static inline uint32_t prof_clock_timer_value(const struct prof_clock *c, unsigned shift,
					      uint32_t cap)
{
	uint64_t value = c->left >> shift;

	if (value > cap)
		value = cap;
	return value ? (uint32_t)value : 1;
}

#endif
