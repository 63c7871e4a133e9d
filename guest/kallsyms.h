/*
 * Guest kernel symbols with no configuration: the running Linux kernel's
 * own kallsyms tables, found and decoded in guest memory.  Reading them
 * at run time handles KASLR for free: kallsyms_relative_base is relocated
 * with the kernel.
 *
 * Layout that scripts/kallsyms.c emits (base-relative, Linux 4.6 and
 * later; each table starts 8-byte aligned), in address order:
 *   kallsyms_offsets         s32[num_syms]
 *   kallsyms_relative_base   u64
 *   kallsyms_num_syms        u32
 *   kallsyms_names           per symbol: length (1 byte, or 2 when the
 *                            first has bit 7 set, since 6.1), then that
 *                            many token numbers; the first decoded
 *                            character is the symbol's type ('T', 't', ...)
 *   kallsyms_markers         u32[(num_syms + 255) / 256]: offset in names
 *                            of every 256th symbol
 *   kallsyms_seqs_of_names   3 bytes per symbol (6.2 and some 6.1 stable
 *                            kernels; absent before)
 *   kallsyms_token_table     256 NUL-terminated tokens
 *   kallsyms_token_index     u16[256]: offset of each token
 * The token table is found by its run of one-character digit tokens
 * "0\0" ... "9\0", then checked against the token index that follows it;
 * the other tables are found walking back and checked against each other.
 * Pure: guest memory comes through a callback (unit tested).
 */
#ifndef GUEST_KALLSYMS_H
#define GUEST_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kallsyms_reader {
	/* Copies guest-virtual [gva, gva + len) to dst: 0, or -1 if unmapped. */
	int (*read)(void *ctx, uint64_t gva, void *dst, size_t len);
	void *ctx;
};

#define KALLSYMS_TOKEN_BYTES 4096

struct kallsyms {
	uint64_t offsets, relative_base, names, markers, token_table;
	uint32_t num_syms;
	bool absolute_percpu;   /* CONFIG_KALLSYMS_ABSOLUTE_PERCPU: x86-64 SMP */
	uint64_t text_start;    /* first and last+1 address of the text symbols */
	uint64_t text_end;
	uint16_t token_index[256];
	char tokens[KALLSYMS_TOKEN_BYTES];
};

/* Scans guest-virtual [from, to) for the tables.  Returns 0, or -1 with a
 * reason in *why. */
int kallsyms_find(struct kallsyms *k, const struct kallsyms_reader *r, uint64_t from, uint64_t to,
		  const char **why);

/* The symbol covering 'address' (the last one at or below it), only in
 * [text_start, text_end).  Returns 0, or -1. */
int kallsyms_lookup(const struct kallsyms *k, const struct kallsyms_reader *r, uint64_t address,
		    uint32_t *index, uint64_t *start);

/* Symbol 'index': its address, and its name and type character. */
int kallsyms_symbol(const struct kallsyms *k, const struct kallsyms_reader *r, uint32_t index,
		    uint64_t *address, char *name, size_t size, char *type);

#endif
