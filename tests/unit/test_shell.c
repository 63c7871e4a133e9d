/* console/shell.c: the answers a user gets for the lines they type. */
#include "unit.h"

#include "console/shell.h"

static struct text_buffer output;
static const struct out text_out = { text_buffer_sink, &output };
static int calls; /* handler calls, through sh->ctx */

static int cpuid_handler(struct shell *sh, int argc, char **argv)
{
	uint64_t leaf, subleaf = 0;

	if (shell_number(sh, argv[1], "LEAF", 0xffffffff, &leaf) < 0)
		return -1;
	if (argc > 2 && shell_number(sh, argv[2], "SUBLEAF", 0xffffffff, &subleaf) < 0)
		return -1;
	(*(int *)sh->ctx)++;
	out_printf(sh->out, "%s leaf 0x%llx subleaf 0x%llx\n", argv[0], (unsigned long long)leaf,
		   (unsigned long long)subleaf);
	return 0;
}

/* Prints each argument in brackets, so word boundaries show. */
static int echo_handler(struct shell *sh, int argc, char **argv)
{
	int i;

	(*(int *)sh->ctx)++;
	for (i = 1; i < argc; i++)
		out_printf(sh->out, "[%s]", argv[i]);
	out_printf(sh->out, "\n");
	return 0;
}

static int fail_handler(struct shell *sh, int argc, char **argv)
{
	(*(int *)sh->ctx)++;
	out_printf(sh->out, "fail: it failed\n");
	return -5;
}

static const struct shell_command commands[] = {
	{ "cpuid", "cpuid LEAF [SUBLEAF]", "run CPUID and show the registers", 1, 2, cpuid_handler },
	{ "echo", "echo [WORD...]", "print the words", 0, 15, echo_handler },
	{ "fail", "fail", "a command whose handler fails", 0, 0, fail_handler },
};

static struct shell sh = { commands, sizeof(commands) / sizeof(commands[0]), &text_out, &calls };

static int setup(void **state)
{
	output.len = 0;
	output.text[0] = '\0';
	calls = 0;
	return 0;
}

/* shell_execute() on a writable copy of 'text'. */
static int run(const char *text)
{
	char line[512];

	snprintf(line, sizeof(line), "%s", text);
	return shell_execute(&sh, line);
}

static void test_runs_the_named_command_with_its_arguments(void **state)
{
	assert_int_equal(run("cpuid 0x7 0"), 0);
	assert_string_equal(output.text, "cpuid leaf 0x7 subleaf 0x0\n");
	assert_int_equal(calls, 1);
}

static void test_command_names_ignore_case(void **state)
{
	assert_int_equal(run("CpuId 1"), 0);
	assert_string_equal(output.text, "CpuId leaf 0x1 subleaf 0x0\n");
}

static void test_words_are_split_on_spaces_and_tabs(void **state)
{
	assert_int_equal(run("  echo\ta  b\t\t c  "), 0);
	assert_string_equal(output.text, "[a][b][c]\n");
}

static void test_quotes_keep_spaces_inside_one_word(void **state)
{
	assert_int_equal(run("echo \"a  b\" x\"y z\"w \"\" \"\t\""), 0);
	assert_string_equal(output.text, "[a  b][xy zw][][\t]\n");
}

static void test_a_missing_closing_quote_is_an_error(void **state)
{
	assert_int_equal(run("echo \"abc def"), -1);
	assert_string_equal(output.text, "missing closing quote\n");
	assert_int_equal(calls, 0);
}

