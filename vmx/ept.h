/*
 * The identity-mapped EPT pmuvisor runs its guest on (SDM Vol. 3C, 29.3
 * "The Extended Page Table Mechanism (EPT)").
 *
 * Pure: ept_build() lays out the tables in pages handed to it by a
 * callback and returns the EPTP for the VMCS; it touches no hardware.
 * Guest-physical [0, top) maps to the same host-physical addresses,
 * readable, writable and executable, with the memory type the MTRRs give
 * each page, in the largest pages the CPU allows, except for the
 * excluded ranges (pmuvisor's own memory), which the guest cannot reach.
 */
#ifndef VMX_EPT_H
#define VMX_EPT_H

#include "vmx/mtrr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* EPT entry bits (Tables 29-1..29-6). */
#define EPT_READ (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXECUTE (1ull << 2)
#define EPT_ACCESS_MASK 0x7ull /* an entry with bits 2:0 clear is not present */
#define EPT_MEMORY_TYPE_SHIFT 3 /* leaf entries: bits 5:3 */
#define EPT_MEMORY_TYPE_MASK (0x7ull << EPT_MEMORY_TYPE_SHIFT)
#define EPT_IGNORE_PAT (1ull << 6)  /* leaf entries */
#define EPT_PAGE (1ull << 7)        /* PDPTE/PDE: maps a 1-GiB/2-MiB page */
#define EPT_ADDRESS_MASK 0x000ffffffffff000ull /* bits 51:12 */

/* EPTP (SDM Vol. 3C, 25.6.11): memory type of the paging structures in
 * bits 2:0, page-walk length minus 1 in bits 5:3, PML4 address. */
#define EPTP_MEMORY_TYPE_MASK 0x7ull
#define EPTP_WALK_LENGTH_SHIFT 3
#define EPTP_WALK_LENGTH_MASK (0x7ull << EPTP_WALK_LENGTH_SHIFT)

#define EPT_ENTRIES 512
#define EPT_PAGE_4K 0x1000ull
#define EPT_PAGE_2M 0x200000ull
#define EPT_PAGE_1G 0x40000000ull

/* How EPT code gets pages and reaches a table from its physical address.
 * In pmuvisor root mode memory is mapped 1:1, so phys is the pointer. */
struct ept_memory {
	/* A zeroed, 4-KiB-aligned 4-KiB page and its physical address, or NULL. */
	void *(*alloc)(void *ctx, uint64_t *phys);
	/* Optional: takes back a page from alloc() when ept_build() fails. */
	void (*free)(void *ctx, void *page, uint64_t phys);
	void *(*phys_to_ptr)(void *ctx, uint64_t phys);
	void *ctx;
};

struct ept_range {
	uint64_t base, size;
};

struct ept_params {
	uint64_t top; /* map [0, top), MMIO holes included; rounded up to 4 KiB */
	const struct mtrr_state *mtrr;
	bool allow_2m, allow_1g; /* IA32_VMX_EPT_VPID_CAP bits 16 and 17 */
	const struct ept_range *excluded; /* left not present; 4 KiB aligned */
	size_t excluded_count;
	struct ept_memory memory;
};

struct ept_stats {
	uint64_t leaves_1g, leaves_2m, leaves_4k;
	uint64_t table_pages;    /* paging-structure pages, the PML4 included */
	uint64_t unmapped_bytes; /* below top, left not present (excluded) */
	/* On failure: what went wrong, the guest-physical address being
	 * mapped, and how many of table_pages went back through free()
	 * (without free(), all table_pages stay with the caller). */
	const char *error;
	uint64_t failed_gpa;
	uint64_t pages_released;
};

/* The EPTP value for the VMCS, or 0 with stats->error set. */
uint64_t ept_build(const struct ept_params *params, struct ept_stats *stats);

/*
 * Mapping on demand what ept_build() left out beyond params->top (64-bit
 * PCI BARs, a guest probing the address space): the entry holding 'gpa'
 * is filled where nothing is mapped yet, covering the largest region one
 * entry below the PML4 level covers (1 GiB where allowed and one MTRR
 * type covers it, else a table of smaller pages), so that each GiB costs
 * at most one table page, each 512 GiB one more.  The limit is
 * MAXPHYADDR (at most 2^48), not params->top.
 *
 * Table pages come from params->memory; tables it makes are linked into
 * ept_build()'s tables only through entries listed in 'links', so that
 * when its pages run out, ept_on_demand_forget() can unlink them all and
 * the caller can hand the same pages out again (the mappings are identity
 * maps: the next EPT violation makes them again).
 */
#define EPT_ON_DEMAND_LINKS 64

struct ept_on_demand {
	uint64_t spare_base, spare_end; /* where params->memory's pages come from */
	uint64_t *links[EPT_ON_DEMAND_LINKS];
	unsigned link_count;
	uint64_t mapped, forgotten;     /* regions mapped; times all were forgotten */
};

/* 0 on success (also if mapped already); -1 with stats->error set. */
int ept_map_on_demand(const struct ept_params *params, struct ept_on_demand *d, uint64_t eptp,
		      uint64_t gpa, struct ept_stats *stats);
/* Unlinks every table ept_map_on_demand() made (then INVEPT and reset the pages). */
void ept_on_demand_forget(struct ept_on_demand *d);

struct ept_translation {
	uint64_t hpa;
	uint64_t page_size;
	unsigned memory_type; /* leaf bits 5:3 */
	unsigned access;      /* leaf bits 2:0: EPT_READ | EPT_WRITE | EPT_EXECUTE */
	bool ignore_pat;
};

/* Walks the tables under 'eptp' (an EPTP or the bare PML4 physical
 * address: bits 11:0 are ignored).  False if 'gpa' is not present. */
bool ept_translate(const struct ept_memory *memory, uint64_t eptp, uint64_t gpa,
		   struct ept_translation *translation);

/* Counts the leaves and table pages under 'eptp' into stats (the other
 * fields are zeroed): what ept_build() reported, checked from the tables. */
void ept_count(const struct ept_memory *memory, uint64_t eptp, struct ept_stats *stats);

#endif
