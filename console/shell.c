#include <stdbool.h>

#include "console/shell.h"
#include "console/line_editor.h"
#include "lib/number.h"
#include "lib/string.h"

static int help_handler(struct shell *sh, int argc, char **argv);

/* Commands every shell has, looked up before the caller's table. */
static const struct shell_command builtin_commands[] = {
	{ "help", "help [COMMAND]", "list the commands, or show one", 0, 1, help_handler },
};

#define BUILTIN_COUNT (sizeof(builtin_commands) / sizeof(builtin_commands[0]))

/* The i-th command of the built-ins followed by the caller's table. */
static const struct shell_command *command_at(const struct shell *sh, size_t i)
{
	return i < BUILTIN_COUNT ? &builtin_commands[i] : &sh->commands[i - BUILTIN_COUNT];
}

static size_t command_total(const struct shell *sh)
{
	return BUILTIN_COUNT + sh->count;
}

static const struct shell_command *find_command(const struct shell *sh, const char *name)
{
	size_t i;

	for (i = 0; i < command_total(sh); i++)
		if (str_case_equal(command_at(sh, i)->name, name))
			return command_at(sh, i);
	return NULL;
}

static int unknown_command(struct shell *sh, const char *name)
{
	out_printf(sh->out, "unknown command '%s' (type help)\n", name);
	return -1;
}

static void help_row(struct shell *sh, const struct shell_command *c, int width)
{
	out_printf(sh->out, "%-*s  %s\n", width, c->usage, c->help);
}

/* The caller's commands in table order, then the built-ins; the help
 * texts line up in one column. */
static int help_handler(struct shell *sh, int argc, char **argv)
{
	const struct shell_command *c;
	size_t i;
	int width = 0;

	if (argc == 2) {
		c = find_command(sh, argv[1]);
		if (!c)
			return unknown_command(sh, argv[1]);
		help_row(sh, c, (int)strlen(c->usage));
		return 0;
	}
	for (i = 0; i < command_total(sh); i++) {
		int len = (int)strlen(command_at(sh, i)->usage);

		width = len > width ? len : width;
	}
	for (i = 0; i < sh->count; i++)
		help_row(sh, &sh->commands[i], width);
	for (i = 0; i < BUILTIN_COUNT; i++)
		help_row(sh, &builtin_commands[i], width);
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits 'line' in place.  A '"' starts or ends quoted text anywhere in a
 * word and is itself removed; there is no escape character.  Returns NULL,
 * or what is wrong with the line. */
static const char *split_words(char *line, char **words, int *count)
{
	char *read = line;

	*count = 0;
	for (;;) {
		char *write;
		bool quoted = false;
		char stop;

		while (is_blank(*read))
			read++;
		if (!*read)
			return NULL;
		if (*count == SHELL_MAX_WORDS)
			return "too many words (at most 16)";
		words[(*count)++] = write = read;
		while (*read && (quoted || !is_blank(*read))) {
			if (*read == '"')
				quoted = !quoted;
			else
				*write++ = *read;
			read++;
		}
		if (quoted)
			return "missing closing quote";
		stop = *read;
		*write = '\0';
		if (stop)
			read++;
	}
}

int shell_execute(struct shell *sh, char *line)
{
	char *words[SHELL_MAX_WORDS];
	const struct shell_command *c;
	const char *error;
	int count, args;

	error = split_words(line, words, &count);
	if (error) {
		out_printf(sh->out, "%s\n", error);
		return -1;
	}
	if (count == 0)
		return 0;
	c = find_command(sh, words[0]);
	if (!c)
		return unknown_command(sh, words[0]);
	args = count - 1;
	if (args < c->min_args || args > c->max_args) {
		out_printf(sh->out, "%s: %s (usage: %s)\n", c->name,
			   args < c->min_args ? "missing argument" : "too many arguments", c->usage);
		return -1;
	}
	return c->handler(sh, count, words) < 0 ? -1 : 0;
}

int shell_line_too_long(struct shell *sh)
{
	out_printf(sh->out, "line too long (at most %d characters)\n", LINE_EDITOR_MAX);
	return -1;
}

int shell_number(struct shell *sh, const char *arg, const char *what, uint64_t max,
		 uint64_t *value)
{
	bool hex = arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X');
	uint64_t any;

	if (parse_unsigned(arg, max, value) == 0)
		return 0;
	if (parse_unsigned(arg, UINT64_MAX, &any) != 0)
		out_printf(sh->out, "bad number '%s' for %s (decimal, or hex with 0x)\n", arg,
			   what);
	else if (hex)
		out_printf(sh->out, "bad number '%s' for %s (at most 0x%llx)\n", arg, what,
			   (unsigned long long)max);
	else
		out_printf(sh->out, "bad number '%s' for %s (at most %llu)\n", arg, what,
			   (unsigned long long)max);
	return -1;
}

void shell_prompt(struct shell *sh)
{
	out_printf(sh->out, "pmuvisor> ");
}
