/* MTRR layouts shared by the MTRR and EPT unit tests. */
#ifndef TESTS_MTRR_FIXTURES_H
#define TESTS_MTRR_FIXTURES_H

#include "vmx/mtrr.h"

/* One fixed-range MTRR with all eight units of the same type. */
#define FIXED_ALL(type) (0x0101010101010101ull * (type))

/*
 * Bochs 2.7 running OVMF with 512 MiB of RAM.  Built from the sources,
 * not dumped from a running guest: Bochs reports IA32_MTRRCAP 0x508
 * (8 variable pairs, FIX, WC) and 40 physical-address bits; OVMF
 * (OvmfPkg PlatformInitLib, PlatformQemuInitializeRam) sets the default
 * type WB with E and FE, all fixed ranges WB except [640 KiB, 1 MiB) UC,
 * and one variable range [Uc32Base, 4 GiB) UC, where Uc32Base = 4 GiB -
 * the largest power of two <= (4 GiB - 512 MiB) = 2 GiB.
 */
static const struct mtrr_state __attribute__((unused)) bochs_ovmf_512m = {
	.cap = 0x508,
	.def_type = 0xc06,
	.fixed = { FIXED_ALL(MTRR_TYPE_WB), FIXED_ALL(MTRR_TYPE_WB), FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_UC),
		   FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_UC),
		   FIXED_ALL(MTRR_TYPE_UC) },
	.variable = { { 0x80000000 | MTRR_TYPE_UC, 0xff80000800 } },
	.maxphyaddr = 40,
};

/* A typical PC: legacy VGA window UC, option-ROM area WP, RAM WB by
 * default, a UC variable range over the 32-bit MMIO hole [3 GiB, 4 GiB). */
static const struct mtrr_state __attribute__((unused)) typical_pc = {
	.cap = 0x50a,
	.def_type = 0xc06,
	.fixed = { FIXED_ALL(MTRR_TYPE_WB), FIXED_ALL(MTRR_TYPE_WB), FIXED_ALL(MTRR_TYPE_UC), FIXED_ALL(MTRR_TYPE_WP), FIXED_ALL(MTRR_TYPE_WP),
		   FIXED_ALL(MTRR_TYPE_WP), FIXED_ALL(MTRR_TYPE_WP), FIXED_ALL(MTRR_TYPE_WP), FIXED_ALL(MTRR_TYPE_WP), FIXED_ALL(MTRR_TYPE_WP),
		   FIXED_ALL(MTRR_TYPE_WP) },
	.variable = { { 0xc0000000 | MTRR_TYPE_UC, 0x7fc0000800 } },
	.maxphyaddr = 39,
};

#endif
