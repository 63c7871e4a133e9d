/*
 * guest/kallsyms.c: find a kernel's kallsyms tables in guest memory and
 * name addresses with them.  The fixture lays out a kernel image the way
 * scripts/kallsyms.c does (base-relative offsets, 1- and 2-byte name
 * lengths, markers every 256 symbols, with and without seqs_of_names),
 * with an unmapped page inside the image and decoy digit runs.
 */
#include "unit.h"

#include <stdlib.h>

#include "guest/kallsyms.h"

#define BASE 0xffffffff9a200000ull /* a KASLR-slid _text */
#define IMAGE (4u << 20)
#define HOLE (BASE + 0x100000)     /* one unmapped page */
#define NSYMS 700u

struct image {
	uint8_t *bytes;
	uint64_t token_table;
	char names[NSYMS][200];
	uint64_t addrs[NSYMS];
	char types[NSYMS];
};

static struct image img;

static int image_read(void *ctx, uint64_t gva, void *dst, size_t len)
{
	if (gva < BASE || gva + len > BASE + IMAGE || gva + len < gva)
		return -1;
	if (gva < HOLE + 4096 && gva + len > HOLE)
		return -1;
	memcpy(dst, img.bytes + (gva - BASE), len);
	return 0;
}

static const struct kallsyms_reader reader = { image_read, 0 };

static const char *const multi[] = { "do_", "sys_", "_user", "fn_", "handle_", "ys", "__" };

/* Token t: for printable t the character itself, else a substring. */
static const char *token_text(unsigned t, char *one)
{
	if (t >= 0x20 && t < 0x7f) {
		one[0] = (char)t;
		one[1] = 0;
		return one;
	}
	if (t < sizeof(multi) / sizeof(multi[0]))
		return multi[t];
	one[0] = 'Q';
	one[1] = (char)('a' + t % 26);
	one[2] = 0;
	return one;
}

static size_t put(uint64_t *at, const void *data, size_t len)
{
	memcpy(img.bytes + (*at - BASE), data, len);
	*at += len;
	return len;
}

static void align(uint64_t *at)
{
	*at = (*at + 7) & ~7ull;
}

/* Encodes "Tname" greedily with the multi-character tokens. */
static size_t encode(const char *text, uint8_t *out)
{
	size_t n = 0;

	while (*text) {
		unsigned t, best = (uint8_t)*text;
		size_t best_len = 1;

		for (t = 0; t < sizeof(multi) / sizeof(multi[0]); t++) {
			size_t l = strlen(multi[t]);

			if (l > best_len && strncmp(text, multi[t], l) == 0) {
				best = t;
				best_len = l;
			}
		}
		out[n++] = (uint8_t)best;
		text += best_len;
	}
	return n;
}

static void build(bool seqs, bool absolute_percpu)
{
	uint64_t at = BASE + 0x200000, names_start, markers[(NSYMS + 255) / 256];
	uint32_t i, n = NSYMS;
	uint16_t index[256];
	char one[3];
	int32_t offset;
	uint64_t base = BASE;

	free(img.bytes);
	img.bytes = calloc(1, IMAGE);
	/* Decoys: a run of digit tokens with no table around it, and a
	 * UTF-16 digit table. */
	memcpy(img.bytes + 0x1000, "0\0001\0002\0003\0004\0005\0006\0007\0008\0009\0", 20);
	for (i = 0; i < 128; i++)
		img.bytes[0x3000 + 2 * i] = (uint8_t)i;
	for (i = 0; i < n; i++) {
		img.types[i] = i % 3 ? 't' : 'T';
		img.addrs[i] = BASE + 0x1000 + 0x40ull * i;
		if (i == 5)
			snprintf(img.names[i], sizeof(img.names[i]), "do_sys_read_user");
		else if (i == 300) /* 160 characters: a two-byte length */
			snprintf(img.names[i], sizeof(img.names[i]), "%0160d", 7);
		else
			snprintf(img.names[i], sizeof(img.names[i]), "fn_%u", i);
	}
	if (absolute_percpu) { /* per-CPU symbols first, absolute */
		img.types[0] = img.types[1] = 'A';
		img.addrs[0] = 0;
		img.addrs[1] = 0x6000;
	}
	img.addrs[n - 1] = BASE + 0x300000; /* _end */
	for (i = 0; i < n; i++) {
		if (absolute_percpu)
			offset = img.addrs[i] < BASE ? (int32_t)img.addrs[i]
						     : (int32_t)(base - 1 - img.addrs[i]);
		else
			offset = (int32_t)(uint32_t)(img.addrs[i] - base);
		put(&at, &offset, 4);
	}
	align(&at);
	put(&at, &base, 8);
	put(&at, &n, 4);
	align(&at);
	names_start = at;
	for (i = 0; i < n; i++) {
		char text[220];
		uint8_t enc[220], len[2];
		size_t l;

		if (i % 256 == 0)
			markers[i / 256] = at - names_start;
		snprintf(text, sizeof(text), "%c%s", img.types[i], img.names[i]);
		l = encode(text, enc);
		if (l > 127) {
			len[0] = (uint8_t)(0x80 | (l & 0x7f));
			len[1] = (uint8_t)(l >> 7);
			put(&at, len, 2);
		} else {
			len[0] = (uint8_t)l;
			put(&at, len, 1);
		}
		put(&at, enc, l);
	}
	align(&at);
	for (i = 0; i < (n + 255) / 256; i++) {
		uint32_t m = (uint32_t)markers[i];

		put(&at, &m, 4);
	}
	align(&at);
	if (seqs) {
		for (i = 0; i < n; i++)
			put(&at, "\x01\x02\x03", 3);
		align(&at);
	}
	img.token_table = at;
	for (i = 0; i < 256; i++) {
		const char *t = token_text(i, one);

		index[i] = (uint16_t)(at - img.token_table);
		put(&at, t, strlen(t) + 1);
	}
	align(&at);
	put(&at, index, sizeof(index));
}

