/*
 * The guest's call chain at a sample, by frame pointers: each frame is
 * [saved RBP][return address] with RBP pointing at it (the System V
 * x86-64 ABI's optional frame chain).  Every step is checked, and the
 * walk stops at the first thing that does not look like a frame, so code
 * built without frame pointers (Debian's kernel uses ORC) gives a short
 * chain, never an invented one.  Guest memory comes through a callback
 * that fails on any unmapped byte; a bad pointer never faults pmuvisor.
 * Pure: unit tested.
 */
#ifndef GUEST_CALLCHAIN_H
#define GUEST_CALLCHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/kallsyms.h"

/* How far above RSP a frame may be: a kernel stack is 16 KiB on x86-64
 * (THREAD_SIZE with KASAN off), a user stack is 8 MiB by default. */
#define CALLCHAIN_KERNEL_SPAN (16u << 10)
#define CALLCHAIN_USER_SPAN (8u << 20)

/* Return addresses into out[0..max), innermost caller first, for a
 * sample at 'rip' with 'rsp' and 'rbp'.  A return address must lie in the
 * same half of the address space as 'rip' (a Linux kernel's callers are
 * in the upper half, a program's or the firmware's in the lower); 'user':
 * the sample was taken at CPL 3 (stack reads need user pages). */
unsigned callchain_walk(const struct kallsyms_reader *r, bool user, uint64_t rip, uint64_t rsp,
			uint64_t rbp, uint64_t *out, unsigned max);

#endif
