/*
 * A ticket lock for machine-wide state that processors write after
 * launch (the EPT's on-demand tables, ...): each taker draws the next
 * ticket and waits, with PAUSE, until it is served; fair, first come
 * first served.  Not for state an NMI handler takes: an NMI arriving
 * while its own CPU holds the lock would wait forever.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t next;    /* the next ticket to draw */
	volatile uint32_t serving; /* the ticket whose holder may go on */
};

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		__builtin_ia32_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

/* Whether some processor holds it (for assertions). */
static inline int spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
}

#endif
