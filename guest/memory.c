#include "guest/memory.h"
#include "lib/string.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_LARGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define PAGE 4096ull

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

enum guest_paging guest_paging_mode(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & CR0_PG))
		return GUEST_PAGING_NONE;
	if (!(cr4 & CR4_PAE))
		return GUEST_PAGING_32BIT;
	if (!(efer & EFER_LMA))
		return GUEST_PAGING_PAE;
	return cr4 & CR4_LA57 ? GUEST_PAGING_5LEVEL : GUEST_PAGING_4LEVEL;
}

/* One paging mode's shape: entry size, levels below the root, bits of
 * the address each level takes, the levels whose PS bit ends the walk. */
struct walk_shape {
	unsigned entry_bytes, levels, bits;
	unsigned large_levels; /* bit n: a PS entry at level n maps a page */
};

static const struct walk_shape shapes[] = {
	[GUEST_PAGING_4LEVEL] = { 8, 4, 9, 1u << 1 | 1u << 2 },
	[GUEST_PAGING_5LEVEL] = { 8, 5, 9, 1u << 1 | 1u << 2 },
	[GUEST_PAGING_PAE] = { 8, 2, 9, 1u << 1 },  /* below the PDPTE registers */
	[GUEST_PAGING_32BIT] = { 4, 2, 10, 1u << 1 }, /* PS only with CR4.PSE */
};

static bool allowed(uint64_t entry, bool write, bool user, bool wp_off)
{
	return (entry & PTE_PRESENT) && (!write || (entry & PTE_WRITE) || (!user && wp_off)) &&
	       (!user || (entry & PTE_USER));
}

/* A 32-bit paging 4 MiB page's frame: bits 31:22, and 39:32 from PDE
 * bits 20:13 (PSE-36, SDM Vol. 3A, Table 5-4). */
static uint64_t pse_frame(uint64_t pde)
{
	return (pde & 0xffc00000ull) | ((pde >> 13) & 0xffull) << 32;
}

bool guest_translate(const struct guest_memory *m, uint64_t gva, bool write, bool user,
		     uint64_t *gpa)
{
	const struct walk_shape *shape;
	uint64_t table = m->cr3 & PTE_ADDR;
	unsigned canonical = m->paging == GUEST_PAGING_5LEVEL ? 57 : 48;
	int level;

	if (m->paging == GUEST_PAGING_NONE) {
		*gpa = gva & 0xffffffffull;
		return true;
	}
	if (m->paging == GUEST_PAGING_PAE || m->paging == GUEST_PAGING_32BIT) {
		gva &= 0xffffffffull; /* linear addresses are 32 bits wide */
		if (m->paging == GUEST_PAGING_32BIT)
			table = m->cr3 & 0xfffff000ull;
	} else if ((uint64_t)((int64_t)(gva << (64 - canonical)) >> (64 - canonical)) != gva) {
		return false; /* not canonical: the CPU itself would #GP (SDM Vol. 3A, 3.3.7.1) */
	}
	if (m->paging == GUEST_PAGING_PAE) {
		uint64_t pdpte = m->pdpte[(gva >> 30) & 3];

		if (!(pdpte & PTE_PRESENT))
			return false;
		table = pdpte & PTE_ADDR;
	}
	shape = &shapes[m->paging];
	for (level = (int)shape->levels - 1; level >= 0; level--) {
		unsigned shift = 12 + shape->bits * (unsigned)level;
		uint64_t index = (gva >> shift) & ((1ull << shape->bits) - 1), entry = 0;
		const void *p = m->map(m->ctx, table + index * shape->entry_bytes, shape->entry_bytes);

		if (!p)
			return false;
		memcpy(&entry, p, shape->entry_bytes);
		if (!allowed(entry, write, user, m->wp_off))
			return false;
		if (level == 0 || ((shape->large_levels >> level & 1) && (entry & PTE_LARGE) &&
				   (m->paging != GUEST_PAGING_32BIT || m->pse))) {
			uint64_t size = 1ull << shift;
			uint64_t frame = m->paging == GUEST_PAGING_32BIT
						 ? (level ? pse_frame(entry) : entry & 0xfffff000ull)
						 : entry & PTE_ADDR & ~(size - 1);

			*gpa = frame | (gva & (size - 1));
			return true;
		}
		table = m->paging == GUEST_PAGING_32BIT ? entry & 0xfffff000ull : entry & PTE_ADDR;
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
