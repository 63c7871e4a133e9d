#include "console/line_editor.h"
#include "lib/string.h"

#define BYTE_CTRL_C 0x03
#define BYTE_BACKSPACE 0x08
#define BYTE_CTRL_U 0x15
#define BYTE_ESC 0x1b
#define BYTE_DEL 0x7f

static void emit(struct line_editor *e, const char *text, size_t len)
{
	if (e->echo && len)
		e->echo->sink(e->echo->ctx, text, len);
}

/* Erase the last 'count' characters on the terminal: back, blank, back. */
static void emit_erase(struct line_editor *e, size_t count)
{
	while (count--)
		emit(e, "\b \b", 3);
}

static void set_line(struct line_editor *e, const char *text, bool overlong)
{
	emit_erase(e, e->len);
	e->len = str_copy(e->line, text, sizeof(e->line));
	if (e->len > LINE_EDITOR_MAX)
		e->len = LINE_EDITOR_MAX;
	e->overlong = overlong;
	emit(e, e->line, e->len);
}

static void clear_line(struct line_editor *e)
{
	e->len = 0;
	e->line[0] = '\0';
	e->overlong = false;
	e->browsing = 0;
}

/* k = 1 is the newest line. */
static const char *history_entry(const struct line_editor *e, unsigned k)
{
	return e->history[(e->history_next + LINE_EDITOR_HISTORY - k) % LINE_EDITOR_HISTORY];
}

/* Only complete lines are remembered: recalling a truncated one would run
 * a command the user never typed. */
static void remember(struct line_editor *e)
{
	if (e->len == 0 || e->overlong)
		return;
	if (e->history_count && strcmp(history_entry(e, 1), e->line) == 0)
		return;
	memcpy(e->history[e->history_next], e->line, e->len + 1);
	e->history_next = (e->history_next + 1) % LINE_EDITOR_HISTORY;
	if (e->history_count < LINE_EDITOR_HISTORY)
		e->history_count++;
}

static void add_printable(struct line_editor *e, uint8_t byte)
{
	char c = (char)byte;

	if (e->len == LINE_EDITOR_MAX) {
		e->overlong = true;
		e->dropped_bytes++;
		return;
	}
	e->browsing = 0; /* an edited recalled line is a new draft */
	e->line[e->len++] = c;
	e->line[e->len] = '\0';
	emit(e, &c, 1);
}

/* Keys: one handler per control byte. */
typedef enum line_event (*key_handler)(struct line_editor *e);

static enum line_event key_enter(struct line_editor *e)
{
	emit(e, "\r\n", 2);
	remember(e);
	e->browsing = 0;
	e->line_returned = true;
	return LINE_READY;
}

static enum line_event key_cancel(struct line_editor *e)
{
	emit(e, "^C\r\n", 4);
	clear_line(e);
	return LINE_CANCELLED;
}

static enum line_event key_erase_char(struct line_editor *e)
{
	if (e->len == 0)
		return LINE_NONE;
	emit_erase(e, 1);
	e->line[--e->len] = '\0';
	e->browsing = 0;
	if (e->len == 0)
		e->overlong = false;
	return LINE_NONE;
}

static enum line_event key_erase_line(struct line_editor *e)
{
	emit_erase(e, e->len);
	clear_line(e);
	return LINE_NONE;
}

static enum line_event key_escape(struct line_editor *e)
{
	e->escape = ESCAPE_START;
	return LINE_NONE;
}

static const struct {
	uint8_t byte;
	key_handler handle;
} control_keys[] = {
	{ '\r', key_enter },
	{ '\n', key_enter },
	{ BYTE_CTRL_C, key_cancel },
	{ BYTE_BACKSPACE, key_erase_char },
	{ BYTE_DEL, key_erase_char },
	{ BYTE_CTRL_U, key_erase_line },
	{ BYTE_ESC, key_escape },
};

/* Up: one line older.  The line being typed is kept as the draft. */
static void history_older(struct line_editor *e)
{
	if (e->browsing == e->history_count)
		return;
	if (e->browsing == 0) {
		memcpy(e->draft, e->line, e->len + 1);
		e->draft_overlong = e->overlong;
	}
	e->browsing++;
	set_line(e, history_entry(e, e->browsing), false);
}

/* Down: one line newer, and finally the draft again. */
static void history_newer(struct line_editor *e)
{
	if (e->browsing == 0)
		return;
	e->browsing--;
	if (e->browsing)
		set_line(e, history_entry(e, e->browsing), false);
	else
		set_line(e, e->draft, e->draft_overlong);
}

/* The final byte of ESC [ x or ESC O x; other keys are ignored. */
static const struct {
	uint8_t final;
	void (*act)(struct line_editor *e);
} escape_keys[] = {
	{ 'A', history_older },
	{ 'B', history_newer },
};

static void escape_final(struct line_editor *e, uint8_t byte)
{
	size_t i;

	e->escape = ESCAPE_NONE;
	for (i = 0; i < sizeof(escape_keys) / sizeof(escape_keys[0]); i++)
		if (escape_keys[i].final == byte)
			escape_keys[i].act(e);
}

/* Returns true if the byte belongs to the escape sequence in progress.  A
 * control byte ends the sequence and then acts as itself, so Enter and
 * Ctrl-C work after a stray ESC, and a sequence never swallows input for
 * long: ECMA-48 parameter bytes are 0x20-0x3f, anything else is final. */
static bool escape_continue(struct line_editor *e, uint8_t byte)
{
	if (!char_is_print(byte)) {
		e->escape = ESCAPE_NONE;
		return false;
	}
	if (e->escape == ESCAPE_START)
		e->escape = byte == '[' ? ESCAPE_CSI : byte == 'O' ? ESCAPE_SS3 : ESCAPE_NONE;
	else if (e->escape == ESCAPE_SS3 || byte >= 0x40)
		escape_final(e, byte);
	return true;
}

void line_editor_init(struct line_editor *e, const struct out *echo)
{
	memset(e, 0, sizeof(*e));
	e->echo = echo;
}

enum line_event line_editor_feed(struct line_editor *e, uint8_t byte)
{
	bool lf_of_crlf = byte == '\n' && e->after_cr;
	size_t i;

	e->after_cr = byte == '\r';
	if (e->line_returned) {
		e->line_returned = false;
		clear_line(e);
	}
	if (lf_of_crlf)
		return LINE_NONE;
	if (e->escape != ESCAPE_NONE && escape_continue(e, byte))
		return LINE_NONE;
	if (byte == '\t')
		byte = ' ';
	if (char_is_print(byte)) {
		add_printable(e, byte);
		return LINE_NONE;
	}
	for (i = 0; i < sizeof(control_keys) / sizeof(control_keys[0]); i++)
		if (control_keys[i].byte == byte)
			return control_keys[i].handle(e);
	e->ignored_bytes++;
	return LINE_NONE;
}

const char *line_editor_line(const struct line_editor *e)
{
	return e->line;
}

bool line_editor_overlong(const struct line_editor *e)
{
	return e->overlong;
}
