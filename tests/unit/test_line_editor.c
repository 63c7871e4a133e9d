/* console/line_editor.c: what a user typing on the serial console sees. */
#include "unit.h"

#include "console/line_editor.h"

#define UP "\x1b[A"
#define DOWN "\x1b[B"

static struct text_buffer echo_text;
static const struct out echo_out = { text_buffer_sink, &echo_text };
static struct line_editor ed;

static void clear_echo(void)
{
	echo_text.len = 0;
	echo_text.text[0] = '\0';
}

static int setup(void **state)
{
	clear_echo();
	line_editor_init(&ed, &echo_out);
	return 0;
}

/* Feeds every byte; returns the event of the last one. */
static enum line_event feed_bytes(const char *bytes, size_t len)
{
	enum line_event ev = LINE_NONE;

	while (len--)
		ev = line_editor_feed(&ed, (uint8_t)*bytes++);
	return ev;
}

static enum line_event type(const char *text)
{
	return feed_bytes(text, strlen(text));
}

static void test_printable_bytes_are_echoed_and_enter_makes_the_line_ready(void **state)
{
	assert_int_equal(type("cpuid 1"), LINE_NONE);
	assert_string_equal(echo_text.text, "cpuid 1");
	assert_int_equal(type("\r"), LINE_READY);
	assert_string_equal(echo_text.text, "cpuid 1\r\n");
	assert_string_equal(line_editor_line(&ed), "cpuid 1");
	assert_false(line_editor_overlong(&ed));
	assert_int_equal(type("n"), LINE_NONE); /* the next byte starts a new line */
	assert_string_equal(line_editor_line(&ed), "n");
}

static void test_cr_lf_is_one_enter_and_lf_alone_is_enter(void **state)
{
	assert_int_equal(type("a\r"), LINE_READY);
	assert_string_equal(line_editor_line(&ed), "a");
	assert_int_equal(type("\n"), LINE_NONE); /* the LF of CR LF */
	assert_int_equal(type("b\n"), LINE_READY);
	assert_string_equal(line_editor_line(&ed), "b");
	assert_int_equal(type("\n"), LINE_READY); /* LF LF: a second, empty line */
	assert_string_equal(line_editor_line(&ed), "");
	assert_int_equal(type("\r\r"), LINE_READY); /* CR CR: two lines */
	assert_string_equal(echo_text.text, "a\r\nb\r\n\r\n\r\n\r\n");
}

static void test_an_empty_line_is_ready(void **state)
{
	assert_int_equal(type("\r"), LINE_READY);
	assert_string_equal(line_editor_line(&ed), "");
	assert_string_equal(echo_text.text, "\r\n");
}

static void test_backspace_and_del_erase_one_character(void **state)
{
	type("abc\b\x7f");
	assert_string_equal(echo_text.text, "abc\b \b\b \b");
	assert_string_equal(line_editor_line(&ed), "a");
	type("\b\b\x7f"); /* nothing left to erase after the first */
	assert_string_equal(echo_text.text, "abc\b \b\b \b\b \b");
	assert_int_equal(ed.ignored_bytes, 0);
}

static void test_ctrl_u_erases_the_whole_line(void **state)
{
	type("abc\x15");
	assert_string_equal(echo_text.text, "abc\b \b\b \b\b \b");
	assert_string_equal(line_editor_line(&ed), "");
	type("d\r");
	assert_string_equal(line_editor_line(&ed), "d");
}

static void test_ctrl_c_cancels_the_line_and_keeps_it_out_of_history(void **state)
{
	assert_int_equal(type("abc\x03"), LINE_CANCELLED);
	assert_string_equal(echo_text.text, "abc^C\r\n");
	assert_string_equal(line_editor_line(&ed), "");
	clear_echo();
	type(UP);
	assert_string_equal(echo_text.text, "");
}

static void test_up_and_down_walk_the_history_and_keep_the_draft(void **state)
{
	type("one\rtwo\rthree\r");
	type("dr");
	clear_echo();
	type(UP);
	assert_string_equal(echo_text.text, "\b \b\b \bthree");
	assert_string_equal(line_editor_line(&ed), "three");
	clear_echo();
	type(UP UP UP); /* two, one, then nothing older */
	assert_string_equal(echo_text.text, "\b \b\b \b\b \b\b \b\b \btwo\b \b\b \b\b \bone");
	clear_echo();
	type(DOWN DOWN DOWN DOWN);
	assert_string_equal(echo_text.text,
			    "\b \b\b \b\b \btwo\b \b\b \b\b \bthree\b \b\b \b\b \b\b \b\b \bdr");
	assert_string_equal(line_editor_line(&ed), "dr");
}

