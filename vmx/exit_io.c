/* I/O exits: the ports pmuvisor keeps for itself, and accesses that only
 * partly touch them. */
#include "vmx/exit_handlers.h"
#include "vmx/vmcs.h"
#include "vmx/device.h"
#include "vmx/io_split.h"
#include "lib/cpu.h"
#include "console/log.h"

#define UART_LSR 5
#define LSR_IDLE 0x60 /* THR empty, transmitter empty */

static enum io_owner port_owner(const void *ctx, uint16_t port)
{
	(void)ctx;
	return vm_console_owns(port) ? IO_CONSOLE : device_claims(&device, port) ? IO_DEVICE
										: IO_HARDWARE;
}

/* The guest finds no working UART on pmuvisor's console: its registers
 * read as all ones (Linux's 8250 probe then gives up), except the line
 * status, which says "transmitter empty, nothing received" so that
 * firmware that bound the port earlier neither waits to send nor reads
 * forever.  Writes are dropped. */
static uint32_t console_in(const struct io_run *r)
{
	uint32_t value = 0;

	for (unsigned i = 0; i < r->size; i++) {
		uint16_t p = (uint16_t)(r->port + i);

		value |= (uint32_t)(p - vm.console_port == UART_LSR ? LSR_IDLE : 0xff) << (8 * i);
	}
	return value;
}

static uint32_t hardware_in(const struct io_run *r)
{
	return r->size == 4 ? inl(r->port) : r->size == 2 ? inw(r->port) : inb(r->port);
}

static void hardware_out(const struct io_run *r, uint32_t value)
{
	if (r->size == 4)
		outl(r->port, value);
	else if (r->size == 2)
		outw(r->port, (uint16_t)value);
	else
		outb(r->port, (uint8_t)value);
}

/* One run of an IN (returns its bytes) or an OUT of 'value's bytes. */
static uint32_t serve_run(const struct io_run *r, bool in, uint32_t value)
{
	uint64_t rax = value;

	switch (r->owner) {
	case IO_CONSOLE:
		return in ? console_in(r) : 0;
	case IO_DEVICE:
		device_access(&device, in, r->size, &rax);
		return (uint32_t)rax;
	case IO_HARDWARE:
		if (!in) {
			hardware_out(r, value);
			return 0;
		}
		return hardware_in(r);
	}
	return 0;
}

static uint64_t string_io_skipped;

void handle_io(struct guest_regs *regs)
{
	/* Exit qualification for I/O (SDM Vol. 3C, Table 28-5). */
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1, in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	struct io_run runs[4];
	uint32_t data = 0, out = (uint32_t)regs->rax;
	unsigned n, i;

	/* INS/OUTS on pmuvisor's ports (or wrapping the port space) would
	 * need memory operands emulated: skipped, counted, said once. */
	if (string) {
		if (device_claims(&device, port))
			device.refused++;
		if (!string_io_skipped++)
			log_info("pmuvisor: the guest used INS/OUTS on port 0x%x (pmuvisor's, or "
				 "wrapping past 0xffff); skipped (further ones: counted only)\n", port);
		exit_skip_instruction();
		return;
	}
	/* The device's register is as wide as the access that starts on it. */
	if (device_claims(&device, port)) {
		device_access(&device, in, size, &regs->rax);
		exit_skip_instruction();
		return;
	}
	n = io_split(port, size, port_owner, 0, runs);
	for (i = 0; i < n; i++) {
		uint32_t shift = 8u * runs[i].offset;
		uint32_t got = serve_run(&runs[i], in, out >> shift);
		uint32_t mask = runs[i].size == 4 ? 0xffffffffu : (1u << (8 * runs[i].size)) - 1;

		data |= (got & mask) << shift;
	}
	if (in)
		regs->rax = io_in_result(regs->rax, size, data);
	exit_skip_instruction();
}
