#include "vmx/host_paging.h"
#include "vmx/launch.h"

#define PTE_PRESENT 0x1ull
#define PTE_WRITE 0x2ull
#define PTE_LARGE 0x80ull /* PS: 2 MiB in a PDE, 1 GiB in a PDPTE */
#define PTE_ADDR 0x000ffffffffff000ull
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

static uint64_t *table_at(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/* The table an entry points to, allocated on first use. */
static uint64_t *next_table(struct page_pool *pool, uint64_t *entry)
{
	if (!(*entry & PTE_PRESENT)) {
		uint64_t *t = page_pool_alloc(pool, 1);

		if (!t)
			return 0;
		*entry = (uint64_t)(uintptr_t)t | PTE_PRESENT | PTE_WRITE;
	}
	return table_at(*entry);
}

static unsigned index_of(uint64_t va, unsigned level)
{
	return (unsigned)((va >> (12 + 9 * level)) & 511);
}

static int map_identity(struct page_pool *pool, uint64_t *pml4, uint64_t top, bool pages_1g)
{
	uint64_t pa;

	for (pa = 0; pa < top;) {
		uint64_t *pdpt = next_table(pool, &pml4[index_of(pa, 3)]), *pd;

		if (!pdpt)
			return -1;
		if (pages_1g) {
			pdpt[index_of(pa, 2)] = pa | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
			pa += GIB;
			continue;
		}
		pd = next_table(pool, &pdpt[index_of(pa, 2)]);
		if (!pd)
			return -1;
		pd[index_of(pa, 1)] = pa | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		pa += MIB2;
	}
	return 0;
}

static int map_core(struct page_pool *pool, uint64_t *pml4, uint64_t core_phys, uint64_t size)
{
	uint64_t off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		uint64_t va = CORE_VIRTUAL_BASE + off;
		uint64_t *pdpt = next_table(pool, &pml4[index_of(va, 3)]);
		uint64_t *pd = pdpt ? next_table(pool, &pdpt[index_of(va, 2)]) : 0;
		uint64_t *pt = pd ? next_table(pool, &pd[index_of(va, 1)]) : 0;

		if (!pt)
			return -1;
		pt[index_of(va, 0)] = (core_phys + off) | PTE_PRESENT | PTE_WRITE;
	}
	return 0;
}

uint64_t host_paging_build(struct page_pool *pool, uint64_t phys_top, bool pages_1g,
			   uint64_t core_phys, uint64_t core_size)
{
	uint64_t *pml4 = page_pool_alloc(pool, 1);

	if (!pml4 || map_identity(pool, pml4, phys_top, pages_1g) < 0 ||
	    map_core(pool, pml4, core_phys, core_size) < 0)
		return 0;
	return (uint64_t)(uintptr_t)pml4;
}