static void test_ss3_arrows_walk_the_history_too(void **state)
{
	type("one\rtwo\r");
	type("\x1bOA\x1bOA\x1bOB");
	assert_string_equal(line_editor_line(&ed), "two");
}

static void test_history_keeps_the_last_16_lines(void **state)
{
	char text[16];
	int i;

	for (i = 1; i <= 20; i++) {
		snprintf(text, sizeof(text), "cmd%d\r", i);
		assert_int_equal(type(text), LINE_READY);
	}
	for (i = 0; i < 16; i++)
		type(UP);
	assert_string_equal(line_editor_line(&ed), "cmd5");
	clear_echo();
	type(UP); /* cmd4 is gone */
	assert_string_equal(line_editor_line(&ed), "cmd5");
	assert_string_equal(echo_text.text, "");
	for (i = 0; i < 15; i++)
		type(DOWN);
	assert_string_equal(line_editor_line(&ed), "cmd20");
	type(DOWN);
	assert_string_equal(line_editor_line(&ed), "");
}

static void test_history_skips_repeats_and_empty_lines(void **state)
{
	type("a\ra\r\rb\r");
	type(UP UP);
	assert_string_equal(line_editor_line(&ed), "a");
	type(UP);
	assert_string_equal(line_editor_line(&ed), "a"); /* only two entries */
	assert_int_equal(ed.history_count, 2);
}

static void test_a_recalled_line_can_be_edited_and_entered(void **state)
{
	type("cpuid 1\r");
	type(UP "\b2\r");
	assert_string_equal(line_editor_line(&ed), "cpuid 2");
	type(UP);
	assert_string_equal(line_editor_line(&ed), "cpuid 2");
	type(UP);
	assert_string_equal(line_editor_line(&ed), "cpuid 1");
	type("x"); /* the edited line is the new draft: nothing is newer */
	clear_echo();
	type(DOWN);
	assert_string_equal(echo_text.text, "");
	type(UP DOWN);
	assert_string_equal(line_editor_line(&ed), "cpuid 1x");
}

static void test_other_escape_sequences_are_ignored_without_echo(void **state)
{
	type("ab");
	clear_echo();
	type("\x1b[3~\x1b[C\x1b[D\x1b[1;5C\x1b[200~\x1bOP\x1bx\x1b\x1b[H");
	assert_string_equal(echo_text.text, "");
	assert_string_equal(line_editor_line(&ed), "ab");
	type("c\r");
	assert_string_equal(line_editor_line(&ed), "abc");
	assert_int_equal(ed.ignored_bytes, 0);
}

static void test_a_control_byte_ends_an_unfinished_escape_sequence(void **state)
{
	assert_int_equal(type("ls\x1b[1\r"), LINE_READY);
	assert_string_equal(line_editor_line(&ed), "ls");
	assert_int_equal(type("x\x1b\x03"), LINE_CANCELLED);
	assert_int_equal(type("\x1bO\x7f"), LINE_NONE);
	assert_int_equal(type("q\r"), LINE_READY);
	assert_string_equal(line_editor_line(&ed), "q");
}

static void test_garbage_bytes_are_ignored_and_counted(void **state)
{
	static const char garbage[] = { 0x00, 0x01, 0x07, 0x0c, 0x1f, (char)0x80, (char)0xc3,
					(char)0xff };

	type("a");
	feed_bytes(garbage, sizeof(garbage));
	assert_string_equal(echo_text.text, "a");
	assert_string_equal(line_editor_line(&ed), "a");
	assert_int_equal(ed.ignored_bytes, sizeof(garbage));
}

static void test_a_tab_becomes_a_space(void **state)
{
	type("a\tb");
	assert_string_equal(echo_text.text, "a b");
	assert_string_equal(line_editor_line(&ed), "a b");
}

static void test_a_line_of_255_characters_fits(void **state)
{
	char text[LINE_EDITOR_MAX + 1];

	memset(text, 'x', LINE_EDITOR_MAX);
	text[LINE_EDITOR_MAX] = '\0';
	assert_int_equal(type(text), LINE_NONE);
	assert_int_equal(type("\r"), LINE_READY);
	assert_false(line_editor_overlong(&ed));
	assert_string_equal(line_editor_line(&ed), text);
	assert_int_equal(ed.dropped_bytes, 0);
	type(UP);
	assert_string_equal(line_editor_line(&ed), text);
}

