#include "lib/symtab.h"
#include "lib/string.h"

#define SYMTAB_MAGIC 0x4d595350u /* "PSYM" */
#define HEADER 16u

static uint32_t u32_at(const struct symtab *t, size_t at)
{
	uint32_t v;

	memcpy(&v, t->blob + at, sizeof(v));
	return v;
}

int symtab_open(struct symtab *t, const void *blob, size_t size, uint64_t base)
{
	t->blob = blob;
	t->size = size;
	t->base = base;
	t->count = 0;
	if (size < HEADER || u32_at(t, 0) != SYMTAB_MAGIC || u32_at(t, 12) != size)
		return -1;
	t->strings = u32_at(t, 8);
	if (t->strings != HEADER + 8ull * u32_at(t, 4) || t->strings > size ||
	    (size > t->strings && t->blob[size - 1] != '\0'))
		return -1;
	t->count = u32_at(t, 4);
	return 0;
}

int symtab_lookup(const struct symtab *t, uint64_t address, uint64_t limit, uint64_t *start,
		  const char **name)
{
	uint32_t lo = 0, hi = t->count;

	if (!t->count || address < t->base + u32_at(t, HEADER) || address >= limit)
		return -1;
	while (hi - lo > 1) { /* the answer is in [lo, hi) */
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->base + u32_at(t, HEADER + 8ull * mid) <= address)
			lo = mid;
		else
			hi = mid;
	}
	return symtab_entry(t, lo, start, name);
}

int symtab_entry(const struct symtab *t, uint32_t i, uint64_t *address, const char **name)
{
	uint32_t name_at;

	if (i >= t->count)
		return -1;
	name_at = u32_at(t, HEADER + 8ull * i + 4);
	if ((uint64_t)t->strings + name_at >= t->size)
		return -1;
	*address = t->base + u32_at(t, HEADER + 8ull * i);
	*name = (const char *)t->blob + t->strings + name_at;
	return 0;
}
