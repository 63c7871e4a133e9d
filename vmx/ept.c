#include "vmx/ept.h"
#include "lib/string.h"

/*
 * One row per paging-structure level, the PML4 (4) down to the page
 * table (1): the span of one entry, and whether the entry may map a page
 * (bit 7 in a PDPTE or PDE; a PTE always does, a PML4E never).
 * Tables 29-1..29-6.
 */
struct level {
	uint64_t entry_span;
	bool may_map_page;
};

enum { PT = 1, PD, PDPT, PML4 };

static void levels_for(const struct ept_params *p, struct level levels[PML4 + 1])
{
	levels[PT] = (struct level){ EPT_PAGE_4K, true };
	levels[PD] = (struct level){ EPT_PAGE_2M, p->allow_2m };
	levels[PDPT] = (struct level){ EPT_PAGE_1G, p->allow_1g };
	levels[PML4] = (struct level){ EPT_PAGE_1G * EPT_ENTRIES, false };
}

struct builder {
	const struct ept_params *p;
	struct level levels[PML4 + 1];
	uint64_t top;
	struct ept_stats *stats;
};

/* Read, write and execute in every entry: permissions are the AND of all
 * levels (29.3.3.2), so non-leaf entries must allow everything too. */
#define ALL_ACCESS (EPT_READ | EPT_WRITE | EPT_EXECUTE)

static uint64_t range_end(const struct ept_range *r)
{
	return r->size > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->size;
}

enum overlap { OUTSIDE, PARTLY_EXCLUDED, EXCLUDED };

/* How [start, end) meets the excluded ranges.  Only a single range is
 * seen as covering: a region covered by adjacent ranges is split further
 * and its pieces found excluded one level down. */
static enum overlap excluded_overlap(const struct ept_params *p, uint64_t start, uint64_t end)
{
	enum overlap result = OUTSIDE;

	for (size_t i = 0; i < p->excluded_count; i++) {
		const struct ept_range *r = &p->excluded[i];

		if (r->size == 0 || range_end(r) <= start || r->base >= end)
			continue;
		if (r->base <= start && range_end(r) >= end)
			return EXCLUDED;
		result = PARTLY_EXCLUDED;
	}
	return result;
}

static uint64_t *new_table(struct builder *b, uint64_t gpa, uint64_t *phys)
{
	uint64_t *table = b->p->memory.alloc(b->p->memory.ctx, phys);

	if (!table) {
		b->stats->error = "out of memory: the page allocator returned no page for an EPT table";
		b->stats->failed_gpa = gpa;
		return NULL;
	}
	b->stats->table_pages++;
	if (*phys & (EPT_PAGE_4K - 1)) {
		b->stats->error = "the page allocator returned a page that is not 4 KiB aligned";
		b->stats->failed_gpa = gpa;
		if (b->p->memory.free) {
			b->p->memory.free(b->p->memory.ctx, table, *phys);
			b->stats->pages_released++;
		}
		return NULL;
	}
	memset(table, 0, EPT_PAGE_4K); /* stale entries would map memory */
	return table;
}

/* A leaf for the identity-mapped page at 'gpa'; "ignore PAT" stays clear
 * so the guest's PAT combines with the MTRR type as on bare metal
 * (29.3.7.2 "Memory Type Used for Translated Guest-Physical Addresses"). */
static uint64_t leaf_entry(uint64_t gpa, unsigned level, uint8_t type)
{
	return gpa | ALL_ACCESS | ((uint64_t)type << EPT_MEMORY_TYPE_SHIFT) |
	       (level > PT ? EPT_PAGE : 0);
}

static void count_leaf(struct ept_stats *stats, unsigned level)
{
	uint64_t *counters[PML4 + 1] = { [PT] = &stats->leaves_4k, [PD] = &stats->leaves_2m,
					 [PDPT] = &stats->leaves_1g };

	if (counters[level])
		(*counters[level])++;
}

/* True if the entry at 'level' for [gpa, gpa + span), which meets no
 * excluded range, can map one page: allowed, below top, one MTRR type. */
static bool page_fits(const struct builder *b, unsigned level, uint64_t gpa, uint8_t *type)
{
	uint64_t span = b->levels[level].entry_span;

	if (!b->levels[level].may_map_page || gpa + span > b->top)
		return false;
	if (mtrr_range_type(b->p->mtrr, gpa, span, type))
		return true;
	if (level > PT)
		return false;
	/* MTRRs never give a 4-KiB page two types (masks and fixed units
	 * are 4 KiB multiples); should one, UC is the safe answer. */
	*type = MTRR_TYPE_UC;
	return true;
}

