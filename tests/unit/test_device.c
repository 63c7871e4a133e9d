/* vmx/device.c: the demo device's register, on the host. */
#include "unit.h"

#include "vmx/device.h"

#include <string.h>

/* The device's mixing round, written out in C. */
static uint32_t model(uint32_t sum, uint32_t value, uint32_t rounds)
{
	if (!rounds)
		return sum + value;
	while (rounds--) {
		sum += value;
		sum = (sum << 5) | (sum >> 27);
	}
	return sum;
}

static void test_writes_fold_into_the_checksum(void **state)
{
	struct device d = { .port = 0x510, .work = 400 };
	uint64_t rax = 0x1234;

	device_access(&d, false, 4, &rax);
	assert_int_equal(d.checksum, model(0, 0x1234, 100));
	rax = 0xffffffffaabbccddull; /* only the access's bytes reach the device */
	device_access(&d, false, 2, &rax);
	assert_int_equal(d.checksum, model(model(0, 0x1234, 100), 0xccdd, 100));
	assert_int_equal(d.writes, 2);
	assert_int_equal(d.reads, 0);
}

static void test_no_work_still_counts(void **state)
{
	struct device d = { .port = 0x510, .work = 0, .checksum = 7 };
	uint64_t rax = 5;

	device_access(&d, false, 1, &rax);
	assert_int_equal(d.checksum, 12);
	assert_int_equal(d.writes, 1);
}

static void test_reads_as_hardware_does(void **state)
{
	struct device d = { .port = 0x510, .checksum = 0x89abcdef };
	uint64_t rax = 0x1111111122222222ull;

	device_access(&d, true, 1, &rax);
	assert_true(rax == 0x11111111222222efull);
	device_access(&d, true, 2, &rax);
	assert_true(rax == 0x111111112222cdefull);
	/* A 32-bit destination zero-extends into the whole register. */
	device_access(&d, true, 4, &rax);
	assert_true(rax == 0x89abcdefull);
	assert_int_equal(d.reads, 3);
	assert_int_equal(d.checksum, 0x89abcdef); /* reads change nothing */
}

static void test_work_is_whole_rounds_and_bounded(void **state)
{
	struct device d = { .port = 0x510, .work = 40 };

	assert_int_equal(device_set_work(&d, 10003), 0);
	assert_int_equal(d.work, 10000);
	assert_int_equal(device_set_work(&d, DEVICE_WORK_MAX), 0);
	assert_int_equal(d.work, DEVICE_WORK_MAX);
	assert_int_equal(device_set_work(&d, DEVICE_WORK_MAX + 1), -1);
	assert_int_equal(d.work, DEVICE_WORK_MAX); /* unchanged on error */
	assert_int_equal(device_set_work(&d, 0), 0);
	assert_int_equal(d.work, 0);
}

static void test_claims_only_its_port(void **state)
{
	struct device off = { 0 }, on = { .port = 0x510 };

	assert_false(device_claims(&off, 0));
	assert_false(device_claims(&off, 0x510));
	assert_true(device_claims(&on, 0x510));
	assert_false(device_claims(&on, 0x511));
}

static char text[512];
static size_t used;

static void sink(void *ctx, const char *s, size_t n)
{
	if (used + n < sizeof(text)) {
		memcpy(text + used, s, n);
		used += n;
		text[used] = '\0';
	}
}

static void test_status(void **state)
{
	struct out o = { sink, 0 };
	struct device d = { .port = 0x510, .work = 2000, .writes = 3, .reads = 1 };

	used = 0;
	device_status(&d, &o);
	assert_string_equal(text, "device: port 0x510, work 2000 instructions an access; 3 writes, "
				  "1 reads\n");
	used = 0;
	d.port = 0;
	device_status(&d, &o);
	assert_string_equal(text, "device: off (device=PORT in pmuvisor.cfg)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_fold_into_the_checksum),
		cmocka_unit_test(test_no_work_still_counts),
		cmocka_unit_test(test_reads_as_hardware_does),
		cmocka_unit_test(test_work_is_whole_rounds_and_bounded),
		cmocka_unit_test(test_claims_only_its_port),
		cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
