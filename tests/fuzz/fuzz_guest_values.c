/*
 * libFuzzer target for the pure code that reads what a guest controls,
 * one kind of input chosen by the first byte:
 *   0  an I/O access split among pmuvisor's ports (vmx/io_split.c): the
 *      runs cover each byte once, have 1, 2 or 4 bytes, one owner each;
 *   1  CR0/CR4/XCR0/IA32_APIC_BASE values (vmx/cpu_rules.c): a write
 *      accepted never sets a bit the rules say is reserved;
 *   2  text for the log hypercall (vmx/hypercall.c): only printable
 *      bytes, tab and newline come out;
 *   3  guest page tables and a guest-virtual range (guest/memory.c): the
 *      walk stays inside guest memory (the sanitizers), and a read that
 *      succeeds returns the bytes the translation names.
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

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_guest_values.c:%d: %s is false\n", __LINE__, #cond); \
			abort();                                                              \
		}                                                                             \
	} while (0)

static uint64_t take(const uint8_t **data, size_t *size, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *size; i++, (*data)++, (*size)--)
		v |= (uint64_t)**data << (8 * i);
	return v;
}

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
	struct memory mem = { guest_phys, size < sizeof(guest_phys) ? size : sizeof(guest_phys) };
	struct guest_memory m = { map, &mem, cr3 };
	uint8_t *buf = malloc(len + 1);
	uint64_t gpa;

	memcpy(guest_phys, data, mem.size);
	if (guest_read(&m, gva, buf, len, false) == 0 && len &&
	    guest_translate(&m, gva, false, false, &gpa))
		CHECK(buf[0] == mem.bytes[gpa]);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const kinds[])(const uint8_t *, size_t) = { fuzz_io, fuzz_rules, fuzz_log_text,
								   fuzz_page_walk };

	if (!size)
		return 0;
	kinds[data[0] % 4](data + 1, size - 1);
	return 0;
}
