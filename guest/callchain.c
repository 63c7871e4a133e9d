#include "guest/callchain.h"

#define USER_TOP 0x0000800000000000ull    /* canonical lower half ends here */
#define KERNEL_BOTTOM 0xffff800000000000ull

static bool code_address(bool user, uint64_t a)
{
	return user ? (a >= 0x1000 && a < USER_TOP) : a >= KERNEL_BOTTOM;
}

unsigned callchain_walk(const struct kallsyms_reader *r, bool user, uint64_t rsp, uint64_t rbp,
			uint64_t *out, unsigned max)
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
		if (r->read(r->ctx, frame, pair, sizeof(pair)) < 0 || !code_address(user, pair[1]))
			break;
		out[n++] = pair[1];
		floor = frame + 16;
		frame = pair[0];
	}
	return n;
}
