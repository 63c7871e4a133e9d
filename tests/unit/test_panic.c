/* lib/panic.c: a panic prints its message on the console, then stops. */
#include "unit.h"

#include "console/log.h"
#include "lib/panic.h"

static struct text_buffer console;
static jmp_buf halted;
static int halt_calls;

/* Test doubles for the console and the CPU stop. */
void log_printf(const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_buf_v(text, sizeof(text), fmt, ap);
	va_end(ap);
	text_buffer_sink(&console, text, n < sizeof(text) ? n : sizeof(text) - 1);
}

void panic_halt(void)
{
	halt_calls++;
	longjmp(halted, 1);
}

static void test_panic_prints_then_halts(void **state)
{
	console.len = 0;
	halt_calls = 0;
	if (setjmp(halted) == 0)
		panic("VM entry failed: %s (error %u)", "invalid guest state", 33u);
	assert_int_equal(halt_calls, 1);
	assert_string_equal(console.text, "PANIC: VM entry failed: invalid guest state (error 33)\n"
					  "pmuvisor stopped this CPU.\n");
}

static void test_long_message_is_cut_not_overflowed(void **state)
{
	char big[600];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	console.len = 0;
	if (setjmp(halted) == 0)
		panic("%s", big);
	assert_int_equal(strlen(console.text), strlen("PANIC: ") + 255 +
			 strlen("\npmuvisor stopped this CPU.\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_panic_prints_then_halts),
		cmocka_unit_test(test_long_message_is_cut_not_overflowed),
	};

	return cmocka_run_group_tests_name("panic", tests, NULL, NULL);
}
