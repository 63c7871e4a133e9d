#include "lib/page_pool.h"
#include "lib/string.h"

void *page_pool_alloc(struct page_pool *pool, uint64_t pages)
{
	uint64_t start = (pool->next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t bytes = pages * PAGE_SIZE;

	if (start > pool->end || bytes > pool->end - start)
		return 0;
	pool->next = start + bytes;
	pool->used_pages += pages;
	memset((void *)(uintptr_t)start, 0, bytes);
	return (void *)(uintptr_t)start;
}
