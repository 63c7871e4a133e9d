/*
 * libFuzzer target for the serial console: every input byte goes to a line
 * editor, every ready line to a shell, as in the console loop.  Besides
 * the sanitizers' checks (no crash, no undefined behaviour), it checks
 * what a user would see:
 *   - the editor's line is at most LINE_EDITOR_MAX characters and
 *     NUL-terminated, and its history holds only such lines;
 *   - a terminal fed the echo shows exactly the editor's line;
 *   - a refused line gets exactly one line of explanation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/line_editor.h"
#include "console/shell.h"
#include "tests/fuzz/fuzz.h"

/* A terminal that knows the bytes the editor may echo: printable text,
 * backspace (cursor left) and CR LF. */
struct terminal {
	char row[LINE_EDITOR_MAX + 8]; /* the line, then "^C" */
	size_t cursor;
};

static void terminal_sink(void *ctx, const char *text, size_t len)
{
	struct terminal *t = ctx;

	for (; len; len--, text++) {
		if (*text == '\r' || *text == '\n') {
			t->cursor = 0;
		} else if (*text == '\b') {
			CHECK(t->cursor > 0);
			t->cursor--;
		} else {
			CHECK(*text >= 0x20 && *text < 0x7f);
			CHECK(t->cursor < sizeof(t->row));
			t->row[t->cursor++] = *text;
		}
	}
}

/* The shell's answers to one line. */
struct answer {
	char text[4096];
	size_t len;
	unsigned lines;
};

static void answer_sink(void *ctx, const char *text, size_t len)
{
	struct answer *a = ctx;

	CHECK(a->len + len < sizeof(a->text));
	memcpy(a->text + a->len, text, len);
	a->len += len;
	for (; len; len--, text++)
		a->lines += *text == '\n';
}

static int cpuid_handler(struct shell *sh, int argc, char **argv)
{
	uint64_t leaf, subleaf = 0;

	CHECK(argc == 2 || argc == 3);
	if (shell_number(sh, argv[1], "LEAF", 0xffffffff, &leaf) < 0)
		return -1;
	if (argc == 3 && shell_number(sh, argv[2], "SUBLEAF", 0xffffffff, &subleaf) < 0)
		return -1;
	CHECK(leaf <= 0xffffffff && subleaf <= 0xffffffff);
	out_printf(sh->out, "cpuid 0x%llx 0x%llx\n", (unsigned long long)leaf,
		   (unsigned long long)subleaf);
	return 0;
}

static int wrmsr_handler(struct shell *sh, int argc, char **argv)
{
	uint64_t msr, value;

	CHECK(argc == 3);
	if (shell_number(sh, argv[1], "MSR", 0xffffffff, &msr) < 0 ||
	    shell_number(sh, argv[2], "VALUE", UINT64_MAX, &value) < 0)
		return -1;
	out_printf(sh->out, "wrmsr 0x%llx 0x%llx\n", (unsigned long long)msr,
		   (unsigned long long)value);
	return 0;
}

static int repeat_handler(struct shell *sh, int argc, char **argv)
{
	uint64_t count, i;

	CHECK(argc == 3);
	if (shell_number(sh, argv[1], "COUNT", 8, &count) < 0)
		return -1;
	for (i = 0; i < count; i++)
		out_printf(sh->out, "%s\n", argv[2]);
	return 0;
}

static int echo_handler(struct shell *sh, int argc, char **argv)
{
	int i;

	CHECK(argc >= 1 && argc <= SHELL_MAX_WORDS);
	for (i = 1; i < argc; i++) {
		CHECK(strlen(argv[i]) <= LINE_EDITOR_MAX);
		out_printf(sh->out, "[%s]", argv[i]);
	}
	out_printf(sh->out, "\n");
	return 0;
}

static const struct shell_command commands[] = {
	{ "cpuid", "cpuid LEAF [SUBLEAF]", "run CPUID", 1, 2, cpuid_handler },
	{ "wrmsr", "wrmsr MSR VALUE", "write an MSR", 2, 2, wrmsr_handler },
	{ "repeat", "repeat COUNT WORD", "print WORD COUNT times", 2, 2, repeat_handler },
	{ "echo", "echo [WORD...]", "print the words", 0, 15, echo_handler },
};

static void check_line(const char *line)
{
	CHECK(memchr(line, '\0', LINE_EDITOR_MAX + 1) != NULL);
}

/* After every byte. */
static void check_editor(const struct line_editor *e, const struct terminal *t)
{
	CHECK(e->len <= LINE_EDITOR_MAX);
	CHECK(strlen(e->line) == e->len);
	CHECK(e->browsing <= e->history_count);
	/* What the user sees is what Enter would send. */
	CHECK(t->cursor == e->len);
	CHECK(memcmp(t->row, e->line, e->len) == 0);
}

/* After Enter, the only time the history changes. */
static void check_history(const struct line_editor *e)
{
	unsigned k;

	CHECK(e->history_count <= LINE_EDITOR_HISTORY);
	for (k = 0; k < e->history_count; k++) {
		check_line(e->history[k]);
		CHECK(e->history[k][0] != '\0');
	}
}

static void run_line(struct shell *sh, struct answer *a, const struct line_editor *e)
{
	char line[LINE_EDITOR_MAX + 1];
	int result;

	check_line(line_editor_line(e));
	check_history(e);
	memcpy(line, line_editor_line(e), sizeof(line));
	a->len = 0;
	a->lines = 0;
	if (line_editor_overlong(e)) {
		CHECK(e->dropped_bytes > 0);
		result = shell_line_too_long(sh);
	} else {
		result = shell_execute(sh, line);
	}
	CHECK(result == 0 || result == -1);
	if (result == -1)
		CHECK(a->lines == 1 && a->text[a->len - 1] == '\n');
	shell_prompt(sh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct terminal terminal;
	static struct answer answer;
	const struct out echo = { terminal_sink, &terminal };
	const struct out shell_out = { answer_sink, &answer };
	struct shell sh = { commands, sizeof(commands) / sizeof(commands[0]), &shell_out, NULL };
	struct line_editor e;
	size_t i;

	terminal.cursor = 0;
	answer.len = 0;
	line_editor_init(&e, &echo);
	for (i = 0; i < size; i++) {
		enum line_event event = line_editor_feed(&e, data[i]);

		CHECK(event == LINE_NONE || event == LINE_READY || event == LINE_CANCELLED);
		if (event == LINE_READY)
			run_line(&sh, &answer, &e);
		if (event == LINE_NONE)
			check_editor(&e, &terminal);
		else
			CHECK(terminal.cursor == 0);
	}
	return 0;
}
