/*
 * Reading and writing guest memory by guest-virtual (linear) address
 * (pure: the caller supplies access to guest-physical memory), in every
 * paging mode the guest can be in (SDM Vol. 3A, 5.1.1): none (CR0.PG=0),
 * 32-bit (4 KiB and, with CR4.PSE, 4 MiB pages), PAE (the four PDPTEs
 * as the CPU loaded them), 4-level and 5-level (4 KiB, 2 MiB and 1 GiB
 * pages).  A wrong pointer from the guest never faults pmuvisor.
 */
#ifndef GUEST_MEMORY_H
#define GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 4-level first: a guest_memory that names no mode is a 64-bit guest's. */
enum guest_paging {
	GUEST_PAGING_4LEVEL,
	GUEST_PAGING_5LEVEL,
	GUEST_PAGING_PAE,
	GUEST_PAGING_32BIT,
	GUEST_PAGING_NONE,
};

struct guest_memory {
	/* Host pointer to guest-physical [gpa, gpa + len), or NULL if that is
	 * not the guest's memory (beyond it, or pmuvisor's own). */
	void *(*map)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
	uint64_t cr3; /* the guest's page-table root */
	enum guest_paging paging;
	uint64_t pdpte[4]; /* PAE paging: the CPU's PDPTE registers */
	bool pse;          /* 32-bit paging: CR4.PSE (4 MiB pages) */
	bool wp_off;       /* CR0.WP=0: supervisor writes ignore read-only pages */
};

/* The paging mode CR0, CR4 and EFER select (SDM Vol. 3A, Table 5-1). */
enum guest_paging guest_paging_mode(uint64_t cr0, uint64_t cr4, uint64_t efer);

/* The guest-physical address of 'gva', or false if it is not mapped
 * (or not writable, when 'write' is set and for a supervisor access
 * CR0.WP is; or a supervisor page when 'user' is set). */
bool guest_translate(const struct guest_memory *m, uint64_t gva, bool write, bool user,
		     uint64_t *gpa);

/* Copy between guest-virtual memory and a host buffer, page by page.
 * Returns 0, or -1 if any byte is not accessible (nothing is partially
 * written to the guest in that case: the range is checked first). */
int guest_read(const struct guest_memory *m, uint64_t gva, void *dst, size_t len, bool user);
int guest_write(const struct guest_memory *m, uint64_t gva, const void *src, size_t len,
		bool user);

#endif
