#include "console/log.h"
#include "console/serial.h"
#include "lib/string.h"

#include <stddef.h>

#define EARLY_BUFFER_SIZE 16384

static char early[EARLY_BUFFER_SIZE];
static size_t early_used, early_lost;
static int started;
static format_sink fallback_sink;
static void *fallback_ctx;

static void log_sink(void *ctx, const char *text, size_t len)
{
	if (started) {
		if (fallback_sink)
			fallback_sink(fallback_ctx, text, len);
		else
			serial_write(text, len);
		return;
	}
	if (len > sizeof(early) - early_used) {
		early_lost += len;
		return;
	}
	memcpy(early + early_used, text, len);
	early_used += len;
}

const struct out log_out = { log_sink, NULL };
enum log_level log_level = LOG_INFO;

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_INFO)
		return;
	va_start(ap, fmt);
	format_v(log_sink, NULL, fmt, ap);
	va_end(ap);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_v(log_sink, NULL, fmt, ap);
	va_end(ap);
}

int log_start(uint16_t port, uint32_t baud, format_sink fallback, void *ctx)
{
	int status = port ? serial_init(port, baud) : 0;

	if (!port || status < 0) {
		fallback_sink = fallback;
		fallback_ctx = ctx;
	}
	started = 1;
	log_sink(NULL, early, early_used);
	if (early_lost)
		log_printf("(log: %zu bytes written before the console started were lost)\n",
			   early_lost);
	early_used = early_lost = 0;
	return status;
}

void log_redirect(format_sink sink, void *ctx)
{
	fallback_sink = sink;
	fallback_ctx = ctx;
}
