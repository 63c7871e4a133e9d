#include "vmx/io_split.h"

unsigned io_split(uint16_t port, unsigned size, io_owner_of owner, const void *ctx,
		  struct io_run runs[4])
{
	unsigned count = 0, i;

	if (size != 1 && size != 2 && size != 4)
		size = 1;
	for (i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i); /* wraps as the I/O bitmap does */
		enum io_owner o = owner(ctx, p);
		struct io_run *last = count ? &runs[count - 1] : 0;

		/* Same owner: the run goes on, past 0xFFFF too, where the
		 * hardware gets the access as the guest made it (Bochs, for one,
		 * sends a word at 0xFFFF to port 0xFFFF's device whole). */
		if (last && last->owner == o)
			last->size++;
		else
			runs[count++] = (struct io_run){ p, (uint8_t)i, 1, o };
	}
	/* No 3-byte I/O: a 3-byte run becomes 2 + 1. */
	for (i = 0; i < count; i++)
		if (runs[i].size == 3) {
			unsigned j;

			for (j = count; j > i + 1; j--)
				runs[j] = runs[j - 1];
			runs[i].size = 2;
			runs[i + 1] = (struct io_run){ (uint16_t)(runs[i].port + 2),
						       (uint8_t)(runs[i].offset + 2), 1, runs[i].owner };
			count++;
		}
	return count;
}

uint64_t io_in_result(uint64_t rax, unsigned size, uint32_t data)
{
	uint64_t mask = size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

	return size >= 4 ? data : (rax & ~mask) | (data & mask);
}
