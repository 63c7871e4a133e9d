/* The shell's commands (console/commands.c): one table, one handler each. */
#ifndef CONSOLE_COMMANDS_H
#define CONSOLE_COMMANDS_H

#include "console/shell.h"
#include "vmx/exit.h"

#include <stdbool.h>
#include <stddef.h>

/* shell.ctx of a command the guest sent by hypercall (not the console). */
#define CONSOLE_FROM_GUEST ((void *)1)

extern const struct shell_command console_commands[];
extern const size_t console_command_count;

/* The guest's registers at the exit being served (for 'regs'). */
extern struct guest_regs *console_commands_regs;

/* 'prof ...' (console/prof_commands.c). */
int console_cmd_prof(struct shell *sh, int argc, char **argv);
int console_cmd_vpmu(struct shell *sh, int argc, char **argv);

void console_pause(bool on);
bool console_paused(void);

/* What 'info' shows that only the core knows (set up by vmx/core.c). */
struct console_info {
	const char *pmu_summary;      /* the loader's probe verdict */
	uint32_t baud, poll_hz;
	uint64_t launch_tsc;          /* TSC when the guest was launched */
	void (*report_vmx)(const struct out *o);
	void (*report_memory)(const struct out *o);
};

extern struct console_info console_info;

#endif
