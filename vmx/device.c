/* The demo device's register (vmx/device.h). */
#include "vmx/device.h"

struct device device = { .work = DEVICE_WORK_DEFAULT };

/* @rounds rounds of a 4-instruction loop (ADD, ROL, DEC, JNZ): work of a
 * known length, like a device model copying and checking a frame. */
static uint32_t mix(uint32_t sum, uint32_t value, uint32_t rounds)
{
	if (!rounds)
		return sum + value;
	__asm__ volatile("1: addl %2, %0\n\t"
			 "roll $5, %0\n\t"
			 "decl %1\n\t"
			 "jnz 1b"
			 : "+r"(sum), "+r"(rounds)
			 : "r"(value)
			 : "cc");
	return sum;
}

void device_access(struct device *d, bool in, unsigned size, uint64_t *rax)
{
	uint64_t mask = size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

	if (in) {
		/* A 32-bit IN writes EAX, which zero-extends into RAX (SDM Vol. 1, 3.4.1.1). */
		*rax = size >= 4 ? d->checksum : (*rax & ~mask) | (d->checksum & mask);
		d->reads++;
		return;
	}
	d->checksum = mix(d->checksum, (uint32_t)(*rax & mask), d->work / DEVICE_INSNS_PER_ROUND);
	d->writes++;
}

int device_set_work(struct device *d, uint64_t instructions)
{
	if (instructions > DEVICE_WORK_MAX)
		return -1;
	d->work = (uint32_t)(instructions - instructions % DEVICE_INSNS_PER_ROUND);
	return 0;
}

void device_status(const struct device *d, const struct out *o)
{
	if (!d->port) {
		out_printf(o, "device: off (device=PORT in pmuvisor.cfg)\n");
		return;
	}
	out_printf(o, "device: port 0x%x, work %u instructions an access; %lu writes, %lu reads\n",
		   d->port, d->work, (unsigned long)d->writes, (unsigned long)d->reads);
}
