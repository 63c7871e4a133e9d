#include "console/console.h"
#include "console/commands.h"
#include "console/line_editor.h"
#include "console/log.h"
#include "console/serial.h"
#include "console/shell.h"
#include "lib/string.h"

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

void console_init(uint16_t port, uint64_t byte_gap)
{
	console_port = port;
	console_byte_gap = byte_gap;
	line_editor_init(&editor, &log_out);
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
