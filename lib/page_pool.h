/* A bump allocator of zeroed 4 KiB pages from one physical region that is
 * mapped 1:1 (pointer == physical address) wherever it is used. */
#ifndef LIB_PAGE_POOL_H
#define LIB_PAGE_POOL_H

#include <stdint.h>

#define PAGE_SIZE 4096ull

struct page_pool {
	uint64_t next, end;
	uint64_t used_pages;
};

/* Returns a zeroed page, or NULL when the pool is exhausted. */
void *page_pool_alloc(struct page_pool *pool, uint64_t pages);

#endif
