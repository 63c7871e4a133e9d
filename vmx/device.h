/*
 * The demo device (device=PORT): one emulated I/O port whose every access
 * costs pmuvisor a set amount of work. It stands in for the emulated NIC of
 * the seed paper's packet-receive profile: the guest function that touches
 * it makes VM exits whose handling is pmuvisor's work done for the guest,
 * which domain-switch accounting charges to that function and cpu-switch
 * accounting does not.
 *
 * The register: a write of any size folds the value into a checksum, one
 * mixing round per 4 instructions of work; a read returns the checksum
 * (its low bytes for 1- and 2-byte reads); INS and OUTS make one access
 * an iteration. device_access() is the whole register and is unit tested
 * on the host.
 */
#ifndef VMX_DEVICE_H
#define VMX_DEVICE_H

#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

#define DEVICE_WORK_DEFAULT 10000     /* instructions an access */
#define DEVICE_WORK_MAX 1000000
#define DEVICE_INSNS_PER_ROUND 4      /* the mixing loop's body (vmx/device.c) */

struct device {
	uint16_t port;                /* 0: no device */
	uint32_t work;                /* instructions of work an access */
	uint32_t checksum;            /* the register */
	uint64_t writes, reads;
};

extern struct device device;

/* The device's port is @port (and it is on). */
static inline bool device_claims(const struct device *d, uint16_t port)
{
	return d->port && port == d->port;
}

/* One IN or OUT of @size bytes (1, 2, 4): an OUT takes *rax, an IN sets the
 * low @size bytes of *rax as the hardware would (a 4-byte IN clears the
 * upper half). */
void device_access(struct device *d, bool in, unsigned size, uint64_t *rax);

/* Work in instructions, rounded down to whole rounds; -1 beyond the maximum. */
int device_set_work(struct device *d, uint64_t instructions);

void device_status(const struct device *d, const struct out *o);

#endif
