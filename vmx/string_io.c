#include "vmx/string_io.h"

static uint64_t width_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* The segment a segment-override prefix names (SDM Vol. 2A, 2.1.1,
 * group 2), or -1. */
static int override_segment(uint8_t b)
{
	static const uint8_t prefix[] = { [SEG_ES] = 0x26, [SEG_CS] = 0x2e, [SEG_SS] = 0x36,
					  [SEG_DS] = 0x3e, [SEG_FS] = 0x64, [SEG_GS] = 0x65 };

	for (unsigned s = 0; s < sizeof(prefix); s++)
		if (b == prefix[s])
			return (int)s;
	return -1;
}

int string_io_decode(const uint8_t *bytes, unsigned len, bool in, bool cs_long, bool cs_d,
		     struct string_io_operand *op)
{
	bool address_override = false;
	unsigned i;

	op->segment = SEG_DS;
	op->rep = false;
	for (i = 0; i < len; i++) {
		uint8_t b = bytes[i];
		int segment = override_segment(b);

		if (segment >= 0)
			op->segment = (unsigned)segment;
		else if (b == 0x67)
			address_override = true;
		else if (b == 0xf2 || b == 0xf3)
			op->rep = true;
		else if (b >= 0x6c && b <= 0x6f)
			break;
		else if (b != 0x66 && b != 0xf0 && !(cs_long && (b & 0xf0) == 0x40)) /* operand size, LOCK, REX */
			return -1;
	}
	if (i == len || (bytes[i] <= 0x6d) != in)
		return -1;
	/* 64-bit mode: 64-bit addresses, 32-bit with 0x67.  Elsewhere the
	 * code segment's default, which 0x67 flips. */
	if (cs_long)
		op->addr_bytes = address_override ? 4 : 8;
	else
		op->addr_bytes = cs_d != address_override ? 4 : 2;
	if (in)
		op->segment = SEG_ES; /* INS writes ES:rDI; no override applies */
	return 0;
}

uint64_t string_io_iterations(const struct string_io_operand *op, uint64_t rcx, uint64_t max)
{
	uint64_t count;

	if (!op->rep)
		return 1;
	count = rcx & width_mask(op->addr_bytes);
	return count < max ? count : max;
}

uint64_t string_io_step(uint64_t reg, int64_t delta, unsigned addr_bytes)
{
	uint64_t mask = width_mask(addr_bytes), moved = (reg + (uint64_t)delta) & mask;

	return addr_bytes == 2 ? (reg & ~mask) | moved : moved;
}

uint64_t string_io_offset(uint64_t reg, unsigned addr_bytes)
{
	return reg & width_mask(addr_bytes);
}
