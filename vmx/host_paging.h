/* pmuvisor's own page tables: all physical memory 1:1, plus the core's
 * image at CORE_VIRTUAL_BASE (4-level paging, SDM Vol. 3A, 5.5). */
#ifndef VMX_HOST_PAGING_H
#define VMX_HOST_PAGING_H

#include "lib/page_pool.h"

#include <stdbool.h>
#include <stdint.h>

/* Returns the CR3 value (PML4 physical address), or 0 if out of pages. */
uint64_t host_paging_build(struct page_pool *pool, uint64_t phys_top, bool pages_1g,
			   uint64_t core_phys, uint64_t core_size);

#endif
