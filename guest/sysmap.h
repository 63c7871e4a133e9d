/*
 * symbols=: the guest kernel's symbols from a file instead of its own
 * kallsyms tables, in System.map or /proc/kallsyms format, one symbol a
 * line: "ADDRESS TYPE NAME" (an optional "[module]" after the name).
 * Text symbols (types T, t, W, w) become a sorted table in the layout of
 * lib/symtab.h, preceded by its base address (u64).  Addresses are the
 * file's: the core slides them by the kernel's KASLR offset, found from
 * entry_SYSCALL_64 and the guest's IA32_LSTAR.  Pure: unit tested.
 */
#ifndef GUEST_SYSMAP_H
#define GUEST_SYSMAP_H

#include <stddef.h>
#include <stdint.h>

struct sysmap_error {
	unsigned line;       /* 0: about the whole file */
	const char *message;
};

/* The most bytes sysmap_build() writes for a file of 'len' bytes. */
size_t sysmap_bound(size_t len);

/* Builds the table into out[0..size).  Returns its length, or 0 with
 * *err set. */
size_t sysmap_build(const char *text, size_t len, uint8_t *out, size_t size,
		    struct sysmap_error *err);

#endif
