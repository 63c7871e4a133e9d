#include "guest/sysmap.h"
#include "lib/string.h"

#include <stdbool.h>

#define SYMTAB_MAGIC 0x4d595350u /* "PSYM", as tools/mksyms writes it */
#define HEADER 16u
#define PREFIX 8u                /* the base address, before the table */

struct entry {
	uint64_t address;
	uint32_t name; /* offset in the strings */
};

/* Work layout in 'out': prefix and header, room for the final 8-byte
 * rows, the names, then the 16-byte entries being sorted.  A line is at
 * least 6 bytes ("0 t a\n"), so there are at most len / 6 + 1 entries. */
static size_t names_at(size_t len)
{
	return PREFIX + HEADER + (len / 6 + 1) * 8;
}

static size_t entries_at(size_t len)
{
	return (names_at(len) + len + 1 + 7) & ~(size_t)7;
}

size_t sysmap_bound(size_t len)
{
	return entries_at(len) + (len / 6 + 1) * sizeof(struct entry);
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = char_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Heap sort by address (files are usually sorted already; /proc/kallsyms
 * is not quite: module symbols come last). */
static void sift(struct entry *e, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		struct entry t;

		if (child >= n)
			return;
		if (child + 1 < n && e[child + 1].address > e[child].address)
			child++;
		if (e[root].address >= e[child].address)
			return;
		t = e[root];
		e[root] = e[child];
		e[child] = t;
		root = child;
	}
}

static void sort(struct entry *e, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift(e, i, n);
	while (n-- > 1) {
		struct entry t = e[0];

		e[0] = e[n];
		e[n] = t;
		sift(e, 0, n);
	}
}

static size_t fail(struct sysmap_error *err, unsigned line, const char *message)
{
	err->line = line;
	err->message = message;
	return 0;
}

size_t sysmap_build(const char *text, size_t len, uint8_t *out, size_t size,
		    struct sysmap_error *err)
{
	size_t count = 0, strings = 0, pos = 0, i;
	struct entry *entries;
	char *names;
	unsigned line = 0;
	bool nonzero = false;
	uint64_t base;

	if (size < sysmap_bound(len))
		return fail(err, 0, "too large for the space set aside");
	entries = (struct entry *)(void *)(out + entries_at(len));
	names = (char *)out + names_at(len);
	while (pos < len) {
		size_t end = pos, start;
		uint64_t address = 0;
		int digits = 0, d;
		char type;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		if (end == pos || (end == pos + 1 && text[pos] == '\r')) {
			pos = end + 1;
			continue;
		}
		for (; pos < end && (d = hex_value(text[pos])) >= 0; pos++, digits++)
			address = address << 4 | (uint64_t)d;
		if (digits == 0 || digits > 16 || pos + 3 > end || text[pos] != ' ' ||
		    text[pos + 2] != ' ' || !char_is_print(text[pos + 1]))
			return fail(err, line, "not 'ADDRESS TYPE NAME'");
		type = text[pos + 1];
		pos += 3;
		start = pos;
		while (pos < end && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\r')
			pos++;
		if (pos == start)
			return fail(err, line, "no symbol name");
		if (type == 'T' || type == 't' || type == 'W' || type == 'w') {
			entries[count].address = address;
			entries[count].name = (uint32_t)strings;
			memcpy(names + strings, text + start, pos - start);
			strings += pos - start;
			names[strings++] = '\0';
			count++;
			nonzero |= address != 0;
		}
		pos = end + 1;
	}
	if (!count)
		return fail(err, 0, "no text symbols (types T, t, W, w)");
	if (!nonzero)
		return fail(err, 0, "every address is 0 (/proc/kallsyms read without root shows zeros)");
	sort(entries, count);
	base = entries[0].address;
	if (entries[count - 1].address - base > 0xffffffffu)
		return fail(err, 0, "the text symbols span more than 4 GiB");
	/* The names move down behind the entries; the entries (sorted, at
	 * the end of the buffer) become 8-byte table rows in front of them. */
	memmove(out + PREFIX + HEADER + count * 8, names, strings);
	for (i = 0; i < count; i++) {
		put32(out + PREFIX + HEADER + i * 8, (uint32_t)(entries[i].address - base));
		put32(out + PREFIX + HEADER + i * 8 + 4, entries[i].name);
	}
	memcpy(out, &base, sizeof(base));
	put32(out + PREFIX, SYMTAB_MAGIC);
	put32(out + PREFIX + 4, (uint32_t)count);
	put32(out + PREFIX + 8, (uint32_t)(HEADER + count * 8));
	put32(out + PREFIX + 12, (uint32_t)(HEADER + count * 8 + strings));
	return PREFIX + HEADER + count * 8 + strings;
}