static void test_a_full_line_drops_more_bytes_and_is_reported_overlong(void **state)
{
	char text[300 + 1];

	memset(text, 'y', 300);
	text[300] = '\0';
	type(text);
	assert_int_equal(echo_text.len, LINE_EDITOR_MAX); /* dropped bytes are not echoed */
	assert_int_equal(ed.dropped_bytes, 300 - LINE_EDITOR_MAX);
	assert_true(line_editor_overlong(&ed));
	type("\b"); /* still not the line that was typed */
	assert_true(line_editor_overlong(&ed));
	assert_int_equal(type("\r"), LINE_READY);
	assert_true(line_editor_overlong(&ed));
	assert_int_equal(strlen(line_editor_line(&ed)), LINE_EDITOR_MAX - 1);
	clear_echo();
	type(UP); /* a truncated line is not remembered */
	assert_string_equal(echo_text.text, "");
	type("ok\r");
	assert_false(line_editor_overlong(&ed));
}

static void test_emptying_an_overlong_line_clears_the_mark(void **state)
{
	char text[LINE_EDITOR_MAX + 2];

	memset(text, 'z', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	type(text);
	assert_true(line_editor_overlong(&ed));
	type("\x15");
	assert_false(line_editor_overlong(&ed));
	type(text);
	type("\x03");
	assert_false(line_editor_overlong(&ed));
}

static void test_the_draft_keeps_its_overlong_mark_across_history(void **state)
{
	char text[LINE_EDITOR_MAX + 2];

	type("short\r");
	memset(text, 'w', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	type(text);
	type(UP);
	assert_false(line_editor_overlong(&ed));
	type(DOWN "\r");
	assert_true(line_editor_overlong(&ed));
}

/* A flood (a stuck key, a binary file sent by mistake) grows nothing and
 * never stops Enter from working. */
static void test_a_flood_is_bounded(void **state)
{
	long i;

	line_editor_init(&ed, NULL);
	for (i = 0; i < 200000; i++)
		line_editor_feed(&ed, (uint8_t)('a' + i % 26));
	assert_int_equal(ed.len, LINE_EDITOR_MAX);
	assert_int_equal(ed.dropped_bytes, 200000 - LINE_EDITOR_MAX);
	assert_int_equal(type("\x15\x1b["), LINE_NONE);
	for (i = 0; i < 200000; i++)
		line_editor_feed(&ed, (uint8_t)"0123456789;"[i % 11]);
	assert_int_equal(type("\r"), LINE_READY);
	assert_string_equal(line_editor_line(&ed), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_printable_bytes_are_echoed_and_enter_makes_the_line_ready, setup),
		cmocka_unit_test_setup(test_cr_lf_is_one_enter_and_lf_alone_is_enter, setup),
		cmocka_unit_test_setup(test_an_empty_line_is_ready, setup),
		cmocka_unit_test_setup(test_backspace_and_del_erase_one_character, setup),
		cmocka_unit_test_setup(test_ctrl_u_erases_the_whole_line, setup),
		cmocka_unit_test_setup(test_ctrl_c_cancels_the_line_and_keeps_it_out_of_history, setup),
		cmocka_unit_test_setup(test_up_and_down_walk_the_history_and_keep_the_draft, setup),
		cmocka_unit_test_setup(test_ss3_arrows_walk_the_history_too, setup),
		cmocka_unit_test_setup(test_history_keeps_the_last_16_lines, setup),
		cmocka_unit_test_setup(test_history_skips_repeats_and_empty_lines, setup),
		cmocka_unit_test_setup(test_a_recalled_line_can_be_edited_and_entered, setup),
		cmocka_unit_test_setup(test_other_escape_sequences_are_ignored_without_echo, setup),
		cmocka_unit_test_setup(test_a_control_byte_ends_an_unfinished_escape_sequence, setup),
		cmocka_unit_test_setup(test_garbage_bytes_are_ignored_and_counted, setup),
		cmocka_unit_test_setup(test_a_tab_becomes_a_space, setup),
		cmocka_unit_test_setup(test_a_line_of_255_characters_fits, setup),
		cmocka_unit_test_setup(test_a_full_line_drops_more_bytes_and_is_reported_overlong, setup),
		cmocka_unit_test_setup(test_emptying_an_overlong_line_clears_the_mark, setup),
		cmocka_unit_test_setup(test_the_draft_keeps_its_overlong_mark_across_history, setup),
		cmocka_unit_test_setup(test_a_flood_is_bounded, setup),
	};

	return cmocka_run_group_tests_name("line_editor", tests, NULL, NULL);
}
