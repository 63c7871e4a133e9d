/*
 * The console's command shell: one table entry per command (name, usage,
 * help, argument counts, handler), as in ACRN's hypervisor/debug/shell.c.
 * Pure: lines come in as text and every answer goes to an out, with "\n"
 * line ends (serial_write turns them into "\r\n").
 */
#ifndef CONSOLE_SHELL_H
#define CONSOLE_SHELL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"

#define SHELL_MAX_WORDS 16 /* the name and at most 15 arguments */

struct shell;

struct shell_command {
	const char *name;  /* "cpuid" */
	const char *usage; /* "cpuid LEAF [SUBLEAF]" */
	const char *help;  /* one line */
	int min_args, max_args; /* counts after the name */
	int (*handler)(struct shell *sh, int argc, char **argv); /* argv[0] is the name */
};

struct shell {
	const struct shell_command *commands;
	size_t count;
	const struct out *out;
	void *ctx; /* for the handlers */
};

/* Splits the line in place into words (spaces and tabs separate them,
 * "..." keeps spaces inside one), finds the command by name ignoring case
 * and runs it if the argument count fits.  "help" and "help COMMAND" are
 * built in.  Blank lines do nothing.  Returns 0, or -1 once the error has
 * been printed (one line), by the shell or by the handler. */
int shell_execute(struct shell *sh, char *line);

/* The answer to a line the line editor had to cut short: it is refused,
 * never run truncated.  Returns -1. */
int shell_line_too_long(struct shell *sh);

/* Parses an argument with parse_unsigned (lib/number.h); on error prints
 * which argument ('what', e.g. "LEAF") was wrong and returns -1. */
int shell_number(struct shell *sh, const char *arg, const char *what, uint64_t max,
		 uint64_t *value);

void shell_prompt(struct shell *sh);

#endif