static bool fill_table(struct builder *b, uint64_t *table, unsigned level, uint64_t base);

/* Entry 'i' of 'table' (at 'level'), which maps [gpa, gpa + span): a leaf,
 * nothing (excluded), or a table filled one level down. */
static bool fill_entry(struct builder *b, uint64_t *table, unsigned level, unsigned i, uint64_t gpa)
{
	uint64_t span = b->levels[level].entry_span;
	uint64_t end = gpa + span < b->top ? gpa + span : b->top;
	enum overlap overlap;
	uint64_t child_phys;
	uint64_t *child;
	uint8_t type;

	/* A 4-KiB page partly excluded is excluded: it cannot be split.
	 * Excluded memory is left out page by page, never as a whole
	 * 2-MiB or 1-GiB entry, so that each page can later be given a
	 * blank page of its own (vmx/exit_io.c) without splitting. */
	overlap = excluded_overlap(b->p, gpa, end);
	if (level == PT && overlap != OUTSIDE) {
		b->stats->unmapped_bytes += end - gpa; /* entry stays 0: not present */
		return true;
	}
	if (overlap == OUTSIDE && page_fits(b, level, gpa, &type)) {
		table[i] = leaf_entry(gpa, level, type);
		count_leaf(b->stats, level);
		return true;
	}
	child = new_table(b, gpa, &child_phys);
	if (!child)
		return false;
	/* Linked before it is filled, so a failure can still find it. */
	table[i] = child_phys | ALL_ACCESS;
	return fill_table(b, child, level - 1, gpa);
}

/* Fills the entries of 'table' (at 'level', first entry at 'base'). */
static bool fill_table(struct builder *b, uint64_t *table, unsigned level, uint64_t base)
{
	uint64_t span = b->levels[level].entry_span;

	for (unsigned i = 0; i < EPT_ENTRIES && base + i * span < b->top; i++)
		if (!fill_entry(b, table, level, i, base + i * span))
			return false;
	return true;
}

/* Visits every table under 'table_phys' (children first) and every leaf;
 * counts them, and with 'release' hands the tables back to free(). */
static void walk_tables(const struct ept_memory *m, uint64_t table_phys, unsigned level,
			struct ept_stats *stats, bool release)
{
	uint64_t *table = m->phys_to_ptr(m->ctx, table_phys);

	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		uint64_t entry = table[i];

		if (!(entry & EPT_ACCESS_MASK))
			continue;
		if (level == PT || (level < PML4 && (entry & EPT_PAGE)))
			count_leaf(stats, level);
		else
			walk_tables(m, entry & EPT_ADDRESS_MASK, level - 1, stats, release);
	}
	stats->table_pages++;
	if (release) {
		m->free(m->ctx, table, table_phys);
		stats->pages_released++;
	}
}

static void give_back(const struct ept_memory *m, uint64_t pml4_phys, struct ept_stats *stats)
{
	struct ept_stats released = { 0 };

	if (!m->free)
		return;
	walk_tables(m, pml4_phys, PML4, &released, true);
	stats->pages_released += released.pages_released;
}

/* 4-level EPT reaches 2^48; leaf addresses must stay below MAXPHYADDR,
 * whose bits above are reserved (29.3.3.1 "EPT Misconfigurations"). */
static uint64_t mappable_limit(const struct mtrr_state *mtrr)
{
	unsigned bits = mtrr_maxphyaddr(mtrr);

	return 1ull << (bits < 48 ? bits : 48);
}

uint64_t ept_build(const struct ept_params *params, struct ept_stats *stats)
{
	struct builder b = { .p = params, .stats = stats };
	uint64_t pml4_phys;
	uint64_t *pml4;

	memset(stats, 0, sizeof(*stats));
	levels_for(params, b.levels);
	if (params->top > mappable_limit(params->mtrr)) {
		stats->error = "the top of guest-physical memory is above what the EPT can map "
			       "(MAXPHYADDR, or 2^48 with 4 levels)";
		stats->failed_gpa = params->top;
		return 0;
	}
	b.top = (params->top + EPT_PAGE_4K - 1) & ~(EPT_PAGE_4K - 1);
	pml4 = new_table(&b, 0, &pml4_phys);
	if (!pml4)
		return 0;
	if (!fill_table(&b, pml4, PML4, 0)) {
		give_back(&params->memory, pml4_phys, stats);
		return 0;
	}
	/* 25.6.11: paging structures are WB, walk length 4 (encoded 3). */
	return pml4_phys | MTRR_TYPE_WB | ((uint64_t)(4 - 1) << EPTP_WALK_LENGTH_SHIFT);
}