static void test_at_most_16_words(void **state)
{
	assert_int_equal(run("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"), 0);
	assert_string_equal(output.text, "[1][2][3][4][5][6][7][8][9][10][11][12][13][14][15]\n");
	setup(state);
	assert_int_equal(run("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), -1);
	assert_string_equal(output.text, "too many words (at most 16)\n");
	assert_int_equal(calls, 0);
}

static void test_an_unknown_command_is_named(void **state)
{
	assert_int_equal(run("frob 1"), -1);
	assert_string_equal(output.text, "unknown command 'frob' (type help)\n");
}

static void test_too_many_arguments_shows_the_usage(void **state)
{
	assert_int_equal(run("cpuid 1 2 3"), -1);
	assert_string_equal(output.text, "cpuid: too many arguments (usage: cpuid LEAF [SUBLEAF])\n");
	assert_int_equal(calls, 0);
}

static void test_a_missing_argument_shows_the_usage(void **state)
{
	assert_int_equal(run("CPUID"), -1);
	assert_string_equal(output.text, "cpuid: missing argument (usage: cpuid LEAF [SUBLEAF])\n");
	assert_int_equal(calls, 0);
}

static void test_blank_lines_do_nothing(void **state)
{
	assert_int_equal(run(""), 0);
	assert_int_equal(run("  \t  "), 0);
	assert_string_equal(output.text, "");
	assert_int_equal(calls, 0);
}

static void test_help_lists_every_command_in_aligned_rows(void **state)
{
	assert_int_equal(run("help"), 0);
	assert_string_equal(output.text,
			    "cpuid LEAF [SUBLEAF]  run CPUID and show the registers\n"
			    "echo [WORD...]        print the words\n"
			    "fail                  a command whose handler fails\n"
			    "help [COMMAND]        list the commands, or show one\n");
}

static void test_help_for_one_command(void **state)
{
	assert_int_equal(run("help CPUID"), 0);
	assert_string_equal(output.text, "cpuid LEAF [SUBLEAF]  run CPUID and show the registers\n");
	setup(state);
	assert_int_equal(run("help help"), 0);
	assert_string_equal(output.text, "help [COMMAND]  list the commands, or show one\n");
	setup(state);
	assert_int_equal(run("help frob"), -1);
	assert_string_equal(output.text, "unknown command 'frob' (type help)\n");
	setup(state);
	assert_int_equal(run("help a b"), -1);
	assert_string_equal(output.text, "help: too many arguments (usage: help [COMMAND])\n");
}

static void test_a_bad_number_names_the_argument(void **state)
{
	assert_int_equal(run("cpuid 12x"), -1);
	assert_string_equal(output.text, "bad number '12x' for LEAF (decimal, or hex with 0x)\n");
	setup(state);
	assert_int_equal(run("cpuid 1 -1"), -1);
	assert_string_equal(output.text, "bad number '-1' for SUBLEAF (decimal, or hex with 0x)\n");
	assert_int_equal(calls, 0);
}

static void test_a_number_above_the_maximum_says_the_maximum(void **state)
{
	assert_int_equal(run("cpuid 0x100000000"), -1);
	assert_string_equal(output.text, "bad number '0x100000000' for LEAF (at most 0xffffffff)\n");
	setup(state);
	assert_int_equal(run("cpuid 4294967296"), -1);
	assert_string_equal(output.text, "bad number '4294967296' for LEAF (at most 4294967295)\n");
	setup(state);
	assert_int_equal(run("cpuid 4294967295"), 0);
}

static void test_a_failing_handler_makes_execute_return_minus_one(void **state)
{
	assert_int_equal(run("fail"), -1);
	assert_string_equal(output.text, "fail: it failed\n");
	assert_int_equal(calls, 1);
}

static void test_an_overlong_line_is_refused_with_the_limit(void **state)
{
	assert_int_equal(shell_line_too_long(&sh), -1);
	assert_string_equal(output.text, "line too long (at most 255 characters)\n");
}

static void test_the_prompt(void **state)
{
	shell_prompt(&sh);
	assert_string_equal(output.text, "pmuvisor> ");
}

/* Everything a shell needs is in struct shell: two differ only there. */
static void test_two_shells_with_their_own_tables(void **state)
{
	struct text_buffer other_text = { .len = 0 };
	const struct out other_out = { text_buffer_sink, &other_text };
	int other_calls = 0;
	struct shell other = { &commands[1], 1, &other_out, &other_calls };
	char line[] = "echo hi";
	char cpuid_line[] = "cpuid 1";

	assert_int_equal(shell_execute(&other, line), 0);
	assert_int_equal(shell_execute(&other, cpuid_line), -1);
	assert_string_equal(other_text.text, "[hi]\nunknown command 'cpuid' (type help)\n");
	assert_int_equal(other_calls, 1);
	assert_int_equal(calls, 0);
	assert_string_equal(output.text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_runs_the_named_command_with_its_arguments, setup),
		cmocka_unit_test_setup(test_command_names_ignore_case, setup),
		cmocka_unit_test_setup(test_words_are_split_on_spaces_and_tabs, setup),
		cmocka_unit_test_setup(test_quotes_keep_spaces_inside_one_word, setup),
		cmocka_unit_test_setup(test_a_missing_closing_quote_is_an_error, setup),
		cmocka_unit_test_setup(test_at_most_16_words, setup),
		cmocka_unit_test_setup(test_an_unknown_command_is_named, setup),
		cmocka_unit_test_setup(test_too_many_arguments_shows_the_usage, setup),
		cmocka_unit_test_setup(test_a_missing_argument_shows_the_usage, setup),
		cmocka_unit_test_setup(test_blank_lines_do_nothing, setup),
		cmocka_unit_test_setup(test_help_lists_every_command_in_aligned_rows, setup),
		cmocka_unit_test_setup(test_help_for_one_command, setup),
		cmocka_unit_test_setup(test_a_bad_number_names_the_argument, setup),
		cmocka_unit_test_setup(test_a_number_above_the_maximum_says_the_maximum, setup),
		cmocka_unit_test_setup(test_a_failing_handler_makes_execute_return_minus_one, setup),
		cmocka_unit_test_setup(test_an_overlong_line_is_refused_with_the_limit, setup),
		cmocka_unit_test_setup(test_the_prompt, setup),
		cmocka_unit_test_setup(test_two_shells_with_their_own_tables, setup),
	};

	return cmocka_run_group_tests_name("shell", tests, NULL, NULL);
}
