#include "lib/panic.h"
#include "console/log.h"

void panic(const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	format_buf_v(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_printf("PANIC: %s\npmuvisor stopped this CPU.\n", message);
	panic_halt();
}