static bool is_table(uint64_t entry, unsigned level)
{
	return (entry & EPT_ACCESS_MASK) && level > PT && !(level < PML4 && (entry & EPT_PAGE));
}

/* 'entry' (in a table at 'table_phys') now points to a table of the spare
 * pages: listed if it lies in ept_build()'s tables. */
static bool note_link(struct ept_on_demand *d, uint64_t table_phys, uint64_t *entry,
		      struct ept_stats *stats)
{
	if (table_phys >= d->spare_base && table_phys < d->spare_end)
		return true; /* unlinked with its parent */
	if (d->link_count == EPT_ON_DEMAND_LINKS) {
		stats->error = "out of memory: no room to note another on-demand EPT table";
		return false;
	}
	d->links[d->link_count++] = entry;
	return true;
}

void ept_on_demand_forget(struct ept_on_demand *d)
{
	for (unsigned i = 0; i < d->link_count; i++)
		*d->links[i] = 0;
	d->link_count = 0;
	d->forgotten++;
}

int ept_map_on_demand(const struct ept_params *params, struct ept_on_demand *d, uint64_t eptp,
		      uint64_t gpa, struct ept_stats *stats)
{
	uint64_t table_phys = eptp & EPT_ADDRESS_MASK;
	struct builder b = { .p = params, .stats = stats };
	uint64_t *table = params->memory.phys_to_ptr(params->memory.ctx, table_phys);
	unsigned level = PML4;

	memset(stats, 0, sizeof(*stats));
	levels_for(params, b.levels);
	b.top = mappable_limit(params->mtrr);
	if (gpa >= b.top) {
		stats->error = "the address is beyond what the EPT can map (MAXPHYADDR, or 2^48)";
		stats->failed_gpa = gpa;
		return -1;
	}
	for (;;) {
		uint64_t span = b.levels[level].entry_span;
		unsigned i = (unsigned)((gpa / span) % EPT_ENTRIES);
		uint64_t entry = table[i], phys;

		if (entry & EPT_ACCESS_MASK) {
			if (level == PT || (level < PML4 && (entry & EPT_PAGE)))
				return 0; /* mapped already */
			table_phys = entry & EPT_ADDRESS_MASK;
			table = params->memory.phys_to_ptr(params->memory.ctx, table_phys);
			level--;
			continue;
		}
		if (level == PML4) {
			/* A PML4 entry spans 512 GiB: only its table, filled as needed. */
			if (!new_table(&b, gpa, &phys))
				return -1;
			table[i] = phys | ALL_ACCESS;
			if (!note_link(d, table_phys, &table[i], stats)) {
				table[i] = 0;
				return -1;
			}
			continue;
		}
		if (!fill_entry(&b, table, level, i, gpa & ~(span - 1)) ||
		    (is_table(table[i], level) && !note_link(d, table_phys, &table[i], stats))) {
			table[i] = 0; /* a partial table stays unreachable */
			return -1;
		}
		d->mapped++;
		return 0;
	}
}

bool ept_translate(const struct ept_memory *memory, uint64_t eptp, uint64_t gpa,
		   struct ept_translation *translation)
{
	uint64_t table_phys = eptp & EPT_ADDRESS_MASK;

	if (gpa >> 48)
		return false; /* beyond what 4 levels translate */
	for (unsigned level = PML4; level >= PT; level--) {
		const uint64_t *table = memory->phys_to_ptr(memory->ctx, table_phys);
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t entry = table[(gpa >> shift) % EPT_ENTRIES];
		uint64_t page_size = 1ull << shift;

		if (!(entry & EPT_ACCESS_MASK))
			return false;
		if (level == PT || (level < PML4 && (entry & EPT_PAGE))) {
			translation->hpa = (entry & EPT_ADDRESS_MASK & ~(page_size - 1)) |
					   (gpa & (page_size - 1));
			translation->page_size = page_size;
			translation->memory_type =
				(unsigned)((entry & EPT_MEMORY_TYPE_MASK) >> EPT_MEMORY_TYPE_SHIFT);
			translation->access = (unsigned)(entry & EPT_ACCESS_MASK);
			translation->ignore_pat = entry & EPT_IGNORE_PAT;
			return true;
		}
		table_phys = entry & EPT_ADDRESS_MASK;
	}
	return false;
}

void ept_count(const struct ept_memory *memory, uint64_t eptp, struct ept_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	walk_tables(memory, eptp & EPT_ADDRESS_MASK, PML4, stats, false);
}
