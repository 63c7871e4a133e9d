/*
 * libFuzzer target for what pmuvisor reads out of a guest kernel's
 * memory to name its samples: the kallsyms finder and decoder
 * (guest/kallsyms.c) and the frame-pointer call-chain walker
 * (guest/callchain.c).  Guest memory is a 32 KiB kernel image at a
 * kernel-half address, with one page the input may leave unmapped.  The
 * first byte chooses how the image is made:
 *   0  raw bytes from the input, with the digit tokens "0".."9" planted
 *      where the input says (so the finder gets past its first test);
 *   1  valid kallsyms tables built from the input (symbol count, address
 *      gaps, names, a 2-byte name length, seqs_of_names or not), then
 *      damaged at input-chosen bytes, before the search or after it (the
 *      guest may change its memory between two samples);
 *   2  a chain of stack frames built from the input, then damaged.
 * Checks besides the sanitizers: undamaged tables are found, with the
 * symbol count built; a symbol found for an address starts at or below
 * it and is the one kallsyms_symbol() decodes at that address; names
 * are NUL-terminated within their buffer; an undamaged frame chain is
 * walked to its end; a chain never holds an address from the other half
 * of the address space than the sample's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/callchain.h"
#include "guest/kallsyms.h"
#include "tests/fuzz/fuzz.h"

#define BASE 0xffffffff81000000ull /* _text */
#define IMAGE (32u << 10)
#define TABLES 0x2000u /* where mode 1 puts its tables in the image */
#define UPPER_BOTTOM 0xffff800000000000ull

struct image {
	uint8_t bytes[IMAGE];
	uint64_t hole; /* an unmapped page, or 0 */
};

static struct image img;

static int image_read(void *ctx, uint64_t gva, void *dst, size_t len)
{
	struct image *m = ctx;

	if (gva < BASE || gva - BASE > IMAGE || len > IMAGE - (gva - BASE))
		return -1;
	if (m->hole && gva < m->hole + 4096 && gva + len > m->hole)
		return -1;
	memcpy(dst, m->bytes + (gva - BASE), len);
	return 0;
}

static const struct kallsyms_reader reader = { image_read, &img };

/* Up to 'count' (offset, byte) pairs from the input written into the image. */
static unsigned damage(const uint8_t **data, size_t *size, unsigned count)
{
	unsigned done = 0;

	for (; done < count && *size >= 3; done++) {
		uint32_t at = (uint32_t)take(data, size, 2) % IMAGE;

		img.bytes[at] = (uint8_t)take(data, size, 1);
	}
	return done;
}

static size_t put(size_t at, const void *p, size_t len)
{
	CHECK(at + len <= IMAGE);
	memcpy(img.bytes + at, p, len);
	return at + len;
}

static size_t align8(size_t at) { return (at + 7) & ~(size_t)7; }

/* kallsyms tables in scripts/kallsyms.c's order, with one-character
 * tokens (token t is character t; the unprintable ones "~" then t mod 26
 * as a letter).  Returns the symbol count. */
static uint32_t build_tables(const uint8_t **data, size_t *size)
{
	uint32_t n = 256 + (uint32_t)take(data, size, 1), markers[8], i;
	bool seqs = take(data, size, 1) & 1, big = take(data, size, 1) & 1;
	size_t at = TABLES, names;
	uint64_t base = BASE, address = BASE;
	uint16_t index[256];

	for (i = 0; i < n; i++) { /* offsets, in address order */
		uint32_t offset = (uint32_t)(address - BASE);

		at = put(at, &offset, 4);
		address += 1 + take(data, size, 1) * 16;
	}
	at = put(align8(at), &base, 8);
	at = put(at, &n, 4);
	names = at = align8(at);
	for (i = 0; i < n; i++) {
		char text[200];
		int len = i == 1 && big ? snprintf(text, sizeof(text), "t%0150u", i)
					: snprintf(text, sizeof(text), "%cf%x", i % 2 ? 't' : 'T', i);
		uint8_t header[2] = { (uint8_t)len, 0 };

		if (i % 256 == 0)
			markers[i / 256] = (uint32_t)(at - names);
		if (len > 127) {
			header[0] = (uint8_t)(0x80 | (len & 0x7f));
			header[1] = (uint8_t)(len >> 7);
		}
		at = put(at, header, len > 127 ? 2 : 1);
		at = put(at, text, (size_t)len);
	}
	at = put(align8(at), markers, 4 * ((n + 255) / 256));
	at = align8(at);
	if (seqs) {
		for (i = 0; i < n; i++)
			at = put(at, "\x00\x01\x02", 3);
		at = align8(at);
	}
	for (size_t start = at, t = 0; t < 256; t++) {
		char token[3] = { (char)t, 0, 0 };

		if (t < 0x20 || t >= 0x7f) {
			token[0] = '~';
			token[1] = (char)('a' + t % 26);
		}
		index[t] = (uint16_t)(at - start);
		at = put(at, token, strlen(token) + 1);
	}
	put(align8(at), index, sizeof(index));
	return n;
}

