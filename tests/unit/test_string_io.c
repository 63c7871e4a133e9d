/* vmx/string_io.c: INS and OUTS as pmuvisor carries them out on its
 * ports: the operand from the prefixes, the iterations, the register
 * updates (SDM Vol. 2B, INS and OUTS; Vol. 2A, 2.1 prefixes). */
#include "unit.h"

#include "vmx/string_io.h"

static struct string_io_operand decode(const char *bytes, unsigned len, bool in, bool cs_long,
				       bool cs_d, int expect)
{
	struct string_io_operand op = { 99, 99, false };

	assert_int_equal(string_io_decode((const uint8_t *)bytes, len, in, cs_long, cs_d, &op), expect);
	return op;
}

static void test_operands_in_64_bit_mode(void **state)
{
	struct string_io_operand op = decode("\xf3\x6e", 2, false, true, false, 0); /* rep outsb */

	assert_int_equal(op.segment, SEG_DS);
	assert_int_equal(op.addr_bytes, 8);
	assert_true(op.rep);
	op = decode("\x65\x67\x48\x6f", 4, false, true, false, 0); /* gs a32 rex.w outsd */
	assert_int_equal(op.segment, SEG_GS);
	assert_int_equal(op.addr_bytes, 4);
	assert_false(op.rep);
	op = decode("\x64\x6c", 2, true, true, false, 0); /* fs insb: INS is ES whatever the prefix */
	assert_int_equal(op.segment, SEG_ES);
	op = decode("\x66\x6d", 2, true, true, false, 0); /* insw */
	assert_int_equal(op.addr_bytes, 8);
}

static void test_operands_in_32_and_16_bit_code(void **state)
{
	struct string_io_operand op = decode("\x2e\xf3\x6e", 3, false, false, true, 0);

	assert_int_equal(op.segment, SEG_CS);
	assert_int_equal(op.addr_bytes, 4);
	op = decode("\x67\x6e", 2, false, false, true, 0); /* 32-bit code, a16 */
	assert_int_equal(op.addr_bytes, 2);
	op = decode("\x6f", 1, false, false, false, 0); /* 16-bit code */
	assert_int_equal(op.addr_bytes, 2);
	op = decode("\x67\x36\x6f", 3, false, false, false, 0);
	assert_int_equal(op.addr_bytes, 4);
	assert_int_equal(op.segment, SEG_SS);
	/* 0x40-0x4f are INC/DEC there, not REX: no INS/OUTS. */
	decode("\x48\x6e", 2, false, false, true, -1);
}

static void test_what_is_not_ins_or_outs(void **state)
{
	decode("\xf3\x6e", 2, true, true, false, -1);  /* OUTS where the exit says IN */
	decode("\x6c", 1, false, true, false, -1);      /* INS where it says OUT */
	decode("\xf3\x90", 2, false, true, false, -1);  /* PAUSE */
	decode("\xf3\xf3", 2, false, true, false, -1);  /* no opcode */
	decode("", 0, false, true, false, -1);
}

static void test_iterations(void **state)
{
	struct string_io_operand once = { SEG_DS, 8, false }, rep64 = { SEG_DS, 8, true },
				 rep16 = { SEG_DS, 2, true };

	assert_int_equal(string_io_iterations(&once, 0, 1024), 1); /* no REP: RCX unused */
	assert_int_equal(string_io_iterations(&rep64, 0, 1024), 0);
	assert_int_equal(string_io_iterations(&rep64, 5, 1024), 5);
	assert_int_equal(string_io_iterations(&rep64, 1ull << 40, 1024), 1024);
	assert_int_equal(string_io_iterations(&rep16, 0x10003, 1024), 3); /* CX only */
}

static void test_register_steps(void **state)
{
	assert_int_equal(string_io_step(0x1000, 1, 8), 0x1001);
	assert_int_equal(string_io_step(0x1000, -4, 8), 0xffc);
	assert_int_equal(string_io_step(0, -1, 8), ~0ull);
	/* 32-bit: wraps at 4 GiB, bits 63:32 cleared. */
	assert_int_equal(string_io_step(0xdead0000ffffffffull, 1, 4), 0);
	/* 16-bit: wraps at 64 KiB, bits 63:16 kept. */
	assert_int_equal(string_io_step(0x1234ffffull, 2, 2), 0x12340001ull);
	assert_int_equal(string_io_step(0x12340000ull, -1, 2), 0x1234ffffull);
	assert_int_equal(string_io_offset(0x1234ffffull, 2), 0xffff);
	assert_int_equal(string_io_offset(0xdead0000beefull, 4), 0xbeef);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operands_in_64_bit_mode),
		cmocka_unit_test(test_operands_in_32_and_16_bit_code),
		cmocka_unit_test(test_what_is_not_ins_or_outs),
		cmocka_unit_test(test_iterations),
		cmocka_unit_test(test_register_steps),
	};

	return cmocka_run_group_tests_name("string_io", tests, NULL, NULL);
}
