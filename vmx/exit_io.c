/* I/O exits: the ports pmuvisor keeps for itself, and accesses that only
 * partly touch them. */
#include "vmx/exit_handlers.h"
#include "vmx/vmcs.h"
#include "vmx/device.h"
#include "vmx/guest_access.h"
#include "vmx/io_split.h"
#include "vmx/string_io.h"
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

/* One IN (returns its bytes) or OUT of 'size' bytes at 'port', split
 * among the owners of its bytes.  The device's register is as wide as
 * the access that starts on it. */
static uint32_t port_access(uint16_t port, unsigned size, bool in, uint32_t out)
{
	struct io_run runs[4];
	uint32_t data = 0;
	unsigned n, i;

	if (device_claims(&device, port)) {
		uint64_t rax = out;

		device_access(&device, in, size, &rax);
		return (uint32_t)rax;
	}
	n = io_split(port, size, port_owner, 0, runs);
	for (i = 0; i < n; i++) {
		uint32_t shift = 8u * runs[i].offset;
		uint32_t got = serve_run(&runs[i], in, out >> shift);
		uint32_t mask = runs[i].size == 4 ? 0xffffffffu : (1u << (8 * runs[i].size)) - 1;

		data |= (got & mask) << shift;
	}
	return data;
}

/* Iterations of a REP INS/OUTS carried out at one exit: bounds the
 * exit's length; the instruction then restarts with the rest of RCX. */
#define STRING_IO_BATCH 1024

/* Whether [offset, offset + size) lies inside a segment outside 64-bit
 * mode: usable, and within its limit, expand-up or expand-down (SDM
 * Vol. 3A, 3.4.5.1; the upper bound of an expand-down segment is 0xffff
 * or 0xffffffff by its B flag). */
static bool within_segment(unsigned seg, uint64_t offset, unsigned size)
{
	uint32_t ar = (uint32_t)vmcs_read(GUEST_ES_AR + 2 * seg);
	uint64_t limit = vmcs_read(GUEST_ES_LIMIT + 2 * seg), last = offset + size - 1;

	if (ar & (1u << 16)) /* unusable */
		return false;
	if ((ar & 0x1c) == 0x14) /* S=1, data, expand-down */
		return offset > limit && last <= ((ar & (1u << 14)) ? 0xffffffffull : 0xffffull);
	return last <= limit;
}

/* #PF for a guest access that failed at 'linear', with CR2 and the
 * error code the CPU would give. */
static void inject_page_fault(const struct guest_memory *m, uint64_t linear, bool write, bool user)
{
	cr2_write(linear);
	exit_inject_exception(VECTOR_PF, true, guest_pf_error(m, linear, write, user));
}

/* INS/OUTS: each iteration moves 'size' bytes between the port and
 * seg:rSI (OUTS) or ES:rDI (INS), steps the index by DF, and with REP
 * counts rCX down, as the instruction does; a fault stops the loop with
 * the registers of the iterations done (SDM Vol. 2B, INS, OUTS). */
static void string_io(struct guest_regs *regs, uint16_t port, unsigned size, bool in)
{
	uint64_t cs_ar = vmcs_read(GUEST_CS_AR), rflags = vmcs_read(GUEST_RFLAGS);
	bool cs_long = (cs_ar >> 13) & 1, user = guest_cpl() == 3;
	struct guest_memory m = guest_memory_now();
	unsigned len = (unsigned)vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	uint64_t *index = in ? &regs->rdi : &regs->rsi, base, n, i;
	int64_t delta = rflags & (1u << 10) ? -(int64_t)size : (int64_t)size; /* RFLAGS.DF */
	struct string_io_operand op;
	uint8_t insn[15];

	/* The instruction the CPU just fetched: unreadable only if the guest
	 * changed its mapping meanwhile; then it simply runs again. */
	if (len > sizeof(insn) ||
	    guest_read(&m, (cs_long ? 0 : vmcs_read(GUEST_CS_BASE)) + vmcs_read(GUEST_RIP), insn,
		       len, false) < 0 ||
	    string_io_decode(insn, len, in, cs_long, (cs_ar >> 14) & 1, &op) < 0)
		return;
	/* In 64-bit mode ES, CS, SS and DS have base 0 (SDM Vol. 3A, 3.4.4). */
	base = cs_long && op.segment < SEG_FS ? 0 : vmcs_read(GUEST_ES_BASE + 2 * op.segment);
	n = string_io_iterations(&op, regs->rcx, STRING_IO_BATCH);
	for (i = 0; i < n; i++) {
		uint64_t offset = string_io_offset(*index, op.addr_bytes), linear = base + offset;
		uint32_t data = 0;

		if (!cs_long && !within_segment(op.segment, offset, size)) {
			if (op.segment == SEG_SS)
				exit_inject_exception(VECTOR_SS, true, 0);
			else
				exit_inject_gp();
			return;
		}
		if (in) {
			data = port_access(port, size, true, 0);
			if (guest_write(&m, linear, &data, size, user) < 0) {
				inject_page_fault(&m, linear, true, user);
				return;
			}
		} else {
			if (guest_read(&m, linear, &data, size, user) < 0) {
				inject_page_fault(&m, linear, false, user);
				return;
			}
			port_access(port, size, false, data);
		}
		*index = string_io_step(*index, delta, op.addr_bytes);
		if (op.rep)
			regs->rcx = string_io_step(regs->rcx, -1, op.addr_bytes);
	}
	if (!op.rep || !string_io_offset(regs->rcx, op.addr_bytes))
		exit_skip_instruction();
}

void handle_io(struct guest_regs *regs)
{
	/* Exit qualification for I/O (SDM Vol. 3C, Table 28-5). */
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1, in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	uint32_t data;

	if (string) {
		string_io(regs, port, size, in);
		return;
	}
	data = port_access(port, size, in, (uint32_t)regs->rax);
	if (in)
		regs->rax = io_in_result(regs->rax, size, data);
	exit_skip_instruction();
}
