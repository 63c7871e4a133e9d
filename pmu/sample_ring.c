#include "pmu/sample_ring.h"
#include "lib/string.h"

/* Keeps the compiler from moving memory accesses across it.  On x86,
 * stores are not reordered with other stores nor loads with other loads
 * (SDM Vol. 3A, 10.2.2), so this is all a single-CPU ring needs. */
#define barrier() __asm__ volatile("" ::: "memory")

static size_t sample_size(const struct sample *s)
{
	unsigned depth = s->chain_depth < SAMPLE_CHAIN_MAX ? s->chain_depth : SAMPLE_CHAIN_MAX;

	return __builtin_offsetof(struct sample, chain) + depth * sizeof(s->chain[0]);
}

int sample_ring_init(struct sample_ring *ring, struct sample *slots, uint64_t capacity)
{
	if (capacity == 0 || (capacity & (capacity - 1)))
		return -1;
	ring->slots = slots;
	ring->mask = capacity - 1;
	ring->head = ring->tail = ring->dropped = 0;
	return 0;
}

bool sample_ring_push(struct sample_ring *ring, const struct sample *sample)
{
	struct sample *slot = sample_ring_reserve(ring);

	if (!slot)
		return false;
	/* The header and the chain entries in use: a sample without a chain
	 * costs a fifth of the whole slot. */
	memcpy(slot, sample, sample_size(sample));
	sample_ring_commit(ring);
	return true;
}

bool sample_ring_pop(struct sample_ring *ring, struct sample *out)
{
	uint64_t tail = ring->tail;

	if (tail == ring->head)
		return false;
	barrier(); /* read the slot only after seeing the head that covers it */
	memcpy(out, &ring->slots[tail & ring->mask], sample_size(&ring->slots[tail & ring->mask]));
	barrier(); /* the copy is done before the producer may reuse the slot */
	ring->tail = tail + 1;
	return true;
}

void sample_ring_clear(struct sample_ring *ring)
{
	ring->tail = ring->head;
}

bool sample_ring_peek(const struct sample_ring *ring, uint64_t i, struct sample *out)
{
	uint64_t tail = ring->tail;

	if (i >= ring->head - tail)
		return false;
	barrier(); /* read the slot only after seeing the head that covers it */
	memcpy(out, &ring->slots[(tail + i) & ring->mask],
	       sample_size(&ring->slots[(tail + i) & ring->mask]));
	return true;
}
