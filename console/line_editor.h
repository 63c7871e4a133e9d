/*
 * The console's line editor: turns the bytes polled from the serial port,
 * one at a time, into command lines.  Editing is at the end of the line
 * only (printable bytes, backspace/DEL, Ctrl-U, Ctrl-C), with a history of
 * the last LINE_EDITOR_HISTORY lines on the Up and Down arrows.  Pure: the
 * only output is the echo, written to an out (lib/format.h).
 */
#ifndef CONSOLE_LINE_EDITOR_H
#define CONSOLE_LINE_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"

#define LINE_EDITOR_MAX 255    /* characters in a line, without the NUL */
#define LINE_EDITOR_HISTORY 16 /* lines remembered for Up/Down */

enum line_event {
	LINE_NONE,      /* keep feeding bytes */
	LINE_READY,     /* Enter: line_editor_line() holds the line */
	LINE_CANCELLED, /* Ctrl-C: the line was thrown away */
};

/* Where an escape sequence (VT100 keys: ESC [ A, ESC O A, ESC [ 3 ~) is. */
enum line_escape {
	ESCAPE_NONE,
	ESCAPE_START, /* after ESC */
	ESCAPE_CSI,   /* after ESC [: parameters until a final byte */
	ESCAPE_SS3,   /* after ESC O: one final byte */
};

struct line_editor {
	const struct out *echo; /* NULL: no echo */
	char line[LINE_EDITOR_MAX + 1];
	size_t len;
	bool overlong;      /* printable bytes were dropped from this line */
	bool after_cr;      /* the last byte was CR: a LF now is part of it */
	bool line_returned; /* LINE_READY was returned: the next byte starts afresh */
	enum line_escape escape;

	/* history[(history_next - k) % LINE_EDITOR_HISTORY] is the k-th newest
	 * line, for k = 1 .. history_count. */
	char history[LINE_EDITOR_HISTORY][LINE_EDITOR_MAX + 1];
	unsigned history_next;
	unsigned history_count;
	unsigned browsing;                /* 0: editing; k: showing the k-th newest */
	char draft[LINE_EDITOR_MAX + 1]; /* the line being typed before Up was pressed */
	bool draft_overlong;

	uint64_t ignored_bytes; /* control and non-ASCII bytes that mean nothing here */
	uint64_t dropped_bytes; /* printable bytes that did not fit in the line */
};

void line_editor_init(struct line_editor *e, const struct out *echo);

/* Takes one received byte; says whether a line is ready or was cancelled. */
enum line_event line_editor_feed(struct line_editor *e, uint8_t byte);

/* The line, NUL-terminated; after LINE_READY it is the finished line and
 * stays valid until the next byte is fed. */
const char *line_editor_line(const struct line_editor *e);

/* The line lost bytes (more than LINE_EDITOR_MAX were typed): the caller
 * must refuse it rather than run it truncated. */
bool line_editor_overlong(const struct line_editor *e);

#endif
