/*
 * Profiling samples and the per-CPU ring that holds them.
 *
 * One producer per ring (the CPU's own PMI/exit path, which may interrupt
 * the consumer at any point) and one consumer (the shell, or a dump):
 * lock-free with two counters.  A full ring drops the new sample and
 * counts it; it never overwrites one being read.  Pure: unit tested.
 */
#ifndef PMU_SAMPLE_RING_H
#define PMU_SAMPLE_RING_H

#include <stdbool.h>
#include <stdint.h>

#define SAMPLE_CHAIN_MAX 16 /* guest call-chain entries kept per sample */

enum sample_mode {
	SAMPLE_GUEST_USER,
	SAMPLE_GUEST_KERNEL,
	SAMPLE_PMUVISOR,
};

struct sample {
	uint64_t tsc;
	uint64_t rip;
	uint64_t guest_cr3;
	uint32_t cpu;
	uint8_t mode;         /* enum sample_mode */
	uint8_t chain_depth;  /* entries used in chain[] */
	uint16_t exit_reason; /* for pmuvisor samples: the exit being handled */
	uint64_t chain[SAMPLE_CHAIN_MAX];
};

/* cpu, mode, chain_depth and exit_reason fill one 8-byte word, which the
 * sampling path writes at once (little-endian: mode is byte 4). */
_Static_assert(__builtin_offsetof(struct sample, cpu) % 8 == 0 &&
	       __builtin_offsetof(struct sample, mode) == __builtin_offsetof(struct sample, cpu) + 4 &&
	       __builtin_offsetof(struct sample, chain) == __builtin_offsetof(struct sample, cpu) + 8,
	       "sample header layout");

struct sample_ring {
	struct sample *slots;
	uint64_t mask;          /* capacity - 1; capacity is a power of two */
	volatile uint64_t head; /* written by the producer only */
	volatile uint64_t tail; /* written by the consumer only */
	volatile uint64_t dropped;
};

/* 'capacity' must be a power of two (index by mask, no division on the
 * producer's path); returns -1 otherwise. */
int sample_ring_init(struct sample_ring *ring, struct sample *slots, uint64_t capacity);

/* Producer: false (and counted in 'dropped') when the ring is full. */
bool sample_ring_push(struct sample_ring *ring, const struct sample *sample);

/* Producer, in two steps, to fill a slot in place: the slot to write,
 * or NULL (counted in 'dropped') when the ring is full; then commit. */
static inline struct sample *sample_ring_reserve(struct sample_ring *ring)
{
	uint64_t head = ring->head; /* ours: read it once */

	if (head - ring->tail > ring->mask) {
		ring->dropped++;
		return 0;
	}
	return &ring->slots[head & ring->mask];
}

static inline void sample_ring_commit(struct sample_ring *ring)
{
	__asm__ volatile("" ::: "memory"); /* the slot is complete first */
	ring->head = ring->head + 1;
}

/* Consumer: false when empty. */
bool sample_ring_pop(struct sample_ring *ring, struct sample *out);

static inline uint64_t sample_ring_used(const struct sample_ring *ring)
{
	return ring->head - ring->tail;
}

/* Consumer: a copy of the i-th queued sample (0 = oldest) without
 * taking it; false past the end.  The producer only writes free slots,
 * so a queued one reads the same while it runs. */
bool sample_ring_peek(const struct sample_ring *ring, uint64_t i, struct sample *out);

/* Consumer: forget everything queued (the drop count stays). */
void sample_ring_clear(struct sample_ring *ring);

#endif
