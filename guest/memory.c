#include "guest/memory.h"
#include "lib/string.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_LARGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define PAGE 4096ull

bool guest_translate(const struct guest_memory *m, uint64_t gva, bool write, bool user,
		     uint64_t *gpa)
{
	uint64_t table = m->cr3 & PTE_ADDR;
	int level;

	/* 4-level paging: bits 63:47 all equal, or the CPU itself would #GP
	 * (SDM Vol. 3A, 4.5 and 3.3.7.1). */
	if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
		return false;
	for (level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		const uint64_t *entry = m->map(m->ctx, table + ((gva >> shift) & 511) * 8, 8);

		if (!entry || !(*entry & PTE_PRESENT) || (write && !(*entry & PTE_WRITE)) ||
		    (user && !(*entry & PTE_USER)))
			return false;
		/* A 1 GiB (level 2) or 2 MiB (level 1) page ends the walk. */
		if (level == 0 || (level <= 2 && (*entry & PTE_LARGE))) {
			uint64_t size = 1ull << shift;

			*gpa = (*entry & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			return true;
		}
		table = *entry & PTE_ADDR;
	}
	return false;
}

/* Walks [gva, gva + len) a page at a time; 'copy' is NULL for a dry run. */
static int each_page(const struct guest_memory *m, uint64_t gva, size_t len, bool write,
		     bool user, void (*copy)(void *guest, void *host, size_t n), void *host)
{
	while (len) {
		size_t n = (size_t)(PAGE - (gva & (PAGE - 1)));
		uint64_t gpa;
		void *p;

		if (n > len)
			n = len;
		if (!guest_translate(m, gva, write, user, &gpa) || !(p = m->map(m->ctx, gpa, n)))
			return -1;
		if (copy)
			copy(p, host, n);
		gva += n;
		host = (char *)host + n;
		len -= n;
	}
	return 0;
}

static void to_host(void *guest, void *host, size_t n)
{
	memcpy(host, guest, n);
}

static void to_guest(void *guest, void *host, size_t n)
{
	memcpy(guest, host, n);
}

int guest_read(const struct guest_memory *m, uint64_t gva, void *dst, size_t len, bool user)
{
	return each_page(m, gva, len, false, user, to_host, dst);
}

int guest_write(const struct guest_memory *m, uint64_t gva, const void *src, size_t len,
		bool user)
{
	if (each_page(m, gva, len, true, user, 0, 0) < 0)
		return -1;
	return each_page(m, gva, len, true, user, to_guest, (void *)(uintptr_t)src);
}
