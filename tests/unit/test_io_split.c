/* vmx/io_split.c: an I/O access split among pmuvisor's ports and the
 * hardware's, byte by byte as the I/O bitmap sees it (SDM 26.1.3). */
#include "unit.h"

#include "vmx/io_split.h"

/* The console at 0x2f8-0x2ff, the demo device at 0x80. */
static enum io_owner owner(const void *ctx, uint16_t port)
{
	(void)ctx;
	return port >= 0x2f8 && port <= 0x2ff ? IO_CONSOLE : port == 0x80 ? IO_DEVICE : IO_HARDWARE;
}

static void assert_run(const struct io_run *r, uint16_t port, unsigned offset, unsigned size,
		       enum io_owner o)
{
	assert_int_equal(r->port, port);
	assert_int_equal(r->offset, offset);
	assert_int_equal(r->size, size);
	assert_int_equal(r->owner, o);
}

static void test_access_on_one_owner_is_one_run(void **state)
{
	struct io_run r[4];

	assert_int_equal(io_split(0x2f8, 4, owner, 0, r), 1);
	assert_run(&r[0], 0x2f8, 0, 4, IO_CONSOLE);
	assert_int_equal(io_split(0x60, 1, owner, 0, r), 1);
	assert_run(&r[0], 0x60, 0, 1, IO_HARDWARE);
}

static void test_dword_at_2f7_is_one_hardware_byte_then_console(void **state)
{
	struct io_run r[4];

	/* 0x2f7 is the hardware's, 0x2f8-0x2fa the console's: 1 + 3 -> 1 + 2 + 1. */
	assert_int_equal(io_split(0x2f7, 4, owner, 0, r), 3);
	assert_run(&r[0], 0x2f7, 0, 1, IO_HARDWARE);
	assert_run(&r[1], 0x2f8, 1, 2, IO_CONSOLE);
	assert_run(&r[2], 0x2fa, 3, 1, IO_CONSOLE);
}

static void test_dword_at_2fe_is_console_word_then_hardware_word(void **state)
{
	struct io_run r[4];

	assert_int_equal(io_split(0x2fe, 4, owner, 0, r), 2);
	assert_run(&r[0], 0x2fe, 0, 2, IO_CONSOLE);
	assert_run(&r[1], 0x300, 2, 2, IO_HARDWARE);
}

/* Native Bochs gives a word IN at 0xFFFF to port 0xFFFF's handler whole:
 * the hardware gets it as the guest made it. */
static void test_access_wrapping_at_ffff_stays_whole(void **state)
{
	struct io_run r[4];

	assert_int_equal(io_split(0xffff, 2, owner, 0, r), 1);
	assert_run(&r[0], 0xffff, 0, 2, IO_HARDWARE);
	assert_int_equal(io_split(0xfffd, 4, owner, 0, r), 1);
	assert_run(&r[0], 0xfffd, 0, 4, IO_HARDWARE);
}

/* Were port 0 pmuvisor's, the wrapped byte would be its. */
static enum io_owner port0_owned(const void *ctx, uint16_t port)
{
	(void)ctx;
	return port == 0 ? IO_DEVICE : IO_HARDWARE;
}

static void test_wrapped_byte_is_asked_for_as_port_0(void **state)
{
	struct io_run r[4];

	assert_int_equal(io_split(0xffff, 2, port0_owned, 0, r), 2);
	assert_run(&r[0], 0xffff, 0, 1, IO_HARDWARE);
	assert_run(&r[1], 0x0000, 1, 1, IO_DEVICE);
}

static void test_device_byte_inside_a_dword(void **state)
{
	struct io_run r[4];

	assert_int_equal(io_split(0x7f, 4, owner, 0, r), 3);
	assert_run(&r[0], 0x7f, 0, 1, IO_HARDWARE);
	assert_run(&r[1], 0x80, 1, 1, IO_DEVICE);
	assert_run(&r[2], 0x81, 2, 2, IO_HARDWARE);
}

static void test_runs_cover_every_byte_once_for_every_port(void **state)
{
	struct io_run r[4];
	unsigned sizes[] = { 1, 2, 4 };

	for (unsigned s = 0; s < 3; s++)
		for (uint32_t port = 0; port <= 0xffff; port++) {
			unsigned n = io_split((uint16_t)port, sizes[s], owner, 0, r), covered = 0;

			for (unsigned i = 0; i < n; i++) {
				assert_int_equal(r[i].offset, covered);
				assert_true(r[i].size == 1 || r[i].size == 2 || r[i].size == 4);
				assert_int_equal(r[i].port, (uint16_t)(port + r[i].offset));
				for (unsigned b = 0; b < r[i].size; b++)
					assert_int_equal(owner(0, (uint16_t)(r[i].port + b)), r[i].owner);
				covered += r[i].size;
			}
			assert_int_equal(covered, sizes[s]);
		}
}

static void test_in_result_merges_as_the_cpu_does(void **state)
{
	assert_int_equal(io_in_result(0x1122334455667788ull, 1, 0xab), 0x11223344556677abull);
	assert_int_equal(io_in_result(0x1122334455667788ull, 2, 0xabcd), 0x112233445566abcdull);
	assert_int_equal(io_in_result(0x1122334455667788ull, 4, 0xdeadbeef), 0xdeadbeefull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_on_one_owner_is_one_run),
		cmocka_unit_test(test_dword_at_2f7_is_one_hardware_byte_then_console),
		cmocka_unit_test(test_dword_at_2fe_is_console_word_then_hardware_word),
		cmocka_unit_test(test_access_wrapping_at_ffff_stays_whole),
		cmocka_unit_test(test_wrapped_byte_is_asked_for_as_port_0),
		cmocka_unit_test(test_device_byte_inside_a_dword),
		cmocka_unit_test(test_runs_cover_every_byte_once_for_every_port),
		cmocka_unit_test(test_in_result_merges_as_the_cpu_does),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
