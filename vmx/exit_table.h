/* Each VM-exit reason's name and handler (vmx/exit_table.c): data that
 * the exit path, the profiler and the shell share, without the profiler
 * or the shell depending on the exit path itself. */
#ifndef VMX_EXIT_TABLE_H
#define VMX_EXIT_TABLE_H

#include "vmx/exit.h"

struct exit_entry {
	const char *name;
	void (*handle)(struct guest_regs *regs); /* NULL: the reason cannot happen */
};

extern const struct exit_entry exit_table[EXIT_REASON_COUNT];

/* The reason's name, or "unknown". */
const char *exit_reason_name(unsigned reason);
/* The function that handles 'reason' (for profiles), or NULL. */
const void *exit_handler_address(unsigned reason);

#endif
