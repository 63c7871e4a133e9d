/*
 * Reading and writing guest memory by guest-virtual address (pure: the
 * caller supplies access to guest-physical memory).  4-level paging as
 * the guest's CR3 describes it (SDM Vol. 3A, 5.5), 4 KiB, 2 MiB and
 * 1 GiB pages; a wrong pointer from the guest never faults pmuvisor.
 */
#ifndef GUEST_MEMORY_H
#define GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_memory {
	/* Host pointer to guest-physical [gpa, gpa + len), or NULL if that is
	 * not the guest's memory (beyond it, or pmuvisor's own). */
	void *(*map)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
	uint64_t cr3; /* the guest's page-table root */
};

/* The guest-physical address of 'gva', or false if it is not mapped
 * (or not writable, when 'write' is set; or a supervisor page when
 * 'user' is set). */
bool guest_translate(const struct guest_memory *m, uint64_t gva, bool write, bool user,
		     uint64_t *gpa);

/* Copy between guest-virtual memory and a host buffer, page by page.
 * Returns 0, or -1 if any byte is not accessible (nothing is partially
 * written to the guest in that case: the range is checked first). */
int guest_read(const struct guest_memory *m, uint64_t gva, void *dst, size_t len, bool user);
int guest_write(const struct guest_memory *m, uint64_t gva, const void *src, size_t len,
		bool user);

#endif
