#include "vmx/mtrr.h"

#include <stddef.h>

/* SDM Vol. 3A, 12.11.2.2, Table 12-9: the eleven fixed-range MTRRs
 * together cover the first MiB, each split into eight equal units. */
const struct mtrr_fixed_msr mtrr_fixed_msrs[MTRR_FIXED_MSRS] = {
	{ 0x250, 0x00000, 0x10000, "IA32_MTRR_FIX64K_00000" },
	{ 0x258, 0x80000, 0x4000, "IA32_MTRR_FIX16K_80000" },
	{ 0x259, 0xa0000, 0x4000, "IA32_MTRR_FIX16K_A0000" },
	{ 0x268, 0xc0000, 0x1000, "IA32_MTRR_FIX4K_C0000" },
	{ 0x269, 0xc8000, 0x1000, "IA32_MTRR_FIX4K_C8000" },
	{ 0x26a, 0xd0000, 0x1000, "IA32_MTRR_FIX4K_D0000" },
	{ 0x26b, 0xd8000, 0x1000, "IA32_MTRR_FIX4K_D8000" },
	{ 0x26c, 0xe0000, 0x1000, "IA32_MTRR_FIX4K_E0000" },
	{ 0x26d, 0xe8000, 0x1000, "IA32_MTRR_FIX4K_E8000" },
	{ 0x26e, 0xf0000, 0x1000, "IA32_MTRR_FIX4K_F0000" },
	{ 0x26f, 0xf8000, 0x1000, "IA32_MTRR_FIX4K_F8000" },
};

#define FIXED_RANGES_END 0x100000ull
#define UNITS_PER_FIXED_MSR 8

/* Not a memory type: the answer for a block holding more than one. */
#define MIXED 0xffu

/* Table 12-8; a NULL name is a reserved encoding. */
static const char *const type_names[8] = {
	[MTRR_TYPE_UC] = "UC", [MTRR_TYPE_WC] = "WC", [MTRR_TYPE_WT] = "WT",
	[MTRR_TYPE_WP] = "WP", [MTRR_TYPE_WB] = "WB",
};

const char *mtrr_type_name(unsigned type)
{
	return type < 8 && type_names[type] ? type_names[type] : "reserved";
}

/* WRMSR of a reserved type raises #GP (12.11.2), so one can only come
 * from a damaged copy of the MSRs; UC is the choice that cannot corrupt. */
static uint8_t checked_type(uint64_t raw)
{
	unsigned type = (unsigned)(raw & 0xff);

	return type < 8 && type_names[type] ? (uint8_t)type : MTRR_TYPE_UC;
}

unsigned mtrr_variable_count(const struct mtrr_state *state)
{
	unsigned vcnt = (unsigned)(state->cap & MTRRCAP_VCNT_MASK);

	return vcnt < MTRR_VARIABLE_MAX ? vcnt : MTRR_VARIABLE_MAX;
}

const char *mtrr_state_problem(const struct mtrr_state *state)
{
	if ((state->cap & MTRRCAP_VCNT_MASK) > MTRR_VARIABLE_MAX)
		return "IA32_MTRRCAP.VCNT reports more variable-range MTRRs than the 16 pmuvisor reads";
	return NULL;
}

unsigned mtrr_maxphyaddr(const struct mtrr_state *state)
{
	if (state->maxphyaddr == 0)
		return 36;
	return state->maxphyaddr < 52 ? state->maxphyaddr : 52;
}

static bool mtrrs_enabled(const struct mtrr_state *state)
{
	return state->def_type & MTRR_DEF_TYPE_E;
}

/* Fixed ranges count only if the CPU has them and FE is set (12.11.2.1). */
static bool fixed_ranges_enabled(const struct mtrr_state *state)
{
	return (state->cap & MTRRCAP_FIX) && (state->def_type & MTRR_DEF_TYPE_FE);
}

static uint8_t fixed_unit_type(const struct mtrr_state *state, unsigned msr, unsigned unit)
{
	return checked_type(state->fixed[msr] >> (8 * unit));
}

static uint8_t fixed_type(const struct mtrr_state *state, uint64_t phys)
{
	for (unsigned i = 0; i < MTRR_FIXED_MSRS; i++) {
		const struct mtrr_fixed_msr *f = &mtrr_fixed_msrs[i];

		if (phys < f->base + (uint64_t)f->unit * UNITS_PER_FIXED_MSR)
			return fixed_unit_type(state, i, (unsigned)((phys - f->base) / f->unit));
	}
	return MTRR_TYPE_UC; /* not reached: callers pass phys below 1 MiB */
}

/* The one type of the fixed units overlapping [start, end), or MIXED. */
static unsigned fixed_block_type(const struct mtrr_state *state, uint64_t start, uint64_t end)
{
	unsigned type = MIXED;

	for (unsigned i = 0; i < MTRR_FIXED_MSRS; i++) {
		const struct mtrr_fixed_msr *f = &mtrr_fixed_msrs[i];

		for (unsigned u = 0; u < UNITS_PER_FIXED_MSR; u++) {
			uint64_t unit_start = f->base + (uint64_t)u * f->unit;
			unsigned t;

			if (unit_start + f->unit <= start || unit_start >= end)
				continue;
			t = fixed_unit_type(state, i, u);
			if (type != MIXED && t != type)
				return MIXED;
			type = t;
		}
	}
	return type;
}

