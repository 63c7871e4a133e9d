#include "pmu/prof_clock.h"

static uint64_t next_random(struct prof_clock *c)
{
	/* xorshift64 (Marsaglia 2003): cheap, and good enough to break up
	 * the phase between samples and the guest's loops. */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static uint64_t next_period(struct prof_clock *c)
{
	uint64_t spread = c->period / 4; /* the whole jitter window */

	if (!spread)
		return c->period;
	return c->period - spread / 2 + next_random(c) % (spread + 1);
}

void prof_clock_start(struct prof_clock *c, uint64_t period, uint64_t seed)
{
	c->period = period ? period : 1;
	c->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	c->left = next_period(c);
}

unsigned prof_clock_cross(struct prof_clock *c, uint64_t ticks)
{
	unsigned due = 0;

	while (ticks >= c->left) {
		ticks -= c->left;
		c->left = next_period(c);
		due++;
	}
	c->left -= ticks;
	return due;
}
