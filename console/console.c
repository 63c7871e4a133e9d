#include "console/console.h"
#include "console/commands.h"
#include "console/line_editor.h"
#include "console/log.h"
#include "console/serial.h"
#include "console/shell.h"
#include "lib/string.h"
#include "guest/memory.h"
#include "vmx/guest_access.h"
#include "vmx/exit_handlers.h"
#include "vmx/vmcs.h"

/* At most this many bytes per visit: a flood of input cannot hold the
 * guest for long; the rest waits in the UART for the next exit. */
#define BYTES_PER_VISIT 64

uint16_t console_port;
uint64_t console_byte_gap;

static struct line_editor editor;
static struct shell shell;
static bool paused;

void console_pause(bool on)
{
	paused = on;
}

bool console_paused(void)
{
	return paused;
}

/* The editor echoes "\r\n"; the serial driver already turns "\n" into
 * "\r\n", so carriage returns are dropped on the way. */
static void echo_sink(void *ctx, const char *text, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || text[i] == '\r') {
			log_out.sink(log_out.ctx, text + start, i - start);
			start = i + 1;
		}
	}
}

static const struct out echo_out = { echo_sink, 0 };

void console_init(uint16_t port, uint64_t byte_gap)
{
	console_port = port;
	console_byte_gap = byte_gap;
	line_editor_init(&editor, &echo_out);
	shell = (struct shell){ console_commands, console_command_count, &log_out, 0 };
}

static void run_line(void)
{
	char line[LINE_EDITOR_MAX + 1];

	if (line_editor_overlong(&editor)) {
		shell_line_too_long(&shell);
	} else {
		str_copy(line, line_editor_line(&editor), sizeof(line));
		shell_execute(&shell, line);
	}
	shell_prompt(&shell);
}

/* The next byte, waiting up to 'gap' TSC ticks for it: pasted text
 * arrives back to back, and leaving between bytes would cost a whole
 * polling period per byte. */
static int next_byte(uint64_t gap)
{
	uint64_t start = rdtsc();
	int byte;

	while ((byte = serial_read_byte()) < 0 && rdtsc() - start < gap)
		cpu_pause();
	return byte;
}

static int drain(void)
{
	int byte, n;

	for (n = 0; n < BYTES_PER_VISIT && (byte = next_byte(n ? console_byte_gap : 0)) >= 0; n++) {
		switch (line_editor_feed(&editor, (uint8_t)byte)) {
		case LINE_READY:
			run_line();
			break;
		case LINE_CANCELLED:
			shell_prompt(&shell);
			break;
		default:
			break;
		}
	}
	return n;
}

int console_service(struct guest_regs *regs)
{
	int got;

	if (!console_port)
		return 0;
	console_commands_regs = regs;
	got = drain();
	while (paused) {
		cpu_pause();
		drain();
	}
	console_commands_regs = 0;
	return got;
}

struct reply {
	char text[16384];
	size_t len;
};

static void reply_sink(void *ctx, const char *text, size_t len)
{
	struct reply *r = ctx;

	while (len-- && r->len + 1 < sizeof(r->text))
		r->text[r->len++] = *text++;
	r->text[r->len] = '\0';
}

int console_guest_command(uint64_t command_gva, uint64_t reply_gva, uint64_t reply_size,
			  uint64_t *reply_len, int *status)
{
	static struct reply reply;
	struct out out = { reply_sink, &reply };
	struct shell guest_shell = shell;
	struct guest_memory m = guest_memory_now();
	bool user = guest_cpl() == 3;
	char line[LINE_EDITOR_MAX + 1];
	size_t n;

	for (n = 0; n < sizeof(line); n++) {
		if (guest_read(&m, command_gva + n, &line[n], 1, user) < 0)
			return -1;
		if (!line[n])
			break;
	}
	/* The part of the reply buffer a reply can fill must be there before
	 * the command runs: a command with effects must not run when its
	 * answer cannot be delivered (pmuvisor does not fault guest pages
	 * in).  Bounded: at most sizeof(reply.text) bytes are checked (5 page
	 * walks), however large the buffer says it is. */
	if (reply_size == 0 || reply_gva + reply_size < reply_gva)
		return -1;
	if (reply_size > sizeof(reply.text))
		reply_size = sizeof(reply.text);
	for (n = 0; n < reply_size; n += 4096 - ((reply_gva + n) & 4095)) {
		uint64_t gpa;

		if (!guest_translate(&m, reply_gva + n, true, user, &gpa))
			return -1;
	}
	reply.len = 0;
	reply.text[0] = '\0';
	guest_shell.out = &out;
	guest_shell.ctx = CONSOLE_FROM_GUEST;
	if (n == sizeof(line))
		*status = shell_line_too_long(&guest_shell);
	else
		*status = shell_execute(&guest_shell, line);
	n = reply.len < reply_size - 1 ? reply.len : (size_t)reply_size - 1;
	if (guest_write(&m, reply_gva, reply.text, n, user) < 0 ||
	    guest_write(&m, reply_gva + n, "", 1, user) < 0)
		return -1;
	*reply_len = n;
	return 0;
}
