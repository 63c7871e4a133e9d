#include "guest/callchain.h"

#define LOWER_TOP 0x0000800000000000ull    /* canonical lower half ends here */
#define UPPER_BOTTOM 0xffff800000000000ull

static bool code_address(uint64_t rip, uint64_t a)
{
	if (rip >= UPPER_BOTTOM)
		return a >= UPPER_BOTTOM;
	return a >= 0x1000 && a < LOWER_TOP;
}

unsigned callchain_walk(const struct kallsyms_reader *r, bool user, uint64_t rip, uint64_t rsp,
			uint64_t rbp, uint64_t *out, unsigned max)
{
	uint64_t span = user ? CALLCHAIN_USER_SPAN : CALLCHAIN_KERNEL_SPAN;
	uint64_t frame = rbp, floor = rsp;
	unsigned n = 0;

	while (n < max) {
		uint64_t pair[2]; /* saved RBP, return address */

		/* A frame lies above the stack pointer, within one stack,
		 * 8-aligned, and each one above the last. */
		if (frame & 7 || frame < floor || frame - rsp > span || frame + 16 < frame)
			break;
		if (r->read(r->ctx, frame, pair, sizeof(pair)) < 0 || !code_address(rip, pair[1]))
			break;
		out[n++] = pair[1];
		floor = frame + 16;
		frame = pair[0];
	}
	return n;
}