static void test_finds_tables_behind_decoys_and_a_hole(void **state)
{
	static struct kallsyms k;
	const char *why = 0;

	build(true, true);
	assert_int_equal(kallsyms_find(&k, &reader, BASE, BASE + IMAGE, &why), 0);
	assert_int_equal(k.num_syms, NSYMS);
	assert_true(k.token_table == img.token_table);
	assert_true(k.relative_base == BASE);
	assert_true(k.absolute_percpu);
	assert_true(k.text_end == BASE + 0x300000);
}

static void name_and_lookup(bool seqs, bool absolute_percpu)
{
	static struct kallsyms k;
	const char *why;
	uint64_t start, address;
	uint32_t index;
	char name[256], type;

	build(seqs, absolute_percpu);
	assert_int_equal(kallsyms_find(&k, &reader, BASE, BASE + IMAGE, &why), 0);
	assert_int_equal(k.absolute_percpu, absolute_percpu);
	/* Inside symbol 5, "do_sys_read_user" (three multi-character tokens). */
	assert_int_equal(kallsyms_lookup(&k, &reader, img.addrs[5] + 0x13, &index, &start), 0);
	assert_int_equal(index, 5);
	assert_true(start == img.addrs[5]);
	assert_int_equal(kallsyms_symbol(&k, &reader, index, &address, name, sizeof(name), &type), 0);
	assert_string_equal(name, "do_sys_read_user");
	assert_int_equal(type, img.types[5]);
	/* Past the first marker, and the two-byte length. */
	assert_int_equal(kallsyms_symbol(&k, &reader, 300, &address, name, sizeof(name), &type), 0);
	assert_string_equal(name, img.names[300]);
	assert_int_equal(kallsyms_symbol(&k, &reader, 699, &address, name, sizeof(name), &type), 0);
	assert_string_equal(name, "fn_699");
	assert_true(address == BASE + 0x300000);
	assert_int_equal(kallsyms_symbol(&k, &reader, 601, &address, name, 5, &type), 0);
	assert_string_equal(name, "fn_6"); /* cut to the buffer */
	/* Symbol exactly at an address, and before any text. */
	assert_int_equal(kallsyms_lookup(&k, &reader, img.addrs[600], &index, &start), 0);
	assert_int_equal(index, 600);
	assert_int_equal(kallsyms_lookup(&k, &reader, BASE - 1, &index, &start), -1);
	assert_int_equal(kallsyms_lookup(&k, &reader, BASE + 0x300000, &index, &start), -1);
	assert_int_equal(kallsyms_symbol(&k, &reader, NSYMS, &address, name, sizeof(name), &type), -1);
}

static void test_names_with_seqs_of_names_absolute_percpu(void **state)
{
	name_and_lookup(true, true);
}

static void test_names_without_seqs_of_names_relative(void **state)
{
	name_and_lookup(false, false);
}

static void test_damaged_markers_are_refused(void **state)
{
	static struct kallsyms k;
	const char *why = 0;
	uint64_t markers;

	build(false, true);
	/* The second marker no longer matches the first 256 names. */
	markers = img.token_table - 16; /* three u32 markers, 8-aligned */
	img.bytes[markers + 4 - BASE] ^= 1;
	assert_int_equal(kallsyms_find(&k, &reader, BASE, BASE + IMAGE, &why), -1);
	assert_string_equal(why, "found the kallsyms token table but no symbol tables that fit it");
}

static void test_no_tables_at_all(void **state)
{
	static struct kallsyms k;
	const char *why = 0;

	build(false, true);
	assert_int_equal(kallsyms_find(&k, &reader, BASE, BASE + 0x100000, &why), -1);
	assert_string_equal(why, "no kallsyms token table with its index in the kernel's mapped image");
	assert_int_equal(kallsyms_find(&k, &reader, BASE + 0x180000, BASE + 0x1c0000, &why), -1);
	assert_string_equal(why, "no kallsyms token table in the kernel's mapped image");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_tables_behind_decoys_and_a_hole),
		cmocka_unit_test(test_names_with_seqs_of_names_absolute_percpu),
		cmocka_unit_test(test_names_without_seqs_of_names_relative),
		cmocka_unit_test(test_damaged_markers_are_refused),
		cmocka_unit_test(test_no_tables_at_all),
	};
	int failed = cmocka_run_group_tests(tests, 0, 0);

	free(img.bytes);
	return failed;
}
