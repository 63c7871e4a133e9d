/*
 * Splitting a guest I/O access among the ports' owners (pure; unit
 * tested and fuzzed).  An access of 2 or 4 bytes may cover ports of
 * different owners (pmuvisor's console, its demo device, the hardware),
 * or wrap from port 0xFFFF to 0x0000; the I/O bitmap makes it exit if
 * any byte is pmuvisor's or it wraps (SDM Vol. 3C, 26.1.3).  pmuvisor then
 * serves it as runs of consecutive bytes with one owner each: its own as
 * its devices, the rest as I/O of that width to the hardware.
 */
#ifndef VMX_IO_SPLIT_H
#define VMX_IO_SPLIT_H

#include <stdint.h>

enum io_owner { IO_HARDWARE, IO_CONSOLE, IO_DEVICE };

struct io_run {
	uint16_t port;       /* first port of the run */
	uint8_t offset;      /* its first byte within the access (0-3) */
	uint8_t size;        /* bytes: 1-4 */
	enum io_owner owner;
};

typedef enum io_owner (*io_owner_of)(const void *ctx, uint16_t port);

/* The runs of an access of 'size' bytes (1, 2 or 4) at 'port', in byte
 * order; returns how many (at most 4).  A run never has 3 bytes (there is
 * no 3-byte I/O: such a run is split).  The owner of each byte is asked
 * for port + i mod 0x10000, as the I/O bitmap sees a wrapping access; a
 * run of one owner is kept whole across the wrap. */
unsigned io_split(uint16_t port, unsigned size, io_owner_of owner, const void *ctx,
		  struct io_run runs[4]);

/* RAX after an IN of 'size' bytes whose data is 'data' (SDM Vol. 1,
 * 3.4.1.1: a 4-byte IN writes EAX, which clears RAX's upper half). */
uint64_t io_in_result(uint64_t rax, unsigned size, uint32_t data);

#endif