static void names_of(const struct kallsyms *k, const uint8_t **data, size_t *size)
{
	for (unsigned i = 0; i < 8 && *size; i++) {
		uint64_t address = k->text_start + take(data, size, 3), start, at;
		uint32_t index;
		char name[1 + (take(data, size, 1) & 63)], type;

		if (kallsyms_lookup(k, &reader, address, &index, &start) == 0) {
			CHECK(index < k->num_syms && start <= address);
			if (kallsyms_symbol(k, &reader, index, &at, name, sizeof(name), &type) == 0)
				CHECK(at == start && memchr(name, 0, sizeof(name)));
		}
		index = (uint32_t)take(data, size, 2);
		if (kallsyms_symbol(k, &reader, index, &at, name, sizeof(name), &type) == 0)
			CHECK(index < k->num_syms && memchr(name, 0, sizeof(name)));
	}
}

static void fuzz_kallsyms(const uint8_t *data, size_t size, bool built)
{
	static struct kallsyms k;
	const char *why = 0;
	uint32_t n = 0;
	unsigned damaged = 0;
	int found;

	if (built) {
		n = build_tables(&data, &size);
		damaged = damage(&data, &size, (unsigned)take(&data, &size, 1) % 4);
	} else {
		size_t at = (size_t)take(&data, &size, 2) % (IMAGE - 20), len = size < IMAGE ? size : IMAGE;

		memcpy(img.bytes, data, len);
		data += len;
		size -= len;
		memcpy(img.bytes + at, "0\0001\0002\0003\0004\0005\0006\0007\0008\0009", 20);
	}
	found = kallsyms_find(&k, &reader, BASE, BASE + IMAGE, &why);
	if (built && !damaged && !img.hole)
		CHECK(found == 0 && k.num_syms == n && k.relative_base == BASE);
	if (found < 0) {
		CHECK(why && *why);
		return;
	}
	CHECK(k.num_syms >= 256 && k.text_end > k.text_start);
	CHECK(k.token_table >= BASE && k.token_table < BASE + IMAGE);
	damage(&data, &size, (unsigned)take(&data, &size, 1) % 4);
	names_of(&k, &data, &size);
}

static void fuzz_callchain(const uint8_t *data, size_t size)
{
	unsigned frames = 1 + (unsigned)take(&data, &size, 1) % 16, max = (unsigned)take(&data, &size, 1) % 20;
	bool user = take(&data, &size, 1) & 1, damaged;
	uint64_t rsp = BASE + 0x1000 + (take(&data, &size, 2) % 0x200) * 8, frame = rsp, rip = BASE + 0x100;
	uint64_t span = user ? CALLCHAIN_USER_SPAN : CALLCHAIN_KERNEL_SPAN, out[20];
	unsigned n, built = 0, reachable = 0;

	/* Each frame some words above the last (up to 16 KiB: the kernel
	 * stack's span), returning into the kernel. */
	for (; built < frames; built++) {
		uint64_t next = frame + 16 + (take(&data, &size, 2) % 2048) * 8, pair[2] = { next, rip + built };

		if (next - BASE + 16 > IMAGE)
			break;
		memcpy(img.bytes + (frame - BASE), pair, sizeof(pair));
		if (frame - rsp <= span && reachable == built)
			reachable++;
		frame = next;
	}
	damaged = damage(&data, &size, (unsigned)take(&data, &size, 1) % 4) > 0;
	if (take(&data, &size, 1) & 1)
		rip = take(&data, &size, 8); /* a sample elsewhere: other checks of the halves */
	n = callchain_walk(&reader, user, rip, rsp, rsp, out, max);
	CHECK(n <= max);
	if (!damaged && !img.hole && rip == BASE + 0x100)
		CHECK(n == (reachable < max ? reachable : max));
	for (unsigned i = 0; i < n; i++)
		CHECK((rip >= UPPER_BOTTOM) == (out[i] >= UPPER_BOTTOM));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode, hole;

	if (size < 2)
		return 0;
	mode = data[0] % 3;
	hole = data[1];
	memset(img.bytes, 0, sizeof(img.bytes));
	/* One page in eight inputs unmapped: any of the image's eight. */
	img.hole = hole < 32 ? BASE + 4096ull * (hole % (IMAGE / 4096)) : 0;
	if (mode == 2)
		fuzz_callchain(data + 2, size - 2);
	else
		fuzz_kallsyms(data + 2, size - 2, mode == 1);
	return 0;
}
