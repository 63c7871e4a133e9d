/*
 * libFuzzer target for the pure code that reads what a guest controls,
 * one kind of input chosen by the first byte:
 *   0  an I/O access split among pmuvisor's ports (vmx/io_split.c): the
 *      runs cover each byte once, have 1, 2 or 4 bytes, one owner each;
 *   1  CR0/CR4/XCR0/IA32_APIC_BASE values (vmx/cpu_rules.c): a write
 *      accepted never sets a bit the rules say is reserved;
 *   2  text for the log hypercall (vmx/hypercall.c): only printable
 *      bytes, tab and newline come out;
 *   3  guest page tables, in any paging mode, and a guest-virtual range
 *      (guest/memory.c): the walk stays inside guest memory (the
 *      sanitizers), and a read that succeeds returns the bytes the
 *      translation names;
 *   4  a VMCALL's registers, CPL and configuration (vmx/hypercall.c): the
 *      status is one of the ABI's, a refused call leaves RBX, RCX and RDX
 *      as they were and reaches nothing of pmuvisor's, 'log' hands on at
 *      most HYPERCALL_LOG_MAX bytes and only while it is allowed, 'shell'
 *      runs only with guest_control=on and a reply buffer.
 * Besides these checks the sanitizers catch any out-of-bounds access.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/memory.h"
#include "vmx/cpu_rules.h"
#include "vmx/hypercall.h"
#include "vmx/io_split.h"
#include "tests/fuzz/fuzz.h"

/* Owners from a 64-bit pattern: port p's owner is bits 2(p mod 32)+1:2(p mod 32). */
static enum io_owner pattern_owner(const void *ctx, uint16_t port)
{
	return (enum io_owner)((*(const uint64_t *)ctx >> (2 * (port % 32))) & 3) % 3;
}

static void fuzz_io(const uint8_t *data, size_t size)
{
	uint16_t port = (uint16_t)take(&data, &size, 2);
	unsigned sizes[] = { 1, 2, 4, 3 }, s = sizes[take(&data, &size, 1) & 3];
	uint64_t pattern = take(&data, &size, 8);
	struct io_run runs[4];
	unsigned n = io_split(port, s, pattern_owner, &pattern, runs), covered = 0;

	for (unsigned i = 0; i < n; i++) {
		CHECK(runs[i].offset == covered);
		CHECK(runs[i].size == 1 || runs[i].size == 2 || runs[i].size == 4);
		CHECK(runs[i].port == (uint16_t)(port + runs[i].offset));
		for (unsigned b = 0; b < runs[i].size; b++)
			CHECK(pattern_owner(&pattern, (uint16_t)(runs[i].port + b)) == runs[i].owner);
		covered += runs[i].size;
	}
	CHECK(covered == (s == 3 ? 1 : s)); /* a 3-byte size is not I/O: taken as 1 */
}

static void fuzz_rules(const uint8_t *data, size_t size)
{
	struct cr_context c = { take(&data, &size, 8), take(&data, &size, 8), take(&data, &size, 8),
				take(&data, &size, 8), take(&data, &size, 1) & 1,
				take(&data, &size, 8) };
	struct apic_base_context a = { take(&data, &size, 8), (unsigned)take(&data, &size, 1) % 65,
				       take(&data, &size, 1) & 1, take(&data, &size, 8),
				       take(&data, &size, 4), take(&data, &size, 8) };
	uint64_t value = take(&data, &size, 8), supported = take(&data, &size, 8);

	if (!cr0_write_faults(&c, value)) {
		CHECK(!(value >> 32));
		CHECK(!((value & CR0_PG) && !(value & CR0_PE)));
		CHECK(!((value & CR0_NW) && !(value & CR0_CD)));
	}
	if (!cr4_write_faults(&c, value))
		CHECK(!(value & CR4_VMXE) && !(value & ~c.cr4_supported));
	if (!xsetbv_faults(0, value, supported))
		CHECK((value & 1) && !(value & ~supported));
	if (!apic_base_write_faults(&a, value)) {
		CHECK(!(value & 0x2ff));
		CHECK(a.maxphyaddr >= 64 || !(value >> a.maxphyaddr));
	}
}

static void fuzz_log_text(const uint8_t *data, size_t size)
{
	char *out = malloc(size + 1);

	CHECK(hypercall_printable((const char *)data, size, out) == size);
	for (size_t i = 0; i < size; i++)
		CHECK((out[i] >= 0x20 && out[i] < 0x7f) || out[i] == '\n' || out[i] == '\t');
	free(out);
}

/* Guest memory is the rest of the input (at most 64 KiB), page tables and
 * all, copied to page-aligned memory as guest memory is. */
static uint8_t guest_phys[65536] __attribute__((aligned(4096)));

