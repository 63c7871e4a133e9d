/*
 * A sorted table of function addresses and names (pmuvisor's own,
 * embedded at build time by tools/mksyms; format described there).
 * Pure: unit tested.
 */
#ifndef LIB_SYMTAB_H
#define LIB_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

struct symtab {
	const uint8_t *blob;
	size_t size;
	uint64_t base;   /* address of offset 0 */
	uint32_t count;
	uint32_t strings; /* offset of the strings in the blob */
};

/* Checks the header and the bounds; -1 if the blob is not a table. */
int symtab_open(struct symtab *t, const void *blob, size_t size, uint64_t base);

/* The function at or below 'address' (and below 'limit', the end of the
 * code): its start and name.  Returns 0, or -1 if none covers it. */
int symtab_lookup(const struct symtab *t, uint64_t address, uint64_t limit, uint64_t *start,
		  const char **name);

/* Entry 'i' (in address order): its address and name; -1 past the end. */
int symtab_entry(const struct symtab *t, uint32_t i, uint64_t *address, const char **name);

#endif