/* PhysBase and PhysMask are bits MAXPHYADDR-1:12 (12.11.2.3). */
static uint64_t variable_mask(const struct mtrr_state *state, const struct mtrr_variable *v)
{
	uint64_t address_bits = ((1ull << mtrr_maxphyaddr(state)) - 1) & ~0xfffull;

	return v->mask & address_bits;
}

static bool variable_valid(const struct mtrr_variable *v)
{
	return v->mask & MTRR_PHYSMASK_VALID;
}

/* 12.11.4.1: two ranges that overlap give UC if either is UC, WT for WT
 * and WB; other mixtures are undefined, so take UC, which is always safe. */
static uint8_t overlap_type(uint8_t a, uint8_t b)
{
	if (a == b)
		return a;
	if (a == MTRR_TYPE_UC || b == MTRR_TYPE_UC)
		return MTRR_TYPE_UC;
	if ((a == MTRR_TYPE_WT && b == MTRR_TYPE_WB) || (a == MTRR_TYPE_WB && b == MTRR_TYPE_WT))
		return MTRR_TYPE_WT;
	return MTRR_TYPE_UC;
}

/* The type from the variable ranges matching 'phys', or the default type
 * if none does (12.11.4.1). */
static uint8_t variable_type(const struct mtrr_state *state, uint64_t phys)
{
	unsigned count = mtrr_variable_count(state);
	bool matched = false;
	uint8_t type = MTRR_TYPE_UC;

	for (unsigned i = 0; i < count; i++) {
		const struct mtrr_variable *v = &state->variable[i];

		if (!variable_valid(v) || ((phys ^ v->base) & variable_mask(state, v)))
			continue;
		type = matched ? overlap_type(type, checked_type(v->base)) : checked_type(v->base);
		matched = true;
	}
	return matched ? type : checked_type(state->def_type & MTRR_DEF_TYPE_MASK);
}

uint8_t mtrr_type_of(const struct mtrr_state *state, uint64_t phys)
{
	if (!mtrrs_enabled(state))
		return MTRR_TYPE_UC;
	if (fixed_ranges_enabled(state) && phys < FIXED_RANGES_END)
		return fixed_type(state, phys);
	return variable_type(state, phys);
}

static unsigned block_type(const struct mtrr_state *state, uint64_t start, unsigned order);

static unsigned split_block_type(const struct mtrr_state *state, uint64_t start, unsigned order)
{
	unsigned low = block_type(state, start, order - 1);

	if (low == MIXED || low != block_type(state, start + (1ull << (order - 1)), order - 1))
		return MIXED;
	return low;
}

/*
 * The type of the naturally aligned block [start, start + 2^order), or
 * MIXED.  Within such a block the address bits below 'order' take every
 * value and those above are fixed, so a variable range either matches
 * all of it, none of it, or (mask bits below 'order') only part; only
 * the last case, and blocks straddling the end of the fixed ranges, need
 * a look at the two halves.  Masks have no bits below 12, so the
 * recursion stops at 4 KiB blocks at the latest.
 */
static unsigned block_type(const struct mtrr_state *state, uint64_t start, unsigned order)
{
	uint64_t inside = (1ull << order) - 1; /* order <= 63 */
	unsigned count = mtrr_variable_count(state);

	if (!mtrrs_enabled(state))
		return MTRR_TYPE_UC;
	if (fixed_ranges_enabled(state) && start < FIXED_RANGES_END) {
		if (start + inside < FIXED_RANGES_END)
			return fixed_block_type(state, start, start + inside + 1);
		return split_block_type(state, start, order);
	}
	for (unsigned i = 0; i < count; i++) {
		const struct mtrr_variable *v = &state->variable[i];
		uint64_t mask = variable_mask(state, v);

		if (!variable_valid(v) || ((start ^ v->base) & mask & ~inside))
			continue; /* matches no address of the block */
		if (mask & inside)
			return split_block_type(state, start, order);
	}
	return variable_type(state, start);
}

static unsigned min_unsigned(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

bool mtrr_range_type(const struct mtrr_state *state, uint64_t base, uint64_t size, uint8_t *type)
{
	unsigned first = MIXED;

	if (size == 0 || size - 1 > UINT64_MAX - base)
		return false;
	/* Cut the range into the largest naturally aligned blocks. */
	while (size) {
		unsigned align = base ? (unsigned)__builtin_ctzll(base) : 63;
		unsigned order = min_unsigned(min_unsigned(align, 63 - (unsigned)__builtin_clzll(size)), 63);
		unsigned t = block_type(state, base, order);

		if (t == MIXED || (first != MIXED && t != first))
			return false;
		first = t;
		base += 1ull << order;
		size -= 1ull << order;
	}
	*type = (uint8_t)first;
	return true;
}