struct memory {
	const uint8_t *bytes;
	size_t size;
};

static void *map(void *ctx, uint64_t gpa, uint64_t len)
{
	struct memory *m = ctx;

	return gpa <= m->size && len <= m->size - gpa ? (void *)(uintptr_t)(m->bytes + gpa) : NULL;
}

static void fuzz_page_walk(const uint8_t *data, size_t size)
{
	uint64_t cr3 = take(&data, &size, 2) << 12, gva = take(&data, &size, 8);
	size_t len = (size_t)take(&data, &size, 2) % 8192;
	uint8_t flags = (uint8_t)take(&data, &size, 1);
	struct memory mem;
	struct guest_memory m = { .map = map, .ctx = &mem, .cr3 = cr3,
				  .paging = (enum guest_paging)(flags % 5), .pse = flags & 8,
				  .wp_off = flags & 16 };
	uint8_t *buf = malloc(len + 1);
	uint64_t gpa;

	for (unsigned i = 0; i < 4; i++) /* PAE paging's PDPTE registers */
		m.pdpte[i] = take(&data, &size, 8);
	mem = (struct memory){ guest_phys, size < sizeof(guest_phys) ? size : sizeof(guest_phys) };
	memcpy(guest_phys, data, mem.size);
	if (guest_read(&m, gva, buf, len, false) == 0 && len &&
	    guest_translate(&m, gva, false, false, &gpa))
		CHECK(buf[0] == mem.bytes[gpa]);
	free(buf);
}

/* What the calls reached of pmuvisor's side, and what they are told. */
static struct {
	unsigned logs, shells, closes;
	uint64_t log_len;
	int log_result, shell_result;
} seen;

static int fake_log(uint64_t gpa, uint64_t len)
{
	seen.logs++;
	seen.log_len = len;
	return seen.log_result;
}

static int fake_shell(uint64_t command_gva, uint64_t reply_gva, uint64_t reply_size,
		      uint64_t *reply_len, int *status)
{
	seen.shells++;
	*reply_len = reply_size - 1;
	*status = (int)(command_gva & 1);
	return seen.shell_result;
}

static void fake_close_log(void) { seen.closes++; }

static void fuzz_hypercall(const uint8_t *data, size_t size)
{
	uint8_t flags = (uint8_t)take(&data, &size, 1);
	struct hypercall_env env = { flags & 3, fake_log, flags >> 2 & 1, fake_shell,
				     flags >> 3 & 1, fake_close_log };
	struct hypercall_regs r = { take(&data, &size, 1) % 8, take(&data, &size, 8),
				    take(&data, &size, 8), take(&data, &size, 8) }, in;
	int64_t status;

	if (flags & 0x10) /* a number from anywhere */
		r.rax = take(&data, &size, 8);
	memset(&seen, 0, sizeof(seen));
	seen.log_result = flags & 0x20 ? -1 : 0;
	seen.shell_result = flags & 0x40 ? -1 : 0;
	in = r;
	hypercall_dispatch(&r, &env);
	status = (int64_t)r.rax;
	CHECK(status <= HYPERCALL_OK && status >= HYPERCALL_EACCES);
	if (status != HYPERCALL_OK)
		CHECK(r.rbx == in.rbx && r.rcx == in.rcx && r.rdx == in.rdx);
	if (in.rax >= HYPERCALL_COUNT)
		CHECK(status == HYPERCALL_ENOSYS);
	if (status == HYPERCALL_ENOSYS || status == HYPERCALL_EPERM)
		CHECK(!seen.logs && !seen.shells && !seen.closes);
	if (seen.logs)
		CHECK(in.rax == HYPERCALL_LOG && env.cpl == 0 && seen.log_len <= HYPERCALL_LOG_MAX &&
		      (!env.log_closed || env.guest_control));
	if (in.rax == HYPERCALL_LOG && env.cpl == 0)
		CHECK(status == HYPERCALL_OK ? seen.logs == 1 && seen.log_result == 0 : status != HYPERCALL_ENOSYS);
	if (seen.shells)
		CHECK(in.rax == HYPERCALL_SHELL && env.guest_control && in.rdx != 0);
	if (in.rax == HYPERCALL_SHELL && status == HYPERCALL_OK)
		CHECK(seen.shells == 1 && r.rbx == in.rdx - 1 && r.rcx == (in.rbx & 1));
	CHECK(seen.closes == (in.rax == HYPERCALL_LOG_CLOSE && env.cpl == 0));
	CHECK(seen.logs + seen.shells + seen.closes <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const kinds[])(const uint8_t *, size_t) = { fuzz_io, fuzz_rules, fuzz_log_text,
								   fuzz_page_walk, fuzz_hypercall };

	if (!size)
		return 0;
	kinds[data[0] % 5](data + 1, size - 1);
	return 0;
}
